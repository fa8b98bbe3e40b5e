/*
 * server.h - sse-fcgi's streaming thread: every stream of the process lives
 * here, in one epoll loop. One hub reads each new row once and fans it out;
 * a stream that is behind (resuming, or a slow reader) catches up on its own
 * from the table, at the pace its socket drains.
 */
#ifndef SERVER_H
#define SERVER_H

#include "config.h"

/* Serve FastCGI connections on listen_fd until SIGTERM/SIGINT. Returns the
 * process exit status. Start-up failures are reported on stderr. */
int	server_run(const struct config *cfg, int listen_fd);

#endif

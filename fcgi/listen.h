/* listen.h - sse-fcgi's own listening socket (--listen). */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

/*
 * Listen on addr: "unix:/path" (taking the path over from a running
 * sse-fcgi, the calm redeploy; the socket group read-write whatever the
 * umask) or "host:port" ("127.0.0.1:9000", "[::1]:9000"). Returns the
 * socket, or -1 with err saying why, naming the directory when it is the
 * directory that refuses.
 */
int	listen_at(const char *addr, char *err, size_t errsz);

#endif

/*
 * responder.h - what sse.cgi and sse-fcgi do alike before a stream starts,
 * whatever carries their bytes: read the request from its params (the CGI
 * environment, or the FastCGI params: a NULL-terminated array of
 * "NAME=value") and decide what to answer.
 */
#ifndef RESPONDER_H
#define RESPONDER_H

#include "request.h"
#include "status.h"

/*
 * Read the request in env: the method, cursor and query, CORS, whether it
 * is for the status page (status_path, "" for none; *page), and for a
 * stream who is asking (SSE_PRIVATE, with private_ the process's default,
 * and REMOTE_USER). Returns the HTTP status to answer: 200 to go on, or a
 * refusal with r->error saying why. A 401, 403 or 500 is the web server's
 * setup or a forged request: responder_logged() says to log it.
 */
int	responder_read(struct request *r, enum status_format *page,
	    char *const *env, const char *status_path, int private_);
/* Should a refusal with this status be logged? */
int	responder_logged(int status);

#endif

/*
 * request.h - what a client asked for: the method, the resume cursor
 * (Last-Event-ID header, else the lastEventId query parameter), the topics
 * (the path after the endpoint's, and topic= in the query, repeatable) and
 * an optional symbols filter. Everything is copied; nothing is borrowed.
 *
 * Errors: the HTTP status to answer (200 to go on), with r->error saying
 * why for a refusal.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stdint.h>

#include "cors.h"
#include "topic.h"
#include "validate.h"

#define REQUEST_SYMBOLS_MAX	32
#define REQUEST_QUERY_MAX	4096

enum request_method { REQ_GET, REQ_HEAD, REQ_OPTIONS, REQ_OTHER };

struct request {
	enum request_method method;
	int		 has_cursor;
	int64_t		 cursor;
	int		 nsymbols;	/* 0: every event */
	char		 symbols[REQUEST_SYMBOLS_MAX][SYMBOL_MAX + 1];
	struct topics	 topics;	/* path and topic=; none: every row */
	const char	*error;		/* reason for a 4xx/500 (static string) */
	char		 origin[CORS_ORIGIN_MAX + 1];	/* "" if absent */
	char		 preflight[16];	/* Access-Control-Request-Method */
	int		 private_;	/* a private endpoint (SSE_PRIVATE) */
	char		 user[AUDIENCE_MAX + 1];	/* REMOTE_USER; "" none */
	int		 gzip;		/* Accept-Encoding takes gzip */
};

/*
 * Parse a request from CGI-style values (any may be NULL). Returns the HTTP
 * status to answer: 200 (GET or HEAD), 400 (bad query; see r->error) or 405
 * (OPTIONS, which stream_reject() answers as a CORS preflight, or another
 * method).
 * An invalid cursor counts as absent, as WHATWG HTML asks.
 */
int	request_parse(struct request *r, const char *method, const char *query,
	    const char *last_event_id);

/*
 * The topic the path names: PATH_INFO, the part of the URL after the
 * endpoint's ("/jobs/42" for /sse/jobs/42), decoded by the web server; a
 * pattern like any topic= value. NULL, "" and "/" name none. Returns 200,
 * 400 with r->error saying why, or 500 for a PATH_INFO that does not start
 * with '/' (the web server's configuration).
 */
int	request_path(struct request *r, const char *path_info);

/* Keep the Origin and Access-Control-Request-Method headers (either may be
 * NULL); a value too long to be one is dropped. */
void	request_cors(struct request *r, const char *origin, const char *method);

/*
 * The value of name in env, a NULL-terminated array of "NAME=value" (a
 * FastCGI request's params, or a CGI program's environ). Returns how many
 * times name appears; *value is the first value, NULL when there is none.
 */
int	request_param(char *const *env, const char *name, const char **value);

/*
 * Who is asking, decided once, from env alone (see request_param()):
 * SSE_PRIVATE ("0" public, anything else private; absent: dflt) and the
 * REMOTE_USER the web server authenticated. Returns 200; 500 when either
 * comes more than once (a web server that appends a second copy, as nginx
 * does, would have the responder pick one: it picks none); 401 when a
 * private endpoint has no user (never a silent public stream); 403 when
 * the name cannot be a user (validate_user()). r->error says why. A public
 * endpoint ignores the user: it streams public events only.
 */
int	request_auth(struct request *r, char *const *env, int dflt);

/* 1 when the stream should carry this row: non-price events always pass. */
int	request_wants(const struct request *r, const char *symbol);

#endif

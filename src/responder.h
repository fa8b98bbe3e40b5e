/*
 * responder.h - what sse.cgi and sse-fcgi do alike, whatever carries their
 * bytes (stdout, or a non-blocking FastCGI writer): read the request from
 * its params (the CGI environment, or the FastCGI params: a NULL-terminated
 * array of "NAME=value") and decide what to answer; hold a private stream
 * to its grants; catch a stream up from the table under the replay limit;
 * tell a stream its database was replaced. Each writes the SSE text into
 * a buffer the caller sends.
 *
 * Errors: each says what happened as a value of its own (an HTTP status,
 * enum responder_grants, enum responder_catch_up); the store's message
 * says why a read failed. Nothing here logs: the responders do.
 */
#ifndef RESPONDER_H
#define RESPONDER_H

#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "follow.h"
#include "request.h"
#include "status.h"
#include "stream.h"

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

/* What a stream may do now, as far as its grants go. */
enum responder_grants {
	GRANTS_OK,		/* read (or not due): deliver */
	GRANTS_HELD,		/* the database is busy: deliver nothing, and
				   try again (the rows wait in the table) */
	GRANTS_FAILED		/* cannot be read: end the stream, rather than
				   deliver on grants that may be revoked */
};

/* A private stream's grants, read again once per heartbeat interval (a
 * public stream's are never due); st NULL is a database that cannot be
 * opened now. */
enum responder_grants responder_grants(struct stream *s, struct store *st,
	    int64_t now);

/* What one catch-up read did. */
enum responder_catch_up {
	CATCH_UP_MORE,		/* a full batch was taken: read again */
	CATCH_UP_DONE,		/* taken up to the end of the table */
	CATCH_UP_SPENT,		/* a full batch, and the stream replayed all
				   it may: end it (the client resumes) */
	CATCH_UP_CLOSED,	/* its topic's last row was taken: end it (the
				   client comes back to a 204) */
	CATCH_UP_HELD,		/* busy (the grants or the rows): try later */
	CATCH_UP_GRANTS,	/* the grants cannot be read: end the stream */
	CATCH_UP_FAILED		/* the rows cannot be read: store_errmsg() */
};

/*
 * One catch-up read for s, the same in both responders: its grants if
 * due, then a batch of rows after its cursor (up to rows), taken into out.
 * *events counts the events taken.
 */
enum responder_catch_up responder_catch_up(struct stream *s, struct batch *b,
	    struct store *st, const struct stream_cfg *cfg, int rows,
	    int64_t now, struct buf *out, int *events);

/*
 * The database the streams were on was replaced (f has the new one, or
 * none): the new one's range, for stream_replaced() to tell each stream,
 * so its client does not resume into other rows. 0 when the new one cannot
 * be read (then the streams end without it).
 */
int	responder_new_range(struct follow *f, int64_t *oldest,
	    int64_t *newest);

#endif

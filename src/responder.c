/* responder.c - what both responders do before a stream (see responder.h). */
#include "gzip.h"
#include "responder.h"

/* The first value of name in env, or NULL; duplicates matter only for the
 * identity, which request_auth() reads itself. */
static const char *
param(char *const *env, const char *name)
{
	const char *v;

	request_param(env, name, &v);
	return v;
}

/* The topic in the path. Two PATH_INFO (a web server set up to add its
 * own to the usual ones) cannot say which was meant: neither is. */
static int
request_topic_path(struct request *r, char *const *env)
{
	const char *v;

	if (request_param(env, "PATH_INFO", &v) > 1) {
		r->error = "PATH_INFO came twice: the web server's "
		    "configuration sets it twice";
		return 500;
	}
	return request_path(r, v);
}

int
responder_read(struct request *r, enum status_format *page,
    char *const *env, const char *status_path, int private_)
{
	int status;

	status = request_parse(r, param(env, "REQUEST_METHOD"),
	    param(env, "QUERY_STRING"), param(env, "HTTP_LAST_EVENT_ID"));
	request_cors(r, param(env, "HTTP_ORIGIN"),
	    param(env, "HTTP_ACCESS_CONTROL_REQUEST_METHOD"));
	r->gzip = gzip_accepted(param(env, "HTTP_ACCEPT_ENCODING"));
	*page = status == 200 ? status_wanted(status_path,
	    param(env, "REQUEST_URI"), param(env, "QUERY_STRING")) :
	    STATUS_NONE;
	/* The status page is the web server's to guard (conf/); a stream on
	 * a private endpoint needs its signed-in user, read from all of env:
	 * getenv() and FCGX_GetParam() return the first of two copies. */
	if (status == 200 && *page == STATUS_NONE)
		status = request_topic_path(r, env);
	if (status == 200 && *page == STATUS_NONE)
		status = request_auth(r, env, private_);
	return status;
}

int
responder_logged(int status)
{
	return status == 401 || status == 403 || status == 500;
}

enum responder_grants
responder_grants(struct stream *s, struct store *st, int64_t now)
{
	int rc;

	if (!stream_grants_due(s, now))
		return GRANTS_OK;
	if (st == NULL)
		return GRANTS_FAILED;
	if ((rc = stream_read_grants(s, st, now)) == STORE_OK)
		return GRANTS_OK;
	return rc == STORE_BUSY ? GRANTS_HELD : GRANTS_FAILED;
}

enum responder_catch_up
responder_catch_up(struct stream *s, struct batch *b, struct store *st,
    const struct stream_cfg *cfg, int rows, int64_t now, struct buf *out,
    int *events)
{
	int rc;

	*events = 0;
	switch (responder_grants(s, st, now)) {
	case GRANTS_HELD:	return CATCH_UP_HELD;
	case GRANTS_FAILED:	return CATCH_UP_GRANTS;
	case GRANTS_OK:		break;
	}
	/* A stream on topics reads their rows alone, through the index. */
	b->want = s->req.topics.n > 0 ? &s->req.topics : NULL;
	rc = batch_load(b, st, s->cursor, rows, BATCH_BYTES);
	b->want = NULL;
	if (rc != STORE_OK)
		return rc == STORE_BUSY ? CATCH_UP_HELD : CATCH_UP_FAILED;
	if ((*events = stream_take(s, b, out)) < 0)
		*events = 0;
	if (stream_closed(s))
		return CATCH_UP_CLOSED;
	if (!b->full)
		return CATCH_UP_DONE;
	return stream_replay_spent(s, cfg) ? CATCH_UP_SPENT : CATCH_UP_MORE;
}

int
responder_new_range(struct follow *f, int64_t *oldest, int64_t *newest)
{
	return follow_ready(f) && store_bounds(follow_store(f), oldest,
	    newest) == STORE_OK;
}

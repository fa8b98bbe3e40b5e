/* stream.c - one client's event stream, for CGI and FastCGI alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "stream.h"

/* No Status: line for 200: Caddy would echo it as a header. gz: the body
 * that follows is compressed. */
static void
head_sse(const struct stream_cfg *cfg, const struct request *r, int gz,
    struct buf *out)
{
	buf_appends(out, "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Accel-Buffering: no\r\n");
	if (gz)
		buf_appends(out, "Content-Encoding: gzip\r\n");
	/* The answer depends on the header whenever it could. */
	if (cfg->gzip)
		buf_appends(out, "Vary: Accept-Encoding\r\n");
	cors_headers(&cfg->cors, r->origin, out);
	buf_appends(out, "\r\n");
}

void
stream_reject(int status, const struct request *r,
    const struct stream_cfg *cfg, struct buf *out)
{
	if (r->method == REQ_OPTIONS)
		cors_preflight(&cfg->cors, r->origin, r->preflight, out);
	else if (status == 405) {
		buf_appends(out, "Status: 405 Method Not Allowed\r\n"
		    "Allow: GET, HEAD\r\n");
		cors_headers(&cfg->cors, r->origin, out);
		buf_appends(out, "Content-Type: text/plain; charset=utf-8\r\n"
		    "\r\nmethod not allowed: use GET\n");
	} else if (status == 401 || status == 403 || status == 500) {
		buf_appends(out, status == 401 ? "Status: 401 Unauthorized\r\n" :
		    status == 403 ? "Status: 403 Forbidden\r\n" :
		    "Status: 500 Internal Server Error\r\n");
		cors_headers(&cfg->cors, r->origin, out);
		/* A 500 is the web server's setup: what went wrong is named,
		 * how its configuration does it is for the log alone. */
		buf_appends(out, "Content-Type: text/plain; charset=utf-8\r\n"
		    "\r\n");
		if (status == 500 && r->error != NULL)
			buf_printf(out, "%.*s; see the responder's log\n",
			    (int)strcspn(r->error, ":"), r->error);
		else
			buf_printf(out, "%s\n", r->error ? r->error :
			    "not allowed");
	} else {
		buf_appends(out, "Status: 400 Bad Request\r\n");
		cors_headers(&cfg->cors, r->origin, out);
		buf_printf(out, "Content-Type: text/plain; charset=utf-8\r\n"
		    "\r\n%s\n", r->error ? r->error : "bad request");
	}
}

void
stream_turn_away(const struct stream_cfg *cfg, const struct request *r,
    const char *why, struct buf *out)
{
	head_sse(cfg, r, 0, out);
	sse_comment(out, why);
	sse_retry(out, cfg->busy_retry_ms);
}

static void
reset(struct stream *s, struct buf *out, const char *reason, int64_t id,
    int64_t oldest, int64_t newest)
{
	char data[128];

	snprintf(data, sizeof(data), "{\"reason\":\"%s\",\"oldest\":%lld,"
	    "\"newest\":%lld}", reason, (long long)oldest, (long long)newest);
	sse_event(out, id, "reset", data, strlen(data));
	s->cursor = s->sent_id = id;
}

/* The grants being read: grown as rows come. */
struct grant_list {
	char	**names;
	size_t	  n, cap;
};

static void
grant_list_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
add_grant(void *ctx, const char *name)
{
	struct grant_list *l = ctx;
	char **names;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		if ((names = realloc(l->names, cap * sizeof(*names))) == NULL)
			return -1;
		l->names = names;
		l->cap = cap;
	}
	if ((l->names[l->n] = strdup(name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A private stream's audiences besides its user, all of them: a cap would
 * drop the events of the grants past it, and the closing id would then
 * move the client's cursor past those for good. Sorted here, not by the
 * database, whose collation need not be strcmp()'s.
 */
static int
load_grants(struct stream *s, struct store *st)
{
	struct grant_list l = { NULL, 0, 0 };
	int rc;

	grant_list_free(s->grants, s->ngrants);
	s->grants = NULL;
	s->ngrants = 0;
	rc = store_grants(st, s->req.user, INT32_MAX, add_grant, &l);
	if (rc >= 0 && (size_t)rc != l.n)
		rc = STORE_ERR;		/* add_grant ran out of memory */
	if (rc < 0) {
		grant_list_free(l.names, l.n);
		return rc;
	}
	if (l.n > 1)
		qsort(l.names, l.n, sizeof(*l.names), by_name);
	s->grants = l.names;
	s->ngrants = l.n;
	return STORE_OK;
}

void
stream_release(struct stream *s)
{
	grant_list_free(s->grants, s->ngrants);
	s->grants = NULL;
	s->ngrants = 0;
}

int
stream_grants_due(const struct stream *s, int64_t now)
{
	return s->req.private_ && now >= s->grants_at;
}

int
stream_read_grants(struct stream *s, struct store *st, int64_t now)
{
	int rc = load_grants(s, st);

	/* A failed read leaves no grants, and them still due: the caller
	 * holds delivery until a read succeeds, or ends the stream. */
	s->grants_at = rc == STORE_OK ? now + s->heartbeat_ms : now;
	return rc;
}

int
stream_hears(const struct stream *s, const char *audience)
{
	if (audience == NULL)
		return 1;
	if (!s->req.private_ || audience[0] == '\0')
		return 0;
	if (strcmp(audience, s->req.user) == 0)
		return 1;
	return s->ngrants > 0 && bsearch(&audience, s->grants, s->ngrants,
	    sizeof(*s->grants), by_name) != NULL;
}

/* How far back the newest row a stream may hear is looked for: past
 * that many rows for others, the topic counts as open (a stream, not a
 * 204: the safe side). */
#define FINISHED_LOOKBACK	1000

struct heard {
	const struct stream	*s;
	int64_t			 id;
	int			 closes;
};

static int
newest_heard(void *ctx, const struct store_tail *t)
{
	struct heard *h = ctx;

	if (!stream_hears(h->s, t->audience))
		return 0;
	h->id = t->id;
	h->closes = t->closes;
	return 1;
}

/*
 * A stream on one topic whose newest row it may hear closed it, and that
 * the client has seen (or, without a cursor, would never see anything
 * after): 204, which stops EventSource for good (WHATWG HTML: a status
 * other than 200 fails the connection). Rows for others count for nothing
 * either way, so their being there is never told. Returns 1 if it
 * answered, 0 to stream, -1 if the table cannot be read.
 */
static int
finished(struct stream *s, const struct stream_cfg *cfg, struct store *st,
    struct buf *out)
{
	const char *topic = topics_single(&s->req.topics);
	struct heard h = { s, 0, 0 };

	if (topic == NULL)
		return 0;
	if (store_topic_back(st, topic, FINISHED_LOOKBACK, newest_heard, &h) < 0)
		return -1;
	if (h.id == 0 || !h.closes || (s->req.has_cursor &&
	    s->req.cursor < h.id))
		return 0;
	buf_appends(out, "Status: 204 No Content\r\n");
	cors_headers(&cfg->cors, s->req.origin, out);
	buf_appends(out, "\r\n");
	return 1;
}

enum stream_state
stream_begin(struct stream *s, const struct request *req,
    const struct stream_cfg *cfg, struct store *st, struct buf *out)
{
	int64_t oldest, newest;
	int done;

	memset(s, 0, sizeof(*s));
	s->req = *req;
	s->gzip = cfg->gzip && req->gzip;
	if (req->method == REQ_HEAD) {
		head_sse(cfg, req, s->gzip, out);
		return STREAM_DONE;
	}
	if ((req->private_ && load_grants(s, st) != STORE_OK) ||
	    store_bounds(st, &oldest, &newest) != STORE_OK ||
	    (done = finished(s, cfg, st, out)) == -1)
		return STREAM_FAILED;
	if (done)
		return STREAM_DONE;
	head_sse(cfg, req, s->gzip, out);
	s->head_end = out->len;
	sse_comment(out, "ok");
	sse_retry(out, cfg->retry_ms);
	if (!req->has_cursor) {
		/* Prime: the browser's automatic reconnect will carry this id. */
		s->cursor = s->sent_id = newest;
		sse_id_only(out, newest);
	} else if (req->cursor > newest)
		reset(s, out, "ahead", newest, oldest, newest);
	else if (req->cursor < oldest - 1)
		reset(s, out, "pruned", oldest - 1, oldest, newest);
	else
		s->cursor = s->sent_id = req->cursor;
	return STREAM_OPEN;
}

void
stream_replaced(struct stream *s, int64_t oldest, int64_t newest,
    struct buf *out)
{
	reset(s, out, "replaced", newest, oldest, newest);
}

/* Append frame f of b as s wants it: as it is, or, on a stream that can
 * receive several topics, with its topic as the first line of its data. */
static void
take_frame(const struct stream *s, const struct batch *b,
    const struct frame *f, struct buf *out)
{
	const char *p = b->text.data + f->off;

	if (!f->has_topic || f->data_at == 0 ||
	    !topics_several(&s->req.topics)) {
		buf_append(out, p, f->len);
		return;
	}
	buf_append(out, p, f->data_at);
	buf_appends(out, "data: ");
	buf_appends(out, f->topic);
	buf_appends(out, "\n");
	buf_append(out, p + f->data_at, f->len - f->data_at);
}

/* Does s carry the row of f? */
static int
wanted(const struct stream *s, const struct frame *f)
{
	if (f->has_symbol && !request_wants(&s->req, f->symbol))
		return 0;
	if (!topics_match(&s->req.topics, f->has_topic ? f->topic : NULL))
		return 0;
	return !f->has_audience || stream_hears(s, f->audience);
}

int
stream_take(struct stream *s, const struct batch *b, struct buf *out)
{
	size_t i;
	int n = 0, read = 0;

	if (b->after > s->cursor)
		return -1;
	/* Read in the same snapshot as the rows: what lies between the
	 * cursor and the oldest row is gone, not late. */
	if (s->cursor < b->oldest - 1)
		reset(s, out, "pruned", b->oldest - 1, b->oldest, b->newest);
	for (i = 0; i < b->n; i++) {
		const struct frame *f = &b->f[i];
		if (f->id <= s->cursor)
			continue;
		read++;
		if (!wanted(s, f))
			continue;	/* the cursor still moves past it */
		take_frame(s, b, f, out);
		s->sent_id = f->id;
		n++;
		if (f->closes && topics_single(&s->req.topics) != NULL) {
			/* Its one topic is finished: end right after. */
			s->cursor = f->id;
			s->closed = 1;
			break;
		}
	}
	if (!s->closed && b->last > s->cursor)
		s->cursor = b->last;
	if (b->full)
		s->replayed += read;
	return n;
}

int
stream_closed(const struct stream *s)
{
	return s->closed;
}

int
stream_replay_spent(const struct stream *s, const struct stream_cfg *cfg)
{
	return cfg->max_replay > 0 && s->replayed >= cfg->max_replay;
}

void
stream_clock(struct stream *s, int64_t now, int heartbeat_ms, int64_t life_ms)
{
	s->heartbeat_ms = heartbeat_ms;
	s->end_at = life_ms > 0 ? now + life_ms : INT64_MAX;
	s->beat_at = now + heartbeat_ms;
	s->grants_at = now + heartbeat_ms;
}

int64_t
stream_deadline(const struct stream *s)
{
	return s->end_at < s->beat_at ? s->end_at : s->beat_at;
}

void
stream_wrote(struct stream *s, int64_t now)
{
	s->beat_at = now + s->heartbeat_ms;
}

int
stream_expired(const struct stream *s, int64_t now)
{
	return now >= s->end_at;
}

void
stream_end_by(struct stream *s, int64_t t)
{
	if (t < s->end_at)
		s->end_at = t;
}

int
stream_beat(struct stream *s, int64_t now, struct buf *out)
{
	if (now < s->beat_at)
		return 0;
	stream_heartbeat(out);
	stream_wrote(s, now);
	return 1;
}

void
stream_heartbeat(struct buf *out)
{
	buf_appends(out, ": keep-alive\n\n");
}

void
stream_end(struct stream *s, struct buf *out)
{
	if (s->cursor > s->sent_id) {
		sse_id_only(out, s->cursor);
		s->sent_id = s->cursor;
	}
}

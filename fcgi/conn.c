/* conn.c - one sse-fcgi connection: its state, its stream, and the
 * non-blocking FastCGI writer that carries it (see sse-fcgi.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "fcgirec.h"
#include "responder.h"
#include "sse-fcgi.h"

/* Make c's epoll interest what its state and output ask for. */
static void
conn_arm(struct server *sv, struct conn *c)
{
	int want_out = conn_wants_out(c->state, c->pending.len);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP |
	    (want_out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->out_armed == want_out)
		return;
	c->out_armed = want_out;
	epoll_ctl(sv->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

void
conn_sync(struct server *sv, struct conn *c)
{
	if (c->state == CONN_LIVE && c->s.cursor < sv->hub_cursor)
		c->s.cursor = sv->hub_cursor;
}

void
conn_move(struct server *sv, struct conn *c, enum conn_input in)
{
	/* Leaving LIVE, it reads for itself, from what it has seen; a new
	 * stream starting behind has seen nothing of the hub's. */
	if (in != CONN_START_BEHIND)
		conn_sync(sv, c);
	c->state = conn_next(c->state, in);
	conn_arm(sv, c);
}

int
conn_streaming(const struct conn *c)
{
	return c->state != CONN_DRAINING;
}

/* Close now; free after the current epoll batch, whose later events may
 * still point at this conn. */
void
conn_close(struct server *sv, struct conn *c)
{
	if (c->closed)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		sv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sv->nconns--;
	if (c->counted) {
		sv->stat.left++;	/* the client went first */
		sv->stat.open--;
	}
	close(c->fd);	/* also removes it from the epoll set */
	topicmap_remove(&sv->map, &c->place);
	buf_release(&c->pending);
	gzip_free(c->gz);
	c->gz = NULL;
	stream_release(&c->s);
	c->closed = 1;
	c->next = sv->graveyard;
	sv->graveyard = c;
}

void
bury(struct server *sv)
{
	struct conn *c;

	while ((c = sv->graveyard) != NULL) {
		sv->graveyard = c->next;
		free(c);
	}
}

/* Write what is pending; -1 when the peer is gone. */
int
conn_flush(struct server *sv, struct conn *c)
{
	ssize_t n;

	while (c->pending.len > 0) {
		n = write(c->fd, c->pending.data, c->pending.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		buf_consume(&c->pending, (size_t)n);
	}
	if (c->pending.len == 0 && c->pending.cap > 4096)
		buf_release(&c->pending);	/* idle streams hold no buffer */
	conn_arm(sv, c);
	return 0;
}

/* Send SSE text as FCGI_STDOUT records. -1 when the peer is gone. */
/* Write text as FastCGI records, as it is. */
static int
conn_write(struct server *sv, struct conn *c, const char *text, size_t len)
{
	unsigned char h[FCGIREC_HEADER];
	struct iovec iov[2];
	ssize_t n;

	if (len == 0)
		return 0;
	stream_wrote(&c->s, clock_ms());
	if (c->pending.len == 0 && len <= FCGIREC_MAX_CONTENT) {
		/* The common case: straight to the socket, no copy kept. */
		fcgirec_header(h, FCGIREC_STDOUT, c->request_id, len);
		iov[0].iov_base = h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = (void *)(uintptr_t)text;
		iov[1].iov_len = len;
		do
			n = writev(c->fd, iov, 2);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN)
			return -1;
		if (n < 0)
			n = 0;
		if ((size_t)n == sizeof(h) + len)
			return 0;
		if ((size_t)n < sizeof(h)) {
			buf_append(&c->pending, h + n, sizeof(h) - (size_t)n);
			buf_append(&c->pending, text, len);
		} else
			buf_append(&c->pending, text + (n - (ssize_t)sizeof(h)),
			    len - ((size_t)n - sizeof(h)));
		conn_arm(sv, c);
		return 0;
	}
	if (fcgirec_stdout(&c->pending, c->request_id, text, len) == -1)
		return -1;
	return conn_flush(sv, c);
}

/* Send text: the head as it is, the body compressed if c->gz, flushed so
 * the client decodes all of it now; last ends the gzip stream. */
static int
conn_put(struct server *sv, struct conn *c, const char *text, size_t len,
    int last)
{
	if (c->gz == NULL)
		return conn_write(sv, c, text, len);
	buf_clear(&sv->zout);
	if (gzip_body(c->gz, &c->raw_next, text, len, last, &sv->zout) == -1)
		return -1;
	if (last) {
		gzip_free(c->gz);
		c->gz = NULL;
	}
	return conn_write(sv, c, sv->zout.data, sv->zout.len);
}

int
conn_send(struct server *sv, struct conn *c, const char *text, size_t len)
{
	return conn_put(sv, c, text, len, 0);
}

/* End the response; the conn is closed once its records are written. why
 * is the status_end a stream ends for, or -1 for a response that was not
 * a stream. */
void
conn_finish(struct server *sv, struct conn *c, int why)
{
	buf_clear(&sv->text);
	conn_sync(sv, c);		/* its last id: past what it skipped */
	if (why >= 0 && conn_streaming(c))
		stream_end(&c->s, &sv->text);
	if (why >= 0 && c->counted) {
		sv->stat.ended[why]++;
		sv->stat.open--;
		c->counted = 0;
	}
	conn_move(sv, c, CONN_FINISH);
	c->drain_until = clock_ms() + DRAIN_MS;
	if (conn_put(sv, c, sv->text.data, sv->text.len, 1) == -1 ||
	    fcgirec_end(&c->pending, c->request_id) == -1 ||
	    conn_flush(sv, c) == -1 || c->pending.len == 0)
		conn_close(sv, c);
}

/* Send a stream's output from sv->text; closes the conn if the peer left. */
int
conn_send_text(struct server *sv, struct conn *c)
{
	if (conn_send(sv, c, sv->text.data, sv->text.len) == -1) {
		conn_close(sv, c);
		return -1;
	}
	return 0;
}

/* After a batch b: end the stream if it replayed all it may (the client
 * resumes), the same rule sse.cgi follows. 1 if it ended. */
int
conn_replay_spent(struct server *sv, struct conn *c, const struct batch *b)
{
	if (!b->full || !stream_replay_spent(&c->s, &sv->cfg->stream))
		return 0;
	conn_finish(sv, c, END_REPLAY);
	return 1;
}

/* Before a private stream takes rows: its grants, read again once per
 * heartbeat interval (responder_grants()). A busy database holds the
 * stream (STALLED: the sweep retries, and its rows are then read from the
 * table); any other failure, an unreadable database included, ends it.
 * -1 if the stream may take no rows now. */
int
conn_grants(struct server *sv, struct conn *c)
{
	enum responder_grants g = responder_grants(&c->s, follow_ready(&sv->f) ?
	    follow_store(&sv->f) : NULL, clock_ms());

	if (g == GRANTS_OK)
		return 0;
	if (g == GRANTS_HELD) {
		conn_move(sv, c, CONN_HELD);
		return -1;
	}
	logmsg("cannot read the grants of '%s' again: %s; ending its stream",
	    c->s.req.user, follow_errmsg(&sv->f));
	conn_finish(sv, c, END_GRANTS);
	return -1;
}

/* Count what a stream took into sv->text: n events, and the rows it
 * replayed since it had replayed rows before. */
static void
count_take(struct server *sv, const struct conn *c, int n, int64_t before)
{
	sv->stat.events += n;
	sv->stat.bytes += (int64_t)sv->text.len;
	sv->stat.replayed += c->s.replayed - before;
}

/* The frames of b this stream wants into sv->text, counted. */
int
conn_take(struct server *sv, struct conn *c, const struct batch *b)
{
	int64_t before = c->s.replayed;
	int n;

	buf_clear(&sv->text);
	if ((n = stream_take(&c->s, b, &sv->text)) >= 0)
		count_take(sv, c, n, before);
	return n;
}

/* One catch-up read for a BEHIND stream (responder_catch_up(), as sse.cgi
 * does it); a read that fails leaves it STALLED for the sweep to retry.
 * -1 if the conn ended. */
int
conn_catch_up(struct server *sv, struct conn *c)
{
	int64_t before = c->s.replayed;
	enum responder_catch_up r;
	int n;

	if (conn_grants(sv, c) == -1)
		return -1;
	if (!follow_ready(&sv->f)) {
		conn_move(sv, c, CONN_HELD);
		return 0;
	}
	buf_clear(&sv->text);
	r = responder_catch_up(&c->s, &sv->own, follow_store(&sv->f),
	    &sv->cfg->stream, sv->cfg->batch_rows, clock_ms(), &sv->text, &n);
	if (r == CATCH_UP_HELD || r == CATCH_UP_FAILED || r == CATCH_UP_GRANTS) {
		/* GRANTS cannot come: conn_grants() just read them. */
		conn_move(sv, c, CONN_HELD);
		return 0;
	}
	count_take(sv, c, n, before);
	if (conn_send_text(sv, c) == -1)
		return -1;
	if (r == CATCH_UP_SPENT || r == CATCH_UP_CLOSED) {
		conn_finish(sv, c, r == CATCH_UP_SPENT ? END_REPLAY :
		    END_CLOSED);
		return -1;
	}
	if (r == CATCH_UP_DONE && c->s.cursor >= sv->hub_cursor)
		conn_move(sv, c, CONN_CAUGHT_UP);
	return conn_flush(sv, c) == -1 ? (conn_close(sv, c), -1) : 0;
}

void
conn_event(struct server *sv, struct conn *c, uint32_t ev)
{
	if (c->closed)
		return;
	/* After intake drained FCGI_STDIN, anything readable (EOF, reset, a
	 * stray record) means the web server gave up on this request. */
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
		conn_close(sv, c);
		return;
	}
	if (conn_flush(sv, c) == -1) {
		conn_close(sv, c);
		return;
	}
	if (c->state == CONN_DRAINING && c->pending.len == 0)
		conn_close(sv, c);
	else if (c->state == CONN_BEHIND && c->pending.len == 0)
		conn_catch_up(sv, c);
}

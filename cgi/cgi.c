/*
 * cgi.c - one SSE stream per process. Waits in poll() on inotify and on
 * stdout itself: when the server closes the pipe, stdout reports POLLERR at
 * once, so a gone client is noticed without writing. SIGTERM (what Apache
 * and lighttpd send on disconnect and timeout) ends the stream at an event
 * boundary.
 */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "cgi.h"
#include "follow.h"
#include "gzip.h"
#include "log.h"
#include "responder.h"
#include "status.h"
#include "stream.h"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: interrupt poll/write */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is EPIPE, not death */
}

/* Write all of out to stdout and empty it; -1 when the client is gone. */
static int
flush_out(struct buf *out)
{
	size_t off = 0;
	ssize_t n;

	while (off < out->len) {
		n = write(STDOUT_FILENO, out->data + off, out->len - off);
		if (n < 0 && errno == EINTR && !stopping)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	buf_clear(out);
	return 0;
}

struct loop {
	const struct config *cfg;
	struct follow	 f;
	struct stream	 s;
	struct batch	 b;
	struct buf	 out;
	struct gzip	*gz;		/* SSE_GZIP and a client that takes it */
	size_t		 raw_next;	/* of out: the head, sent as it is */
	struct buf	 zout;		/* out compressed */
	int		 unread;	/* a catch-up was held: read again */
};

/* Write out: the head as it is, the rest compressed if the client takes
 * it, flushed so it decodes all of it now; last ends the gzip stream.
 * -1 when the client is gone. */
static int
emit(struct loop *l, int last)
{
	if (l->gz == NULL)
		return flush_out(&l->out);
	buf_clear(&l->zout);
	if (gzip_body(l->gz, &l->raw_next, l->out.data, l->out.len, last,
	    &l->zout) == -1)
		return -1;
	buf_clear(&l->out);
	return flush_out(&l->zout);
}

/* Write out and move the heartbeat; -1 when the client is gone. */
static int
send_out(struct loop *l, int64_t now)
{
	if (l->out.len == 0)
		return 0;
	stream_wrote(&l->s, now);
	return emit(l, 0);
}

/* What catch_up() did, besides 0 (all sent, go on), 1 (the stream must
 * end: replay spent, topic closed, grants or rows unreadable) and -1 (the
 * client left). */
#define HELD	2	/* the database was busy: nothing more sent, and the
			   rows still count as unread */

/* Send every row after the cursor (responder_catch_up(), as sse-fcgi
 * does it). A busy database never ends a stream: the next look tries
 * again. */
static int
catch_up(struct loop *l)
{
	enum responder_catch_up r;
	int n;

	do {
		r = responder_catch_up(&l->s, &l->b, follow_store(&l->f),
		    &l->cfg->stream, l->cfg->batch_rows, clock_ms(), &l->out,
		    &n);
		switch (r) {
		case CATCH_UP_HELD:
			return HELD;
		case CATCH_UP_GRANTS:
			logmsg("cannot read the grants of '%s' again: %s",
			    l->s.req.user, follow_errmsg(&l->f));
			return 1;
		case CATCH_UP_FAILED:
			logmsg("%s", follow_errmsg(&l->f));
			return 1;
		default:
			break;
		}
		if (send_out(l, clock_ms()) == -1)
			return -1;
	} while (r == CATCH_UP_MORE && !stopping);
	return r == CATCH_UP_SPENT || r == CATCH_UP_CLOSED;
}

/* Look at the database and send what is new: same returns as catch_up(). */
static int
look(struct loop *l, int force)
{
	int64_t v = 0;
	enum follow_result rc = follow_look(&l->f, clock_ms(), &v);
	int r;

	if (rc == FOLLOW_REPLACED) {
		/* A database nobody writes any more: a reset to the new one's
		 * range, then the end brings the client back to it. */
		int64_t oldest, newest;

		logmsg("database '%s' was replaced: ending the stream",
		    follow_name(&l->f));
		if (responder_new_range(&l->f, &oldest, &newest)) {
			stream_replaced(&l->s, oldest, newest, &l->out);
			send_out(l, clock_ms());
		}
		return 1;
	}
	if (rc == FOLLOW_FAILED)
		return 0;	/* busy: the next look tries again */
	if (rc == FOLLOW_NONE && !force && !l->unread)
		return 0;
	/* A PostgreSQL connection on its way: nothing to read through yet. */
	if (!follow_ready(&l->f))
		return 0;
	/* Held, the rows stay unread: the next look reads them, whether or
	 * not anything was committed meanwhile. */
	r = catch_up(l);
	if ((l->unread = r == HELD))
		return 0;
	if (r == 0 && rc == FOLLOW_CHANGED)
		follow_saw(&l->f, v);
	return r;
}

/* Wait for a wake, a deadline or the client leaving. -1: client gone,
 * else 1 when a look is due. */
static int
wait_change(struct loop *l)
{
	struct pollfd pfd[2] = {
		{ .fd = STDOUT_FILENO, .events = 0 },
		{ .fd = follow_fd(&l->f), .events =
		    follow_wants_write(&l->f) ? POLLOUT : POLLIN },
	};
	int64_t until = stream_deadline(&l->s), left, now;
	int n, due = 0;

	if (follow_deadline(&l->f) < until)
		until = follow_deadline(&l->f);
	left = until - clock_ms();
	if (left < 0)
		left = 0;
	if (left > INT32_MAX)
		left = INT32_MAX;
	n = poll(pfd, pfd[1].fd == -1 ? 1 : 2, (int)left);
	if (n > 0 && (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
		return -1;
	now = clock_ms();
	if (n > 0 && pfd[1].revents)
		due = follow_wake(&l->f, now);
	return follow_due(&l->f, now) || due;
}

static void
run(struct loop *l)
{
	const struct config *cfg = l->cfg;
	int r, due;

	stream_clock(&l->s, clock_ms(), cfg->heartbeat_s * 1000,
	    (int64_t)config_lifetime(cfg, (unsigned)getpid() * 2654435761u) *
	    1000);
	if (follow_timer_only(&l->f))
		logmsg("no notice of new rows in %s (no inotify there): "
		    "checking every %d ms", follow_name(&l->f), cfg->poll_ms);
	/* The first look reads whatever the client has not seen. */
	for (r = look(l, 1); r == 0 && !stopping; ) {
		if (stream_expired(&l->s, clock_ms()))
			break;
		if ((due = wait_change(l)) == -1)
			return;		/* the client left */
		if (due && (r = look(l, 0)) != 0)
			break;
		if (stream_beat(&l->s, clock_ms(), &l->out) &&
		    emit(l, 0) == -1)
			return;
	}
	if (r != -1) {
		stream_end(&l->s, &l->out);
		emit(l, 1);
	}
}

int
cgi_serve(const struct config *cfg)
{
	struct loop l;
	struct request req;
	enum status_format page;
	enum stream_state st;
	int status;

	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	buf_init(&l.out);
	batch_init(&l.b);
	signals();
	status = responder_read(&req, &page, environ, cfg->status_path,
	    cfg->private_);
	if (responder_logged(status))
		logmsg("refused a request (%d): %s", status, req.error);
	if (status != 200) {
		stream_reject(status, &req, &cfg->stream, &l.out);
		flush_out(&l.out);
		goto out;
	}
	if (page != STATUS_NONE) {
		/* One stream a process: only the database has a status. */
		struct status_db db;

		follow_open(&l.f, cfg->db, cfg->poll_ms, clock_ms());
		follow_status(&l.f, &db);
		status_render(page, NULL, &db, clock_ms(), &l.out);
		flush_out(&l.out);
		goto out;
	}
	/* The watch opens first, inside follow_open(): a commit landing
	 * after stream_begin() read the bounds then always wakes us. */
	st = follow_open(&l.f, cfg->db, cfg->poll_ms, clock_ms()) == STORE_OK ?
	    stream_begin(&l.s, &req, &cfg->stream, follow_store(&l.f), &l.out) :
	    STREAM_FAILED;
	if (st == STREAM_FAILED) {
		logmsg("%s", follow_errmsg(&l.f));
		stream_turn_away(&cfg->stream, &req, "database unavailable",
		    &l.out);
		flush_out(&l.out);
		goto out;
	}
	if (st == STREAM_OPEN && l.s.gzip && (l.gz = gzip_new()) == NULL) {
		logmsg("out of memory for the stream's compression");
		buf_clear(&l.out);
		stream_turn_away(&cfg->stream, &req, "server busy", &l.out);
		flush_out(&l.out);
		goto out;
	}
	l.raw_next = l.s.head_end;
	if (emit(&l, 0) == 0 && st == STREAM_OPEN)
		run(&l);
out:
	gzip_free(l.gz);
	buf_release(&l.zout);
	stream_release(&l.s);
	follow_release(&l.f);
	batch_release(&l.b);
	buf_release(&l.out);
	return 0;
}

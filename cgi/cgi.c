/*
 * cgi.c - one SSE stream per process. Waits in poll() on inotify and on
 * stdout itself: when the server closes the pipe, stdout reports POLLERR at
 * once, so a gone client is noticed without writing. SIGTERM (what Apache
 * and lighttpd send on disconnect and timeout) ends the stream at an event
 * boundary.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "cgi.h"
#include "stream.h"
#include "watch.h"

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

/* When the stream loop next looks for rows without being woken. */
struct wake {
	int64_t		 recheck;	/* ms, -1: none pending */
	int		 step;		/* of watch_recheck_ms() */
	int64_t		 poll_at;	/* ms: the fallback timer */
};

struct loop {
	const struct config *cfg;
	struct store	 st;
	struct stream	 s;
	struct watch	 w;
	struct batch	 b;
	struct buf	 out;
	dev_t		 dev;		/* the database file we opened */
	ino_t		 ino;
};

/*
 * The database file was replaced (a new one, its ids starting over) or
 * removed: this stream reads a file nobody writes any more. Ending it
 * brings the client back to the new file, with its Last-Event-ID.
 */
static int
replaced(const struct loop *l)
{
	struct stat sb;

	return stat(l->cfg->db, &sb) == -1 || sb.st_dev != l->dev ||
	    sb.st_ino != l->ino;
}

/* Send every row after the cursor; 1 if the stream must end (replay spent). */
static int
catch_up(struct loop *l)
{
	int rc;

	do {
		rc = batch_load(&l->b, &l->st, l->s.cursor, l->cfg->batch_rows,
		    BATCH_BYTES);
		if (rc == STORE_BUSY)
			return 0;	/* a busy database never ends a stream */
		if (rc != STORE_OK) {
			fprintf(stderr, "sse.cgi: %s\n", store_errmsg(&l->st));
			return 1;
		}
		stream_take(&l->s, &l->b, &l->out);
		if (flush_out(&l->out) == -1)
			return -1;
		if (l->b.full && stream_replay_spent(&l->s, &l->cfg->stream))
			return 1;
	} while (l->b.full && !stopping);
	return 0;
}

/* Wait for a change, a timer or the client leaving. -1: client gone, else
 * the WATCH_* bits seen (0 on a timer). */
static int
wait_change(struct loop *l, int64_t until)
{
	struct pollfd pfd[2] = {
		{ .fd = STDOUT_FILENO, .events = 0 },
		{ .fd = l->w.fd, .events = POLLIN },
	};
	int64_t left = until - clock_ms();
	int n;

	if (left < 0)
		left = 0;
	n = poll(pfd, l->w.fd == -1 ? 1 : 2, (int)left);
	if (n > 0 && (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
		return -1;
	if (n > 0 && pfd[1].revents)
		return watch_read(&l->w);
	return 0;
}

/*
 * What a wake asks for: 1 to look for rows (a change to the database or its
 * WAL, a recheck, or the fallback timer), 0 for nothing. inotify watches
 * the whole directory, and every reader that opens the database writes its
 * -shm there: were those wakes looks, each CGI stream starting would make
 * every other one query, and 200 streams starting cost seconds of CPU.
 */
static int
wake_wants_look(struct wake *k, int bits, int64_t t, int poll_ms)
{
	int look = 0, d;

	if (bits & WATCH_CHANGED) {
		k->recheck = t + watch_recheck_ms(k->step = 0);
		look = 1;
	} else if (k->recheck >= 0 && t >= k->recheck) {
		/* A wake can come before its commit is visible (watch.h). */
		d = watch_recheck_ms(++k->step);
		k->recheck = d < 0 ? -1 : t + d;
		look = 1;
	}
	/* Where inotify cannot see writes (network file systems), the timer
	 * is the fallback: the catch-up query is the check. */
	if (t >= k->poll_at) {
		k->poll_at = t + poll_ms;
		look = 1;
	}
	return look;
}

static void
run(struct loop *l)
{
	const struct config *cfg = l->cfg;
	int64_t start = clock_ms(), t = start, end, beat, until;
	int life = config_lifetime(cfg, (unsigned)getpid() * 2654435761u), r;
	struct wake k = { .recheck = -1, .poll_at = start + cfg->poll_ms };
	int look = 1;

	end = life ? start + (int64_t)life * 1000 : INT64_MAX;
	beat = start + (int64_t)cfg->heartbeat_s * 1000;
	if (watch_open(&l->w, cfg->db) == -1)
		fprintf(stderr, "sse.cgi: inotify unavailable (%s): checking "
		    "every %d ms\n", strerror(errno), cfg->poll_ms);
	for (r = 0;;) {
		if (look && (r = catch_up(l)) != 0)
			break;
		if (stopping || t >= end)
			break;
		until = end < beat ? end : beat;
		until = k.poll_at < until ? k.poll_at : until;
		if (k.recheck >= 0 && k.recheck < until)
			until = k.recheck;
		if ((r = wait_change(l, until)) == -1)
			return;
		t = clock_ms();
		look = wake_wants_look(&k, r, t, cfg->poll_ms);
		/* A stat is cheap, and without inotify the timer is the only
		 * wake there is, so check on every look, not only on
		 * WATCH_REPLACED. */
		if (look && replaced(l)) {
			fprintf(stderr, "sse.cgi: database '%s' was replaced: "
			    "ending the stream\n", cfg->db);
			break;
		}
		if (t >= beat) {
			stream_heartbeat(&l->out);
			if (flush_out(&l->out) == -1)
				return;		/* the client left */
			beat = t + (int64_t)cfg->heartbeat_s * 1000;
		}
	}
	if (r != -1) {
		stream_end(&l->s, &l->out);
		flush_out(&l->out);
	}
}

int
cgi_serve(const struct config *cfg)
{
	struct loop l;
	struct request req;
	struct stat sb;
	int status, rc;

	memset(&l, 0, sizeof(l));
	l.cfg = cfg;
	l.w.fd = -1;
	buf_init(&l.out);
	batch_init(&l.b);
	signals();
	status = request_parse(&req, getenv("REQUEST_METHOD"),
	    getenv("QUERY_STRING"), getenv("HTTP_LAST_EVENT_ID"));
	request_cors(&req, getenv("HTTP_ORIGIN"),
	    getenv("HTTP_ACCESS_CONTROL_REQUEST_METHOD"));
	if (status != 200) {
		stream_reject(status, &req, &cfg->stream, &l.out);
		flush_out(&l.out);
		goto out;
	}
	rc = store_open(&l.st, cfg->db, STORE_READONLY, 0);
	if (rc == STORE_OK && stat(cfg->db, &sb) == 0) {
		l.dev = sb.st_dev;
		l.ino = sb.st_ino;
	}
	if (rc == STORE_OK)
		rc = stream_begin(&l.s, &req, &cfg->stream, &l.st, &l.out);
	if (rc < 0) {
		fprintf(stderr, "sse.cgi: %s\n", store_errmsg(&l.st));
		stream_turn_away(&cfg->stream, &req, "database unavailable",
		    &l.out);
		flush_out(&l.out);
		goto out;
	}
	if (flush_out(&l.out) == 0 && rc == STREAM_OPEN)
		run(&l);
out:
	watch_close(&l.w);
	batch_release(&l.b);
	buf_release(&l.out);
	store_close(&l.st);
	return 0;
}

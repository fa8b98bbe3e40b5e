/* server.c - one epoll loop holding every stream of an sse-fcgi process. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "fcgirec.h"
#include "follow.h"
#include "intake.h"
#include "responder.h"
#include "server.h"
#include "status.h"
#include "stream.h"

/* Streams live at or above this descriptor; see intake.h. */
#define HIGH_FD		1024
/* Below HIGH_FD, streams may take descriptors up to here: the rest is the
 * intake's (INTAKE_QUEUE being read, and the workers' own). */
#define LOW_STREAM_MAX	(HIGH_FD - INTAKE_QUEUE - 32)
/* Unsent bytes a stream may hold before it stops taking live rows and
 * catches up from the table instead: bounds a slow reader's memory. */
#define PENDING_MAX	(64 * 1024)
/* How long a finished stream may take to drain before it is cut. */
#define DRAIN_MS	10000
#define TICK_MS		250	/* sweep: heartbeats and lifetimes */

/*
 * What a connection is doing; conn_set() moves it and sets the epoll
 * interest to match, so the two cannot disagree:
 *
 *   LIVE      takes each row from the hub as it is read
 *   BEHIND    reads the table itself, a batch each time its socket drains
 *             (resuming, or a slow reader the hub left behind)
 *   STALLED   BEHIND, but its last read failed (a lock): the next sweep
 *             makes it BEHIND again instead of spinning on EPOLLOUT
 *   DRAINING  the response is complete; closed once written or timed out
 */
enum conn_state { CONN_LIVE, CONN_BEHIND, CONN_STALLED, CONN_DRAINING };

struct conn {
	int		 fd;
	int		 request_id;
	enum conn_state	 state;
	int		 out_armed;	/* EPOLLOUT registered */
	int		 closed;	/* freed after this epoll batch */
	int		 counted;	/* in status.open: a stream not yet ended */
	struct stream	 s;
	struct buf	 pending;	/* FastCGI records not yet written */
	int64_t		 drain_until;	/* ms, while DRAINING */
	struct conn	*prev, *next;
};

struct server {
	const struct config *cfg;
	int		 ep, listen_fd, timer_fd, look_fd, sig_fd;
	int		 listening;	/* listen_fd is in the epoll set */
	struct intake	 intake;
	struct follow	 f;		/* the database */
	struct batch	 hub, own;
	int64_t		 hub_cursor;
	int64_t		 next_sweep, last_log, last_accept_log;
	unsigned	 watch_gen;	/* follow_generation() polled */
	struct buf	 text;		/* scratch */
	struct status	 stat;		/* the status page's counters */
	struct conn	*conns;
	struct conn	*graveyard;	/* closed, still named by pending events */
	int		 nconns;
	int		 stopping;
};

static void resume_accept(struct server *);

/* Tags for the non-stream descriptors in the epoll set. */
static char tag_listen, tag_timer, tag_look, tag_sig, tag_wake, tag_watch;

static void
logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("sse-fcgi: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
ep_add(struct server *sv, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Move c to state and make its epoll interest match: EPOLLOUT while it has
 * output waiting, or while BEHIND (a drained socket is its cue to read). */
static void
conn_set(struct server *sv, struct conn *c, enum conn_state state)
{
	int want_out = c->pending.len > 0 || state == CONN_BEHIND;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP |
	    (want_out ? EPOLLOUT : 0), .data.ptr = c };

	c->state = state;
	if (c->out_armed == want_out)
		return;
	c->out_armed = want_out;
	epoll_ctl(sv->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int
conn_streaming(const struct conn *c)
{
	return c->state != CONN_DRAINING;
}

/* --- the database ------------------------------------------------------ */

/* Say why the database cannot be read, at most once a minute. */
static void
log_db(struct server *sv)
{
	int64_t t = clock_ms();

	sv->stat.db_errors++;
	if (sv->last_log == 0 || t - sv->last_log >= 60000) {
		logmsg("%s", follow_errmsg(&sv->f));
		sv->last_log = t;
	}
}

/* --- one connection ----------------------------------------------------- */

/* Close now; free after the current epoll batch, whose later events may
 * still point at this conn. */
static void
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
	buf_release(&c->pending);
	stream_release(&c->s);
	c->closed = 1;
	c->next = sv->graveyard;
	sv->graveyard = c;
}

static void
bury(struct server *sv)
{
	struct conn *c;

	while ((c = sv->graveyard) != NULL) {
		sv->graveyard = c->next;
		free(c);
	}
}

/* Write what is pending; -1 when the peer is gone. */
static int
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
	conn_set(sv, c, c->state);
	return 0;
}

/* Send SSE text as FCGI_STDOUT records. -1 when the peer is gone. */
static int
conn_send(struct server *sv, struct conn *c, const char *text, size_t len)
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
		conn_set(sv, c, c->state);
		return 0;
	}
	if (fcgirec_stdout(&c->pending, c->request_id, text, len) == -1)
		return -1;
	return conn_flush(sv, c);
}

/* End the response; the conn is closed once its records are written. why
 * is the status_end a stream ends for, or -1 for a response that was not
 * a stream. */
static void
conn_finish(struct server *sv, struct conn *c, int why)
{
	buf_clear(&sv->text);
	if (why >= 0 && conn_streaming(c))
		stream_end(&c->s, &sv->text);
	if (why >= 0 && c->counted) {
		sv->stat.ended[why]++;
		sv->stat.open--;
		c->counted = 0;
	}
	conn_set(sv, c, CONN_DRAINING);
	c->drain_until = clock_ms() + DRAIN_MS;
	if (conn_send(sv, c, sv->text.data, sv->text.len) == -1 ||
	    fcgirec_end(&c->pending, c->request_id) == -1 ||
	    conn_flush(sv, c) == -1 || c->pending.len == 0)
		conn_close(sv, c);
}

/* Send a stream's output from sv->text; closes the conn if the peer left. */
static int
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
static int
conn_replay_spent(struct server *sv, struct conn *c, const struct batch *b)
{
	if (!b->full || !stream_replay_spent(&c->s, &sv->cfg->stream))
		return 0;
	conn_finish(sv, c, END_REPLAY);
	return 1;
}

/* Before a private stream takes rows: its grants, read again once per
 * heartbeat interval. Never delivers on grants that may have been revoked:
 * a busy database holds the stream (STALLED: the sweep retries, and its
 * rows are then read from the table), any other failure ends it. -1 if the
 * stream may take no rows now. */
static int
conn_grants(struct server *sv, struct conn *c)
{
	int64_t t = clock_ms();
	int rc;

	if (!stream_grants_due(&c->s, t))
		return 0;
	rc = follow_ready(&sv->f) ? stream_read_grants(&c->s, follow_store(&sv->f), t) : STORE_ERR;
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_BUSY) {
		conn_set(sv, c, CONN_STALLED);
		return -1;
	}
	logmsg("cannot read the grants of '%s' again: %s; ending its stream",
	    c->s.req.user, follow_errmsg(&sv->f));
	conn_finish(sv, c, END_GRANTS);
	return -1;
}

/* The frames of b this stream wants into sv->text, counted. */
static int
conn_take(struct server *sv, struct conn *c, const struct batch *b)
{
	int64_t replayed = c->s.replayed;
	int n;

	buf_clear(&sv->text);
	if ((n = stream_take(&c->s, b, &sv->text)) < 0)
		return n;
	sv->stat.events += n;
	sv->stat.bytes += (int64_t)sv->text.len;
	sv->stat.replayed += c->s.replayed - replayed;
	return n;
}

/* One catch-up read for a BEHIND stream. -1 if the conn ended. */
static int
conn_catch_up(struct server *sv, struct conn *c)
{
	int rc;

	if (conn_grants(sv, c) == -1)
		return -1;
	rc = follow_ready(&sv->f) ? batch_load(&sv->own, follow_store(&sv->f), c->s.cursor,
	    sv->cfg->batch_rows, BATCH_BYTES) : STORE_ERR;
	if (rc != STORE_OK) {
		conn_set(sv, c, CONN_STALLED);	/* the sweep retries */
		return 0;
	}
	conn_take(sv, c, &sv->own);
	if (conn_send_text(sv, c) == -1 || conn_replay_spent(sv, c, &sv->own))
		return -1;
	if (!sv->own.full && c->s.cursor >= sv->hub_cursor)
		conn_set(sv, c, CONN_LIVE);
	return conn_flush(sv, c) == -1 ? (conn_close(sv, c), -1) : 0;
}

static void
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

static void hub_look(struct server *);

/* A request the intake parsed: answer it, and keep it if it streams. */
static void
conn_start(struct server *sv, struct intake_done *d)
{
	struct conn *c;
	int fd = d->fd, hi, rc, low = 0;
	/* Before any query: a client turned away costs no database work. */
	int busy = sv->stopping || sv->nconns >= sv->cfg->max_streams;

	/* Keep low descriptors for libfcgi's intake (see intake.h). With
	 * none >= HIGH_FD free (a low RLIMIT_NOFILE), a stream stays low
	 * only while the intake keeps room below HIGH_FD; past that it is
	 * refused (accept_all() never hands libfcgi one above). */
	if (fd < HIGH_FD) {
		if ((hi = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD)) >= 0) {
			close(fd);
			fd = hi;
		} else
			low = fd >= LOW_STREAM_MAX;
	}
	/* Try the database again before this conn is on the list: a look
	 * that finds a new file ends every stream on it. */
	if (!follow_ready(&sv->f) && d->status == 200 && !busy && !low)
		hub_look(sv);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    ep_add(sv, fd, EPOLLIN | EPOLLRDHUP, c) == -1) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->request_id = d->request_id;
	c->next = sv->conns;
	if (sv->conns)
		sv->conns->prev = c;
	sv->conns = c;
	sv->nconns++;
	buf_clear(&sv->text);
	if (d->status != 200) {
		if (responder_logged(d->status))
			logmsg("refused a request (%d): %s", d->status,
			    d->req.error);
		stream_reject(d->status, &d->req, &sv->cfg->stream,
		    &sv->text);
		goto finish;
	}
	if (d->status_page != STATUS_NONE) {
		struct status_db db;
		struct conn *o;

		sv->stat.buffered = 0;
		for (o = sv->conns; o != NULL; o = o->next)
			sv->stat.buffered += (int64_t)o->pending.len;
		follow_status(&sv->f, &db);
		status_render(d->status_page, &sv->stat, &db, clock_ms(),
		    &sv->text);
		goto finish;
	}
	if (busy || low) {
		stream_turn_away(&sv->cfg->stream, &d->req, sv->stopping ?
		    "server stopping" : "server busy", &sv->text);
		sv->stat.refused++;
		goto finish;
	}
	rc = follow_ready(&sv->f) ? stream_begin(&c->s, &d->req, &sv->cfg->stream,
	    follow_store(&sv->f), &sv->text) : STORE_ERR;
	if (rc < 0) {
		buf_clear(&sv->text);
		stream_turn_away(&sv->cfg->stream, &d->req,
		    "database unavailable", &sv->text);
		sv->stat.refused++;
		goto finish;
	}
	if (rc == STREAM_DONE)
		goto finish;
	c->counted = 1;
	sv->stat.opened++;
	sv->stat.open++;
	stream_clock(&c->s, clock_ms(), sv->cfg->heartbeat_s * 1000,
	    (int64_t)1000 * config_lifetime(sv->cfg, (unsigned)random()));
	conn_set(sv, c, c->s.cursor < sv->hub_cursor ? CONN_BEHIND : CONN_LIVE);
	if (conn_send_text(sv, c) == 0 && c->state == CONN_BEHIND &&
	    c->pending.len == 0)
		conn_catch_up(sv, c);
	return;
finish:
	if (conn_send_text(sv, c) == 0)
		conn_finish(sv, c, -1);
}

/* --- the hub: one read per change, fanned out ---------------------------- */

static void
hub_fan_out(struct server *sv)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_LIVE)
			continue;
		if (c->pending.len > PENDING_MAX) {
			/* A slow reader: let the table hold its backlog. */
			conn_set(sv, c, CONN_BEHIND);
			continue;
		}
		if (conn_grants(sv, c) == -1)
			continue;
		if (conn_take(sv, c, &sv->hub) == -1) {
			conn_set(sv, c, CONN_BEHIND);
			continue;
		}
		if (conn_send_text(sv, c) == 0)
			conn_replay_spent(sv, c, &sv->hub);
	}
}

/* Read what is new once and hand it to every LIVE stream. */
static int
hub_refresh(struct server *sv)
{
	int rc;

	do {
		rc = batch_load(&sv->hub, follow_store(&sv->f), sv->hub_cursor,
		    sv->cfg->batch_rows, BATCH_BYTES);
		if (rc != STORE_OK)
			return rc;
		/* Even without rows: last may have moved past deleted ones,
		 * and the streams with it. */
		hub_fan_out(sv);
		sv->hub_cursor = sv->hub.last;
	} while (sv->hub.full);
	return STORE_OK;
}

/* End every open stream at an event boundary, for why (status_end). */
static void
drop_all(struct server *sv, int why)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (conn_streaming(c))
			conn_finish(sv, c, why);
	}
}

/* Before the streams on a replaced database end: each gets a reset to the
 * new one's range, so its client does not resume into other rows. */
static void
tell_replaced(struct server *sv)
{
	struct conn *c, *next;
	int64_t oldest, newest;

	if (!follow_ready(&sv->f) || store_bounds(follow_store(&sv->f), &oldest, &newest) !=
	    STORE_OK)
		return;
	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (!conn_streaming(c) || !c->counted)
			continue;
		buf_clear(&sv->text);
		stream_replaced(&c->s, oldest, newest, &sv->text);
		conn_send_text(sv, c);
	}
}

/* Arm the look timer for the schedule's next deadline. */
static void
arm_look(struct server *sv)
{
	int64_t at = follow_deadline(&sv->f);
	struct itimerspec its = { .it_value = { (time_t)(at / 1000),
	    (long)(at % 1000) * 1000000L } };

	timerfd_settime(sv->look_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* A PostgreSQL follow reconnected: poll its new socket. The old one was
 * closed, which took it out of the epoll set. */
static void
watch_sync(struct server *sv)
{
	int fd = follow_fd(&sv->f);

	if (follow_generation(&sv->f) == sv->watch_gen)
		return;
	sv->watch_gen = follow_generation(&sv->f);
	if (fd != -1 && ep_add(sv, fd, EPOLLIN, &tag_watch) == -1)
		logmsg("cannot poll the database connection: %s; checking "
		    "every %d ms", strerror(errno), sv->cfg->poll_ms);
}

/* Look at the database: a new file ends every stream (each client comes
 * back and gets the reset a fresh stream_begin() decides); new rows go
 * out; a failed read is tried again at the next look. */
static void
hub_look(struct server *sv)
{
	int64_t v = 0;
	int rc = follow_look(&sv->f, clock_ms(), &v);

	if (rc == FOLLOW_REPLACED) {
		if (sv->nconns > 0)
			logmsg("database '%s' was replaced: ending %d streams",
			    follow_name(&sv->f), sv->nconns);
		tell_replaced(sv);
		drop_all(sv, END_REPLACED);
		if (follow_ready(&sv->f)) {
			sv->hub_cursor = follow_newest(&sv->f);
			sv->last_log = 0;
		} else
			log_db(sv);
	} else if (rc < 0)
		log_db(sv);
	else if (rc == FOLLOW_CHANGED && hub_refresh(sv) == STORE_OK)
		follow_saw(&sv->f, v);
	watch_sync(sv);
}

/* --- timers ------------------------------------------------------------- */

static void
sweep(struct server *sv, int64_t t)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CONN_DRAINING) {
			if (t >= c->drain_until)
				conn_close(sv, c);	/* never drained */
			continue;
		}
		if (stream_expired(&c->s, t)) {
			conn_finish(sv, c, sv->stopping ? END_SHUTDOWN :
			    END_LIFETIME);
			continue;
		}
		if (c->state == CONN_STALLED)
			conn_set(sv, c, CONN_BEHIND);	/* retry its read */
		buf_clear(&sv->text);
		if (stream_beat(&c->s, t, &sv->text))
			conn_send_text(sv, c);
	}
}

static void
tick(struct server *sv)
{
	uint64_t n;
	int64_t t = clock_ms();

	if (read(sv->timer_fd, &n, sizeof(n)) == -1) {
		/* EAGAIN: a spurious wake */
	}
	if (t >= sv->next_sweep || sv->stopping) {
		sv->next_sweep = t + TICK_MS;
		sweep(sv, t);
		intake_expire(&sv->intake, t);
		resume_accept(sv);
	}
}

/* The look timer or inotify fired: look if the schedule says so. */
static void
on_look(struct server *sv, int woken)
{
	uint64_t n;
	int64_t t = clock_ms();
	int due = 0;

	if (woken)
		due = follow_wake(&sv->f, t);
	else if (read(sv->look_fd, &n, sizeof(n)) == -1) {
		/* EAGAIN: a spurious wake */
	}
	if (follow_due(&sv->f, t) || due)
		hub_look(sv);
	arm_look(sv);
}

/* --- accept and the loop ------------------------------------------------ */

/* Stop polling the listen socket; tick() or collect() will resume it. */
static void
pause_accept(struct server *sv)
{
	if (!sv->listening)
		return;
	epoll_ctl(sv->ep, EPOLL_CTL_DEL, sv->listen_fd, NULL);
	sv->listening = 0;
}

static void
resume_accept(struct server *sv)
{
	if (sv->listening || !intake_has_room(&sv->intake))
		return;
	if (ep_add(sv, sv->listen_fd, EPOLLIN, &tag_listen) == 0)
		sv->listening = 1;
}

static void
accept_all(struct server *sv)
{
	int fd;

	while (intake_has_room(&sv->intake)) {
		fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= HIGH_FD) {
			/* libfcgi's select() cannot take it (intake.h); the
			 * web server sees a closed connection and retries. */
			close(fd);
			if (clock_ms() - sv->last_accept_log >= 60000) {
				logmsg("accept: no descriptor below %d free "
				    "(holding %d streams); closed a connection",
				    HIGH_FD, sv->nconns);
				sv->last_accept_log = clock_ms();
			}
			continue;
		}
		if (fd >= 0) {
			intake_push(&sv->intake, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		/* Out of descriptors or memory: the socket stays readable,
		 * so polling it now would spin. Leave the connection in the
		 * backlog and try again on the next tick. */
		if (clock_ms() - sv->last_accept_log >= 60000) {
			logmsg("accept: %s (holding %d streams); will retry",
			    strerror(errno), sv->nconns);
			sv->last_accept_log = clock_ms();
		}
		pause_accept(sv);
		return;
	}
	/* Full: leave the rest in the backlog until the intake catches up. */
	pause_accept(sv);
}

static void
collect(struct server *sv)
{
	struct intake_done *d, *next;

	for (d = intake_collect(&sv->intake); d != NULL; d = next) {
		next = d->next;
		conn_start(sv, d);
		free(d);
	}
	resume_accept(sv);
}

/*
 * Stop: each open stream ends at a moment of its own within spread_ms, at
 * an event boundary, so its client's reconnect (to the process that takes
 * over the socket) comes spread out instead of all at once. New requests
 * meanwhile get 200 and retry:, and the process exits after the last.
 */
static void
stop(struct server *sv, int64_t spread_ms, unsigned signo)
{
	int64_t t = clock_ms();
	struct conn *c;

	logmsg("signal %u: ending %d streams%s", signo, sv->nconns,
	    spread_ms > 0 ? " over the next seconds" : "");
	sv->stopping = 1;
	for (c = sv->conns; c != NULL; c = c->next)
		if (conn_streaming(c))
			stream_end_by(&c->s, t + (spread_ms > 0 ?
			    (int64_t)(random() % (spread_ms + 1)) : 0));
}

static void
on_signal(struct server *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			/* End every stream but keep serving: clients come
			 * back with their Last-Event-ID. */
			logmsg("signal %u: ending %d streams; they will "
			    "reconnect", si.ssi_signo, sv->nconns);
			drop_all(sv, END_DROP);
			continue;
		}
		/* SIGTERM spreads the ends over SSE_STOP_SPREAD; SIGINT, or
		 * a second signal, ends the rest at once. */
		stop(sv, si.ssi_signo == SIGTERM && !sv->stopping ?
		    (int64_t)sv->cfg->stop_spread_s * 1000 : 0, si.ssi_signo);
	}
	if (sv->stopping)
		sweep(sv, clock_ms());
}

static void
dispatch(struct server *sv, struct epoll_event *e)
{
	void *p = e->data.ptr;

	if (p == &tag_listen)
		accept_all(sv);
	else if (p == &tag_wake)
		collect(sv);
	else if (p == &tag_timer)
		tick(sv);
	else if (p == &tag_sig)
		on_signal(sv);
	else if (p == &tag_watch)
		on_look(sv, 1);
	else if (p == &tag_look)
		on_look(sv, 0);
	else
		conn_event(sv, p, e->events);
}

static int
setup(struct server *sv)
{
	struct itimerspec its;
	sigset_t mask;

	its.it_interval.tv_sec = TICK_MS / 1000;
	its.it_interval.tv_nsec = (long)(TICK_MS % 1000) * 1000000L;
	its.it_value = its.it_interval;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (sv->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    (sv->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (sv->timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    (sv->look_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    timerfd_settime(sv->timer_fd, 0, &its, NULL) == -1)
		return -1;
	if (intake_start(&sv->intake, 2, sv->cfg->status_path,
	    sv->cfg->private_) == -1)
		return -1;
	fcntl(sv->listen_fd, F_SETFL, fcntl(sv->listen_fd, F_GETFL) |
	    O_NONBLOCK);
	if (ep_add(sv, sv->listen_fd, EPOLLIN, &tag_listen) == -1 ||
	    ep_add(sv, sv->timer_fd, EPOLLIN, &tag_timer) == -1 ||
	    ep_add(sv, sv->look_fd, EPOLLIN, &tag_look) == -1 ||
	    ep_add(sv, sv->sig_fd, EPOLLIN, &tag_sig) == -1 ||
	    ep_add(sv, sv->intake.wake_fd, EPOLLIN, &tag_wake) == -1)
		return -1;
	sv->listening = 1;
	/* The watch first, then the database (follow.h). */
	if (follow_open(&sv->f, sv->cfg->db, sv->cfg->poll_ms, clock_ms()) ==
	    STORE_OK)
		sv->hub_cursor = follow_newest(&sv->f);
	else
		log_db(sv);
	if (follow_timer_only(&sv->f))
		logmsg("inotify unavailable: checking every %d ms",
		    sv->cfg->poll_ms);
	watch_sync(sv);
	arm_look(sv);
	return 0;
}

int
server_run(const struct config *cfg, int listen_fd)
{
	struct epoll_event ev[256];
	struct server sv;
	int i, n, status = 0;

	memset(&sv, 0, sizeof(sv));
	sv.cfg = cfg;
	sv.listen_fd = listen_fd;
	batch_init(&sv.hub);
	batch_init(&sv.own);
	buf_init(&sv.text);
	srandom((unsigned)getpid() ^ (unsigned)clock_ms());
	sv.stat.started = time(NULL);
	sv.stat.start_ms = clock_ms();
	if (setup(&sv) == -1) {
		logmsg("cannot start: %s", strerror(errno));
		return 1;
	}
	while (!sv.stopping || sv.nconns > 0) {
		n = epoll_wait(sv.ep, ev, 256, sv.stopping ? 100 : -1);
		if (n == -1 && errno != EINTR) {
			/* Not a stop asked for: exit non-zero, so a service
			 * manager's Restart=on-failure brings it back. */
			logmsg("epoll_wait: %s; exiting", strerror(errno));
			status = 1;
			break;
		}
		for (i = 0; i < n; i++)
			dispatch(&sv, &ev[i]);
		if (sv.stopping)
			sweep(&sv, clock_ms());
		bury(&sv);
	}
	while (sv.conns != NULL)
		conn_close(&sv, sv.conns);
	bury(&sv);
	intake_stop(&sv.intake);
	follow_release(&sv.f);
	batch_release(&sv.hub);
	batch_release(&sv.own);
	buf_release(&sv.text);
	return status;
}

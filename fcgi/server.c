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
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "fcgirec.h"
#include "intake.h"
#include "server.h"
#include "stream.h"
#include "watch.h"

/* Streams live at or above this descriptor; see intake.h. */
#define HIGH_FD		1024
/* Unsent bytes a stream may hold before it stops taking live rows and
 * catches up from the table instead: bounds a slow reader's memory. */
#define PENDING_MAX	(64 * 1024)
/* How long a finished stream may take to drain before it is cut. */
#define DRAIN_MS	10000
#define TICK_MS		250	/* sweep: heartbeats and lifetimes */

struct conn {
	int		 fd;
	int		 request_id;
	int		 open;		/* streaming (not finishing) */
	int		 behind;	/* reads the table itself */
	int		 out_armed;	/* EPOLLOUT registered */
	int		 dead;		/* closed; freed after this epoll batch */
	struct stream	 s;
	struct buf	 pending;	/* FastCGI records not yet written */
	int64_t		 last_write;	/* ms, for heartbeats */
	int64_t		 deadline;	/* ms: end of life, or of draining */
	struct conn	*prev, *next;
};

struct server {
	const struct config *cfg;
	int		 ep, listen_fd, timer_fd, recheck_fd, sig_fd;
	int		 recheck_step;	/* of watch_recheck_ms() */
	int		 listening;	/* listen_fd is in the epoll set */
	struct intake	 intake;
	struct store	 st;
	int		 store_ok;
	dev_t		 st_dev;
	ino_t		 st_ino;
	struct watch	 w;
	struct batch	 hub, own;
	int64_t		 hub_cursor;
	int64_t		 version;
	int64_t		 next_poll, next_sweep, last_log, last_accept_log;
	struct buf	 text;		/* scratch */
	struct conn	*conns;
	struct conn	*graveyard;	/* closed, still named by pending events */
	int		 nconns;
	int		 stopping;
};

static void resume_accept(struct server *);

/* Tags for the non-stream descriptors in the epoll set. */
static char tag_listen, tag_timer, tag_recheck, tag_sig, tag_wake, tag_watch;

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

static void
ep_mod(struct server *sv, struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP |
	    (want_out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->out_armed == want_out)
		return;
	c->out_armed = want_out;
	epoll_ctl(sv->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* --- the database ------------------------------------------------------ */

static void
store_reopen(struct server *sv)
{
	struct stat sb;
	int64_t oldest;

	if (sv->store_ok)
		store_close(&sv->st);
	sv->store_ok = store_open(&sv->st, sv->cfg->db, STORE_READONLY, 0) ==
	    STORE_OK && store_bounds(&sv->st, &oldest, &sv->hub_cursor) ==
	    STORE_OK;
	if (!sv->store_ok) {
		int64_t t = clock_ms();
		if (t - sv->last_log >= 60000 || sv->last_log == 0) {
			logmsg("%s", store_errmsg(&sv->st));
			sv->last_log = t;
		}
		store_close(&sv->st);
		return;
	}
	if (stat(sv->cfg->db, &sb) == 0) {
		sv->st_dev = sb.st_dev;
		sv->st_ino = sb.st_ino;
	}
	store_data_version(&sv->st, &sv->version);
}

/* Was the file replaced under us (a new database, ids starting over)? */
static int
store_replaced(struct server *sv)
{
	struct stat sb;

	if (stat(sv->cfg->db, &sb) == -1)
		return 1;
	return sb.st_dev != sv->st_dev || sb.st_ino != sv->st_ino;
}

/* --- one connection ----------------------------------------------------- */

/* Close now; free after the current epoll batch, whose later events may
 * still point at this conn. */
static void
conn_free(struct server *sv, struct conn *c)
{
	if (c->dead)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		sv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sv->nconns--;
	close(c->fd);	/* also removes it from the epoll set */
	buf_release(&c->pending);
	c->dead = 1;
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
	ep_mod(sv, c, c->pending.len > 0 || (c->open && c->behind));
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
	c->last_write = clock_ms();
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
		ep_mod(sv, c, 1);
		return 0;
	}
	if (fcgirec_stdout(&c->pending, c->request_id, text, len) == -1)
		return -1;
	return conn_flush(sv, c);
}

/* End the response; the conn is freed once its records are written. */
static void
conn_finish(struct server *sv, struct conn *c, int end_stream)
{
	buf_clear(&sv->text);
	if (end_stream && c->open)
		stream_end(&c->s, &sv->text);
	c->open = 0;
	c->deadline = clock_ms() + DRAIN_MS;
	if (conn_send(sv, c, sv->text.data, sv->text.len) == -1 ||
	    fcgirec_end(&c->pending, c->request_id) == -1 ||
	    conn_flush(sv, c) == -1 || c->pending.len == 0)
		conn_free(sv, c);
}

/* Send a stream's output from sv->text; frees the conn if the peer left. */
static int
conn_send_text(struct server *sv, struct conn *c)
{
	if (conn_send(sv, c, sv->text.data, sv->text.len) == -1) {
		conn_free(sv, c);
		return -1;
	}
	return 0;
}

/* One catch-up read for a stream that is behind the hub. */
static int
conn_catch_up(struct server *sv, struct conn *c)
{
	int rc;

	rc = sv->store_ok ? batch_load(&sv->own, &sv->st, c->s.cursor,
	    sv->cfg->batch_rows, BATCH_BYTES) : STORE_ERR;
	if (rc != STORE_OK) {
		/* Busy or unavailable: stop the writable wake-ups (they would
		 * spin) and let the next sweep try again. */
		ep_mod(sv, c, c->pending.len > 0);
		return 0;
	}
	buf_clear(&sv->text);
	stream_take(&c->s, &sv->own, &sv->text);
	if (conn_send_text(sv, c) == -1)
		return -1;
	if (!sv->own.full && c->s.cursor >= sv->hub_cursor)
		c->behind = 0;
	if (sv->own.full && stream_replay_spent(&c->s, &sv->cfg->stream)) {
		conn_finish(sv, c, 1);
		return -1;
	}
	return conn_flush(sv, c) == -1 ? (conn_free(sv, c), -1) : 0;
}

static void
conn_event(struct server *sv, struct conn *c, uint32_t ev)
{
	if (c->dead)
		return;
	/* After intake drained FCGI_STDIN, anything readable (EOF, reset, a
	 * stray record) means the web server gave up on this request. */
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
		conn_free(sv, c);
		return;
	}
	if (conn_flush(sv, c) == -1) {
		conn_free(sv, c);
		return;
	}
	if (!c->open) {
		if (c->pending.len == 0)
			conn_free(sv, c);
		return;
	}
	if (c->behind && c->pending.len == 0)
		conn_catch_up(sv, c);
}

/* A request the intake parsed: answer it, and keep it if it streams. */
static void
conn_start(struct server *sv, struct intake_done *d)
{
	struct conn *c;
	int fd = d->fd, hi, rc;

	/* Keep low descriptors for libfcgi's intake (see intake.h). */
	if (fd < HIGH_FD && (hi = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD)) >= 0) {
		close(fd);
		fd = hi;
	}
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
		stream_reject(d->status, &d->req, &sv->cfg->stream,
		    &sv->text);
		goto finish;
	}
	if (!sv->store_ok)
		store_reopen(sv);
	rc = sv->store_ok ? stream_begin(&c->s, &d->req, &sv->cfg->stream,
	    &sv->st, &sv->text) : STORE_ERR;
	if (rc < 0 || sv->stopping || sv->nconns > sv->cfg->max_streams) {
		buf_clear(&sv->text);
		stream_turn_away(&sv->cfg->stream, &d->req, rc < 0 ?
		    "database unavailable" : "server busy", &sv->text);
		goto finish;
	}
	if (rc == STREAM_DONE)
		goto finish;
	c->open = 1;
	c->behind = c->s.cursor < sv->hub_cursor;
	c->deadline = sv->cfg->lifetime_s ? clock_ms() + (int64_t)1000 *
	    config_lifetime(sv->cfg, (unsigned)random()) : INT64_MAX;
	if (conn_send_text(sv, c) == 0 && c->behind && c->pending.len == 0)
		conn_catch_up(sv, c);
	return;
finish:
	if (conn_send_text(sv, c) == 0)
		conn_finish(sv, c, 0);
}

/* --- the hub: one read per change, fanned out ---------------------------- */

static void
hub_fan_out(struct server *sv)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->open || c->behind)
			continue;
		if (c->pending.len > PENDING_MAX) {
			/* A slow reader: let the table hold its backlog. */
			c->behind = 1;
			continue;
		}
		buf_clear(&sv->text);
		if (stream_take(&c->s, &sv->hub, &sv->text) == -1) {
			c->behind = 1;
			ep_mod(sv, c, 1);
			continue;
		}
		conn_send_text(sv, c);
	}
}

static void
hub_refresh(struct server *sv)
{
	int rc;

	if (!sv->store_ok)
		return;
	do {
		rc = batch_load(&sv->hub, &sv->st, sv->hub_cursor,
		    sv->cfg->batch_rows, BATCH_BYTES);
		if (rc != STORE_OK || sv->hub.n == 0)
			return;
		hub_fan_out(sv);
		sv->hub_cursor = sv->hub.last;
	} while (sv->hub.full);
}

/* End every open stream at an event boundary. */
static void
drop_all(struct server *sv)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->open)
			conn_finish(sv, c, 1);
	}
}

/* The database file was replaced: end every stream, so that each client
 * reconnects and gets the reset that a fresh stream_begin() decides. */
static void
hub_replaced(struct server *sv)
{
	logmsg("database '%s' was replaced: ending %d streams", sv->cfg->db,
	    sv->nconns);
	drop_all(sv);
	store_reopen(sv);
}

/* --- timers ------------------------------------------------------------- */

static void
sweep(struct server *sv, int64_t t)
{
	struct conn *c, *next;

	for (c = sv->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->open) {
			if (t >= c->deadline)
				conn_free(sv, c);	/* never drained */
			continue;
		}
		if (t >= c->deadline || sv->stopping) {
			conn_finish(sv, c, 1);
			continue;
		}
		if (c->behind && !c->out_armed)
			ep_mod(sv, c, 1);	/* retry a failed catch-up */
		if (t - c->last_write >= (int64_t)sv->cfg->heartbeat_s * 1000) {
			buf_clear(&sv->text);
			stream_heartbeat(&sv->text);
			conn_send_text(sv, c);
		}
	}
}

static void
tick(struct server *sv)
{
	uint64_t n;
	int64_t t = clock_ms(), v;

	if (read(sv->timer_fd, &n, sizeof(n)) == -1) {
		/* EAGAIN: a spurious wake */
	}
	if (t >= sv->next_poll) {
		sv->next_poll = t + sv->cfg->poll_ms;
		if (!sv->store_ok)
			store_reopen(sv);
		else if (store_replaced(sv))
			hub_replaced(sv);
		else if (store_data_version(&sv->st, &v) == STORE_OK &&
		    v != sv->version) {
			sv->version = v;
			hub_refresh(sv);
		}
	}
	if (t >= sv->next_sweep || sv->stopping) {
		sv->next_sweep = t + TICK_MS;
		sweep(sv, t);
		resume_accept(sv);
	}
}

/* Look again after the step'th delay: a wake can come before its commit
 * is visible (watch.h). */
static void
arm_recheck(struct server *sv, int step)
{
	int ms = watch_recheck_ms(step);
	struct itimerspec its = { .it_value = { 0, (long)ms * 1000000L } };

	sv->recheck_step = step;
	if (ms > 0)
		timerfd_settime(sv->recheck_fd, 0, &its, NULL);
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
	if (sv->listening || sv->stopping || !intake_has_room(&sv->intake))
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
			drop_all(sv);
			continue;
		}
		if (!sv->stopping)
			logmsg("signal %u: ending %d streams", si.ssi_signo,
			    sv->nconns);
		sv->stopping = 1;
	}
	if (!sv->stopping)
		return;
	pause_accept(sv);
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
	else if (p == &tag_watch) {
		int bits = watch_read(&sv->w);
		if (bits & WATCH_REPLACED && sv->store_ok && store_replaced(sv))
			hub_replaced(sv);
		else if (bits) {
			if (!sv->store_ok)
				store_reopen(sv);
			hub_refresh(sv);
			arm_recheck(sv, 0);
		}
	} else if (p == &tag_recheck) {
		uint64_t n;
		if (read(sv->recheck_fd, &n, sizeof(n)) == -1) {
			/* spurious */
		}
		hub_refresh(sv);
		arm_recheck(sv, sv->recheck_step + 1);
	} else
		conn_event(sv, p, e->events);
}

static int
setup(struct server *sv)
{
	struct itimerspec its;
	sigset_t mask;
	int ms = sv->cfg->poll_ms < TICK_MS ? sv->cfg->poll_ms : TICK_MS;

	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000L;
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
	    (sv->recheck_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    timerfd_settime(sv->timer_fd, 0, &its, NULL) == -1)
		return -1;
	if (intake_start(&sv->intake, 2) == -1)
		return -1;
	fcntl(sv->listen_fd, F_SETFL, fcntl(sv->listen_fd, F_GETFL) |
	    O_NONBLOCK);
	if (ep_add(sv, sv->listen_fd, EPOLLIN, &tag_listen) == -1 ||
	    ep_add(sv, sv->timer_fd, EPOLLIN, &tag_timer) == -1 ||
	    ep_add(sv, sv->recheck_fd, EPOLLIN, &tag_recheck) == -1 ||
	    ep_add(sv, sv->sig_fd, EPOLLIN, &tag_sig) == -1 ||
	    ep_add(sv, sv->intake.wake_fd, EPOLLIN, &tag_wake) == -1)
		return -1;
	sv->listening = 1;
	if (watch_open(&sv->w, sv->cfg->db) == -1)
		logmsg("inotify unavailable (%s): checking every %d ms",
		    strerror(errno), sv->cfg->poll_ms);
	else if (ep_add(sv, sv->w.fd, EPOLLIN, &tag_watch) == -1)
		return -1;
	return 0;
}

int
server_run(const struct config *cfg, int listen_fd)
{
	struct epoll_event ev[256];
	struct server sv;
	int i, n;

	memset(&sv, 0, sizeof(sv));
	sv.cfg = cfg;
	sv.listen_fd = listen_fd;
	sv.w.fd = -1;
	batch_init(&sv.hub);
	batch_init(&sv.own);
	buf_init(&sv.text);
	srandom((unsigned)getpid() ^ (unsigned)clock_ms());
	if (setup(&sv) == -1) {
		logmsg("cannot start: %s", strerror(errno));
		return 1;
	}
	store_reopen(&sv);
	while (!sv.stopping || sv.nconns > 0) {
		n = epoll_wait(sv.ep, ev, 256, sv.stopping ? 100 : -1);
		if (n == -1 && errno != EINTR) {
			logmsg("epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++)
			dispatch(&sv, &ev[i]);
		if (sv.stopping)
			sweep(&sv, clock_ms());
		bury(&sv);
	}
	while (sv.conns != NULL)
		conn_free(&sv, sv.conns);
	bury(&sv);
	intake_stop(&sv.intake);
	watch_close(&sv.w);
	store_close(&sv.st);
	batch_release(&sv.hub);
	batch_release(&sv.own);
	buf_release(&sv.text);
	return 0;
}

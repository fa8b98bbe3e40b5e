/* server.c - one epoll loop holding every stream of an sse-fcgi process:
 * accept, timers, signals and the stop (see sse-fcgi.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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

#include "clock.h"
#include "responder.h"
#include "log.h"
#include "server.h"
#include "sse-fcgi.h"

static void resume_accept(struct server *);
static struct handler h_listen, h_wake, h_timer, h_sig;

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
			conn_move(sv, c, CONN_RETRY);	/* retry its read */
		buf_clear(&sv->text);
		if (stream_beat(&c->s, t, &sv->text))
			conn_send_text(sv, c);
	}
}

static void
tick(struct server *sv, struct handler *h, uint32_t events)
{
	(void)h, (void)events;
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
	if (ep_add(sv, sv->listen_fd, EPOLLIN, &h_listen) == 0)
		sv->listening = 1;
}

static void
accept_all(struct server *sv, struct handler *h, uint32_t events)
{
	(void)h, (void)events;
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
conn_on_event(struct server *sv, struct handler *h, uint32_t events)
{
	conn_event(sv, (struct conn *)h, events);
}

/* Presence for the status page: the topic patterns most followed now. */
static void
count_topics(struct server *sv)
{
	struct tm_count top[STATUS_TOPICS];
	size_t i, n = topicmap_top(&sv->map, top, STATUS_TOPICS), len;
	struct status_topic *t;

	sv->stat.untopical = (int64_t)sv->map.all.n;
	sv->stat.ntopics = (int)n;
	for (i = 0; i < n; i++) {
		t = &sv->stat.topics[i];
		len = strlen(top[i].key);
		/* The map keeps a subtree as "jobs/" and "*" as "". */
		snprintf(t->pattern, sizeof(t->pattern), "%s%s", top[i].key,
		    len == 0 || top[i].key[len - 1] == '/' ? "*" : "");
		t->streams = (int64_t)top[i].n;
	}
}

/* A request the intake parsed: answer it, and keep it if it streams. */
static void
conn_start(struct server *sv, struct intake_done *d)
{
	enum stream_state st;
	struct conn *c;
	int fd = d->fd, hi, low = 0;
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
	c->h.on_event = conn_on_event;
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
		count_topics(sv);
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
	st = follow_ready(&sv->f) ? stream_begin(&c->s, &d->req,
	    &sv->cfg->stream, follow_store(&sv->f), &sv->text) : STREAM_FAILED;
	if (st == STREAM_FAILED) {
		buf_clear(&sv->text);
		stream_turn_away(&sv->cfg->stream, &d->req,
		    "database unavailable", &sv->text);
		sv->stat.refused++;
		goto finish;
	}
	if (st == STREAM_DONE)
		goto finish;
	if (c->s.gzip && (c->gz = gzip_new()) == NULL) {
		logmsg("out of memory for a stream's compression");
		buf_clear(&sv->text);
		stream_turn_away(&sv->cfg->stream, &d->req, "server busy",
		    &sv->text);
		sv->stat.refused++;
		goto finish;
	}
	c->raw_next = c->s.head_end;
	if (topicmap_add(&sv->map, &c->s.req.topics, c, &c->place) == -1) {
		logmsg("out of memory for a stream's topics");
		gzip_free(c->gz);	/* the answer is a plain one now */
		c->gz = NULL;
		buf_clear(&sv->text);
		stream_turn_away(&sv->cfg->stream, &d->req, "server busy",
		    &sv->text);
		sv->stat.refused++;
		goto finish;
	}
	c->counted = 1;
	sv->stat.opened++;
	sv->stat.open++;
	stream_clock(&c->s, clock_ms(), sv->cfg->heartbeat_s * 1000,
	    (int64_t)1000 * config_lifetime(sv->cfg, (unsigned)random()));
	if (c->s.cursor < sv->hub_cursor)
		conn_move(sv, c, CONN_START_BEHIND);
	if (conn_send_text(sv, c) == 0 && c->state == CONN_BEHIND &&
	    c->pending.len == 0)
		conn_catch_up(sv, c);
	return;
finish:
	if (conn_send_text(sv, c) == 0)
		conn_finish(sv, c, -1);
}

static void
collect(struct server *sv, struct handler *h, uint32_t events)
{
	(void)h, (void)events;
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
on_signal(struct server *sv, struct handler *h, uint32_t events)
{
	(void)h, (void)events;
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

static struct handler h_listen = { accept_all }, h_wake = { collect },
    h_timer = { tick }, h_sig = { on_signal };

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
	if (ep_add(sv, sv->listen_fd, EPOLLIN, &h_listen) == -1 ||
	    ep_add(sv, sv->timer_fd, EPOLLIN, &h_timer) == -1 ||
	    ep_add(sv, sv->look_fd, EPOLLIN, &h_look) == -1 ||
	    ep_add(sv, sv->sig_fd, EPOLLIN, &h_sig) == -1 ||
	    ep_add(sv, sv->intake.wake_fd, EPOLLIN, &h_wake) == -1)
		return -1;
	sv->listening = 1;
	/* The watch first, then the database (follow.h). */
	if (follow_open(&sv->f, sv->cfg->db, sv->cfg->poll_ms, clock_ms()) ==
	    STORE_OK)
		sv->hub_cursor = follow_newest(&sv->f);
	else
		log_db(sv);
	if (follow_timer_only(&sv->f))
		logmsg("no notice of new rows in %s (no inotify there): "
		    "checking every %d ms", follow_name(&sv->f),
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
	topicmap_init(&sv.map);
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
		for (i = 0; i < n; i++) {
			struct handler *h = ev[i].data.ptr;

			h->on_event(&sv, h, ev[i].events);
		}
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
	topicmap_release(&sv.map);
	buf_release(&sv.text);
	buf_release(&sv.zout);
	return status;
}

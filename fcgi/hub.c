/* hub.c - the database as sse-fcgi follows it: one read per change,
 * fanned out to every live stream (see sse-fcgi.h). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "responder.h"
#include "sse.h"
#include "sse-fcgi.h"

/* Say why the database cannot be read, at most once a minute. */
/* 1, moving *last to now, when a minute has passed since *last (0: never):
 * a log line that may repeat on every look comes once a minute. */
static int
minute_passed(int64_t *last)
{
	int64_t t = clock_ms();

	if (*last != 0 && t - *last < 60000)
		return 0;
	*last = t;
	return 1;
}

void
log_db(struct server *sv)
{
	const char *why = follow_errmsg(&sv->f);

	sv->stat.db_errors++;
	/* A new reason at once (attempts to reconnect back off, so these
	 * stay few), the same one once a minute. */
	if (strcmp(why, sv->last_why) != 0)
		sv->last_log = 0;
	if (minute_passed(&sv->last_log)) {
		logmsg("%s", why);
		snprintf(sv->last_why, sizeof(sv->last_why), "%s", why);
	}
}

/* A LIVE stream a row of the hub belongs to, listed once per fan-out. */
static void
touch(void *ctx, void *owner)
{
	struct server *sv = ctx;
	struct conn *c = owner;

	if (c->state != CONN_LIVE || c->fan_seq == sv->fan_seq)
		return;
	c->fan_seq = sv->fan_seq;
	c->touched = sv->touched;
	sv->touched = c;
}

/*
 * The streams the hub's rows belong to, found by each row's topic in the
 * map (topicmap.h): a stream no row is for is not visited at all, and its
 * cursor stays behind the hub's until it is used (conn_sync()).
 */
static struct conn *
touched_by_hub(struct server *sv)
{
	const struct batch *b = &sv->hub;
	struct conn *c;
	size_t i;

	sv->fan_seq++;
	sv->touched = NULL;
	/* Rows were pruned before the hub read them: every stream is told
	 * (stream_take()'s reset), whatever its topics. */
	if (b->oldest - 1 > b->after) {
		for (c = sv->conns; c != NULL; c = c->next)
			touch(sv, c);
		return sv->touched;
	}
	for (i = 0; i < b->n; i++)
		topicmap_each(&sv->map, b->f[i].has_topic ? b->f[i].topic :
		    NULL, touch, sv);
	return sv->touched;
}

static void
hub_fan_out(struct server *sv)
{
	struct conn *c, *next;

	for (c = touched_by_hub(sv); c != NULL; c = next) {
		next = c->touched;
		if (c->state != CONN_LIVE || c->closed)
			continue;
		conn_sync(sv, c);
		if (c->pending.len > PENDING_MAX) {
			/* A slow reader: let the table hold its backlog. */
			conn_move(sv, c, CONN_BACKLOG);
			continue;
		}
		if (conn_grants(sv, c) == -1)
			continue;
		if (conn_take(sv, c, &sv->hub) == -1) {
			conn_move(sv, c, CONN_BACKLOG);
			continue;
		}
		if (conn_send_text(sv, c) == -1)
			continue;
		if (stream_closed(&c->s))
			conn_finish(sv, c, END_CLOSED);
		else
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
		/* Rows written by hand that no client could parse as events
		 * (test_unframeable_row): once here, not once per stream. */
		if (sv->hub.unframed > 0 &&
		    minute_passed(&sv->last_unframed_log))
			logmsg("%d row(s) up to id %lld have an event name with a "
			    "line break or over %d bytes, or data over %d bytes: "
			    "sent as their ids alone", sv->hub.unframed,
			    (long long)sv->hub.last, SSE_EVENT_MAX, SSE_DATA_MAX);
		/* Even without rows: last may have moved past deleted ones,
		 * and the streams with it. */
		hub_fan_out(sv);
		sv->hub_cursor = sv->hub.last;
	} while (sv->hub.full);
	return STORE_OK;
}

/* End every open stream at an event boundary, for why (status_end). */
void
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

	if (!responder_new_range(&sv->f, &oldest, &newest))
		return;
	/* The hub is on the new database now: a stream's end (conn_sync())
	 * must not raise its cursor back to the old one's position. */
	sv->hub_cursor = newest;
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
void
arm_look(struct server *sv)
{
	int64_t at = follow_deadline(&sv->f);
	struct itimerspec its = { .it_value = { (time_t)(at / 1000),
	    (long)(at % 1000) * 1000000L } };

	timerfd_settime(sv->look_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* A PostgreSQL follow reconnected: poll its new socket. The old one was
 * closed, which took it out of the epoll set. */
void
watch_sync(struct server *sv)
{
	int fd = follow_fd(&sv->f);

	struct epoll_event ev = { .data.ptr = &h_watch };

	if (follow_generation(&sv->f) == sv->watch_gen)
		return;
	sv->watch_gen = follow_generation(&sv->f);
	ev.events = follow_wants_write(&sv->f) ? EPOLLOUT : EPOLLIN;
	/* The same socket may be there already, polled the other way. */
	if (fd != -1 && epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) == -1 &&
	    (errno != EEXIST ||
	    epoll_ctl(sv->ep, EPOLL_CTL_MOD, fd, &ev) == -1))
		logmsg("cannot poll the database's descriptor: %s; "
		    "checking every %d ms", strerror(errno), sv->cfg->poll_ms);
}

/* Look at the database: a new file ends every stream (each client comes
 * back and gets the reset a fresh stream_begin() decides); new rows go
 * out; a failed read is tried again at the next look. */
void
hub_look(struct server *sv)
{
	int64_t v = 0;
	enum follow_result rc = follow_look(&sv->f, clock_ms(), &v);

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
	} else if (rc == FOLLOW_FAILED)
		log_db(sv);
	else if (rc == FOLLOW_CHANGED && hub_refresh(sv) == STORE_OK)
		follow_saw(&sv->f, v);
	watch_sync(sv);
}

/* Look if the schedule says so, then arm the timer for the next look. */
static void
look_if_due(struct server *sv, int64_t t, int woken)
{
	if (follow_due(&sv->f, t) || woken)
		hub_look(sv);
	arm_look(sv);
}

/* The look timer fired. */
void
on_look(struct server *sv, struct handler *h, uint32_t events)
{
	uint64_t n;

	(void)h, (void)events;
	if (read(sv->look_fd, &n, sizeof(n)) == -1) {
		/* EAGAIN: a spurious wake */
	}
	look_if_due(sv, clock_ms(), 0);
}

/* inotify (or the PostgreSQL socket) woke us. */
void
on_wake(struct server *sv, struct handler *h, uint32_t events)
{
	int64_t t = clock_ms();

	(void)h, (void)events;
	look_if_due(sv, t, follow_wake(&sv->f, t));
	watch_sync(sv);		/* a connection on its way turned round */
}

struct handler h_watch = { on_wake }, h_look = { on_look };

/*
 * follow_pg.c - following a PostgreSQL store (follow.h): the connection
 * LISTENs on a primary and polls on a standby; a look reads sse_state in
 * one snapshot, and a new epoch or a history that went back is a replaced
 * database; a lost connection is retried with a backoff.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "follow_means.h"
#include "store_pg.h"

enum pg_link {
	PG_LOST,		/* no connection: retried at retry_at */
	PG_DIALING,		/* connecting, without blocking, until
				   dial_until */
	PG_DIALED,		/* connected: the next look settles it */
	PG_PRIMARY,		/* connected, LISTENing */
	PG_STANDBY		/* connected to a hot standby: no NOTIFY, so
				   the poll comes more often */
};

struct pg_follow {
	enum pg_link	 link;
	int		 again;		/* a NOTIFY came in during a query */
	int64_t		 retry_at;	/* the next reconnect, if lost */
	int		 retry_ms;	/* the wait after the next failure */
	int64_t		 dial_until;	/* PG_DIALING: give up then */
	int		 dial_write;	/* PG_DIALING: wait to write, not read */
	int		 dial_ms;	/* PG_DIALING: how long it may take */
	int		 unanswered;	/* dials given up since the last
					   connection */
	char		 epoch[64];	/* sse_state.epoch when first opened */
	char		 seen_ts[32];	/* ts of row f->version */
	char		 look_ts[32];	/* ts of the newest row at the last look */
};

static struct pg_follow *
pf(const struct follow *f)
{
	return f->impl;
}

static int
pg_poll_ms(const struct follow *f)
{
	return pf(f)->link == PG_STANDBY &&
	    f->poll_ms > STORE_PG_STANDBY_POLL_MS ?
	    STORE_PG_STANDBY_POLL_MS : f->poll_ms;
}

/* Is row id missing because pruning took it (it is older than the
 * oldest row left)? */
static int
prune_explains(struct follow *f, int64_t id)
{
	int64_t oldest, newest;

	return store_bounds(&f->st, &oldest, &newest) == STORE_OK &&
	    id < oldest;
}

/* Take a database's state as the one followed from now on: its epoch, and
 * its newest id (and that row's ts) as what the streams have. */
static void
adopt(struct follow *f, const struct pg_state *ps)
{
	snprintf(pf(f)->epoch, sizeof(pf(f)->epoch), "%s", ps->epoch);
	snprintf(pf(f)->seen_ts, sizeof(pf(f)->seen_ts), "%s", ps->newest_ts);
	f->newest = f->version = ps->newest;
}

static void
lost(struct follow *f, int64_t now)
{
	struct pg_follow *p = pf(f);

	p->link = PG_LOST;
	p->retry_at = now + p->retry_ms;
	if ((p->retry_ms *= 2) > FOLLOW_RETRY_MAX_MS)
		p->retry_ms = FOLLOW_RETRY_MAX_MS;
}

/*
 * A connection was made: decide whether the database is the one we
 * followed before (its epoch, and the row we saw last still there as we
 * saw it). *same is 1 when it is; the first connection takes its state as
 * is.
 */
static int
settle(struct follow *f, int64_t now, int *same)
{
	struct pg_follow *p = pf(f);
	struct pg_state ps;
	char ts[sizeof(p->seen_ts)];
	int rc, found = 1;

	*same = 0;
	if ((rc = store_pg_state(&f->st, &ps)) == STORE_OK &&
	    p->epoch[0] != '\0' && f->version > 0 && p->seen_ts[0] != '\0')
		rc = store_pg_row_ts(&f->st, f->version, ts, sizeof(ts),
		    &found);
	if (rc != STORE_OK) {
		store_close(&f->st);
		lost(f, now);
		return rc;
	}
	p->retry_ms = FOLLOW_RETRY_MS;
	p->retry_at = 0;
	p->unanswered = 0;
	p->link = ps.standby ? PG_STANDBY : PG_PRIMARY;
	f->ready = 1;
	f->generation++;
	if (f->poll_at > now + pg_poll_ms(f))
		f->poll_at = now + pg_poll_ms(f);
	/* A row we streamed that is gone or different, or fewer ids than we
	 * saw: this history is not the one the clients have. A row merely
	 * pruned is gone too; then only the epoch can tell. */
	if (p->epoch[0] != '\0' && strcmp(p->epoch, ps.epoch) == 0 &&
	    ps.newest >= f->version && (p->seen_ts[0] == '\0' ||
	    (found && strcmp(ts, p->seen_ts) == 0) ||
	    (!found && prune_explains(f, f->version)))) {
		*same = 1;
		return STORE_OK;
	}
	adopt(f, &ps);
	return STORE_OK;
}

/*
 * Start connecting again without blocking: the loop goes on serving (the
 * heartbeats of open streams keep their schedule) while the socket is
 * polled, and dial_step() moves the connection on. Only the first
 * connection (pg_open()) waits, before anything is served.
 */
static void
dial(struct follow *f, int64_t now)
{
	struct pg_follow *p = pf(f);

	follow_forget(f);
	f->generation++;		/* a new socket, or none */
	if (store_pg_dial(&f->st, f->path, STORE_READONLY, FOLLOW_BUSY_MS,
	    p->unanswered) != STORE_OK) {
		lost(f, now);
		return;
	}
	p->link = PG_DIALING;
	p->dial_ms = store_pg_dial_timeout_ms(&f->st);
	p->dial_until = p->dial_ms < 0 ? INT64_MAX : now + p->dial_ms;
	p->dial_write = 1;	/* what libpq asks first */
}

/* The dialing socket is ready: 1 when a look is due (connected, or given
 * up on: the look settles it or says why). */
static int
dial_step(struct follow *f, int64_t now)
{
	struct pg_follow *p = pf(f);
	struct pollfd pfd = { .fd = store_pg_socket(&f->st),
	    .events = p->dial_write ? POLLOUT : POLLIN };
	int rc;

	/* A wake meant for an earlier socket: libpq must be moved on only
	 * when this one is ready, or it takes a connect still in progress
	 * for one made. */
	if (poll(&pfd, 1, 0) != 1)
		return 0;
	rc = store_pg_dial_poll(&f->st);
	if (rc == STORE_PG_DIAL_READ || rc == STORE_PG_DIAL_WRITE) {
		/* Always poll anew: libpq may have closed the socket for the
		 * next address and got a new one with the same number, which
		 * the old registration no longer watches. */
		p->dial_write = rc == STORE_PG_DIAL_WRITE;
		f->generation++;
		return 0;
	}
	f->generation++;
	if (rc == STORE_OK)
		p->link = PG_DIALED;
	else
		lost(f, now);
	return 1;
}

static int
pg_open(struct follow *f, int64_t now)
{
	int rc, same;

	/* The LISTEN is part of the open: a commit after it wakes us. */
	pf(f)->retry_ms = FOLLOW_RETRY_MS;
	if ((rc = store_open(&f->st, f->path, STORE_READONLY,
	    FOLLOW_BUSY_MS)) != STORE_OK) {
		store_close(&f->st);
		lost(f, now);
		return rc;
	}
	return settle(f, now, &same);
}

static void
pg_release(struct follow *f)
{
	/* The front closes an open store; a connection on its way is ours. */
	if (!f->ready)
		store_close(&f->st);
}

static int
pg_fd(const struct follow *f)
{
	return f->ready || pf(f)->link == PG_DIALING ?
	    store_pg_socket(&f->st) : -1;
}

static int
pg_wants_write(const struct follow *f)
{
	return pf(f)->link == PG_DIALING && pf(f)->dial_write;
}

static int
pg_timer_only(const struct follow *f)
{
	(void)f;	/* each connection brings a socket */
	return 0;
}

static int
pg_wake(struct follow *f, int64_t now)
{
	if (pf(f)->link == PG_DIALING)
		return dial_step(f, now);
	/* A notification, or a lost connection: look either way. */
	return f->ready && store_pg_drain(&f->st) != 0;
}

static int
pg_due(struct follow *f, int64_t now)
{
	struct pg_follow *p = pf(f);

	if (p->link == PG_DIALING && now >= p->dial_until) {
		store_pg_dial_give_up(&f->st, p->dial_ms);
		p->unanswered++;	/* the next dial starts a host later */
		f->generation++;
		lost(f, now);
		return 1;	/* the look says so */
	}
	if (p->again || (p->link == PG_LOST && now >= p->retry_at)) {
		p->again = 0;
		return 1;
	}
	return 0;
}

static int64_t
pg_deadline(const struct follow *f)
{
	if (pf(f)->again)
		return 1;	/* at once: a time long past */
	if (pf(f)->link == PG_DIALING)
		return pf(f)->dial_until;
	return pf(f)->link == PG_LOST ? pf(f)->retry_at : INT64_MAX;
}

/* Reconnect if lost (not too often), then read sse_state. */
static enum follow_result
pg_look(struct follow *f, int64_t now, int64_t *v)
{
	struct pg_follow *p = pf(f);
	struct pg_state ps;
	int rc, same;

	if (p->link == PG_LOST) {
		if (now < p->retry_at)
			return FOLLOW_FAILED;	/* still lost: say so, cheaply */
		dial(f, now);
		return p->link == PG_DIALING ? FOLLOW_NONE : FOLLOW_FAILED;
	}
	if (p->link == PG_DIALING)
		return FOLLOW_NONE;	/* dial_step() moves it on */
	if (p->link == PG_DIALED) {
		if (settle(f, now, &same) != STORE_OK)
			return FOLLOW_FAILED;
		if (!same)
			return FOLLOW_REPLACED;
	}
	if ((rc = store_pg_state(&f->st, &ps)) != STORE_OK) {
		if (rc == STORE_IO) {
			follow_forget(f);	/* the next look reconnects */
			p->link = PG_LOST;
		}
		return FOLLOW_FAILED;
	}
	p->again = store_pg_drain(&f->st) > 0;
	if (strcmp(ps.epoch, p->epoch) != 0 || ps.newest < f->version) {
		adopt(f, &ps);
		return FOLLOW_REPLACED;
	}
	if (p->link == PG_STANDBY && !ps.standby) {
		p->link = PG_PRIMARY;	/* promoted: LISTEN now works */
		if (store_pg_listen(&f->st) != STORE_OK)
			return FOLLOW_FAILED;
	} else if (p->link == PG_PRIMARY && ps.standby)
		p->link = PG_STANDBY;
	*v = ps.newest;
	snprintf(p->look_ts, sizeof(p->look_ts), "%s", ps.newest_ts);
	return ps.newest != f->version ? FOLLOW_CHANGED : FOLLOW_NONE;
}

static void
pg_saw(struct follow *f, int64_t v)
{
	struct pg_follow *p = pf(f);

	(void)v;
	snprintf(p->seen_ts, sizeof(p->seen_ts), "%s", p->look_ts);
	/* Notifications that came in while the rows were read. */
	if (f->ready && store_pg_drain(&f->st) > 0)
		p->again = 1;
}

static const char *
pg_name(const struct follow *f)
{
	(void)f;	/* never the URL, which may hold a password */
	return "(postgresql)";
}

const struct follow_means follow_pg_means = {
	.size		= sizeof(struct pg_follow),
	.open		= pg_open,
	.release	= pg_release,
	.fd		= pg_fd,
	.timer_only	= pg_timer_only,
	.wants_write	= pg_wants_write,
	.wake		= pg_wake,
	.due		= pg_due,
	.deadline	= pg_deadline,
	.poll_ms	= pg_poll_ms,
	.look		= pg_look,
	.saw		= pg_saw,
	.name		= pg_name,
};

/* follow.c - the database as a responder follows it (see follow.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "follow.h"
#include "status.h"
#include "store_pg.h"

/* The longest gap of watch_recheck_ms(), kept while frames are unseen. */
#define RECHECK_MAX_MS	32

static void
forget(struct follow *f)
{
	if (f->ready)
		store_close(&f->st);
	f->ready = 0;
}

static int poll_interval(const struct follow *);

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
	snprintf(f->epoch, sizeof(f->epoch), "%s", ps->epoch);
	snprintf(f->seen_ts, sizeof(f->seen_ts), "%s", ps->newest_ts);
	f->newest = f->version = ps->newest;
}

/*
 * PostgreSQL: connect, and decide whether the database is the one we
 * followed before (its epoch, and the row we saw last still there as we saw
 * it). *same is 1 when it is; the first connection takes its state as is.
 */
static int
reopen_pg(struct follow *f, int *same)
{
	struct pg_state ps;
	char ts[sizeof(f->seen_ts)];
	int rc, found = 1;

	*same = 0;
	forget(f);
	if ((rc = store_open(&f->st, f->path, STORE_READONLY, FOLLOW_BUSY_MS))
	    == STORE_OK && (rc = store_pg_state(&f->st, &ps)) == STORE_OK &&
	    f->epoch[0] != '\0' && f->version > 0 && f->seen_ts[0] != '\0')
		rc = store_pg_row_ts(&f->st, f->version, ts, sizeof(ts),
		    &found);
	if (rc != STORE_OK) {
		store_close(&f->st);
		f->retry_at = f->now + f->retry_ms;
		if ((f->retry_ms *= 2) > FOLLOW_RETRY_MAX_MS)
			f->retry_ms = FOLLOW_RETRY_MAX_MS;
		return rc;
	}
	f->retry_ms = FOLLOW_RETRY_MS;
	f->retry_at = 0;
	f->ready = 1;
	f->generation++;
	f->standby = ps.standby;
	if (f->poll_at > f->now + poll_interval(f))
		f->poll_at = f->now + poll_interval(f);
	/* A row we streamed that is gone or different, or fewer ids than we
	 * saw: this history is not the one the clients have. A row merely
	 * pruned is gone too; then only the epoch can tell. */
	if (f->epoch[0] != '\0' && strcmp(f->epoch, ps.epoch) == 0 &&
	    ps.newest >= f->version && (f->seen_ts[0] == '\0' ||
	    (found && strcmp(ts, f->seen_ts) == 0) ||
	    (!found && prune_explains(f, f->version)))) {
		*same = 1;
		return STORE_OK;
	}
	adopt(f, &ps);
	return STORE_OK;
}

/* Open the file path names now, and remember which file that is. */
static int
reopen(struct follow *f)
{
	struct stat sb;
	int64_t oldest;
	int rc;

	forget(f);
	rc = store_open(&f->st, f->path, STORE_READONLY, FOLLOW_BUSY_MS);
	/* The version before the bounds: a commit between the two is then
	 * seen as a change, where the other order would lose it. */
	if (rc == STORE_OK)
		rc = store_data_version(&f->st, &f->version);
	if (rc == STORE_OK)
		rc = store_bounds(&f->st, &oldest, &f->newest);
	if (rc != STORE_OK) {
		store_close(&f->st);
		return rc;
	}
	/* The identity is taken after the open: a file swapped in between
	 * shows up as replaced at the first look, never the other way. */
	if (stat(f->path, &sb) == 0) {
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
	} else
		f->dev = 0, f->ino = 0;
	f->ready = 1;
	return STORE_OK;
}

int
follow_open(struct follow *f, const char *path, int poll_ms, int64_t now)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->poll_ms = poll_ms;
	f->poll_at = now + poll_ms;
	f->recheck_at = -1;
	f->now = now;
	if (store_is_pg(path)) {
		int same;

		/* The LISTEN is part of the open: a commit after it wakes us. */
		f->pg = 1;
		f->w.fd = -1;
		f->retry_ms = FOLLOW_RETRY_MS;
		return reopen_pg(f, &same);
	}
	/* Before the database: a commit after our first read must wake us. */
	watch_open(&f->w, path);
	return reopen(f);
}

void
follow_release(struct follow *f)
{
	if (f == NULL)
		return;
	forget(f);
	watch_close(&f->w);
}

int
follow_fd(const struct follow *f)
{
	if (f->pg)
		return f->ready ? store_pg_socket(&f->st) : -1;
	return f->w.fd;
}

unsigned
follow_generation(const struct follow *f)
{
	return f->generation;
}

/* The timer's interval: a standby never hears NOTIFY. */
static int
poll_interval(const struct follow *f)
{
	return f->pg && f->standby && f->poll_ms > STORE_PG_STANDBY_POLL_MS ?
	    STORE_PG_STANDBY_POLL_MS : f->poll_ms;
}

const char *
follow_name(const struct follow *f)
{
	return f->pg ? "(postgresql)" : f->path;
}

const char *
follow_errmsg(const struct follow *f)
{
	return store_errmsg(&f->st);
}

int64_t
follow_deadline(const struct follow *f)
{
	if (f->again)
		return 1;	/* at once: a time long past */
	/* Lost: reconnect then, whatever the poll; never at 0, which would
	 * disarm sse-fcgi's timerfd. */
	if (f->pg && !f->ready && f->retry_at < f->poll_at)
		return f->retry_at > 1 ? f->retry_at : 1;
	return f->recheck_at >= 0 && f->recheck_at < f->poll_at ?
	    f->recheck_at : f->poll_at;
}

int
follow_wake(struct follow *f, int64_t now)
{
	int bits;

	f->now = now;
	if (f->pg) {
		/* A notification, or a lost connection: look either way. */
		return f->ready && store_pg_drain(&f->st) != 0;
	}
	bits = watch_read(&f->w);

	if (bits & WATCH_FRAMES)
		f->unseen_until = now + FOLLOW_UNSEEN_MS;
	if (bits & (WATCH_CHANGED | WATCH_REPLACED)) {
		f->step = 0;
		f->recheck_at = now + watch_recheck_ms(0);
	}
	/* Only the database and its WAL count: every reader writes its -shm
	 * beside them, and a look for each would cost every CGI stream a
	 * query whenever another one starts. */
	return bits != 0;
}

int
follow_due(struct follow *f, int64_t now)
{
	int look = 0, d;

	f->now = now;
	if (f->again || (f->pg && !f->ready && now >= f->retry_at)) {
		f->again = 0;
		look = 1;
	}
	if (f->recheck_at >= 0 && now >= f->recheck_at) {
		d = watch_recheck_ms(++f->step);
		if (d < 0 && now < f->unseen_until)
			d = RECHECK_MAX_MS;	/* a slow sync: keep looking */
		f->recheck_at = d < 0 ? -1 : now + d;
		look = 1;
	}
	if (now >= f->poll_at) {
		f->poll_at = now + poll_interval(f);
		look = 1;
	}
	return look;
}

/* Is the file under path another one than the one open, or gone? */
static int
replaced(const struct follow *f)
{
	struct stat sb;

	return stat(f->path, &sb) == -1 || sb.st_dev != f->dev ||
	    sb.st_ino != f->ino;
}

/* PostgreSQL: reconnect if lost (not too often), then read sse_state. */
static int
look_pg(struct follow *f, int64_t *v)
{
	struct pg_state ps;
	int rc, same;

	if (!f->ready) {
		if (f->now < f->retry_at)
			return STORE_IO;	/* still lost: say so, cheaply */
		if ((rc = reopen_pg(f, &same)) != STORE_OK)
			return rc;
		if (!same)
			return FOLLOW_REPLACED;
	}
	if ((rc = store_pg_state(&f->st, &ps)) != STORE_OK) {
		if (rc == STORE_IO)
			forget(f);	/* lost: the next look reconnects */
		return rc;
	}
	f->again = store_pg_drain(&f->st) > 0;
	if (strcmp(ps.epoch, f->epoch) != 0 || ps.newest < f->version) {
		adopt(f, &ps);
		return FOLLOW_REPLACED;
	}
	if (ps.standby != f->standby) {
		f->standby = ps.standby;	/* promoted: LISTEN now works */
		if (!f->standby && (rc = store_pg_listen(&f->st)) != STORE_OK)
			return rc;
	}
	*v = ps.newest;
	snprintf(f->look_ts, sizeof(f->look_ts), "%s", ps.newest_ts);
	return ps.newest != f->version ? FOLLOW_CHANGED : FOLLOW_NONE;
}

int
follow_look(struct follow *f, int64_t *v)
{
	int rc;

	if (f->pg)
		return look_pg(f, v);

	if (!f->ready) {
		if ((rc = reopen(f)) != STORE_OK)
			return rc;
		return FOLLOW_REPLACED;
	}
	/* A stat is cheap, and without inotify the timer is the only wake
	 * there is: so every look checks, not only a wake that says so. */
	if (replaced(f)) {
		reopen(f);
		return FOLLOW_REPLACED;
	}
	if ((rc = store_data_version(&f->st, v)) != STORE_OK)
		return rc;
	return *v != f->version ? FOLLOW_CHANGED : FOLLOW_NONE;
}

void
follow_saw(struct follow *f, int64_t v)
{
	f->version = v;
	f->unseen_until = 0;
	if (f->pg) {
		snprintf(f->seen_ts, sizeof(f->seen_ts), "%s", f->look_ts);
		/* Notifications that came in while the rows were read. */
		if (f->ready && store_pg_drain(&f->st) > 0)
			f->again = 1;
	}
}

void
follow_status(struct follow *f, struct status_db *db)
{
	struct timespec now;
	int64_t at;

	memset(db, 0, sizeof(*db));
	db->newest_age_ms = -1;
	/* Not reopened here: the look that reopens also tells the streams. */
	if (!f->ready)
		return;
	if (store_bounds(&f->st, &db->oldest, &db->newest) != STORE_OK ||
	    store_newest_time(&f->st, &at) != STORE_OK)
		return;
	db->ok = 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (at >= 0) {
		db->newest_age_ms = (int64_t)now.tv_sec * 1000 +
		    now.tv_nsec / 1000000 - at;
		if (db->newest_age_ms < 0)
			db->newest_age_ms = 0;	/* a clock stepped back */
	}
}

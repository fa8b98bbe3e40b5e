/* follow.c - the database as a responder follows it (see follow.h). */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "follow.h"
#include "status.h"

/* The longest gap of watch_recheck_ms(), kept while frames are unseen. */
#define RECHECK_MAX_MS	32

static void
forget(struct follow *f)
{
	if (f->ready)
		store_close(&f->st);
	f->ready = 0;
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
	return f->w.fd;
}

const char *
follow_errmsg(const struct follow *f)
{
	return store_errmsg(&f->st);
}

int64_t
follow_deadline(const struct follow *f)
{
	return f->recheck_at >= 0 && f->recheck_at < f->poll_at ?
	    f->recheck_at : f->poll_at;
}

int
follow_wake(struct follow *f, int64_t now)
{
	int bits = watch_read(&f->w);

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

	if (f->recheck_at >= 0 && now >= f->recheck_at) {
		d = watch_recheck_ms(++f->step);
		if (d < 0 && now < f->unseen_until)
			d = RECHECK_MAX_MS;	/* a slow sync: keep looking */
		f->recheck_at = d < 0 ? -1 : now + d;
		look = 1;
	}
	if (now >= f->poll_at) {
		f->poll_at = now + f->poll_ms;
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

int
follow_look(struct follow *f, int64_t *v)
{
	int rc;

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

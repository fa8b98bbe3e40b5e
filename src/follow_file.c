/*
 * follow_file.c - following an SQLite file (follow.h): inotify on its
 * directory from before the first read, the file's identity (a file put in
 * its place is a replaced database), PRAGMA data_version for commits, and
 * rechecks after a wake, since a wake comes before the commit it announces
 * is visible.
 */
#include <stdint.h>
#include <sys/stat.h>

#include "follow_means.h"
#include "watch.h"

/* The longest gap of watch_recheck_ms(), kept while frames are unseen. */
#define RECHECK_MAX_MS	32

struct file_follow {
	struct watch	 w;
	dev_t		 dev;		/* the file f->st has open */
	ino_t		 ino;
	int64_t		 recheck_at;	/* the next look after a wake; -1 none */
	int		 step;		/* of watch_recheck_ms() */
	int64_t		 unseen_until;	/* keep rechecking until then */
};

static struct file_follow *
ff(const struct follow *f)
{
	return f->impl;
}

/* Open the file path names now, and remember which file that is. */
static int
reopen(struct follow *f)
{
	struct file_follow *x = ff(f);
	struct stat sb;
	int rc;

	if ((rc = follow_reopen(f)) != STORE_OK)
		return rc;
	/* The identity is taken after the open: a file swapped in between
	 * shows up as replaced at the first look, never the other way. */
	if (stat(f->path, &sb) == 0) {
		x->dev = sb.st_dev;
		x->ino = sb.st_ino;
	} else
		x->dev = 0, x->ino = 0;
	return STORE_OK;
}

static int
file_open(struct follow *f, int64_t now)
{
	struct file_follow *x = ff(f);

	(void)now;
	x->w.fd = -1;
	x->recheck_at = -1;
	/* Before the database: a commit after our first read must wake us. */
	if (watch_open(&x->w, f->path) == 0 && x->w.fd != -1)
		f->generation = 1;	/* the one descriptor there will be */
	return reopen(f);
}

static void
file_release(struct follow *f)
{
	watch_close(&ff(f)->w);
}

static int
file_fd(const struct follow *f)
{
	return ff(f)->w.fd;
}

static int
file_timer_only(const struct follow *f)
{
	return file_fd(f) == -1;
}

static int
file_wake(struct follow *f, int64_t now)
{
	struct file_follow *x = ff(f);
	int bits = watch_read(&x->w);

	if (bits & WATCH_FRAMES)
		x->unseen_until = now + FOLLOW_UNSEEN_MS;
	if (bits & (WATCH_CHANGED | WATCH_REPLACED)) {
		x->step = 0;
		x->recheck_at = now + watch_recheck_ms(0);
	}
	/* Only the database and its WAL count: every reader writes its -shm
	 * beside them, and a look for each would cost every CGI stream a
	 * query whenever another one starts. */
	return bits != 0;
}

static int
file_due(struct follow *f, int64_t now)
{
	struct file_follow *x = ff(f);
	int d;

	if (x->recheck_at < 0 || now < x->recheck_at)
		return 0;
	d = watch_recheck_ms(++x->step);
	if (d < 0 && now < x->unseen_until)
		d = RECHECK_MAX_MS;	/* a slow sync: keep looking */
	x->recheck_at = d < 0 ? -1 : now + d;
	return 1;
}

static int64_t
file_deadline(const struct follow *f)
{
	return ff(f)->recheck_at >= 0 ? ff(f)->recheck_at : INT64_MAX;
}

static int
file_poll_ms(const struct follow *f)
{
	return f->poll_ms;
}

/* Is the file under path another one than the one open, or gone? */
static int
replaced(const struct follow *f)
{
	struct stat sb;

	return stat(f->path, &sb) == -1 || sb.st_dev != ff(f)->dev ||
	    sb.st_ino != ff(f)->ino;
}

static enum follow_result
file_look(struct follow *f, int64_t now, int64_t *v)
{
	(void)now;
	if (!f->ready)
		return reopen(f) == STORE_OK ? FOLLOW_REPLACED : FOLLOW_FAILED;
	/* A stat is cheap, and without inotify the timer is the only wake
	 * there is: so every look checks, not only a wake that says so. */
	if (replaced(f)) {
		reopen(f);
		return FOLLOW_REPLACED;
	}
	return follow_compare(f, v);
}

static void
file_saw(struct follow *f, int64_t v)
{
	(void)v;
	ff(f)->unseen_until = 0;
}

static const char *
file_name(const struct follow *f)
{
	return f->path;
}

const struct follow_means follow_file_means = {
	.size		= sizeof(struct file_follow),
	.open		= file_open,
	.release	= file_release,
	.fd		= file_fd,
	.timer_only	= file_timer_only,
	.wake		= file_wake,
	.due		= file_due,
	.deadline	= file_deadline,
	.poll_ms	= file_poll_ms,
	.look		= file_look,
	.saw		= file_saw,
	.name		= file_name,
};

/*
 * follow.h - the database as a responder follows it, the same for sse.cgi
 * (one stream) and sse-fcgi (every stream of a process): opened read-only
 * and known by its file, so a replacement is seen; watched with inotify
 * from before the first read, so no commit falls between the two; and
 * looked at on one schedule:
 *
 *   - at once on a wake, then after 1, 2, 4 ... 32 ms (watch_recheck_ms():
 *     a wake comes before the commit it announces is visible);
 *   - after WAL frames, every 32 ms for as long as no look has found their
 *     commit (a slow sync), up to FOLLOW_UNSEEN_MS;
 *   - every poll_ms whatever happens (no inotify on network file systems).
 *
 * A look is cheap (a stat and PRAGMA data_version); the caller reads rows
 * only when it says something changed, and says when that read succeeded,
 * so a read that failed (a lock) is tried again at the next look.
 * Times are milliseconds of the caller's clock, passed in, so tests drive
 * the schedule without sleeping.
 *
 * A postgresql:// database is followed the same way with other means: its
 * connection LISTENs (follow_fd() is its socket, and changes when it
 * reconnects: follow_generation() says so); a NOTIFY is a hint to look now,
 * the timer looks every poll_ms, and every STORE_PG_STANDBY_POLL_MS on a
 * standby, where NOTIFY is never delivered. A look reads sse_state: a new
 * epoch, or history that went back (a lagging standby promoted, a restore),
 * is a replaced database. A lost connection is retried after
 * FOLLOW_RETRY_MS, then twice as long after each failure up to
 * FOLLOW_RETRY_MAX_MS: a connection attempt blocks (up to libpq's
 * connect_timeout) and the process serves nothing meanwhile, so an
 * unreachable server must not take most of its time. The streams wait, and
 * resume exactly when it comes back.
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdint.h>
#include <sys/types.h>

#include "store.h"
#include "watch.h"

/* A responder waits this long for a lock, not the writer's 10 s: one
 * thread serves every stream, and the next look tries again. */
#define FOLLOW_BUSY_MS		20
/* How long frames without a visible commit keep the rechecks going. */
#define FOLLOW_UNSEEN_MS	10000
/* PostgreSQL: the least time between two attempts to reconnect. */
#define FOLLOW_RETRY_MS		1000
#define FOLLOW_RETRY_MAX_MS	30000

enum follow_result {
	FOLLOW_NONE	= 0,	/* nothing new */
	FOLLOW_CHANGED	= 1,	/* another connection committed: read rows */
	FOLLOW_REPLACED	= 2	/* a different file is open now, or none:
				   end the streams of the old one */
};

struct follow {
	const char	*path;		/* borrowed: SSE_DB */
	struct store	 st;
	int		 ready;		/* st is open */
	dev_t		 dev;		/* the file st has open */
	ino_t		 ino;
	int64_t		 newest;	/* the newest id when it was opened */
	int64_t		 version;	/* data_version of the last good read */
	struct watch	 w;
	int		 poll_ms;
	int64_t		 poll_at;	/* the next look by the timer */
	int64_t		 recheck_at;	/* the next look after a wake; -1 none */
	int		 step;		/* of watch_recheck_ms() */
	int64_t		 unseen_until;	/* keep rechecking until then */
	/* PostgreSQL only: */
	int		 pg;		/* path is a postgresql:// URL */
	int		 standby;	/* connected to a hot standby */
	int		 again;		/* a NOTIFY came in during a query */
	unsigned	 generation;	/* connections made so far */
	int64_t		 now;		/* the last time we were told */
	int64_t		 retry_at;	/* the next reconnect, if lost */
	int		 retry_ms;	/* the wait after the next failure */
	char		 epoch[64];	/* sse_state.epoch when first opened */
	char		 seen_ts[32];	/* ts of row 'version' */
	char		 look_ts[32];	/* ts of the newest row at the last look */
};

/*
 * Start following path: the watch first, then the database. Returns the
 * store's code; on failure the follow is still usable (not ready), and a
 * later follow_look() opens it. Release it with follow_release() either way.
 */
int	follow_open(struct follow *f, const char *path, int poll_ms,
	    int64_t now);
void	follow_release(struct follow *f);
/* The inotify descriptor (or PostgreSQL socket) to poll, or -1 (then only
 * the timers look). */
int	follow_fd(const struct follow *f);
/* Changes whenever follow_fd() names a new connection, even one that got
 * the same descriptor number: poll it anew. */
unsigned follow_generation(const struct follow *f);
const char *follow_errmsg(const struct follow *f);
/* What to call the database in a log line: its path, never a URL (which
 * may hold a password). */
const char *follow_name(const struct follow *f);

/* The moment the next look is due if nothing wakes us. */
int64_t	follow_deadline(const struct follow *f);
/* follow_fd() is readable: drain it. 1 when a look is due now. */
int	follow_wake(struct follow *f, int64_t now);
/* 1 when a timer says a look is due at now (and moves the timer). */
int	follow_due(struct follow *f, int64_t now);

/*
 * Look: FOLLOW_REPLACED (the caller ends its streams and takes f->newest as
 * its cursor: a new file is open, or none is; follow_look() reopens it),
 * FOLLOW_CHANGED with *v set (read the rows, then follow_saw(f, *v)),
 * FOLLOW_NONE, or a STORE_* code (busy, or the open failed).
 */
int	follow_look(struct follow *f, int64_t *v);
/* Every row committed by version v was read. */
void	follow_saw(struct follow *f, int64_t v);

struct status_db;
/* The database's part of the status page: bounds and the newest row's
 * age, or db->ok 0. */
void	follow_status(struct follow *f, struct status_db *db);

#endif

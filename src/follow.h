/*
 * follow.h - the database as a responder follows it, the same for sse.cgi
 * (one stream) and sse-fcgi (every stream of a process): opened read-only
 * and known by its file, so a replacement is seen; watched with inotify
 * from before the first read, so no commit falls between the two; and
 * looked at on one schedule:
 *
 *   - at once on a wake, then after 1, 2, 4 ... 32 ms (watch_recheck_ms():
 *     a wake comes before the commit it announces is visible), and at
 *     once again when one of our writers says the commit is visible
 *     (WATCH_COMMITTED);
 *   - after WAL frames, every 32 ms for as long as no look has found their
 *     commit (a slow sync), up to FOLLOW_UNSEEN_MS;
 *   - every poll_ms whatever happens (no inotify on network file systems).
 *
 * A look is cheap (a stat and PRAGMA data_version); the caller reads rows
 * only when it says something changed, and says when that read succeeded,
 * so a read that failed (a lock) is tried again at the next look.
 * Times are milliseconds of the caller's clock, passed in, so tests drive
 * the schedule without sleeping. Errors: follow_open() returns a STORE_*
 * code, follow_look() FOLLOW_FAILED; follow_errmsg() says why either way.
 *
 * The schedule is here (follow.c); the means differ by store, one file
 * each behind follow_means.h. follow_file.c follows an SQLite file as
 * above. follow_pg.c follows a postgresql:// database: its connection
 * LISTENs (follow_fd() is its socket, and changes when it reconnects:
 * follow_generation() says so); a NOTIFY is a hint to look now, the timer
 * looks every poll_ms, and every STORE_PG_STANDBY_POLL_MS on a standby,
 * where NOTIFY is never delivered. A look reads sse_state: a new epoch, or
 * history that went back (a lagging standby promoted, a restore), is a
 * replaced database. A lost connection is retried after FOLLOW_RETRY_MS,
 * then twice as long after each failure up to FOLLOW_RETRY_MAX_MS, without
 * blocking: follow_fd() is the new connection's socket while it is on its
 * way (follow_wants_write() says which way to poll it), so the process
 * goes on serving. Only the first connection, at follow_open(), waits.
 * The streams wait, and resume exactly when it comes back.
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdint.h>

#include "store.h"

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
	FOLLOW_REPLACED	= 2,	/* a different file is open now, or none:
				   end the streams of the old one */
	FOLLOW_FAILED	= 3	/* busy, or it cannot be opened or read:
				   follow_errmsg() says why; look again */
};

struct follow_means;

/* Read it through the functions below; the means keeps its own state
 * (follow_file.c, follow_pg.c) behind impl. */
struct follow {
	const struct follow_means *means;
	void		*impl;
	const char	*path;		/* borrowed: SSE_DB */
	struct store	 st;
	int		 ready;		/* st is open */
	int64_t		 newest;	/* the newest id when it was opened */
	int64_t		 version;	/* of the last good read */
	int		 poll_ms;
	int64_t		 poll_at;	/* the next look by the timer */
	unsigned	 generation;	/* connections made so far */
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
/* 1 if no descriptor will ever come (no inotify): the timer alone looks. */
int	follow_timer_only(const struct follow *f);
/* 1 while follow_fd() is to be polled for writing, not reading: a
 * PostgreSQL connection on its way. follow_generation() changes with it. */
int	follow_wants_write(const struct follow *f);
/* The store, open or not: pass it to store_* only when follow_ready(). */
struct store *follow_store(struct follow *f);
int	follow_ready(const struct follow *f);
/* The newest id when the database was last (re)opened: the cursor of a
 * stream that starts on it. */
int64_t	follow_newest(const struct follow *f);
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
 * Look at now: FOLLOW_REPLACED (the caller ends its streams and takes
 * follow_newest() as its cursor: a new file is open, or none is;
 * follow_look() reopens it), FOLLOW_CHANGED with *v set (read the rows,
 * then follow_saw(f, *v)), FOLLOW_NONE, or FOLLOW_FAILED.
 */
enum follow_result follow_look(struct follow *f, int64_t now, int64_t *v);
/* Every row committed by version v was read. */
void	follow_saw(struct follow *f, int64_t v);

struct status_db;
/* The database's part of the status page: bounds and the newest row's
 * age, or db->ok 0. */
void	follow_status(struct follow *f, struct status_db *db);

#endif

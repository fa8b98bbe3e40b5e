/*
 * watch.h - wake when the database may have changed, at no cost while idle:
 * inotify on the database's directory, filtered to the file and its -wal.
 * Watching the directory (not the file) also sees the file being replaced.
 * inotify cannot see writes from other machines (NFS), so callers also check
 * store_data_version() on a timer.
 *
 * Errors: watch_open() returns -1 where inotify cannot watch (fd is then
 * -1, and the timer alone looks).
 */
#ifndef WATCH_H
#define WATCH_H

#include <stddef.h>

#define WATCH_CHANGED	0x1	/* the database or its WAL was written */
#define WATCH_REPLACED	0x2	/* the file was created, moved or deleted */
#define WATCH_FRAMES	0x4	/* WAL frames written: a commit may follow */
#define WATCH_COMMITTED	0x8	/* the -wal's times set: one of our writers
				   says a commit is visible now */

struct watch {
	int	 fd;		/* -1 when inotify is unavailable */
	char	*base;		/* file name within the directory */
	size_t	 baselen;
};

/*
 * Watch the directory that holds the file dbpath names: through symbolic
 * links, since SQLite keeps the -wal beside the real file. Returns 0, or -1
 * with errno set (the watch is then inert, fd -1).
 */
int	watch_open(struct watch *w, const char *dbpath);
/* Drain pending notifications; returns WATCH_* bits (0 if none). */
int	watch_read(struct watch *w);
void	watch_close(struct watch *w);

/*
 * A wake can come before the commit it announces is visible: SQLite writes
 * the WAL frames, syncs them (about a millisecond here), and only then
 * publishes the commit in -shm. So after a wake a reader looks again after
 * watch_recheck_ms(0), then (1), ... milliseconds; -1 means stop looking.
 * Our own writers then set the -wal's times (WATCH_COMMITTED), a look at
 * the right moment; the rechecks remain for every other writer.
 */
int	watch_recheck_ms(int step);

#endif

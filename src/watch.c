/* watch.c - wake on database commits through inotify. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"

/* dbpath with every symbolic link resolved, or a copy of it if that
 * fails (no such file yet): NULL only when out of memory. */
static char *
real_path(const char *dbpath)
{
	char *p = realpath(dbpath, NULL);

	return p != NULL ? p : strdup(dbpath);
}

int
watch_open(struct watch *w, const char *dbpath)
{
	char *path = real_path(dbpath);
	const char *slash;
	char *dir;
	int saved;

	w->fd = -1;
	w->base = NULL;
	if (path == NULL)
		return -1;
	slash = strrchr(path, '/');
	w->base = strdup(slash ? slash + 1 : path);
	dir = slash ? strndup(path, (size_t)(slash - path) + 1) :
	    strdup(".");
	free(path);
	path = NULL;
	if (w->base == NULL || dir == NULL)
		goto fail;
	w->baselen = strlen(w->base);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		goto fail;
	/* IN_MODIFY: WAL frames; IN_ATTRIB: our writers' word that a commit
	 * is visible (store_sqlite.c); IN_CLOSE_WRITE: a writer done; the
	 * rest: a new file under the same name. */
	if (inotify_add_watch(w->fd, dir, IN_MODIFY | IN_ATTRIB |
	    IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE |
	    IN_MOVED_FROM) == -1)
		goto fail;
	free(dir);
	return 0;
fail:
	saved = errno;
	free(path);
	free(dir);
	free(w->base);
	w->base = NULL;
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	errno = saved;
	return -1;
}

/* Is name the database or its -wal? */
static int
ours(const struct watch *w, const char *name)
{
	if (strncmp(name, w->base, w->baselen) != 0)
		return 0;
	return name[w->baselen] == '\0' || strcmp(name + w->baselen,
	    "-wal") == 0;
}

int
watch_read(struct watch *w)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	ssize_t n;
	char *p;
	int bits = 0;

	if (w->fd == -1)
		return 0;
	while ((n = read(w->fd, ev, sizeof(ev))) > 0) {
		for (p = ev; p < ev + n; p += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)(void *)p;
			if (ie->mask & IN_Q_OVERFLOW) {
				bits |= WATCH_CHANGED;
				continue;
			}
			if (ie->len == 0 || !ours(w, ie->name))
				continue;
			if (ie->mask & (IN_MODIFY | IN_CLOSE_WRITE))
				bits |= WATCH_CHANGED;
			if ((ie->mask & IN_MODIFY) && strcmp(ie->name, w->base))
				bits |= WATCH_FRAMES;	/* the -wal */
			if ((ie->mask & IN_ATTRIB) && strcmp(ie->name, w->base))
				bits |= WATCH_COMMITTED;
			if (ie->mask & (IN_CREATE | IN_MOVED_TO | IN_DELETE |
			    IN_MOVED_FROM))
				bits |= WATCH_CHANGED | (strcmp(ie->name,
				    w->base) == 0 ? WATCH_REPLACED : 0);
		}
	}
	return bits;
}

int
watch_recheck_ms(int step)
{
	/* Found at once after a typical sync, and still within 63 ms after
	 * a slow one, for six cheap queries. */
	static const int delay[] = { 1, 2, 4, 8, 16, 32 };

	return step >= 0 && step < (int)(sizeof(delay) / sizeof(delay[0])) ?
	    delay[step] : -1;
}

void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	free(w->base);
	w->fd = -1;
	w->base = NULL;
}

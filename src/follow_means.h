/*
 * follow_means.h - the seam between follow.c, which keeps the look schedule
 * every responder shares, and the means of following one kind of store:
 * follow_file.c (an SQLite file: inotify, the file's identity, PRAGMA
 * data_version) and follow_pg.c (PostgreSQL: LISTEN, the epoch, reconnects
 * with backoff). A means is one file and one struct follow_means; follow.c
 * picks it by the SSE_DB value. Only follow.c and the means include this.
 *
 * Conventions as in follow.h: times are the caller's milliseconds, passed
 * in; open() returns a STORE_* code, look() a FOLLOW_* result.
 */
#ifndef FOLLOW_MEANS_H
#define FOLLOW_MEANS_H

#include <stddef.h>
#include <stdint.h>

#include "follow.h"

struct follow_means {
	/* The size of the means' own state: f->impl, zeroed by the front. */
	size_t	 size;
	/* Open the store (f->st, f->ready, f->newest, f->version), watching
	 * first: a commit after the first read must wake us. On failure the
	 * follow stays usable: a later look opens it. */
	int	(*open)(struct follow *f, int64_t now);
	/* Let go of what open() took, but f->impl (the front frees it) and
	 * the store (the front closes it). */
	void	(*release)(struct follow *f);
	/* The descriptor that wakes us, or -1. */
	int	(*fd)(const struct follow *f);
	/* 1 if no descriptor will ever wake us: the timer alone looks. */
	int	(*timer_only)(const struct follow *f);
	/* 1 while fd() is to be polled for writing instead of reading (a
	 * connection on its way); NULL: never. */
	int	(*wants_write)(const struct follow *f);
	/* follow_fd() is readable: 1 when a look is due now. */
	int	(*wake)(struct follow *f, int64_t now);
	/* A look this means wants besides the poll: 1 when due at now
	 * (and moves its own timers). */
	int	(*due)(struct follow *f, int64_t now);
	/* When due() next says 1 if nothing wakes us; INT64_MAX: never. */
	int64_t	(*deadline)(const struct follow *f);
	/* The poll's interval now (a standby polls more often). */
	int	(*poll_ms)(const struct follow *f);
	enum follow_result (*look)(struct follow *f, int64_t now, int64_t *v);
	/* After the front recorded v as read. */
	void	(*saw)(struct follow *f, int64_t v);
	/* What to call the database in a log line. */
	const char *(*name)(const struct follow *f);
};

extern const struct follow_means follow_file_means;
extern const struct follow_means follow_poll_means;
#ifdef SSE_PG
extern const struct follow_means follow_pg_means;
#endif

/* Close the store, if open. */
void	follow_forget(struct follow *f);
/* Open the store again (read-only, a responder's busy timeout), with the
 * version of its data and its newest id: f->ready, or a STORE_* code. */
int	follow_reopen(struct follow *f);
/* An open store's data version into *v, against the last one read. */
enum follow_result follow_compare(struct follow *f, int64_t *v);

#endif

/*
 * store.h - the event table, as a generic table of events: what a
 * price is and how its change is computed belong to ingest. It lives in an
 * SQLite file, or in PostgreSQL when the path is a postgresql:// URL: one
 * engine each (store_sqlite.c, store_pg.c) behind these functions, picked
 * by store_open() (store_engine.h is the seam). sse-push opens it
 * read-write (creating and upgrading the schema); the responders open it
 * read-only. Functions return a STORE_* code (or a count, where said) and
 * leave a message in store_errmsg(); they never print or exit. A store
 * belongs to one thread at a time.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "topic.h"
#include "validate.h"

enum store_rc {
	STORE_OK	=  0,
	STORE_ERR	= -1,	/* anything not listed below */
	STORE_BUSY	= -2,	/* locked longer than the busy timeout */
	STORE_MISSING	= -3,	/* no such file (read-only open) */
	STORE_ACCESS	= -4,	/* permission denied, read-only file system */
	STORE_CORRUPT	= -5,	/* not an SQLite database, or damaged */
	STORE_SCHEMA	= -6,	/* schema too new, too old, or absent */
	STORE_FULL	= -7,	/* disk full */
	STORE_IO	= -8	/* I/O error */
};

#define STORE_READONLY	0x1
#define STORE_BUSY_MS	10000	/* default busy timeout */

struct store_engine;

struct store {
	const struct store_engine *engine;	/* NULL while closed */
	void		*impl;		/* the engine's own state */
	int		 flags;
	char		 err[512];
};

/* One row as read; every pointer is borrowed until the callback returns. */
struct row {
	int64_t		 id;
	const char	*event;
	const char	*symbol;	/* NULL unless event is "price" */
	const char	*data;
	size_t		 data_len;
	const char	*audience;	/* NULL: a public event */
	const char	*topic;		/* NULL: of no topic */
	int		 closes;	/* the last row of its topic */
};

/* One row to insert: what its columns hold (NULL: SQL NULL). */
struct store_event {
	const char	*event;
	const char	*symbol, *price;	/* a price event's, else NULL */
	const char	*data;
	size_t		 len;
	const char	*audience;	/* NULL: public */
	const char	*topic;		/* NULL: of no topic */
	int		 closes;	/* 1: the topic's last row */
};

/* A row of one topic, as store_topic_back() reads it; audience is
 * borrowed until the callback returns. */
struct store_tail {
	int64_t		 id;
	int		 closes;
	const char	*audience;	/* NULL: public */
};
typedef int (*store_tail_fn)(void *ctx, const struct store_tail *t);

typedef int (*store_row_fn)(void *ctx, const struct row *r);

/* The schema version this build writes and reads (PRAGMA user_version). */
int	store_schema_version(void);
/* Does path name a PostgreSQL database (postgresql:// or postgres://)? */
int	store_is_pg(const char *path);
/* The name of the engine of this build that would open path ("sqlite",
 * "postgresql"), or NULL if none would. */
const char *store_engine_of(const char *path);

/*
 * Open path. Read-write creates the file and schema on first use, sets WAL
 * mode and upgrades an older schema; read-only requires the current schema.
 * Both refuse a newer schema. On failure the store is closed and the message
 * says why. busy_ms <= 0 means STORE_BUSY_MS.
 */
int	store_open(struct store *s, const char *path, int flags, int busy_ms);
/* Close; accepts a zeroed or failed store, and keeps store_errmsg(). */
void	store_close(struct store *s);
const char *store_errmsg(const struct store *s);

/*
 * Call fn for up to limit rows with id > after, in id order, inside one
 * statement (so no read transaction stays open after the call): every row,
 * or (topics not NULL and not empty) the rows of the topics it matches,
 * read through the (topic, id) index. fn returning non-zero stops early.
 * Returns the number of rows seen, or a STORE_* code.
 */
int	store_read_after(struct store *s, int64_t after, int limit,
	    const struct topics *topics, store_row_fn fn, void *ctx);

/*
 * The oldest id still in the table and the newest id ever assigned (ids
 * survive pruning), read in one snapshot. An empty table gives
 * oldest = newest + 1; a fresh one gives 1 and 0.
 */
int	store_bounds(struct store *s, int64_t *oldest, int64_t *newest);
/*
 * store_bounds() and store_read_after() in one read transaction, so the
 * rows and the bounds describe the same table: a row missing between
 * 'after' and 'oldest' was pruned, not yet to come. Same returns as
 * store_read_after().
 */
int	store_read_span(struct store *s, int64_t after, int limit,
	    const struct topics *topics, store_row_fn fn, void *ctx,
	    int64_t *oldest, int64_t *newest);
/* Call fn for the rows of topic (a name, not a pattern), newest first, up
 * to limit of them, through the (topic, id) index; fn returning non-zero
 * stops. Returns how many rows were seen, or a STORE_* code. */
int	store_topic_back(struct store *s, const char *topic, int limit,
	    store_tail_fn fn, void *ctx);
/* When the newest row was written, in ms since the epoch; -1 if the table
 * is empty or its ts is not one we write. */
int	store_newest_time(struct store *s, int64_t *epoch_ms);
/* PRAGMA data_version: changes when another connection commits. */
int	store_data_version(struct store *s, int64_t *v);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (writers). */
int	store_begin(struct store *s);
int	store_commit(struct store *s);
void	store_rollback(struct store *s);

/*
 * Insert one row, stamped with the time now (UTC, milliseconds), with the
 * columns of e. The store checks nothing: the caller (ingest) has. Sets
 * *id.
 */
int	store_put(struct store *s, const struct store_event *e, int64_t *id);
/* n events in order, their ids into ids[]: in one statement per many rows
 * where the engine can (PostgreSQL, a round trip a row otherwise), else
 * one store_put() each. store_puts_many() says whether gathering rows for
 * it is worth the copies. */
int	store_put_many(struct store *s, const struct store_event *e, size_t n,
	    int64_t *ids);
int	store_puts_many(const struct store *s);
/* store_put() of event, data as given, symbol and price (NULL for none)
 * for the rows symbol filters apply to, and audience (NULL: public) for
 * private ones; of no topic. */
int	store_insert(struct store *s, const char *event, const char *symbol,
	    const char *price, const char *data, size_t len,
	    const char *audience, int64_t *id);
/* store_insert() without symbol and price. */
int	store_insert_event(struct store *s, const char *event,
	    const char *data, size_t len, int64_t *id);
/*
 * Call fn for each audience user holds a grant for (table grants), up to
 * limit of them; fn returning non-zero stops early. Returns how many, or a
 * STORE_* code.
 */
typedef int (*store_name_fn)(void *ctx, const char *name);
int	store_grants(struct store *s, const char *user, int limit,
	    store_name_fn fn, void *ctx);
/*
 * The price of the newest row for symbol, copied into out; *found is 0 if
 * there is none. out is "" if there is none, or if it does not fit.
 */
int	store_last_price(struct store *s, const char *symbol, char *out,
	    size_t outsz, int *found);

/*
 * Delete all but the newest keep events (keep < 0: no count limit) and those
 * older than max_age seconds (max_age < 0: no age limit). Sets *deleted.
 * With topics (not NULL, not empty), only rows of the topics they match
 * go, each topic on its own: keep is per topic, and a topic goes whole
 * once its newest row is older than max_age, so no client resumes into
 * half of one.
 */
int	store_prune(struct store *s, int64_t keep, int64_t max_age,
	    const struct topics *topics, int64_t *deleted);

/*
 * The SQL condition for the rows of topics (which is not empty), with
 * parameters numbered from first on and written with sigil ('?' for
 * SQLite, '$' for PostgreSQL), into out (NUL-terminated); the values to
 * bind, in order, into vals (TOPICS_MAX * 2 of them, TOPIC_MAX + 1 bytes
 * each). Returns how many values, or -1 if out is too small.
 */
int	store_topics_sql(const struct topics *topics, char sigil, int first,
	    char *out, size_t outsz, char vals[][TOPIC_MAX + 1]);

#endif

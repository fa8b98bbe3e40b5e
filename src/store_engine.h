/*
 * store_engine.h - the seam between store.c, the front every caller uses,
 * and the engines that keep the event table: store_sqlite.c and
 * store_pg.c. An engine is one file and one struct store_engine; store.c
 * lists the engines of this build in one table and picks the one that
 * claims the SSE_DB value. Nothing outside store.c and the engines includes
 * this header, and no engine's client header (sqlite3.h, libpq-fe.h) leaves
 * its engine's file.
 *
 * The front owns what is the same for every engine: the schema-version
 * rules and their messages, the timestamp a row is stamped with, the
 * transaction around pruning, and closing a store that failed to open.
 * An engine keeps its own state behind s->impl.
 *
 * Conventions, as in store.h: an operation returns STORE_OK (or a count of
 * rows, where store.h says so) or a negative STORE_* code with the message
 * set by store_seterr(); it never prints or exits.
 */
#ifndef STORE_ENGINE_H
#define STORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_engine {
	const char	*name;		/* "sqlite", "postgresql" */
	/* Is this value of SSE_DB this engine's? */
	int	(*claims)(const char *path);
	/* May a message quote the path? (A URL may hold a password.) */
	int	 quote_path;

	/*
	 * Open path (flags as store_open()) and read the schema version found
	 * there into *version (0: no schema yet); change nothing in it. On
	 * failure the front calls close().
	 */
	int	(*open)(struct store *s, const char *path, int flags,
		    int busy_ms, int *version);
	/*
	 * Writers: in one transaction, under the engine's lock, read the
	 * version again (store_version_check() on it), run the migrations
	 * from there to store_schema_version() and record it.
	 */
	int	(*upgrade)(struct store *s);
	/* Readers, once the version is this build's: whatever makes the
	 * first read cheap and a wrong table fail now (prepare, LISTEN). */
	int	(*ready)(struct store *s);
	/* Accepts a store whose open failed half way. */
	void	(*close)(struct store *s);

	/* topics: NULL for every row, else not empty (store_topics_sql()
	 * writes the condition). */
	int	(*read_after)(struct store *s, int64_t after, int limit,
		    const struct topics *topics, store_row_fn fn, void *ctx);
	int	(*read_span)(struct store *s, int64_t after, int limit,
		    const struct topics *topics, store_row_fn fn, void *ctx,
		    int64_t *oldest, int64_t *newest);
	int	(*topic_back)(struct store *s, const char *topic, int limit,
		    store_tail_fn fn, void *ctx);
	int	(*bounds)(struct store *s, int64_t *oldest, int64_t *newest);
	/* The ts text of the newest row; "" if none. */
	int	(*newest_ts)(struct store *s, char *ts, size_t tssz);
	int	(*data_version)(struct store *s, int64_t *v);

	int	(*begin)(struct store *s);
	int	(*commit)(struct store *s);
	void	(*rollback)(struct store *s);
	/* ts is the front's stamp (UTC ISO 8601, milliseconds). */
	int	(*insert)(struct store *s, const char *ts,
		    const struct store_event *e, int64_t *id);
	/* Optional: n > 0 rows, all stamped ts, their ids into ids[] in
	 * order; NULL: the front calls insert() for each. */
	int	(*insert_many)(struct store *s, const char *ts,
		    const struct store_event *e, size_t n, int64_t *ids);
	int	(*grants)(struct store *s, const char *user, int limit,
		    store_name_fn fn, void *ctx);
	int	(*last_price)(struct store *s, const char *symbol, char *out,
		    size_t outsz, int *found);
	/* Inside the front's transaction: delete all but the newest keep
	 * rows, or (by_age) those older than arg seconds; adds to *n. With
	 * topics (NULL: all rows), as store_prune() says. */
	int	(*prune_step)(struct store *s, int by_age, int64_t arg,
		    const struct topics *topics, int64_t *n);
	/* After a prune committed: give space back; may be NULL. */
	void	(*compact)(struct store *s);
};

extern const struct store_engine store_sqlite_engine;
#ifdef SSE_PG
extern const struct store_engine store_pg_engine;
#endif

/* For an engine that connects without blocking (store_pg_dial()): what
 * store_open() does once the engine's open has read the version (the
 * version rules, then upgrade() or ready()); on failure s is closed and
 * keeps the message. */
int	store_opened(struct store *s, int version);

/* Record the message store_errmsg() returns. */
void	store_seterr(struct store *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* STORE_OK if schema version v is one this build can bring up to date;
 * else STORE_SCHEMA, with the message that says so. */
int	store_version_check(struct store *s, int v);

#endif

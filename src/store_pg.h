/*
 * store_pg.h - the event table in PostgreSQL: store.h's functions, for a
 * store whose path is a postgresql:// URL (store.c hands them over), and
 * what a responder needs to follow PostgreSQL (follow.c): the state row,
 * the LISTEN socket and its notifications.
 *
 * The URL goes to libpq whole, so PGPASSFILE, sslmode, several hosts and
 * target_session_attrs work as PostgreSQL users expect. Defaults that suit a
 * process holding streams come first and the URL overrides them: a connect
 * timeout of 5 s, and TCP keepalives that find a dead server in about 25 s
 * rather than the system's two hours.
 */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A responder on a standby, where NOTIFY never arrives, looks this often. */
#define STORE_PG_STANDBY_POLL_MS	100
/* The channel sse_notify() signals (schema/pg/001-events.sql). */
#define STORE_PG_CHANNEL		"sse_events"

/* Both engines: record the message store_errmsg() returns. */
void	store_seterr(struct store *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

int	pgstore_open(struct store *s, const char *url, int flags, int busy_ms);
void	pgstore_close(struct store *s);
int	pgstore_read_after(struct store *s, int64_t after, int limit,
	    store_row_fn fn, void *ctx);
int	pgstore_bounds(struct store *s, int64_t *oldest, int64_t *newest);
int	pgstore_read_span(struct store *s, int64_t after, int limit,
	    store_row_fn fn, void *ctx, int64_t *oldest, int64_t *newest);
int	pgstore_newest_ts(struct store *s, char *ts, size_t tssz);
int	pgstore_begin(struct store *s);
int	pgstore_commit(struct store *s);
void	pgstore_rollback(struct store *s);
int	pgstore_insert(struct store *s, const char *ts, const char *event,
	    const char *symbol, const char *price, const char *data,
	    size_t len, const char *audience, int64_t *id);
int	pgstore_grants(struct store *s, const char *user, int limit,
	    store_name_fn fn, void *ctx);
int	pgstore_last_price(struct store *s, const char *symbol, char *out,
	    size_t outsz, int *found);
int	pgstore_prune(struct store *s, int64_t keep, int64_t max_age,
	    int64_t *deleted);

/* What one look at a PostgreSQL database sees, in one snapshot. */
struct pg_state {
	char	 epoch[64];	/* sse_state.epoch */
	int64_t	 newest;	/* the newest id committed */
	char	 newest_ts[32];	/* ts of the row with that id; "" if none */
	int	 standby;	/* pg_is_in_recovery(): no NOTIFY here */
};

int	store_pg_state(struct store *s, struct pg_state *st);
/* The ts of row id into ts ("" and *found 0 if there is no such row). */
int	store_pg_row_ts(struct store *s, int64_t id, char *ts, size_t tssz,
	    int *found);
/* The connection's socket, to poll for notifications; -1 if none. */
int	store_pg_socket(const struct store *s);
/* LISTEN on the channel (not possible on a standby: returns STORE_OK and
 * does nothing there). Idempotent. */
int	store_pg_listen(struct store *s);
/* Read what the socket has: 1 if a notification came, 0 if none, or
 * STORE_IO when the connection is gone. */
int	store_pg_drain(struct store *s);

#endif

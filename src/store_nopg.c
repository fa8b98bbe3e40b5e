/*
 * store_nopg.c - store_pg.h for a build without libpq: "make static", since
 * Debian ships no static libraries for libpq's own dependencies (Kerberos,
 * LDAP). A postgresql:// URL is refused at open with a message that says
 * so; as no store is ever a PostgreSQL one, the rest is never called.
 */
#include <stdio.h>

#include "store_pg.h"

/* Every function below ignores its arguments. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

int
pgstore_open(struct store *s, const char *url, int flags, int busy_ms)
{
	snprintf(s->err, sizeof(s->err), "this build has no PostgreSQL "
	    "support (a static build): use the dynamic one");
	return STORE_ERR;
}

void	pgstore_close(struct store *s) { }

/* Unreachable: s->pg is never set. */
#define NOPG	{ return STORE_ERR; }
int pgstore_read_after(struct store *s, int64_t a, int l, store_row_fn fn,
    void *c) NOPG
int pgstore_bounds(struct store *s, int64_t *o, int64_t *n) NOPG
int pgstore_read_span(struct store *s, int64_t a, int l, store_row_fn fn,
    void *c, int64_t *o, int64_t *n) NOPG
int pgstore_newest_ts(struct store *s, char *ts, size_t z) NOPG
int pgstore_begin(struct store *s) NOPG
int pgstore_commit(struct store *s) NOPG
void pgstore_rollback(struct store *s) { }
int pgstore_insert(struct store *s, const char *ts, const char *e,
    const char *sy, const char *p, const char *d, size_t len, const char *a,
    int64_t *id) NOPG
int pgstore_grants(struct store *s, const char *u, int l, store_name_fn fn,
    void *c) NOPG
int pgstore_last_price(struct store *s, const char *sy, char *o, size_t z,
    int *f) NOPG
int pgstore_prune(struct store *s, int64_t k, int64_t m, int64_t *d) NOPG
int store_pg_state(struct store *s, struct pg_state *st) NOPG
int store_pg_row_ts(struct store *s, int64_t id, char *ts, size_t z,
    int *f) NOPG
int store_pg_socket(const struct store *s) { return -1; }
int store_pg_listen(struct store *s) NOPG
int store_pg_drain(struct store *s) NOPG

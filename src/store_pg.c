/* store_pg.c - the event table in PostgreSQL (see store_pg.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "buf.h"
#include "pq_load.h"
#include "store_engine.h"
#include "store_pg.h"

/* Generated from schema/pg/NNN-*.sql: migration i takes
 * sse_state.schema_version from i to i+1. */
extern const char *const store_pg_migrations[];
extern const int store_pg_migrations_count;

/* Migrations of concurrent writers wait for each other on this lock. */
#define MIGRATE_LOCK	"SELECT pg_advisory_xact_lock(7365657375)"

/* The newest id ever committed: ids never go back (schema/pg/001). */
#define NEWEST	"greatest((SELECT max(id) FROM events), floor)"

enum pg_query {
	PQ_READ_AFTER,
	PQ_SPAN,
	PQ_BOUNDS,
	PQ_NEWEST_TS,
	PQ_STATE,
	PQ_ROW_TS,
	PQ_LAST_PRICE,
	PQ_GRANTS,
	PQ_INSERT,
	PQ_TOPIC_BACK,
	PQ_COUNT
};

/* What a reader reads of a row, in the order emit_rows() takes it. */
#define ROW_COLUMNS	"id, event, symbol, data, audience, topic, closes"
/* One statement is one snapshot: every row carries the bounds it was read
 * with, and an empty read still returns them (id NULL). The rows' condition
 * goes between the head and the tail. */
#define SPAN_HEAD	"SELECT b.oldest, b.newest, e.id, e.event, e.symbol," \
	" e.data, e.audience, e.topic, e.closes FROM (SELECT (SELECT min(id)" \
	" FROM events) AS oldest, " NEWEST " AS newest FROM sse_state) AS b" \
	" LEFT JOIN LATERAL (SELECT * FROM events WHERE "
#define SPAN_TAIL	" ORDER BY id LIMIT $2) AS e ON true ORDER BY e.id"

static const struct {
	const char	*sql;
	int		 nparams;
} pg_sql[PQ_COUNT] = {
	[PQ_READ_AFTER] = { "SELECT " ROW_COLUMNS
	    " FROM events WHERE id > $1 ORDER BY id LIMIT $2", 2 },
	[PQ_SPAN] = { SPAN_HEAD "id > $1" SPAN_TAIL, 2 },
	[PQ_BOUNDS] = { "SELECT (SELECT min(id) FROM events), " NEWEST
	    " FROM sse_state", 0 },
	[PQ_NEWEST_TS] = { "SELECT ts FROM events ORDER BY id DESC LIMIT 1", 0 },
	[PQ_STATE] = { "SELECT epoch, n, (SELECT ts FROM events WHERE id = n),"
	    " pg_is_in_recovery() FROM (SELECT epoch, " NEWEST " AS n"
	    " FROM sse_state) AS s", 0 },
	[PQ_ROW_TS] = { "SELECT ts FROM events WHERE id = $1", 1 },
	[PQ_LAST_PRICE] = { "SELECT price FROM events WHERE symbol = $1"
	    " ORDER BY id DESC LIMIT 1", 1 },
	[PQ_GRANTS] = { "SELECT audience FROM grants WHERE \"user\" = $1"
	    " ORDER BY audience LIMIT $2", 2 },
	[PQ_INSERT] = { "INSERT INTO events (ts, event, symbol, price, data,"
	    " audience, topic, closes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " RETURNING id", 8 },
	[PQ_TOPIC_BACK] = { "SELECT id, closes, audience FROM events"
	    " WHERE topic = $1 ORDER BY id DESC LIMIT $2", 2 },
};

struct pgstore {
	PGconn	*conn;
	int	 prepared[PQ_COUNT];
	int	 listening;
	int	 dial_busy_ms;	/* store_pg_dial(): the open's busy_ms */
	int	 many_prepared;	/* the INSERT of INSERT_ROWS rows */
};

static struct pgstore *
pg(const struct store *s)
{
	return s->impl;
}

static int	pg_begin(struct store *s);
static int	connected(struct store *s, int flags, int busy_ms,
		    int *version);
static int	pg_commit(struct store *s);
static void	pg_rollback(struct store *s);

/* libpq's messages end in a newline, sometimes two lines: keep the first. */
static void
seterr_pq(struct store *s, const char *what, const char *msg)
{
	size_t n = strcspn(msg, "\n");

	store_seterr(s, "%s: %.*s", what, (int)n, msg);
}

/* Map a failure to a STORE_* code by its SQLSTATE (or the connection's
 * state when there is none) and record what failed. */
static int
fail(struct store *s, PGresult *res, const char *what)
{
	PGconn *c = pg(s)->conn;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	int code = STORE_ERR;

	seterr_pq(s, what, res && *PQresultErrorMessage(res) ?
	    PQresultErrorMessage(res) : PQerrorMessage(c));
	if (PQstatus(c) == CONNECTION_BAD)
		code = STORE_IO;
	else if (state == NULL)
		code = STORE_ERR;
	else if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0)
		code = STORE_BUSY;	/* lock_timeout, serialization, deadlock */
	else if (strcmp(state, "42501") == 0 || strcmp(state, "25006") == 0 ||
	    strncmp(state, "28", 2) == 0)
		code = STORE_ACCESS;
	else if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0)
		code = STORE_SCHEMA;
	else if (strcmp(state, "53100") == 0)
		code = STORE_FULL;
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "58", 2) == 0)
		code = STORE_IO;	/* connection, shutdown, system error */
	PQclear(res);
	return code;
}

/* Run sql (several statements allowed) that returns no rows. */
static int
exec(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg(s)->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return fail(s, res, what);
	PQclear(res);
	return STORE_OK;
}

/* Run query q with its text parameters; NULL with the error set and *rc
 * its code if it failed. The caller clears the result. */
static PGresult *
run(struct store *s, enum pg_query q, const char *const *params,
    const int *lengths, int *rc, const char *what)
{
	struct pgstore *p = pg(s);
	char name[8];
	PGresult *res;

	snprintf(name, sizeof(name), "q%d", (int)q);
	if (!p->prepared[q]) {
		res = PQprepare(p->conn, name, pg_sql[q].sql, pg_sql[q].nparams,
		    NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			*rc = fail(s, res, what);
			return NULL;
		}
		PQclear(res);
		p->prepared[q] = 1;
	}
	res = PQexecPrepared(p->conn, name, pg_sql[q].nparams, params, lengths,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		*rc = fail(s, res, what);
		return NULL;
	}
	*rc = STORE_OK;
	return res;
}

static int64_t
int_at(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 :
	    strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* run() for a query over sse_state: it must return that table's row. */
static PGresult *
run_state(struct store *s, enum pg_query q, const char *const *params,
    int *rc, const char *what)
{
	PGresult *res = run(s, q, params, NULL, rc, what);

	if (res != NULL && PQntuples(res) < 1) {
		PQclear(res);
		store_seterr(s, "%s: sse_state has no row", what);
		*rc = STORE_SCHEMA;
		return NULL;
	}
	return res;
}

/* The bounds in columns 0 (oldest row, NULL if none) and 1 (newest id). */
static void
bounds_at(const PGresult *res, int64_t *oldest, int64_t *newest)
{
	*newest = int_at(res, 0, 1);
	*oldest = PQgetisnull(res, 0, 0) ? *newest + 1 : int_at(res, 0, 0);
}

static const char *
text_at(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* sse_state's schema version; 0 if the table is not there yet. */
static int
schema_version(struct store *s, int *v)
{
	PGresult *res = PQexec(pg(s)->conn,
	    "SELECT to_regclass('sse_state') IS NOT NULL");

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return fail(s, res, "cannot read schema");
	*v = 0;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return STORE_OK;
	}
	PQclear(res);
	res = PQexec(pg(s)->conn, "SELECT schema_version FROM sse_state");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return fail(s, res, "cannot read schema");
	*v = (int)int_at(res, 0, 0);
	PQclear(res);
	return STORE_OK;
}

/* Bring the database up to the current schema in one transaction; writers
 * starting together take turns on the advisory lock. */
static int
pg_upgrade(struct store *s)
{
	struct buf sql;
	int v, rc, i;

	if ((rc = exec(s, "BEGIN", "cannot begin")) != STORE_OK ||
	    (rc = exec(s, MIGRATE_LOCK, "cannot lock schema")) != STORE_OK ||
	    (rc = schema_version(s, &v)) != STORE_OK)
		goto out;
	if ((rc = store_version_check(s, v)) != STORE_OK)
		goto out;
	for (i = v; i < store_pg_migrations_count; i++)
		if ((rc = exec(s, store_pg_migrations[i],
		    "cannot create schema")) != STORE_OK)
			goto out;
	if (v < store_pg_migrations_count) {
		buf_init(&sql);
		rc = buf_printf(&sql, "UPDATE sse_state SET schema_version = %d",
		    store_pg_migrations_count) == -1 ? STORE_ERR :
		    exec(s, sql.data, "cannot set schema version");
		buf_release(&sql);
		if (rc != STORE_OK)
			goto out;
	}
	return exec(s, "COMMIT", "cannot commit schema");
out:
	pg_rollback(s);
	return rc;
}

/*
 * Where url's user info ends (its '@') and its password starts (after the
 * first ':'), or NULL if it has none. A password that is not percent-encoded
 * may hold '@', ':', '/' or '?': the user info runs to the last '@' before
 * the query, which starts at the first '?' after the first '/' or '@', so
 * a '@' in the query (user=a@b) is not taken for it. When in doubt this
 * hides too much, never too little.
 */
static const char *
userinfo_end(const char *url, const char **pass)
{
	const char *auth = strstr(url, "://"), *q, *p, *at = NULL;

	*pass = NULL;
	if (auth == NULL)
		return NULL;
	auth += 3;
	q = auth + strcspn(auth, "/@");
	q += strcspn(q, "?");
	for (p = auth; p < q; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && (p = memchr(auth, ':', (size_t)(at - auth))) != NULL)
		*pass = p + 1;
	return at;
}

/* Where libpq ends url's user info: the first '@' before a '/'. NULL if
 * there is none. */
static const char *
libpq_at(const char *url)
{
	const char *auth = strstr(url, "://");
	size_t n;

	if (auth == NULL)
		return NULL;
	n = strcspn(auth + 3, "@/");
	return auth[3 + n] == '@' ? auth + 3 + n : NULL;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Where the value of a password (or sslpassword) query parameter starts in
 * url, from the query after from on; NULL if there is none. libpq decodes
 * the keys too (pass%77ord). */
static const char *
query_password(const char *from)
{
	const char *p = strchr(from, '?'), *eq;
	char key[64];
	size_t n, i;
	int hi, lo;

	while (p != NULL) {
		p++;
		eq = p + strcspn(p, "=&");
		for (n = 0, i = 0; p + i < eq && n < sizeof(key) - 1; n++) {
			if (p[i] == '%' && p + i + 2 < eq &&
			    (hi = hexval(p[i + 1])) >= 0 &&
			    (lo = hexval(p[i + 2])) >= 0) {
				key[n] = (char)(hi * 16 + lo);
				i += 3;
			} else
				key[n] = p[i++];
		}
		key[n] = '\0';
		if (*eq == '=' && strcasestr(key, "password") != NULL)
			return eq + 1;
		p = strchr(eq, '&');
	}
	return NULL;
}

/*
 * url for a message, with *** for its passwords; -1 if out of memory.
 * Hiding too much beats showing a piece of a password: the user info is
 * taken to run to the last '@' of all (a password may hold '/', '?' and
 * '@' unencoded: libpq then refuses the URL, and this is the message that
 * says so), and a password parameter anywhere in a query hides everything
 * from where the first secret starts (a raw '&' may be in it).
 */
static int
redact(struct buf *b, const char *url)
{
	const char *auth = strstr(url, "://"), *at = NULL, *pass = NULL;
	const char *qp = query_password(url), *cut;

	if (auth != NULL && (at = strrchr(auth + 3, '@')) != NULL)
		pass = memchr(auth + 3, ':', (size_t)(at - (auth + 3)));
	if (pass != NULL)
		pass++;
	if (qp != NULL) {
		cut = pass != NULL && pass < qp ? pass : qp;
		return buf_append(b, url, (size_t)(cut - url)) == -1 ? -1 :
		    buf_appends(b, "***");
	}
	if (pass != NULL)
		return buf_append(b, url, (size_t)(pass - url)) == -1 ||
		    buf_appends(b, "***") == -1 ? -1 : buf_appends(b, at);
	return buf_appends(b, url);
}

/* Refuse url as a bad one, naming it without its passwords: libpq's own
 * parse errors quote the token they stumbled on, a password's included. */
static int
bad_url(struct store *s, const char *url, const char *why)
{
	struct buf b;

	buf_init(&b);
	if (redact(&b, url) == -1)
		store_seterr(s, "bad database URL%s", why);
	else
		store_seterr(s, "bad database URL '%s'%s", b.data, why);
	buf_release(&b);
	return STORE_ACCESS;
}

/* Ours first; expand_dbname makes the URL's own settings win. */
static const char *const conn_keys[] = { "connect_timeout",
    "keepalives_idle", "keepalives_interval", "keepalives_count",
    "fallback_application_name", "dbname", NULL };
#define CONNECT_TIMEOUT	"5"

/* Refuse a URL libpq would misread or quote a password of. */
static int
check_url(struct store *s, const char *url)
{
	PQconninfoOption *opts;
	const char *pass, *at = userinfo_end(url, &pass);
	char *why = NULL;

	/* libpq ends the user info at the first '@' before a '/': if ours
	 * ends elsewhere, a piece of the password would go on as the host
	 * name (to the resolver, and quoted in libpq's messages). */
	if (pass != NULL && at != libpq_at(url))
		return bad_url(s, url, ": write '@' and '/' as %40 and %2F "
		    "in a user name or password");
	/* A URL libpq cannot parse is the user's to fix, not a server down. */
	if ((opts = PQconninfoParse(url, &why)) == NULL) {
		const char *detail = why != NULL ? "" : ": out of memory";

		PQfreemem(why);		/* it quotes the token: not shown */
		return bad_url(s, url, detail);
	}
	PQconninfoFree(opts);
	return STORE_OK;
}

/* Why the connection failed, as a STORE_* code. */
static int
connect_failed(struct store *s)
{
	const char *msg = PQerrorMessage(pg(s)->conn);

	seterr_pq(s, "cannot connect", msg);
	/* Authentication and unknown databases are the user's to fix; the
	 * rest (refused, timed out) may pass. */
	return strstr(msg, "authentication") || strstr(msg, "password") ?
	    STORE_ACCESS : strstr(msg, "does not exist") ? STORE_MISSING :
	    STORE_IO;
}

static int
items(const char *list)
{
	int n = 1;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

/* The comma-separated list with its first k of n items moved to its end,
 * in out; the list itself if it has not n items (one port for all). */
static const char *
rotated(const char *list, int n, int k, char *out, size_t outsz)
{
	const char *p = list;
	int i;

	if (list == NULL || list[0] == '\0' || items(list) != n || k % n == 0)
		return list;
	for (i = 0; i < k % n; i++)
		p = strchr(p, ',') + 1;
	if (snprintf(out, outsz, "%s,%.*s", p, (int)(p - list - 1), list) >=
	    (int)outsz)
		return list;
	return out;
}

/*
 * Set keys and vals after the URL's own to start from its host k (of
 * several): libpq tries the next host when one refuses, but without
 * blocking it keeps no time, so a host that never answers would hold
 * every attempt. Returns how many were added.
 */
static int
start_at_host(const char *url, int k, const char **keys, const char **vals,
    char buf[][512])
{
	static const char *const which[] = { "host", "hostaddr", "port" };
	PQconninfoOption *opts, *o;
	int i, n = 0, hosts = 0;

	if (k == 0 || (opts = PQconninfoParse(url, NULL)) == NULL)
		return 0;
	for (o = opts; o->keyword != NULL; o++)
		if ((strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0) && o->val != NULL &&
		    o->val[0] != '\0' && items(o->val) > hosts)
			hosts = items(o->val);
	for (i = 0; hosts > 1 && i < 3; i++)
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, which[i]) == 0 &&
			    o->val != NULL && o->val[0] != '\0') {
				keys[n] = which[i];
				vals[n] = rotated(o->val, hosts, k, buf[n],
				    sizeof(buf[n]));
				/* A copy: opts is freed below. */
				if (vals[n] == o->val) {
					snprintf(buf[n], sizeof(buf[n]), "%s",
					    o->val);
					vals[n] = buf[n];
				}
				n++;
			}
	PQconninfoFree(opts);
	return n;
}

/* Connect to url: at once (wait), or only start (store_pg_dial()) from
 * its host number first_host (of several; 0 is the URL's first). */
static int
connect_to(struct store *s, const char *url, int wait, int first_host)
{
	const char *keys[10] = { conn_keys[0], conn_keys[1], conn_keys[2],
	    conn_keys[3], conn_keys[4], conn_keys[5] };
	const char *vals[10] = { CONNECT_TIMEOUT, "10", "5", "3", "sse", url };
	char buf[3][512];
	PGconn *c;
	int rc;

	if ((rc = check_url(s, url)) != STORE_OK)
		return rc;
	/* After dbname, so they win over the URL's. */
	start_at_host(url, first_host, keys + 6, vals + 6, buf);
	c = wait ? PQconnectdbParams(keys, vals, 1) :
	    PQconnectStartParams(keys, vals, 1);
	pg(s)->conn = c;
	if (c == NULL) {
		store_seterr(s, "cannot connect: out of memory");
		return STORE_ERR;
	}
	if (wait ? PQstatus(c) != CONNECTION_OK : PQstatus(c) == CONNECTION_BAD)
		return connect_failed(s);
	return STORE_OK;
}

static int
pg_claims(const char *path)
{
	return store_is_pg(path);
}

static int
pg_open(struct store *s, const char *url, int flags, int busy_ms,
    int *version)
{
	char why[256];
	int rc;

	if (pq_load(why, sizeof(why)) == -1) {
		store_seterr(s, "cannot open a PostgreSQL database: %s", why);
		return STORE_ERR;
	}
	if ((s->impl = calloc(1, sizeof(struct pgstore))) == NULL) {
		store_seterr(s, "out of memory");
		return STORE_ERR;
	}
	if ((rc = connect_to(s, url, 1, 0)) != STORE_OK)
		return rc;
	return connected(s, flags, busy_ms, version);
}

int
store_pg_dial(struct store *s, const char *url, int flags, int busy_ms,
    int first_host)
{
	char why[256];
	int rc;

	memset(s, 0, sizeof(*s));
	s->flags = flags;
	if (pq_load(why, sizeof(why)) == -1) {
		store_seterr(s, "cannot open a PostgreSQL database: %s", why);
		return STORE_ERR;
	}
	s->engine = &store_pg_engine;
	if ((s->impl = calloc(1, sizeof(struct pgstore))) == NULL) {
		store_seterr(s, "out of memory");
		s->engine = NULL;
		return STORE_ERR;
	}
	pg(s)->dial_busy_ms = busy_ms;
	if ((rc = connect_to(s, url, 0, first_host)) != STORE_OK)
		store_close(s);	/* the message stays */
	return rc;
}

int
store_pg_dial_poll(struct store *s)
{
	int version, rc;

	switch (PQconnectPoll(pg(s)->conn)) {
	case PGRES_POLLING_READING:
		return STORE_PG_DIAL_READ;
	case PGRES_POLLING_WRITING:
		return STORE_PG_DIAL_WRITE;
	case PGRES_POLLING_OK:
		rc = connected(s, s->flags, pg(s)->dial_busy_ms, &version);
		if (rc == STORE_OK)
			return store_opened(s, version);
		break;
	default:
		rc = connect_failed(s);
		break;
	}
	store_close(s);	/* the message stays */
	return rc;
}

int
store_pg_dial_timeout_ms(const struct store *s)
{
	PQconninfoOption *opts, *o;
	int ms = atoi(CONNECT_TIMEOUT) * 1000;

	if (pg(s) == NULL || (opts = PQconninfo(pg(s)->conn)) == NULL)
		return ms;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    o->val != NULL && o->val[0] != '\0')
			/* As libpq: 0 or less waits for ever, and less than
			 * 2 s is 2 s. */
			ms = atoi(o->val) <= 0 ? -1 : atoi(o->val) < 2 ? 2000 :
			    atoi(o->val) * 1000;
	PQconninfoFree(opts);
	return ms;
}

void
store_pg_dial_give_up(struct store *s, int ms)
{
	store_close(s);
	store_seterr(s, "cannot connect: no answer in %d ms", ms);
}

/* The open, once connected: the session's settings and the version. */
static int
connected(struct store *s, int flags, int busy_ms, int *version)
{
	char sql[64];
	int rc;

	/* The same time zone whatever the server's: ts is UTC text anyway,
	 * and prune compares against it. */
	if ((rc = exec(s, "SET TIME ZONE 'UTC'", "cannot set time zone"))
	    != STORE_OK)
		return rc;
	/* A writer waits busy_ms for another's lock, as with SQLite. */
	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", busy_ms);
	if (!(flags & STORE_READONLY) &&
	    (rc = exec(s, sql, "cannot set lock_timeout")) != STORE_OK)
		return rc;
	return schema_version(s, version);
}

/* A responder: told of every commit, and never writing. */
static int
pg_ready(struct store *s)
{
	int rc;

	if ((rc = store_pg_listen(s)) != STORE_OK)
		return rc;
	/* A responder never writes, whatever its role may do. */
	return exec(s, "SET default_transaction_read_only = on",
	    "cannot set read-only");
}

static void
pg_close(struct store *s)
{
	if (pg(s) == NULL)
		return;
	PQfinish(pg(s)->conn);
	free(pg(s));
	s->impl = NULL;
}

/* The rows of res from column first on (ROW_COLUMNS) to fn; returns how
 * many it saw. */
static int
emit_rows(PGresult *res, int first, store_row_fn fn, void *ctx)
{
	struct row r;
	int i, n = 0;

	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, first))
			continue;	/* a span with no rows */
		r.id = int_at(res, i, first);
		r.event = text_at(res, i, first + 1);
		r.symbol = text_at(res, i, first + 2);
		r.data = PQgetvalue(res, i, first + 3);
		r.data_len = (size_t)PQgetlength(res, i, first + 3);
		r.audience = text_at(res, i, first + 4);
		r.topic = text_at(res, i, first + 5);
		r.closes = int_at(res, i, first + 6) != 0;
		if (r.event == NULL)
			r.event = "message";
		n++;
		if (fn(ctx, &r) != 0)
			break;
	}
	return n;
}

/* Run q, whose parameters are an id to read after and a row limit. */
static PGresult *
run_after(struct store *s, enum pg_query q, int64_t after, int limit,
    int *rc)
{
	char a[24], l[16];
	const char *params[] = { a, l };

	snprintf(a, sizeof(a), "%lld", (long long)after);
	snprintf(l, sizeof(l), "%d", limit);
	return run(s, q, params, NULL, rc, "cannot read events");
}

/*
 * The rows of some topics after 'after': a statement made for this read
 * (its shape depends on the patterns), "SELECT ... WHERE id > $1 AND
 * topics ... LIMIT $2" from head and tail.
 */
static PGresult *
run_topics(struct store *s, const char *head, const char *tail,
    int64_t after, int limit, const struct topics *topics, int *rc)
{
	char vals[TOPICS_MAX * 2][TOPIC_MAX + 1], cond[1024], sql[2048];
	const char *params[2 + TOPICS_MAX * 2];
	char a[24], l[16];
	PGresult *res;
	int i, n;

	if ((n = store_topics_sql(topics, '$', 3, cond, sizeof(cond), vals))
	    < 0) {
		store_seterr(s, "cannot read events: too many topics");
		*rc = STORE_ERR;
		return NULL;
	}
	snprintf(sql, sizeof(sql), "%sid > $1 AND %s%s", head, cond, tail);
	snprintf(a, sizeof(a), "%lld", (long long)after);
	snprintf(l, sizeof(l), "%d", limit);
	params[0] = a;
	params[1] = l;
	for (i = 0; i < n; i++)
		params[2 + i] = vals[i];
	res = PQexecParams(pg(s)->conn, sql, 2 + n, NULL, params, NULL, NULL,
	    0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*rc = fail(s, res, "cannot read events");
		return NULL;
	}
	*rc = STORE_OK;
	return res;
}

static int
pg_read_after(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx)
{
	PGresult *res;
	int rc, n;

	res = topics != NULL ? run_topics(s, "SELECT " ROW_COLUMNS
	    " FROM events WHERE ", " ORDER BY id LIMIT $2", after, limit,
	    topics, &rc) : run_after(s, PQ_READ_AFTER, after, limit, &rc);
	if (res == NULL)
		return rc;
	n = emit_rows(res, 0, fn, ctx);
	PQclear(res);
	return n;
}

static int
pg_read_span(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx,
    int64_t *oldest, int64_t *newest)
{
	PGresult *res;
	int rc, n;

	res = topics != NULL ? run_topics(s, SPAN_HEAD, SPAN_TAIL, after,
	    limit, topics, &rc) : run_after(s, PQ_SPAN, after, limit, &rc);
	if (res == NULL)
		return rc;
	if (PQntuples(res) < 1) {	/* the LEFT JOIN keeps sse_state's row */
		PQclear(res);
		store_seterr(s, "cannot read events: sse_state has no row");
		return STORE_SCHEMA;
	}
	bounds_at(res, oldest, newest);
	n = emit_rows(res, 2, fn, ctx);
	PQclear(res);
	return n;
}

static int
pg_topic_back(struct store *s, const char *topic, int limit,
    store_tail_fn fn, void *ctx)
{
	char l[16];
	const char *params[] = { topic, l };
	struct store_tail t;
	PGresult *res;
	int rc, i, n = 0;

	snprintf(l, sizeof(l), "%d", limit);
	if ((res = run(s, PQ_TOPIC_BACK, params, NULL, &rc,
	    "cannot read a topic")) == NULL)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		t.id = int_at(res, i, 0);
		t.closes = int_at(res, i, 1) != 0;
		t.audience = text_at(res, i, 2);
		n++;
		if (fn(ctx, &t) != 0)
			break;
	}
	PQclear(res);
	return n;
}


static int
pg_bounds(struct store *s, int64_t *oldest, int64_t *newest)
{
	PGresult *res;
	int rc;

	if ((res = run_state(s, PQ_BOUNDS, NULL, &rc, "cannot read bounds"))
	    == NULL)
		return rc;
	bounds_at(res, oldest, newest);
	PQclear(res);
	return STORE_OK;
}

/* Copy the first column of the first row of res into out ("" if none). */
static void
copy_first(PGresult *res, char *out, size_t outsz, int *found)
{
	const char *v = PQntuples(res) > 0 ? text_at(res, 0, 0) : NULL;

	out[0] = '\0';
	if (found != NULL)
		*found = v != NULL;
	if (v != NULL && strlen(v) < outsz)
		strcpy(out, v);
}

static int
pg_newest_ts(struct store *s, char *ts, size_t tssz)
{
	PGresult *res;
	int rc;

	if ((res = run(s, PQ_NEWEST_TS, NULL, NULL, &rc,
	    "cannot read the newest event")) == NULL)
		return rc;
	copy_first(res, ts, tssz, NULL);
	PQclear(res);
	return STORE_OK;
}

static int
pg_begin(struct store *s)
{
	/* No lock here: the id trigger's advisory lock lines the writers up
	 * from their first insert (schema/pg/001-events.sql). */
	return exec(s, "BEGIN", "cannot begin transaction");
}

static int
pg_commit(struct store *s)
{
	PGresult *res = PQexec(pg(s)->conn, "COMMIT");

	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return STORE_OK;
	}
	/* A connection lost during COMMIT leaves its outcome unknown. */
	if (PQstatus(pg(s)->conn) == CONNECTION_BAD) {
		PQclear(res);
		store_seterr(s, "connection lost during commit: the rows may or may "
		    "not have been written");
		return STORE_IO;
	}
	return fail(s, res, "cannot commit");
}

static void
pg_rollback(struct store *s)
{
	if (pg(s) != NULL && pg(s)->conn != NULL &&
	    PQtransactionStatus(pg(s)->conn) != PQTRANS_IDLE &&
	    PQstatus(pg(s)->conn) == CONNECTION_OK)
		PQclear(PQexec(pg(s)->conn, "ROLLBACK"));
}

static int
pg_insert(struct store *s, const char *ts, const struct store_event *e,
    int64_t *id)
{
	const char *params[] = { ts, e->event, e->symbol, e->price, e->data,
	    e->audience, e->topic, e->closes ? "1" : "0" };
	int lengths[] = { 0, 0, 0, 0, (int)e->len, 0, 0, 0 };
	PGresult *res;
	int rc;

	/* A text parameter ends at its NUL; ingest has refused NULs. */
	if (memchr(e->data, '\0', e->len) != NULL) {
		store_seterr(s, "cannot insert event: data holds a NUL byte");
		return STORE_ERR;
	}
	if ((res = run(s, PQ_INSERT, params, lengths, &rc,
	    "cannot insert event")) == NULL)
		return rc;
	*id = int_at(res, 0, 0);
	PQclear(res);
	return STORE_OK;
}

/* Rows one INSERT carries: 8 parameters a row, far within PostgreSQL's
 * 65,535, and a statement a few kilobytes long. */
#define INSERT_ROWS	500

/* "INSERT ... VALUES ($1, ... $8), ($9, ...) ... RETURNING id", n rows. */
static int
insert_sql(struct buf *b, size_t n)
{
	size_t i, k;

	if (buf_appends(b, "INSERT INTO events (ts, event, symbol, price, data,"
	    " audience, topic, closes) VALUES ") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		k = 8 * i;
		if (buf_printf(b, "%s($%zu, $%zu, $%zu, $%zu, $%zu, $%zu, $%zu, "
		    "$%zu)", i ? ", " : "", k + 1, k + 2, k + 3, k + 4, k + 5,
		    k + 6, k + 7, k + 8) == -1)
			return -1;
	}
	return buf_appends(b, " RETURNING id");
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One INSERT of n <= INSERT_ROWS rows: a full one through the statement
 * prepared once, the last of a batch as it comes. */
static int
insert_chunk(struct store *s, const char *ts, const struct store_event *e,
    size_t n, int64_t *ids)
{
	static const char *params[8 * INSERT_ROWS];
	static int lengths[8 * INSERT_ROWS];
	struct pgstore *p = pg(s);
	PGresult *res = NULL;
	struct buf sql;
	size_t i;
	int rc = STORE_ERR;

	for (i = 0; i < n; i++) {
		const char *v[] = { ts, e[i].event, e[i].symbol, e[i].price,
		    e[i].data, e[i].audience, e[i].topic,
		    e[i].closes ? "1" : "0" };

		if (memchr(e[i].data, '\0', e[i].len) != NULL) {
			store_seterr(s, "cannot insert event: data holds a NUL "
			    "byte");
			return STORE_ERR;
		}
		memcpy(&params[8 * i], v, sizeof(v));
		memset(&lengths[8 * i], 0, 8 * sizeof(int));
		lengths[8 * i + 4] = (int)e[i].len;
	}
	buf_init(&sql);
	if (insert_sql(&sql, n) == -1) {
		store_seterr(s, "out of memory");
		goto done;
	}
	if (n == INSERT_ROWS && !p->many_prepared) {
		res = PQprepare(p->conn, "qmany", sql.data, (int)(8 * n), NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = fail(s, res, "cannot insert events");
			res = NULL;
			goto done;
		}
		PQclear(res);
		p->many_prepared = 1;
	}
	res = n == INSERT_ROWS ?
	    PQexecPrepared(p->conn, "qmany", (int)(8 * n), params, lengths,
	    NULL, 0) :
	    PQexecParams(p->conn, sql.data, (int)(8 * n), NULL, params, lengths,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail(s, res, "cannot insert events");
		res = NULL;
		goto done;
	}
	if (PQntuples(res) != (int)n) {
		store_seterr(s, "cannot insert events: %d ids for %zu rows",
		    PQntuples(res), n);
		goto done;
	}
	/* The rows go in in the order given, and each draws its id as it
	 * goes in (the trigger): in id order, the ids are the rows'. */
	for (i = 0; i < n; i++)
		ids[i] = int_at(res, (int)i, 0);
	qsort(ids, n, sizeof(*ids), by_id);
	rc = STORE_OK;
done:
	PQclear(res);
	buf_release(&sql);
	return rc;
}

static int
pg_insert_many(struct store *s, const char *ts, const struct store_event *e,
    size_t n, int64_t *ids)
{
	size_t done, k;
	int rc = STORE_OK;

	for (done = 0; done < n && rc == STORE_OK; done += k) {
		k = n - done < INSERT_ROWS ? n - done : INSERT_ROWS;
		rc = insert_chunk(s, ts, e + done, k, ids + done);
	}
	return rc;
}

static int
pg_grants(struct store *s, const char *user, int limit,
    store_name_fn fn, void *ctx)
{
	char l[16];
	const char *params[] = { user, l };
	PGresult *res;
	int rc, i, n = 0;

	snprintf(l, sizeof(l), "%d", limit);
	if ((res = run(s, PQ_GRANTS, params, NULL, &rc,
	    "cannot read grants")) == NULL)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		n++;
		if (fn(ctx, PQgetvalue(res, i, 0)) != 0)
			break;
	}
	PQclear(res);
	return n;
}

static int
pg_last_price(struct store *s, const char *symbol, char *out,
    size_t outsz, int *found)
{
	const char *params[] = { symbol };
	PGresult *res;
	int rc;

	*found = 0;
	out[0] = '\0';
	if ((res = run(s, PQ_LAST_PRICE, params, NULL, &rc,
	    "cannot read previous price")) == NULL)
		return rc;
	copy_first(res, out, outsz, found);
	PQclear(res);
	return STORE_OK;
}

/* SQL of one prune step (see store_engine.h); the condition on topics, if
 * any, is cond, with its parameters from $2 on. */
static void
prune_sql(char *sql, size_t sz, int by_age, const char *cond)
{
#define PG_CUTOFF "to_char((now() - make_interval(secs => $1::bigint))" \
	" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
	if (cond == NULL)
		snprintf(sql, sz, "%s", by_age ?
		    "DELETE FROM events WHERE ts < " PG_CUTOFF :
		    "DELETE FROM events WHERE id <= (SELECT id FROM events"
		    " ORDER BY id DESC LIMIT 1 OFFSET $1)");
	else if (by_age)
		snprintf(sql, sz, "DELETE FROM events WHERE %s AND topic IN"
		    " (SELECT topic FROM events WHERE %s GROUP BY topic"
		    " HAVING max(ts) < " PG_CUTOFF ")", cond, cond);
	else
		snprintf(sql, sz, "DELETE FROM events WHERE %s AND id <="
		    " (SELECT e.id FROM events AS e WHERE e.topic ="
		    " events.topic ORDER BY e.id DESC LIMIT 1 OFFSET $1)", cond);
#undef PG_CUTOFF
}

static int
pg_prune_step(struct store *s, int by_age, int64_t arg,
    const struct topics *topics, int64_t *n)
{
	char vals[TOPICS_MAX * 2][TOPIC_MAX + 1], cond[1024], sql[2600];
	const char *params[1 + TOPICS_MAX * 2];
	char a[24];
	PGresult *res;
	int i, nv = 0;

	if (topics != NULL && (nv = store_topics_sql(topics, '$', 2, cond,
	    sizeof(cond), vals)) < 0) {
		store_seterr(s, "cannot prune: too many topics");
		return STORE_ERR;
	}
	prune_sql(sql, sizeof(sql), by_age, topics != NULL ? cond : NULL);
	snprintf(a, sizeof(a), "%lld", (long long)arg);
	params[0] = a;
	for (i = 0; i < nv; i++)
		params[1 + i] = vals[i];
	res = PQexecParams(pg(s)->conn, sql, 1 + nv, NULL, params, NULL, NULL,
	    0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return fail(s, res, "cannot prune");
	*n += strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return STORE_OK;
}

/* PostgreSQL: the newest id, which every commit of rows moves. */
static int
pg_data_version(struct store *s, int64_t *v)
{
	int64_t oldest;

	return pg_bounds(s, &oldest, v);
}

int
store_pg_state(struct store *s, struct pg_state *st)
{
	PGresult *res;
	const char *v;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((res = run_state(s, PQ_STATE, NULL, &rc, "cannot read sse_state"))
	    == NULL)
		return rc;
	snprintf(st->epoch, sizeof(st->epoch), "%s", PQgetvalue(res, 0, 0));
	st->newest = int_at(res, 0, 1);
	if ((v = text_at(res, 0, 2)) != NULL)
		snprintf(st->newest_ts, sizeof(st->newest_ts), "%s", v);
	st->standby = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	PQclear(res);
	return STORE_OK;
}

int
store_pg_row_ts(struct store *s, int64_t id, char *ts, size_t tssz,
    int *found)
{
	char a[24];
	const char *params[] = { a };
	PGresult *res;
	int rc;

	snprintf(a, sizeof(a), "%lld", (long long)id);
	if ((res = run(s, PQ_ROW_TS, params, NULL, &rc, "cannot read a row"))
	    == NULL)
		return rc;
	copy_first(res, ts, tssz, found);
	PQclear(res);
	return STORE_OK;
}

int
store_pg_socket(const struct store *s)
{
	return pg(s) != NULL && pg(s)->conn != NULL ? PQsocket(pg(s)->conn) :
	    -1;
}

int
store_pg_listen(struct store *s)
{
	PGresult *res;
	int rc, standby;

	if (pg(s)->listening)
		return STORE_OK;
	res = PQexec(pg(s)->conn, "SELECT pg_is_in_recovery()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return fail(s, res, "cannot ask for recovery");
	standby = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (standby)
		return STORE_OK;	/* "cannot execute LISTEN during recovery" */
	if ((rc = exec(s, "LISTEN " STORE_PG_CHANNEL, "cannot listen"))
	    != STORE_OK)
		return rc;
	pg(s)->listening = 1;
	return STORE_OK;
}

int
store_pg_drain(struct store *s)
{
	PGnotify *n;
	int got = 0;

	if (!PQconsumeInput(pg(s)->conn)) {
		seterr_pq(s, "connection lost", PQerrorMessage(pg(s)->conn));
		return STORE_IO;
	}
	while ((n = PQnotifies(pg(s)->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

const struct store_engine store_pg_engine = {
	.name		= "postgresql",
	.claims		= pg_claims,
	.quote_path	= 0,
	.open		= pg_open,
	.upgrade	= pg_upgrade,
	.ready		= pg_ready,
	.close		= pg_close,
	.read_after	= pg_read_after,
	.read_span	= pg_read_span,
	.topic_back	= pg_topic_back,
	.bounds		= pg_bounds,
	.newest_ts	= pg_newest_ts,
	.data_version	= pg_data_version,
	.begin		= pg_begin,
	.commit		= pg_commit,
	.rollback	= pg_rollback,
	.insert		= pg_insert,
	.insert_many	= pg_insert_many,
	.grants		= pg_grants,
	.last_price	= pg_last_price,
	.prune_step	= pg_prune_step,
	.compact	= NULL,
};

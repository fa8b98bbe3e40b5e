/*
 * store.c - the front of the event table: picks the engine that claims
 * SSE_DB (store_engine.h), and holds what is the same for every engine:
 * the schema-version rules and their messages, the time a row is stamped
 * with, and the transaction around pruning.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store_engine.h"

/* Generated from schema/NNN-*.sql (schema/pg/ has as many). */
extern const int store_migrations_count;

/* The engines of this build, the first that claims a path taking it. A
 * build without libpq (make static) has no PostgreSQL engine. */
static const struct store_engine *const engines[] = {
#ifdef SSE_PG
	&store_pg_engine,
#endif
	&store_sqlite_engine,
};

int
store_schema_version(void)
{
	return store_migrations_count;
}

int
store_is_pg(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

const char *
store_errmsg(const struct store *s)
{
	return s->err;
}

void
store_seterr(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

int
store_version_check(struct store *s, int v)
{
	if (v <= store_migrations_count)
		return STORE_OK;
	store_seterr(s, "database schema version %d is newer than this build "
	    "understands (%d): upgrade sse-push and the responders", v,
	    store_migrations_count);
	return STORE_SCHEMA;
}

/* A libpq keyword string with a password ("host=db password = x"): as a
 * file name it would be created, and quoted in every message. */
static int
has_password_keyword(const char *path)
{
	const char *p = path;

	while ((p = strcasestr(p, "password")) != NULL) {
		p += strlen("password");
		p += strspn(p, " \t\n\r\f\v");
		if (*p == '=')
			return 1;
	}
	return 0;
}

static const struct store_engine *
engine_for(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (engines[i]->claims(path))
			return engines[i];
	return NULL;
}

/* After the engine opened it: the version rules, then the engine's own
 * readying (readers) or upgrade (writers). */
static int
open_versioned(struct store *s, int version)
{
	const struct store_engine *e = s->engine;
	int rc;

	if ((rc = store_version_check(s, version)) != STORE_OK)
		return rc;
	if (s->flags & STORE_READONLY) {
		if (version < store_migrations_count) {
			store_seterr(s, "database schema version %d is older "
			    "than %d: run sse-push once to create or upgrade "
			    "it", version, store_migrations_count);
			return STORE_SCHEMA;
		}
		return e->ready(s);
	}
	return version < store_migrations_count ? e->upgrade(s) : STORE_OK;
}

const char *
store_engine_of(const char *path)
{
	const struct store_engine *e = engine_for(path);

	return e != NULL ? e->name : NULL;
}

int
store_opened(struct store *s, int version)
{
	int rc = open_versioned(s, version);

	if (rc != STORE_OK)
		store_close(s);		/* the message stays */
	return rc;
}

int
store_open(struct store *s, const char *path, int flags, int busy_ms)
{
	const struct store_engine *e;
	char msg[sizeof(s->err)];
	int rc, version = 0;

	memset(s, 0, sizeof(*s));
	s->flags = flags;
	if (busy_ms <= 0)
		busy_ms = STORE_BUSY_MS;
	if (!store_is_pg(path) && has_password_keyword(path)) {
		store_seterr(s, "the database looks like a PostgreSQL keyword "
		    "string with a password: give a postgresql:// URL");
		return STORE_ACCESS;
	}
	if ((e = engine_for(path)) == NULL) {
		/* Not quoted: a URL may hold a password. */
		store_seterr(s, "this build has no PostgreSQL support (a "
		    "static build): use the dynamic one");
		return STORE_ERR;
	}
	s->engine = e;
	if ((rc = e->open(s, path, flags, busy_ms, &version)) == STORE_OK)
		rc = open_versioned(s, version);
	if (rc == STORE_OK)
		return STORE_OK;
	memcpy(msg, s->err, sizeof(msg));
	store_close(s);
	if (!e->quote_path)
		memcpy(s->err, msg, sizeof(msg));
	else
		snprintf(s->err, sizeof(s->err), "'%s': %s", path, msg);
	return rc;
}

void
store_close(struct store *s)
{
	if (s == NULL || s->engine == NULL)
		return;
	s->engine->close(s);
	s->engine = NULL;
}

/* The engines see NULL for "every row", never an empty set. */
static const struct topics *
some(const struct topics *t)
{
	return t != NULL && t->n > 0 ? t : NULL;
}

int
store_topics_sql(const struct topics *t, char sigil, int first, char *out,
    size_t outsz, char vals[][TOPIC_MAX + 1])
{
	struct buf b;
	int i, n = 0, p = first, bad = 0;

	buf_init(&b);
	bad |= buf_appends(&b, "topic IS NOT NULL AND (");
	for (i = 0; i < t->n; i++) {
		const char *name = topics_at(t, i);
		if (i > 0)
			bad |= buf_appends(&b, " OR ");
		if (!topics_is_subtree(t, i)) {
			bad |= buf_printf(&b, "topic = %c%d", sigil, p++);
			strcpy(vals[n++], name);
		} else if (name[0] == '\0')
			bad |= buf_appends(&b, "1 = 1");	/* "*" */
		else {
			/* One range of the (topic, id) index. */
			bad |= buf_printf(&b, "(topic >= %c%d AND topic < %c%d)",
			    sigil, p, sigil, p + 1);
			p += 2;
			strcpy(vals[n++], name);
			topic_upper(name, vals[n++]);
		}
	}
	bad |= buf_appends(&b, ")");
	if (bad || b.len >= outsz) {
		buf_release(&b);
		return -1;
	}
	memcpy(out, b.data, b.len + 1);
	buf_release(&b);
	return n;
}

int
store_read_after(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx)
{
	return s->engine->read_after(s, after, limit, some(topics), fn, ctx);
}

int
store_bounds(struct store *s, int64_t *oldest, int64_t *newest)
{
	return s->engine->bounds(s, oldest, newest);
}

int
store_read_span(struct store *s, int64_t after, int limit,
    const struct topics *topics, store_row_fn fn, void *ctx,
    int64_t *oldest, int64_t *newest)
{
	return s->engine->read_span(s, after, limit, some(topics), fn, ctx,
	    oldest, newest);
}

int
store_topic_back(struct store *s, const char *topic, int limit,
    store_tail_fn fn, void *ctx)
{
	return s->engine->topic_back(s, topic, limit, fn, ctx);
}

int
store_data_version(struct store *s, int64_t *v)
{
	return s->engine->data_version(s, v);
}

/* "2026-12-02T14:44:30.123Z", as now_iso() writes it, in ms since the
 * epoch; -1 for anything else. */
static int64_t
parse_iso_ms(const char *ts)
{
	struct tm tm;
	int ms, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms,
	    &n) != 7 || ts[n] != '\0' || n != 24)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int
store_newest_time(struct store *s, int64_t *epoch_ms)
{
	char ts[32];
	int rc;

	*epoch_ms = -1;
	if ((rc = s->engine->newest_ts(s, ts, sizeof(ts))) == STORE_OK)
		*epoch_ms = parse_iso_ms(ts);
	return rc;
}

int
store_begin(struct store *s)
{
	return s->engine->begin(s);
}

int
store_commit(struct store *s)
{
	return s->engine->commit(s);
}

void
store_rollback(struct store *s)
{
	if (s->engine != NULL)
		s->engine->rollback(s);
}

/*
 * Now as the schema's default would write it, strftime('%Y-%m-%dT%H:%M:%fZ'),
 * but without running a date formatter on every row of a batch.
 */
static void
now_iso(char out[32])
{
	static time_t last_sec = -1;
	static char head[24];
	struct timespec ts;
	struct tm tm;
	unsigned ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = ts.tv_sec;
	}
	ms = (unsigned)(ts.tv_nsec / 1000000) % 1000u;
	memcpy(out, head, 19);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

int
store_put(struct store *s, const struct store_event *e, int64_t *id)
{
	char ts[32];

	now_iso(ts);
	return s->engine->insert(s, ts, e, id);
}

int
store_put_many(struct store *s, const struct store_event *e, size_t n,
    int64_t *ids)
{
	char ts[32];
	size_t i;
	int rc = STORE_OK;

	now_iso(ts);
	/* One row: the insert prepared once, not a statement parsed anew. */
	if (s->engine->insert_many != NULL && n > 1)
		return s->engine->insert_many(s, ts, e, n, ids);
	for (i = 0; i < n && rc == STORE_OK; i++)
		rc = s->engine->insert(s, ts, &e[i], &ids[i]);
	return rc;
}

int
store_puts_many(const struct store *s)
{
	return s->engine != NULL && s->engine->insert_many != NULL;
}

int
store_insert(struct store *s, const char *event, const char *symbol,
    const char *price, const char *data, size_t len, const char *audience,
    int64_t *id)
{
	struct store_event e = { event, symbol, price, data, len, audience,
	    NULL, 0 };

	return store_put(s, &e, id);
}

int
store_insert_event(struct store *s, const char *event, const char *data,
    size_t len, int64_t *id)
{
	return store_insert(s, event, NULL, NULL, data, len, NULL, id);
}

int
store_grants(struct store *s, const char *user, int limit, store_name_fn fn,
    void *ctx)
{
	return s->engine->grants(s, user, limit, fn, ctx);
}

int
store_last_price(struct store *s, const char *symbol, char *out,
    size_t outsz, int *found)
{
	return s->engine->last_price(s, symbol, out, outsz, found);
}

int
store_prune(struct store *s, int64_t keep, int64_t max_age,
    const struct topics *topics, int64_t *deleted)
{
	int rc;

	*deleted = 0;
	topics = some(topics);
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if (keep >= 0 && (rc = s->engine->prune_step(s, 0, keep, topics,
	    deleted)) != STORE_OK)
		goto fail;
	if (max_age >= 0 && (rc = s->engine->prune_step(s, 1, max_age,
	    topics, deleted)) != STORE_OK)
		goto fail;
	if ((rc = store_commit(s)) != STORE_OK)
		goto fail;
	if (s->engine->compact != NULL)
		s->engine->compact(s);
	return STORE_OK;
fail:
	store_rollback(s);
	return rc;
}

/* check_store.c - the event table on a real SQLite file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_sqlite.h"
#include "suites.h"

static char path[512];
static struct store st;

static void
setup(void)
{
	tmp_db(path, sizeof(path));
	ck_assert_int_eq(store_open(&st, path, 0, 0), STORE_OK);
}

static void
teardown(void)
{
	store_close(&st);
	rm_db(path);
}

static void
raw_exec(const char *sql)
{
	sql_at(path, sql);
}

struct collect {
	int64_t ids[64];
	int n;
	int stop_after;
};

static int
collect(void *ctx, const struct row *r)
{
	struct collect *c = ctx;

	c->ids[c->n++] = r->id;
	return c->stop_after && c->n >= c->stop_after;
}

START_TEST(test_create_and_read)
{
	struct collect c = { .n = 0 };
	int64_t id, oldest, newest;
	int i;

	ck_assert_int_eq(store_bounds(&st, &oldest, &newest), STORE_OK);
	ck_assert_int_eq(oldest, 1);
	ck_assert_int_eq(newest, 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(store_insert_event(&st, "e", "d", 1, &id),
		    STORE_OK);
	ck_assert_int_eq(id, 10);
	/* Bounded batches cover every row once, in order. */
	ck_assert_int_eq(store_read_after(&st, 0, 4, NULL, collect, &c), 4);
	ck_assert_int_eq(store_read_after(&st, c.ids[c.n - 1], 4, NULL, collect, &c),
	    4);
	ck_assert_int_eq(store_read_after(&st, c.ids[c.n - 1], 4, NULL, collect, &c),
	    2);
	ck_assert_int_eq(store_read_after(&st, c.ids[c.n - 1], 4, NULL, collect, &c),
	    0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(c.ids[i], i + 1);
}
END_TEST

/* The generic insert: symbol and price land in their columns, or NULL. */
START_TEST(test_insert_columns)
{
	char price[32];
	int64_t id;
	int found;
	sqlite3_stmt *q;

	ck_assert_int_eq(store_insert(&st, "price", "AAPL", "189.51", "{}", 2, NULL,
	    &id), STORE_OK);
	ck_assert_int_eq(store_insert_event(&st, "note", "hi", 2, &id),
	    STORE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT group_concat("
	    "event || ':' || coalesce(symbol, '-') || ':' || coalesce(price, '-')"
	    " || ':' || typeof(price), ' ') FROM events", -1, &q, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 0),
	    "price:AAPL:189.51:text note:-:-:null");
	sqlite3_finalize(q);
	ck_assert_int_eq(store_last_price(&st, "AAPL", price, sizeof(price),
	    &found), STORE_OK);
	ck_assert(found);
	ck_assert_str_eq(price, "189.51");
	ck_assert_int_eq(store_last_price(&st, "META", price, sizeof(price),
	    &found), STORE_OK);
	ck_assert(!found);
	/* Someone's own text, too long for a price: found, but empty. */
	raw_exec("INSERT INTO events (event, symbol, price, data) VALUES "
	    "('price', 'LONG', '1234567890123456789012345678901234567890', '')");
	ck_assert_int_eq(store_last_price(&st, "LONG", price, sizeof(price),
	    &found), STORE_OK);
	ck_assert(found);
	ck_assert_str_eq(price, "");
}
END_TEST

/* ts is written by us, not the schema default: same format, UTC, now. */
START_TEST(test_ts_format)
{
	sqlite3_stmt *q;
	int64_t id;

	ck_assert_int_eq(store_insert_event(&st, "e", "d", 1, &id), STORE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT ts GLOB"
	    " '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]"
	    ":[0-9][0-9].[0-9][0-9][0-9]Z', abs(julianday(ts) - julianday('now'))"
	    " < 0.0001 FROM events WHERE id = ?", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(q, 0), 1);
	ck_assert_int_eq(sqlite3_column_int(q, 1), 1);
	sqlite3_finalize(q);
}
END_TEST

START_TEST(test_bounds_after_prune)
{
	int64_t id, oldest, newest, n;
	int i;

	for (i = 0; i < 20; i++)
		store_insert_event(&st, "e", "d", 1, &id);
	ck_assert_int_eq(store_prune(&st, 5, -1, NULL, &n), STORE_OK);
	ck_assert_int_eq(n, 15);
	ck_assert_int_eq(store_bounds(&st, &oldest, &newest), STORE_OK);
	ck_assert_int_eq(oldest, 16);
	ck_assert_int_eq(newest, 20);
	/* Ids are never reused after pruning everything. */
	ck_assert_int_eq(store_prune(&st, 0, -1, NULL, &n), STORE_OK);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(store_bounds(&st, &oldest, &newest), STORE_OK);
	ck_assert_int_eq(oldest, 21);
	ck_assert_int_eq(newest, 20);
	store_insert_event(&st, "e", "d", 1, &id);
	ck_assert_int_eq(id, 21);
}
END_TEST

START_TEST(test_prune_by_age)
{
	int64_t id, n;
	int i;

	for (i = 0; i < 6; i++)
		store_insert_event(&st, "e", "d", 1, &id);
	raw_exec("UPDATE events SET ts = '2020-01-01T00:00:00.000Z'"
	    " WHERE id <= 4");
	ck_assert_int_eq(store_prune(&st, -1, 3600, NULL, &n), STORE_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(store_prune(&st, 100, 3600, NULL, &n), STORE_OK);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_data_version)
{
	struct store rd;
	int64_t v1, v2, id;

	ck_assert_int_eq(store_open(&rd, path, STORE_READONLY, 0), STORE_OK);
	ck_assert_int_eq(store_data_version(&rd, &v1), STORE_OK);
	ck_assert_int_eq(store_data_version(&rd, &v2), STORE_OK);
	ck_assert_int_eq(v1, v2);
	store_insert_event(&st, "e", "d", 1, &id);
	ck_assert_int_eq(store_data_version(&rd, &v2), STORE_OK);
	ck_assert_int_ne(v1, v2);
	store_close(&rd);
}
END_TEST

/* A reader stopped early holds no read transaction: a full checkpoint works. */
START_TEST(test_no_lingering_read)
{
	struct store rd;
	struct collect c = { .n = 0, .stop_after = 2 };
	int64_t id;
	int i, log = -1, done = -1;

	for (i = 0; i < 10; i++)
		store_insert_event(&st, "e", "d", 1, &id);
	ck_assert_int_eq(store_open(&rd, path, STORE_READONLY, 0), STORE_OK);
	ck_assert_int_eq(store_read_after(&rd, 0, 100, NULL, collect, &c), 2);
	ck_assert_int_eq(sqlite3_wal_checkpoint_v2(store_sqlite_db(&st), NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done), SQLITE_OK);
	ck_assert_int_eq(log, 0);
	store_close(&rd);
}
END_TEST

START_TEST(test_reader_cannot_write)
{
	struct store rd;
	int64_t id = -1;

	ck_assert_int_eq(store_open(&rd, path, STORE_READONLY, 0), STORE_OK);
	ck_assert_int_eq(sqlite3_exec(store_sqlite_db(&rd), "INSERT INTO events (event, data)"
	    " VALUES ('x', 'y')", NULL, NULL, NULL), SQLITE_READONLY);
	/* Our own insert, too, is refused by SQLite on this connection. */
	ck_assert_int_eq(store_insert_event(&rd, "x", "y", 1, &id),
	    STORE_ACCESS);
	ck_assert_int_eq(id, -1);
	store_close(&rd);
}
END_TEST

START_TEST(test_schema_newer_refused)
{
	struct store s2;

	raw_exec("PRAGMA user_version = 99");
	ck_assert_int_eq(store_open(&s2, path, 0, 0), STORE_SCHEMA);
	ck_assert_ptr_nonnull(strstr(store_errmsg(&s2), "newer"));
	ck_assert_int_eq(store_open(&s2, path, STORE_READONLY, 0),
	    STORE_SCHEMA);
	ck_assert_ptr_null(store_sqlite_db(&s2));
}
END_TEST

/* An older (here: empty, version 0) database is upgraded by the writer only. */
START_TEST(test_schema_upgrade)
{
	char p2[512];
	struct store s2;
	sqlite3 *db;

	tmp_db(p2, sizeof(p2));
	ck_assert_int_eq(sqlite3_open(p2, &db), SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE unrelated (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(&s2, p2, STORE_READONLY, 0), STORE_SCHEMA);
	ck_assert_ptr_nonnull(strstr(store_errmsg(&s2), "run sse-push"));
	ck_assert_int_eq(store_open(&s2, p2, 0, 0), STORE_OK);
	store_close(&s2);
	ck_assert_int_eq(store_open(&s2, p2, STORE_READONLY, 0), STORE_OK);
	store_close(&s2);
	rm_db(p2);
}
END_TEST

/* A database switched out of WAL by hand is put back by the next writer,
 * and the writer syncs every commit (FULL), whatever the build's default. */
static int
pragma_text(sqlite3 *db, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt *q;
	int rc;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(out, outsz, "%s", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return rc == SQLITE_ROW;
}

START_TEST(test_wal_restored_and_sync_full)
{
	char mode[32], sync[32];

	store_close(&st);
	raw_exec("PRAGMA journal_mode = DELETE");
	ck_assert_int_eq(store_open(&st, path, 0, 0), STORE_OK);
	ck_assert(pragma_text(store_sqlite_db(&st), "PRAGMA journal_mode", mode,
	    sizeof(mode)));
	ck_assert_str_eq(mode, "wal");
	ck_assert(pragma_text(store_sqlite_db(&st), "PRAGMA synchronous", sync,
	    sizeof(sync)));
	ck_assert_str_eq(sync, "2");	/* FULL */
}
END_TEST

/* Rows and bounds from one snapshot. */
START_TEST(test_read_span)
{
	struct collect c = { .n = 0 };
	int64_t id, oldest = 0, newest = 0, n;
	int i;

	for (i = 0; i < 6; i++)
		store_insert_event(&st, "e", "d", 1, &id);
	ck_assert_int_eq(store_prune(&st, 4, -1, NULL, &n), STORE_OK);
	ck_assert_int_eq(store_read_span(&st, 0, 3, NULL, collect, &c, &oldest,
	    &newest), 3);
	ck_assert_int_eq(oldest, 3);
	ck_assert_int_eq(newest, 6);
	ck_assert_int_eq(c.ids[0], 3);
	/* No transaction is left open: a writer can checkpoint. */
	ck_assert(sqlite3_get_autocommit(store_sqlite_db(&st)));
}
END_TEST

START_TEST(test_open_failures)
{
	char p2[512];
	struct store s2;
	FILE *f;

	tmp_db(p2, sizeof(p2));
	ck_assert_int_eq(store_open(&s2, p2, STORE_READONLY, 0), STORE_MISSING);
	ck_assert_ptr_nonnull(strstr(store_errmsg(&s2), p2));
	f = fopen(p2, "w");
	fputs("this is not a database, it is a text file long enough to "
	    "have a header that SQLite will reject outright ...........", f);
	fclose(f);
	ck_assert_int_eq(store_open(&s2, p2, STORE_READONLY, 0), STORE_CORRUPT);
	ck_assert_int_eq(store_open(&s2, p2, 0, 0), STORE_CORRUPT);
	rm_db(p2);
	ck_assert_int_eq(store_open(&s2, "/nonexistent-dir/x.db", 0, 0),
	    STORE_ACCESS);
	/* A libpq keyword string is refused, its password not quoted, and
	 * no file of that name is created. */
	ck_assert_int_eq(store_open(&s2, "host=db password=S3cr3t", 0, 0),
	    STORE_ACCESS);
	ck_assert_ptr_null(strstr(store_errmsg(&s2), "S3cr3t"));
	ck_assert_int_eq(access("host=db password=S3cr3t", F_OK), -1);
	ck_assert_int_eq(store_open(&s2, "host=db PassWord =\tS3cr3t", 0, 0),
	    STORE_ACCESS);
	ck_assert_ptr_null(strstr(store_errmsg(&s2), "S3cr3t"));
	ck_assert_int_eq(access("host=db PassWord =\tS3cr3t", F_OK), -1);
	/* SQLite's in-memory database is no file to make. */
	ck_assert_int_eq(store_open(&s2, ":memory:", 0, 0), STORE_OK);
	store_close(&s2);
	ck_assert_int_eq(access(":memory:", F_OK), -1);
}
END_TEST

/* One version number means one schema on either engine: a migration added
 * for SQLite without its PostgreSQL twin (or the other way) fails here. */
extern const int store_pg_migrations_count;
START_TEST(test_pg_migrations_match)
{
	ck_assert_int_eq(store_pg_migrations_count, store_schema_version());
	ck_assert(store_is_pg("postgresql:///sse?host=/run/postgresql"));
	ck_assert(store_is_pg("postgres://u@db.example/sse"));
	ck_assert(!store_is_pg("/var/lib/sse/events.db"));
	ck_assert(!store_is_pg("postgresql.db"));
}
END_TEST

/* No message quotes a password in a postgresql:// URL, however broken the
 * URL is: libpq's parse errors quote the token they stumbled on, and a raw
 * '@' in a password would send the rest of it on as the host name. None of
 * these reaches a network (the last one tries a unix socket not there). */
START_TEST(test_pg_url_password_hidden)
{
	static const struct {
		const char	*url, *pass, *msg;
		int		 rc;
	} t[] = {
		{ "postgresql://u:S3cr%t!pass@db.example/sse", "S3cr%t!pass",
		  "bad database URL 'postgresql://u:***@db.example/sse'",
		  STORE_ACCESS },
		{ "postgresql://u:S3cr@t:!pass@db.example/sse", "t:!pass",
		  "bad database URL 'postgresql://u:***@db.example/sse': write"
		  " '@' and '/' as %40 and %2F in a user name or password",
		  STORE_ACCESS },
		{ "postgres://u:S3/cr%@db.example:5432/sse", "cr%",
		  "bad database URL 'postgres://u:***@db.example:5432/sse':"
		  " write '@' and '/' as %40 and %2F in a user name or"
		  " password", STORE_ACCESS },
		{ "postgresql://u:S3?cr@t@x?user=a@b", "S3?cr@t",
		  "bad database URL 'postgresql://u:***@b': write"
		  " '@' and '/' as %40 and %2F in a user name or password",
		  STORE_ACCESS },
		{ "postgresql://u:S3cr/b?c@host/db", "S3cr/b?c",
		  "bad database URL 'postgresql://u:***@host/db'",
		  STORE_ACCESS },
		/* A query password before a later '@' (a review found it
		 * printed whole). */
		{ "postgresql://h/db?password=S3cret&bogus=1&application_name=a@b",
		  "S3cret", "bad database URL 'postgresql://h/db?password=***'",
		  STORE_ACCESS },
		{ "postgresql://h/db?bogus=1&password=S3@cret", "S3",
		  "bad database URL 'postgresql://h/db?bogus=1&password=***'",
		  STORE_ACCESS },
		{ "postgresql://u:S3cr@h/db?password=x@y&bogus", "S3cr",
		  "bad database URL 'postgresql://u:***'", STORE_ACCESS },
		{ "postgresql:///sse?host=/x&password=S3cr%t&!pass", "S3cr%t&!",
		  "bad database URL 'postgresql:///sse?host=/x&password=***'",
		  STORE_ACCESS },
		{ "postgresql:///sse?sslpass%77ord=S3cr%zz", "S3cr",
		  "bad database URL 'postgresql:///sse?sslpass%77ord=***'",
		  STORE_ACCESS },
		{ "postgresql://:%@", ":%@", "bad database URL 'postgresql://:***@'",
		  STORE_ACCESS },
		{ "postgresql://u:S3cr%40t%3A!@/sse?host=/nonexistent-sse",
		  "S3cr", NULL, STORE_IO },
	};
	struct store s2;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(store_open(&s2, t[i].url, 0, 0), t[i].rc);
		ck_assert_msg(strstr(store_errmsg(&s2), t[i].pass) == NULL,
		    "%s: %s", t[i].url, store_errmsg(&s2));
		if (t[i].msg != NULL)
			ck_assert_str_eq(store_errmsg(&s2), t[i].msg);
		else
			ck_assert_ptr_nonnull(strstr(store_errmsg(&s2),
			    "cannot connect: "));
	}
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_and_read);
	tcase_add_test(tc, test_pg_migrations_match);
	tcase_add_test(tc, test_pg_url_password_hidden);
	tcase_add_test(tc, test_insert_columns);
	tcase_add_test(tc, test_ts_format);
	tcase_add_test(tc, test_bounds_after_prune);
	tcase_add_test(tc, test_prune_by_age);
	tcase_add_test(tc, test_data_version);
	tcase_add_test(tc, test_no_lingering_read);
	tcase_add_test(tc, test_reader_cannot_write);
	tcase_add_test(tc, test_schema_newer_refused);
	tcase_add_test(tc, test_schema_upgrade);
	tcase_add_test(tc, test_open_failures);
	tcase_add_test(tc, test_wal_restored_and_sync_full);
	tcase_add_test(tc, test_read_span);
	suite_add_tcase(s, tc);
	return s;
}

/* check_ingest.c - batch lines and single events as sse-push reads them. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "ingest.h"
#include "store_sqlite.h"
#include "suites.h"

static char path[512];
static struct store st;
static struct ingest in;

static void
setup(void)
{
	tmp_db(path, sizeof(path));
	ck_assert_int_eq(store_open(&st, path, 0, 0), STORE_OK);
	ingest_init(&in, &st);
}

static void
teardown(void)
{
	ingest_release(&in);
	store_close(&st);
	rm_db(path);
}

#define X50	"12345678901234567890123456789012345678901234567890"
#define X250	X50 X50 X50 X50 X50

static const struct {
	const char *line;
	int rc;			/* INGEST_OK or INGEST_REFUSED */
	int rows;		/* rows it adds */
} lines[] = {
	{ "AAPL 189.51", INGEST_OK, 1 },
	{ "AAPL\t189.51\r", INGEST_OK, 1 },
	{ "  META   500  ", INGEST_OK, 1 },
	{ "", INGEST_OK, 0 },
	{ "   ", INGEST_OK, 0 },
	{ "# comment", INGEST_OK, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":189.51}", INGEST_OK, 1 },
	{ "{\"symbol\":\"AAPL\",\"price\":\"189.51\"}", INGEST_OK, 1 },
	{ "{\"event\":\"price\",\"symbol\":\"AAPL\",\"price\":1}", INGEST_OK, 1 },
	{ "{\"event\":\"alert\",\"data\":\"a\\nb\"}", INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"alice\"}", INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"alice@example.com\"}",
	  INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":5}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"a\\nb\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"a\\u0000b\"}",
	  INGEST_REFUSED, 0 },
	/* 70 bytes: over the old limit of 64; 255 pass, 256 do not. */
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"12345678901234567890"
	  "12345678901234567890123456789012345678901234567890\"}", INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"" X250 "12345\"}",
	  INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"" X250 "123456\"}",
	  INGEST_REFUSED, 0 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"group:ops\"}", INGEST_OK, 1 },
	{ "{\"event\":\"dm\",\"data\":\"hi\",\"to\":\"group:\"}",
	  INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":1,\"to\":\"alice\"}", INGEST_REFUSED, 0 },
	{ "AAPL", INGEST_REFUSED, 0 },
	{ "AAPL 1 2", INGEST_REFUSED, 0 },
	{ "AAPL abc", INGEST_REFUSED, 0 },
	{ "AAPL 1e3", INGEST_REFUSED, 0 },
	{ "AA,PL 1", INGEST_REFUSED, 0 },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ 1", INGEST_REFUSED, 0 },
	{ "AAPL 123456789012345678901234567890123", INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":1e3}", INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\"}", INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":1,\"data\":\"x\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"alert\",\"symbol\":\"A\",\"price\":1}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"alert\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"alert\",\"data\":5}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"a\\nb\",\"data\":\"x\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"reset\",\"data\":\"x\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"a\",\"data\":\"x\",\"extra\":\"y\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"a\",\"data\":\"\\udcff\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"a\",\"data\":\"x\"", INGEST_REFUSED, 0 },
	{ "\xff\xfe 1", INGEST_REFUSED, 0 },
	/* Topics. */
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/42\"}", INGEST_OK, 1 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/42\","
	  "\"close\":true}", INGEST_OK, 1 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/42\","
	  "\"close\":false}", INGEST_OK, 1 },
	{ "{\"topic\":\"jobs/42\",\"close\":true}", INGEST_OK, 1 },
	{ "{\"topic\":\"jobs/42\",\"close\":true,\"to\":\"bob\"}", INGEST_OK, 1 },
	{ "{\"topic\":\"jobs/42\",\"close\":false}", INGEST_REFUSED, 0 },
	{ "{\"topic\":\"jobs/42\"}", INGEST_REFUSED, 0 },
	{ "{\"close\":true}", INGEST_REFUSED, 0 },	/* which topic? */
	{ "{\"event\":\"p\",\"data\":\"1\",\"close\":true}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/42\","
	  "\"close\":1}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/42\","
	  "\"close\":\"true\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/*\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"jobs/..\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"\"}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":42}", INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"a\\u0000b\"}",
	  INGEST_REFUSED, 0 },
	{ "{\"event\":\"p\",\"data\":\"1\",\"topic\":\"a\\nb\"}", INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":1,\"topic\":\"x\"}", INGEST_REFUSED, 0 },
	{ "{\"symbol\":\"AAPL\",\"price\":1,\"close\":true}", INGEST_REFUSED, 0 },
};

/* Rows held back for store_put_many(): copies, NULLs kept NULL, data by
 * its length, in order, and the same again after a clear. */
START_TEST(test_pending)
{
	struct pending p;
	char data[] = "a\nb", ev[] = "note";
	struct store_event a = { ev, NULL, NULL, data, 3, "alice", "jobs/1",
	    1 };
	struct store_event b = { "price", "AAPL", "1.5", "{}", 2, NULL, NULL,
	    0 };
	const struct store_event *e;
	int round, i;

	pending_init(&p);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 100; i++)
			ck_assert_int_eq(pending_add(&p, i % 2 ? &b : &a), 0);
		strcpy(ev, "XXXX");	/* the caller's buffer changes */
		data[0] = 'Z';
		e = pending_events(&p);
		ck_assert_uint_eq(p.n, 100);
		ck_assert_str_eq(e[0].event, "note");
		ck_assert_uint_eq(e[0].len, 3);
		ck_assert_mem_eq(e[0].data, "a\nb", 3);
		ck_assert_ptr_null(e[0].symbol);
		ck_assert_ptr_null(e[0].price);
		ck_assert_str_eq(e[0].audience, "alice");
		ck_assert_str_eq(e[0].topic, "jobs/1");
		ck_assert_int_eq(e[0].closes, 1);
		ck_assert_str_eq(e[99].event, "price");
		ck_assert_str_eq(e[99].symbol, "AAPL");
		ck_assert_str_eq(e[99].price, "1.5");
		ck_assert_ptr_null(e[99].audience);
		ck_assert_ptr_null(e[99].topic);
		ck_assert_int_eq(e[99].closes, 0);
		pending_clear(&p);
		ck_assert_uint_eq(p.n, 0);
		strcpy(ev, "note");
		data[0] = 'a';
	}
	pending_free(&p);
}
END_TEST

START_TEST(test_line)
{
	int rc = ingest_line(&in, lines[_i].line, strlen(lines[_i].line));

	ck_assert_msg(rc == lines[_i].rc, "line %d '%s': rc %d (%s)", _i,
	    lines[_i].line, rc, in.err);
	ck_assert_int_eq(in.rows, lines[_i].rows);
	if (rc == INGEST_REFUSED)
		ck_assert_msg(in.err[0] != '\0', "no reason given");
}
END_TEST

/* What a line's topic and close become in the table; a line without a
 * topic takes in->topic, a price always its own. */
START_TEST(test_topic_columns)
{
	sqlite3_stmt *q;
	static const char *const want[][2] = {
		{ "feed/1", "0" }, { "own/2", "0" }, { "feed/1", "1" },
		{ "prices/AAPL", "0" },
	};
	static const char a[] = "{\"event\":\"t\",\"data\":\"a\"}",
	    b[] = "{\"event\":\"t\",\"data\":\"b\",\"topic\":\"own/2\"}";
	int i = 0;

	in.topic = "feed/1";
	ck_assert_int_eq(ingest_line(&in, a, strlen(a)), INGEST_OK);
	ck_assert_int_eq(ingest_line(&in, b, strlen(b)), INGEST_OK);
	ck_assert_int_eq(ingest_close(&in, in.topic, NULL), INGEST_OK);
	ck_assert_int_eq(ingest_line(&in, "AAPL 1", 6), INGEST_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT topic,"
	    " closes, event, data FROM events ORDER BY id", -1, &q, NULL),
	    SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		ck_assert_int_lt(i, 4);
		ck_assert_str_eq((const char *)sqlite3_column_text(q, 0),
		    want[i][0]);
		ck_assert_str_eq((const char *)sqlite3_column_text(q, 1),
		    want[i][1]);
		if (i == 2) {	/* the bare close */
			ck_assert_str_eq((const char *)sqlite3_column_text(q,
			    2), "close");
			ck_assert_str_eq((const char *)sqlite3_column_text(q,
			    3), "");
		}
		i++;
	}
	sqlite3_finalize(q);
	ck_assert_int_eq(i, 4);
	ck_assert_int_eq(ingest_close(&in, NULL, NULL), INGEST_REFUSED);
	ck_assert_int_eq(ingest_close(&in, "a/*", NULL), INGEST_REFUSED);
}
END_TEST

START_TEST(test_nul_in_line)
{
	ck_assert_int_eq(ingest_line(&in, "AAPL 1\0junk", 11), INGEST_REFUSED);
	ck_assert_int_eq(in.rows, 0);
}
END_TEST

static const char *
stored_data(int64_t id)
{
	static char out[256];
	sqlite3_stmt *q;

	sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT data FROM events WHERE id = ?", -1,
	    &q, NULL);
	sqlite3_bind_int64(q, 1, id);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, sizeof(out), "%s", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return out;
}

START_TEST(test_line_ends_become_lf)
{
	ck_assert_int_eq(ingest_event(&in, "msg", "a\r\nb\rc\nd\r", 9, NULL),
	    INGEST_OK);
	ck_assert_str_eq(stored_data(in.last_id), "a\nb\nc\nd\n");
}
END_TEST

START_TEST(test_first_price_has_null_change)
{
	ck_assert_int_eq(ingest_price(&in, "X", "10"), INGEST_OK);
	ck_assert_str_eq(stored_data(in.last_id),
	    "{\"symbol\":\"X\",\"price\":10,\"change\":null}");
	ck_assert_int_eq(ingest_price(&in, "X", "0"), INGEST_OK);
	ck_assert_int_eq(ingest_price(&in, "X", "5"), INGEST_OK);
	/* From zero there is no meaningful percentage. */
	ck_assert_str_eq(stored_data(in.last_id),
	    "{\"symbol\":\"X\",\"price\":5,\"change\":null}");
}
END_TEST

START_TEST(test_price_json)
{

	ck_assert_int_eq(ingest_price(&in, "AAPL", "189.51"),
	    INGEST_OK);
	ck_assert_int_eq(ingest_price(&in, "META", "500"), INGEST_OK);
	ck_assert_int_eq(ingest_price(&in, "AAPL", "189.60"),
	    INGEST_OK);
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT data, price,"
	    " typeof(price) FROM events WHERE id = 3", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 0),
	    "{\"symbol\":\"AAPL\",\"price\":189.60,\"change\":0.05}");
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 1), "189.60");
	ck_assert_str_eq((const char *)sqlite3_column_text(q, 2), "text");
	sqlite3_finalize(q);
}
END_TEST

/*
 * Inside a transaction the previous price comes from a cache: the change
 * must be what a lookup gives, with more symbols than cache slots, and a
 * rolled-back price must not leak into the next transaction.
 */
START_TEST(test_price_cache)
{
	char sym[16], want[160], got[160];
	int i, round;

	for (i = 0; i < 300; i++) {	/* outside a transaction: lookups */
		snprintf(sym, sizeof(sym), "S%d", i);
		ck_assert_int_eq(ingest_price(&in, sym, "100"),
		    INGEST_OK);
	}
	ck_assert_int_eq(ingest_begin(&in), INGEST_OK);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 300; i++) {
			snprintf(sym, sizeof(sym), "S%d", i);
			ck_assert_int_eq(ingest_price(&in, sym,
			    round ? "110" : "105"), INGEST_OK);
			snprintf(got, sizeof(got), "%s", stored_data(in.last_id));
			snprintf(want, sizeof(want), "{\"symbol\":\"%s\","
			    "\"price\":%s,\"change\":%s}", sym,
			    round ? "110" : "105", round ? "4.76" : "5.00");
			ck_assert_str_eq(got, want);
		}
	ck_assert_int_eq(ingest_commit(&in), INGEST_OK);
	ck_assert_int_eq(ingest_begin(&in), INGEST_OK);
	ck_assert_int_eq(ingest_price(&in, "S1", "1"), INGEST_OK);
	ingest_rollback(&in);
	ck_assert_int_eq(ingest_begin(&in), INGEST_OK);
	ck_assert_int_eq(ingest_price(&in, "S1", "121"), INGEST_OK);
	ck_assert_int_eq(ingest_commit(&in), INGEST_OK);
	snprintf(got, sizeof(got), "%s", stored_data(in.last_id));
	ck_assert_str_eq(got,
	    "{\"symbol\":\"S1\",\"price\":121,\"change\":10.00}");
}
END_TEST

Suite *
ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("ingest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_line, 0, sizeof(lines) / sizeof(lines[0]));
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_nul_in_line);
	tcase_add_test(tc, test_topic_columns);
	tcase_add_test(tc, test_line_ends_become_lf);
	tcase_add_test(tc, test_first_price_has_null_change);
	tcase_add_test(tc, test_price_json);
	tcase_add_test(tc, test_price_cache);
	suite_add_tcase(s, tc);
	return s;
}

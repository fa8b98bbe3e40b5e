/* check_stream.c - one stream driven step by step through a memory buffer. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "batch.h"
#include "config.h"
#include "sse.h"
#include "sseparse.h"
#include "responder.h"
#include "stream.h"
#include "suites.h"

static char path[512];
static struct store wr, rd;
static struct config cfg;
static struct buf out;
static struct batch b;

static void
setup(void)
{
	tmp_db(path, sizeof(path));
	ck_assert_int_eq(store_open(&wr, path, 0, 0), STORE_OK);
	ck_assert_int_eq(store_open(&rd, path, STORE_READONLY, 0), STORE_OK);
	config_defaults(&cfg);
	buf_init(&out);
	batch_init(&b);
}

static void
teardown(void)
{
	batch_release(&b);
	buf_release(&out);
	store_close(&rd);
	store_close(&wr);
	rm_db(path);
}

/* n price rows, META and AAPL in turn (n % 2), as sse-push writes them. */
static void
add(int n)
{
	const char *sym;
	char data[64];
	int64_t id;

	while (n-- > 0) {
		sym = n % 2 ? "AAPL" : "META";
		snprintf(data, sizeof(data), "{\"symbol\":\"%s\",\"price\":1.5}",
		    sym);
		ck_assert_int_eq(store_insert(&wr, "price", sym, "1.5", data,
		    strlen(data), NULL, &id), STORE_OK);
	}
}

static int
begin(struct stream *s, const char *query, const char *lei)
{
	struct request r;

	ck_assert_int_eq(request_parse(&r, "GET", query, lei), 200);
	buf_clear(&out);
	return stream_begin(s, &r, &cfg.stream, &rd, &out);
}

/* Catch up through batches as both responders do; returns frames sent. */
static int
drain(struct stream *s)
{
	int n = 0;

	do {
		ck_assert_int_eq(batch_load(&b, &rd, s->cursor, 4,
		    BATCH_BYTES), STORE_OK);
		n += stream_take(s, &b, &out);
	} while (b.full);
	return n;
}

START_TEST(test_head_and_priming)
{
	struct stream s;

	add(3);
	ck_assert_int_eq(begin(&s, "", NULL), STREAM_OPEN);
	ck_assert_ptr_nonnull(strstr(out.data,
	    "Content-Type: text/event-stream\r\n"));
	ck_assert_ptr_null(strstr(out.data, "Status:"));
	ck_assert_ptr_null(strstr(out.data, "Content-Length"));
	ck_assert_ptr_nonnull(strstr(out.data, "\r\n\r\n: ok\n\nretry: 3000\n\n"
	    "id: 3\n\n"));
	ck_assert_int_eq(s.cursor, 3);
	ck_assert_int_eq(drain(&s), 0);		/* live: nothing old */
	add(1);
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_nonnull(strstr(out.data, "id: 4\nevent: price\n"));
}
END_TEST

START_TEST(test_head_request)
{
	struct stream s;
	struct request r;

	request_parse(&r, "HEAD", "", NULL);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_DONE);
	ck_assert_str_eq(out.data, "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n\r\n");
}
END_TEST

/* Resume: exactly the rows after the cursor, in order, across batches. */
START_TEST(test_resume_exact)
{
	struct stream s;
	char want[32];
	int i;

	add(10);
	ck_assert_int_eq(begin(&s, "", "3"), STREAM_OPEN);
	ck_assert_int_eq(drain(&s), 7);
	for (i = 4; i <= 10; i++) {
		snprintf(want, sizeof(want), "\nid: %d\n", i);
		ck_assert_ptr_nonnull(strstr(out.data, want));
	}
	ck_assert_ptr_null(strstr(out.data, "\nid: 3\n"));
	ck_assert_int_eq(s.cursor, 10);
	ck_assert_int_eq(s.replayed, 4);	/* the full batch of 4 */
}
END_TEST

START_TEST(test_filter_and_end)
{
	struct stream s;

	add(6);		/* ids 1..6: META, AAPL, META, ... (n % 2) */
	ck_assert_int_eq(begin(&s, "symbols=AAPL", "0"), STREAM_OPEN);
	drain(&s);
	ck_assert_ptr_null(strstr(out.data, "META"));
	ck_assert_ptr_nonnull(strstr(out.data, "AAPL"));
	/* The last row was filtered out: the end moves the client past it. */
	buf_clear(&out);
	s.sent_id = 5;
	stream_end(&s, &out);
	ck_assert_str_eq(out.data, "id: 6\n\n");
	buf_clear(&out);
	stream_end(&s, &out);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(test_reset_pruned)
{
	struct stream s;
	int64_t n;

	add(10);
	store_prune(&wr, 3, -1, NULL, &n);
	ck_assert_int_eq(begin(&s, "", "2"), STREAM_OPEN);
	ck_assert_ptr_nonnull(strstr(out.data, "id: 7\nevent: reset\ndata: "
	    "{\"reason\":\"pruned\",\"oldest\":8,\"newest\":10}\n\n"));
	ck_assert_int_eq(drain(&s), 3);
	/* Exactly at the edge of what remains: no reset. */
	ck_assert_int_eq(begin(&s, "", "7"), STREAM_OPEN);
	ck_assert_ptr_null(strstr(out.data, "reset"));
}
END_TEST

START_TEST(test_reset_ahead)
{
	struct stream s;

	add(2);
	ck_assert_int_eq(begin(&s, "", "500"), STREAM_OPEN);
	ck_assert_ptr_nonnull(strstr(out.data, "\"reason\":\"ahead\""));
	ck_assert_int_eq(s.cursor, 2);
	add(1);
	ck_assert_int_eq(drain(&s), 1);
}
END_TEST

START_TEST(test_behind_batch_refused)
{
	struct stream s;

	add(10);
	ck_assert_int_eq(begin(&s, "", "2"), STREAM_OPEN);
	ck_assert_int_eq(batch_load(&b, &rd, 5, 100, BATCH_BYTES), STORE_OK);
	ck_assert_int_eq(stream_take(&s, &b, &out), -1);
	ck_assert_int_eq(s.cursor, 2);
}
END_TEST

START_TEST(test_replay_limit)
{
	struct stream s;

	cfg.stream.max_replay = 4;
	add(10);
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	ck_assert_int_eq(batch_load(&b, &rd, s.cursor, 4, BATCH_BYTES),
	    STORE_OK);
	stream_take(&s, &b, &out);
	ck_assert(stream_replay_spent(&s, &cfg.stream));
	cfg.stream.max_replay = 0;
	ck_assert(!stream_replay_spent(&s, &cfg.stream));
}
END_TEST

/* A row written by hand with CR/LF in its name still moves cursors. */
START_TEST(test_unframeable_row)
{
	struct stream s;
	sqlite3 *db;

	add(1);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "INSERT INTO events (event, data) VALUES"
	    " ('x' || char(10) || 'data: injected', 'payload')", NULL, NULL,
	    NULL);
	sqlite3_close(db);
	add(1);
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	drain(&s);
	ck_assert_ptr_null(strstr(out.data, "injected"));
	ck_assert_ptr_nonnull(strstr(out.data, "id: 2\n\nid: 3\n"));
	ck_assert_int_eq(b.unframed, 1);
}
END_TEST

/* Rows pruned while a stream catches up: the reset comes in the batch
 * that sees the gap, before the rows, and no row is sent twice. */
START_TEST(test_pruned_during_catch_up)
{
	struct stream s;
	int64_t n;

	add(20);
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	ck_assert_int_eq(batch_load(&b, &rd, s.cursor, 4, BATCH_BYTES),
	    STORE_OK);
	ck_assert_int_eq(stream_take(&s, &b, &out), 4);	/* ids 1-4 */
	store_prune(&wr, 5, -1, NULL, &n);			/* leaves 16-20 */
	buf_clear(&out);
	ck_assert_int_eq(batch_load(&b, &rd, s.cursor, 4, BATCH_BYTES),
	    STORE_OK);
	ck_assert_int_eq(stream_take(&s, &b, &out), 4);
	ck_assert_ptr_eq(strstr(out.data, "id: 15\nevent: reset\ndata: "
	    "{\"reason\":\"pruned\",\"oldest\":16,\"newest\":20}\n\n"),
	    out.data);
	ck_assert_ptr_nonnull(strstr(out.data, "\nid: 16\n"));
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_int_eq(s.cursor, 20);
}
END_TEST

/* The same for a live stream reading a batch that starts at its cursor. */
START_TEST(test_pruned_while_live)
{
	struct stream s;
	int64_t n;

	add(3);
	ck_assert_int_eq(begin(&s, "", NULL), STREAM_OPEN);	/* at 3 */
	add(10);
	store_prune(&wr, 2, -1, NULL, &n);				/* 12, 13 */
	buf_clear(&out);
	ck_assert_int_eq(drain(&s), 2);
	ck_assert_ptr_nonnull(strstr(out.data, "id: 11\nevent: reset\n"));
}
END_TEST

/* The newest rows deleted by hand: the cursor moves past the hole, so the
 * next read starts after it instead of finding nothing again and again. */
START_TEST(test_newest_deleted)
{
	struct stream s;
	sqlite3 *db;

	add(10);
	ck_assert_int_eq(begin(&s, "", "5"), STREAM_OPEN);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "DELETE FROM events WHERE id > 5", NULL, NULL, NULL);
	sqlite3_close(db);
	buf_clear(&out);
	ck_assert_int_eq(batch_load(&b, &rd, s.cursor, 4, BATCH_BYTES),
	    STORE_OK);
	ck_assert_int_eq(b.n, 0);
	ck_assert_int_eq(b.last, 10);
	ck_assert_int_eq(stream_take(&s, &b, &out), 0);
	ck_assert_int_eq(s.cursor, 10);
	ck_assert_ptr_null(strstr(out.data ? out.data : "", "reset"));
	add(1);
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_nonnull(strstr(out.data, "id: 11\n"));
}
END_TEST

/* One read holds at most BATCH_BYTES of text plus one row, whatever the
 * row limit: a stream's unsent output stays bounded by bytes. */
START_TEST(test_batch_byte_cap)
{
	static char big[60000];
	int64_t id;
	int i, rows = 0;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(store_insert_event(&wr, "big", big,
		    sizeof(big), &id), STORE_OK);
	ck_assert_int_eq(batch_load(&b, &rd, 0, 500, BATCH_BYTES), STORE_OK);
	ck_assert(b.full);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_le(b.text.len, BATCH_BYTES + sizeof(big) + 64);
	/* Full batches still cover every row once. */
	do {
		rows += (int)b.n;
		ck_assert_int_eq(batch_load(&b, &rd, b.last, 500, BATCH_BYTES),
		    STORE_OK);
	} while (b.n > 0);
	ck_assert_int_eq(rows, 20);
	/* A row larger than the cap still goes, alone. */
	ck_assert_int_eq(batch_load(&b, &rd, 0, 500, 100), STORE_OK);
	ck_assert_uint_eq(b.n, 1);
	ck_assert(b.full);
}
END_TEST

/* Replayed rows are the rows of full batches, for either responder. */
START_TEST(test_replay_counts_full_batches)
{
	struct stream s;

	add(10);
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	ck_assert_int_eq(drain(&s), 10);	/* 4 + 4 full, 2 not */
	ck_assert_int_eq(s.replayed, 8);
}
END_TEST

START_TEST(test_deadlines)
{
	struct stream s;

	memset(&s, 0, sizeof(s));
	stream_clock(&s, 1000, 15000, 240000);
	ck_assert_int_eq(stream_deadline(&s), 16000);
	ck_assert(!stream_beat(&s, 15999, &out));
	ck_assert(stream_beat(&s, 16000, &out));
	ck_assert_str_eq(out.data, ": keep-alive\n\n");
	ck_assert_int_eq(stream_deadline(&s), 31000);
	stream_wrote(&s, 30000);
	ck_assert_int_eq(stream_deadline(&s), 45000);
	ck_assert(!stream_expired(&s, 240999));
	ck_assert(stream_expired(&s, 241000));
	stream_clock(&s, 0, 1000, 0);		/* no lifetime */
	ck_assert(!stream_expired(&s, INT64_MAX - 1));
}
END_TEST

/* Private events: a public stream never carries them; a private one
 * carries its user's and its grants', and the cursor passes the rest. */
static void
private_rows(void)
{
	int64_t id;
	sqlite3 *db;

	ck_assert_int_eq(store_insert(&wr, "news", NULL, NULL, "all", 3, NULL,
	    &id), STORE_OK);				/* 1 */
	ck_assert_int_eq(store_insert(&wr, "dm", NULL, NULL, "for-alice", 9,
	    "alice", &id), STORE_OK);			/* 2 */
	ck_assert_int_eq(store_insert(&wr, "dm", NULL, NULL, "for-bob", 7,
	    "bob", &id), STORE_OK);			/* 3 */
	ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, "for-ops", 7,
	    "ops", &id), STORE_OK);			/* 4 */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO grants VALUES "
	    "('alice', 'ops')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
private_begin(struct stream *s, int private_, const char *user)
{
	struct request r;
	char u[512];
	char *env[] = { u, NULL };

	snprintf(u, sizeof(u), "REMOTE_USER=%s", user);
	ck_assert_int_eq(request_parse(&r, "GET", "", "0"), 200);
	ck_assert_int_eq(request_auth(&r, env, private_), 200);
	buf_clear(&out);
	ck_assert_int_eq(stream_begin(s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
}

START_TEST(test_private)
{
	struct stream s;

	private_rows();
	private_begin(&s, 0, "alice");		/* a public endpoint */
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_null(strstr(out.data, "for-"));
	ck_assert_int_eq(s.cursor, 4);
	buf_clear(&out);
	stream_end(&s, &out);
	ck_assert_str_eq(out.data, "id: 4\n\n");	/* past what it skipped */
	stream_release(&s);

	private_begin(&s, 1, "alice");
	ck_assert_int_eq(drain(&s), 3);
	ck_assert_ptr_nonnull(strstr(out.data, "data: for-alice\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "data: for-ops\n"));
	ck_assert_ptr_null(strstr(out.data, "for-bob"));
	stream_release(&s);

	private_begin(&s, 1, "bob");
	ck_assert_int_eq(drain(&s), 2);
	ck_assert_ptr_nonnull(strstr(out.data, "data: for-bob\n"));
	ck_assert_ptr_null(strstr(out.data, "for-alice"));
	ck_assert_ptr_null(strstr(out.data, "for-ops"));
	stream_release(&s);
}
END_TEST

static void
sql(const char *q)
{
	sql_at(path, q);
}

/* 100 grants (there was a silent cap of 32): an event for each of the 100
 * audiences reaches the user, none for an audience not granted. */
START_TEST(test_many_grants)
{
	struct stream s;
	char q[128], data[32], aud[32];
	int64_t id;
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(q, sizeof(q), "INSERT INTO grants VALUES ('alice', "
		    "'group:g%03d')", i);
		sql(q);
		snprintf(aud, sizeof(aud), "group:g%03d", i);
		snprintf(data, sizeof(data), "to-g%03d", i);
		ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, data,
		    strlen(data), aud, &id), STORE_OK);
	}
	ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, "to-other", 8,
	    "group:other", &id), STORE_OK);
	private_begin(&s, 1, "alice");
	ck_assert_uint_eq(s.ngrants, 100);
	ck_assert_int_eq(drain(&s), 100);
	ck_assert_ptr_nonnull(strstr(out.data, "data: to-g000\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "data: to-g099\n"));
	ck_assert_ptr_null(strstr(out.data, "to-other"));
	stream_release(&s);
}
END_TEST

/* A user named like a group hears only what is sent to that user: the
 * group is "group:ops", which no REMOTE_USER can be. */
START_TEST(test_group_namespace)
{
	struct stream s;
	int64_t id;

	sql("INSERT INTO grants VALUES ('alice', 'group:ops')");
	ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, "for-group", 9,
	    "group:ops", &id), STORE_OK);
	ck_assert_int_eq(store_insert(&wr, "dm", NULL, NULL, "for-user-ops",
	    12, "ops", &id), STORE_OK);
	private_begin(&s, 1, "ops");
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_nonnull(strstr(out.data, "data: for-user-ops\n"));
	ck_assert_ptr_null(strstr(out.data, "for-group"));
	stream_release(&s);
	private_begin(&s, 1, "alice");
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_nonnull(strstr(out.data, "data: for-group\n"));
	stream_release(&s);
}
END_TEST

/* Grants are read again once per heartbeat interval: a revoked one stops
 * delivery on an open stream, a new one starts it. */
START_TEST(test_grants_reread)
{
	struct stream s;
	int64_t id;

	sql("INSERT INTO grants VALUES ('alice', 'group:ops')");
	private_begin(&s, 1, "alice");
	stream_clock(&s, 0, 15000, 0);
	ck_assert(!stream_grants_due(&s, 14999));
	ck_assert(stream_grants_due(&s, 15000));
	sql("DELETE FROM grants");
	sql("INSERT INTO grants VALUES ('alice', 'group:dev')");
	ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, "ops-1", 5,
	    "group:ops", &id), STORE_OK);
	ck_assert_int_eq(store_insert(&wr, "page", NULL, NULL, "dev-1", 5,
	    "group:dev", &id), STORE_OK);
	ck_assert_int_eq(stream_read_grants(&s, &rd, 15000), STORE_OK);
	ck_assert(!stream_grants_due(&s, 29999));
	ck_assert(stream_grants_due(&s, 30000));
	ck_assert_int_eq(drain(&s), 1);
	ck_assert_ptr_nonnull(strstr(out.data, "data: dev-1\n"));
	ck_assert_ptr_null(strstr(out.data, "ops-1"));
	/* A failed read leaves no grants, and them due again at once: the
	 * caller holds delivery until a read succeeds. */
	sql("ALTER TABLE grants RENAME TO grants_away");
	ck_assert_int_ne(stream_read_grants(&s, &rd, 30000), STORE_OK);
	ck_assert_uint_eq(s.ngrants, 0);
	ck_assert(!stream_hears(&s, "group:dev"));
	ck_assert(stream_grants_due(&s, 30000));
	sql("ALTER TABLE grants_away RENAME TO grants");
	ck_assert_int_eq(stream_read_grants(&s, &rd, 30001), STORE_OK);
	ck_assert(stream_hears(&s, "group:dev"));
	ck_assert(!stream_grants_due(&s, 45000));
	stream_release(&s);
	/* A public stream has no grants to read. */
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	stream_clock(&s, 0, 15000, 0);
	ck_assert(!stream_grants_due(&s, 15000));
	stream_release(&s);
}
END_TEST

/* SSE_MAX_REPLAY counts rows read, not rows sent: a filter that matches
 * nothing still ends the connection after max_replay rows. */
START_TEST(test_replay_counts_rows_read)
{
	struct stream s;

	cfg.stream.max_replay = 4;
	add(10);
	ck_assert_int_eq(begin(&s, "symbols=NOPE", "0"), STREAM_OPEN);
	ck_assert_int_eq(batch_load(&b, &rd, s.cursor, 4, BATCH_BYTES),
	    STORE_OK);
	ck_assert_int_eq(stream_take(&s, &b, &out), 0);
	ck_assert_int_eq(s.replayed, 4);
	ck_assert(stream_replay_spent(&s, &cfg.stream));
	cfg.stream.max_replay = 0;
}
END_TEST

START_TEST(test_unauthorized_answer)
{
	struct request r;

	char flag[] = "SSE_PRIVATE=1";
	char *env[] = { flag, NULL };

	request_parse(&r, "GET", "", NULL);
	ck_assert_int_eq(request_auth(&r, env, 0), 401);
	stream_reject(401, &r, &cfg.stream, &out);
	ck_assert_ptr_eq(strstr(out.data, "Status: 401 Unauthorized\r\n"),
	    out.data);
	ck_assert_ptr_null(strstr(out.data, "event-stream"));
}
END_TEST

START_TEST(test_reject_and_turn_away)
{
	struct request r;

	request_parse(&r, "PUT", "", NULL);
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 405"));
	ck_assert_ptr_nonnull(strstr(out.data, "Allow: GET, HEAD\r\n"));
	buf_clear(&out);
	stream_turn_away(&cfg.stream, &r, "server busy", &out);
	ck_assert_ptr_nonnull(strstr(out.data, "text/event-stream"));
	ck_assert_ptr_nonnull(strstr(out.data, "retry: 10000\n\n"));
	ck_assert_ptr_null(strstr(out.data, "Status:"));
}
END_TEST

/* CORS off (the default): no CORS header anywhere, OPTIONS is a 405. */
START_TEST(test_cors_off)
{
	struct request r;
	struct stream s;

	request_parse(&r, "GET", "", NULL);
	request_cors(&r, "https://evil.example", NULL);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	ck_assert_ptr_null(strstr(out.data, "Access-Control"));
	buf_clear(&out);
	ck_assert_int_eq(request_parse(&r, "OPTIONS", "", NULL), 405);
	request_cors(&r, "https://evil.example", "GET");
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 405"));
	ck_assert_ptr_null(strstr(out.data, "Access-Control"));
}
END_TEST

START_TEST(test_cors_on)
{
	struct request r;
	struct stream s;
	char err[200];

	ck_assert_int_eq(cors_parse(&cfg.stream.cors,
	    "https://app.example, http://localhost:8080", err, sizeof(err)), 0);
	/* An allowed origin gets its own origin back, and Vary. */
	request_parse(&r, "GET", "", NULL);
	request_cors(&r, "https://app.example", NULL);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	ck_assert_ptr_nonnull(strstr(out.data, "Vary: Origin\r\n"
	    "Access-Control-Allow-Origin: https://app.example\r\n\r\n"));
	buf_clear(&out);
	/* Another origin is served, but not allowed to read. */
	request_cors(&r, "https://app.example.evil", NULL);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	ck_assert_ptr_null(strstr(out.data, "Access-Control"));
	ck_assert_ptr_nonnull(strstr(out.data, "Vary: Origin\r\n"));
	buf_clear(&out);
	/* A 400 says Vary too: every answer does while CORS is on. */
	request_parse(&r, "GET", "symbols=bad!", NULL);
	request_cors(&r, "https://app.example", NULL);
	stream_reject(400, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 400"));
	ck_assert_ptr_nonnull(strstr(out.data, "Vary: Origin\r\n"));
	buf_clear(&out);
	request_parse(&r, "GET", "", NULL);
	/* The turn-away must be readable too, or its retry is lost. */
	request_cors(&r, "http://localhost:8080", NULL);
	stream_turn_away(&cfg.stream, &r, "server busy", &out);
	ck_assert_ptr_nonnull(strstr(out.data,
	    "Access-Control-Allow-Origin: http://localhost:8080\r\n"));
	buf_clear(&out);
	/* Preflight: allowed origin and method. */
	request_parse(&r, "OPTIONS", "", NULL);
	request_cors(&r, "http://localhost:8080", "GET");
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 204 No Content\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "Access-Control-Allow-Headers: Last-Event-ID, Cache-Control\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "Access-Control-Allow-Methods: GET, HEAD\r\n"));
	buf_clear(&out);
	/* Preflight: wrong method, unknown origin, no origin. */
	request_cors(&r, "http://localhost:8080", "POST");
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 403"));
	ck_assert_ptr_null(strstr(out.data, "Allow-Origin"));
	buf_clear(&out);
	request_cors(&r, "http://localhost:8081", "GET");
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 403"));
	buf_clear(&out);
	request_cors(&r, NULL, "GET");
	stream_reject(405, &r, &cfg.stream, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "Status: 403"));
	memset(&cfg.stream.cors, 0, sizeof(cfg.stream.cors));
}
END_TEST

START_TEST(test_cors_any)
{
	char err[200];

	ck_assert_int_eq(cors_parse(&cfg.stream.cors, "*", err, sizeof(err)),
	    0);
	cors_headers(&cfg.stream.cors, "https://x.example", &out);
	ck_assert_str_eq(out.data, "Vary: Origin\r\n"
	    "Access-Control-Allow-Origin: *\r\n");
	buf_clear(&out);
	cors_headers(&cfg.stream.cors, "", &out);	/* no Origin: no allow */
	ck_assert_str_eq(out.data, "Vary: Origin\r\n");
	memset(&cfg.stream.cors, 0, sizeof(cfg.stream.cors));
}
END_TEST

static const struct {
	const char *list;
	int ok;
	int n;
} cors_lists[] = {
	{ "", 1, 0 },
	{ "  , ", 1, 0 },
	{ "https://a.example", 1, 1 },
	{ "https://a.example,http://b.example:8080 http://[::1]:9000", 1, 3 },
	{ "HTTPS://A.EXAMPLE", 1, 1 },
	{ "https://a.example/", 0, 0 },		/* a path is not an origin */
	{ "https://a.example/app", 0, 0 },
	{ "a.example", 0, 0 },
	{ "ftp://a.example", 0, 0 },
	{ "https://", 0, 0 },
	{ "https://a.example:", 0, 0 },
	{ "https://a.example:123456", 0, 0 },
	{ "https://user@a.example", 0, 0 },
	{ "https://a.example?x", 0, 0 },
	{ "https://[::1", 0, 0 },
	{ "null", 0, 0 },
	{ "https://a\r\nSet-Cookie: x", 0, 0 },	/* header injection */
};

START_TEST(test_cors_parse)
{
	struct cors c;
	char err[200] = "";

	ck_assert_int_eq(cors_parse(&c, cors_lists[_i].list, err,
	    sizeof(err)) == 0, cors_lists[_i].ok);
	ck_assert_int_eq(c.n, cors_lists[_i].n);
	if (!cors_lists[_i].ok) {
		ck_assert_ptr_nonnull(strstr(err, "SSE_CORS_ORIGINS"));
		ck_assert(!cors_enabled(&c));
	}
}
END_TEST

START_TEST(test_cors_too_many)
{
	struct cors c;
	struct buf list;
	char err[200];
	int i;

	buf_init(&list);
	for (i = 0; i <= CORS_MAX; i++)
		buf_printf(&list, "https://h%d.example ", i);
	ck_assert_int_eq(cors_parse(&c, list.data, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	buf_release(&list);
}
END_TEST

/* A header value too long to be an origin is dropped, never truncated
 * into one that matches. */
START_TEST(test_cors_long_origin)
{
	struct request r;
	char longer[400];

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "https://", 8);
	request_parse(&r, "GET", "", NULL);
	request_cors(&r, longer, "GETXXXXXXXXXXXXXXXXXXXXXXX");
	ck_assert_str_eq(r.origin, "");
	ck_assert_str_eq(r.preflight, "");
}
END_TEST

/* The catch-up both responders run: batch by batch to the end, the
 * replay limit, and a private stream held to its grants. */
START_TEST(test_responder_catch_up)
{
	struct stream s;
	int n, total = 0;

	add(5);
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 0,
	    &out, &n), CATCH_UP_MORE);
	total += n;
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 0,
	    &out, &n), CATCH_UP_MORE);
	total += n;
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 0,
	    &out, &n), CATCH_UP_DONE);
	total += n;
	ck_assert_int_eq(total, 5);
	ck_assert_int_eq(s.cursor, 5);
	stream_release(&s);

	/* Four rows may be replayed: the second full batch of two spends it. */
	cfg.stream.max_replay = 4;
	ck_assert_int_eq(begin(&s, "", "0"), STREAM_OPEN);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 0,
	    &out, &n), CATCH_UP_MORE);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 0,
	    &out, &n), CATCH_UP_SPENT);
	stream_release(&s);
	cfg.stream.max_replay = 0;

	/* Grants that cannot be read end a private stream before any row. */
	private_begin(&s, 1, "alice");
	stream_clock(&s, 0, 15000, 0);
	sql("ALTER TABLE grants RENAME TO grants_away");
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 2, 15000,
	    &out, &n), CATCH_UP_GRANTS);
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(responder_grants(&s, &rd, 15000), GRANTS_FAILED);
	sql("ALTER TABLE grants_away RENAME TO grants");
	ck_assert_int_eq(responder_grants(&s, &rd, 15000), GRANTS_OK);
	ck_assert_int_eq(responder_grants(&s, &rd, 15001), GRANTS_OK);
	stream_release(&s);
}
END_TEST

/* A row under a topic (NULL: none), as sse-push writes it. */
static int64_t
add_topic(const char *topic, const char *event, const char *data,
    const char *to, int closes)
{
	struct store_event e = { event, NULL, NULL, data, strlen(data), to,
	    topic, closes };
	int64_t id;

	ck_assert_int_eq(store_put(&wr, &e, &id), STORE_OK);
	return id;
}

/* A stream asking for topics by path and query, resuming after lei. */
static enum stream_state
begin_topics(struct stream *s, const char *path_info, const char *query,
    const char *lei)
{
	struct request r;

	ck_assert_int_eq(request_parse(&r, "GET", query, lei), 200);
	ck_assert_int_eq(request_path(&r, path_info), 200);
	buf_clear(&out);
	return stream_begin(s, &r, &cfg.stream, &rd, &out);
}

static void
topic_rows(void)
{
	add_topic("jobs/1", "progress", "10", NULL, 0);		/* 1 */
	add_topic("chat/1", "token", "hi", NULL, 0);		/* 2 */
	add_topic("jobs/1", "progress", "50", NULL, 0);		/* 3 */
	add_topic(NULL, "news", "all", NULL, 0);		/* 4 */
	add_topic("jobs/2", "progress", "7", NULL, 0);		/* 5 */
	add_topic("jobs/1/log", "line", "x", NULL, 0);		/* 6 */
}

/* Resuming one topic reads that topic's rows alone (through the index),
 * sends them as published, and leaves the cursor at the table's end. */
START_TEST(test_topic_resume)
{
	struct stream s;
	int n;

	topic_rows();
	ck_assert_int_eq(begin_topics(&s, "/jobs/1", "", "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 100, 0,
	    &out, &n), CATCH_UP_DONE);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(b.n, 2);		/* read: its two rows, no more */
	ck_assert_str_eq(out.data, "id: 1\nevent: progress\ndata: 10\n\n"
	    "id: 3\nevent: progress\ndata: 50\n\n");
	ck_assert_int_eq(s.cursor, 6);
	ck_assert_ptr_null(b.want);		/* the batch is left as found */
	stream_release(&s);
}
END_TEST

/* Several topics: each event's data starts with its topic. A live batch
 * (every row, as the hub reads it) gives the same as a filtered read. */
START_TEST(test_topic_several)
{
	static const char want[] =
	    "id: 1\nevent: progress\ndata: jobs/1\ndata: 10\n\n"
	    "id: 2\nevent: token\ndata: chat/1\ndata: hi\n\n"
	    "id: 3\nevent: progress\ndata: jobs/1\ndata: 50\n\n"
	    "id: 5\nevent: progress\ndata: jobs/2\ndata: 7\n\n"
	    "id: 6\nevent: line\ndata: jobs/1/log\ndata: x\n\n";
	struct stream s;
	int n;

	topic_rows();
	ck_assert_int_eq(begin_topics(&s, NULL, "topic=jobs/*&topic=chat/1",
	    "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 100, 0,
	    &out, &n), CATCH_UP_DONE);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(out.data, want);
	stream_release(&s);

	ck_assert_int_eq(begin_topics(&s, NULL, "topic=jobs/*&topic=chat/1",
	    "0"), STREAM_OPEN);
	ck_assert_int_eq(batch_load(&b, &rd, 0, 100, BATCH_BYTES), STORE_OK);
	ck_assert_uint_eq(b.n, 6);
	buf_clear(&out);
	ck_assert_int_eq(stream_take(&s, &b, &out), 5);
	ck_assert_str_eq(out.data, want);
	stream_release(&s);

	/* The path and the query add up; no topic asked is every row. */
	ck_assert_int_eq(begin_topics(&s, "/jobs/2", "topic=chat/1", "0"),
	    STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(stream_take(&s, &b, &out), 2);
	ck_assert_ptr_nonnull(strstr(out.data, "data: chat/1\ndata: hi\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "data: jobs/2\ndata: 7\n"));
	stream_release(&s);
	ck_assert_int_eq(begin_topics(&s, "/", "", "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(stream_take(&s, &b, &out), 6);
	ck_assert_ptr_null(strstr(out.data, "data: jobs/1\n"));
	stream_release(&s);
}
END_TEST

/* A topic that closes: its stream ends after the closing row; coming
 * back with nothing newer (or with no cursor) is 204; a later row opens
 * the topic again. A stream on several topics goes on. */
START_TEST(test_topic_close)
{
	struct stream s;
	int64_t end;
	int n;

	add_topic("chat/7", "token", "Hel", NULL, 0);		/* 1 */
	add_topic("chat/7", "token", "lo", NULL, 0);		/* 2 */
	end = add_topic("chat/7", "close", "", NULL, 1);	/* 3 */
	add_topic("chat/7", "token", "late", NULL, 0);		/* 4: reopens */
	ck_assert_int_eq(begin_topics(&s, "/chat/7", "", "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 100, 0,
	    &out, &n), CATCH_UP_CLOSED);
	ck_assert_int_eq(n, 3);
	ck_assert(stream_closed(&s));
	ck_assert_int_eq(s.cursor, end);
	ck_assert_ptr_null(strstr(out.data, "late"));
	buf_clear(&out);
	stream_end(&s, &out);
	ck_assert_str_eq(out.data ? out.data : "", "");	/* id 3 was sent */
	stream_release(&s);

	/* Open again (row 4): the client at 3 streams on. */
	ck_assert_int_eq(begin_topics(&s, "/chat/7", "", "3"), STREAM_OPEN);
	stream_release(&s);
	sql("DELETE FROM events WHERE id = 4");
	ck_assert_int_eq(begin_topics(&s, "/chat/7", "", "3"), STREAM_DONE);
	ck_assert_str_eq(out.data, "Status: 204 No Content\r\n\r\n");
	ck_assert_int_eq(begin_topics(&s, "/chat/7", "", NULL), STREAM_DONE);
	ck_assert_int_eq(begin_topics(&s, "/chat/7", "", "2"), STREAM_OPEN);
	stream_release(&s);
	/* A pattern or two topics: one topic's end is not the stream's. */
	ck_assert_int_eq(begin_topics(&s, "/chat/*", "", "0"), STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(responder_catch_up(&s, &b, &rd, &cfg.stream, 100, 0,
	    &out, &n), CATCH_UP_DONE);
	ck_assert(!stream_closed(&s));
	/* The bare close is named, so a page on several topics sees it. */
	ck_assert_ptr_nonnull(strstr(out.data, "id: 3\nevent: close\n"
	    "data: chat/7\ndata: \n\n"));
	stream_release(&s);
}
END_TEST

/* A private topic's end says nothing to anyone else: no 204 for them. */
START_TEST(test_topic_private_close)
{
	struct stream s;
	struct request r;
	char ub[] = "REMOTE_USER=bob", ue[] = "REMOTE_USER=eve";
	char *bob[] = { ub, NULL }, *eve[] = { ue, NULL };

	add_topic("chat/9", "token", "secret", "bob", 0);	/* 1 */
	add_topic("chat/9", "close", "", "bob", 1);		/* 2 */
	ck_assert_int_eq(request_parse(&r, "GET", "", "2"), 200);
	ck_assert_int_eq(request_path(&r, "/chat/9"), 200);
	ck_assert_int_eq(request_auth(&r, eve, 1), 200);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	stream_release(&s);
	ck_assert_int_eq(request_auth(&r, bob, 1), 200);
	buf_clear(&out);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_DONE);
	ck_assert_str_eq(out.data, "Status: 204 No Content\r\n\r\n");
	/* From the start, eve's stream carries none of bob's rows. */
	ck_assert_int_eq(request_parse(&r, "GET", "", "0"), 200);
	ck_assert_int_eq(request_path(&r, "/chat/9"), 200);
	ck_assert_int_eq(request_auth(&r, eve, 1), 200);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	buf_clear(&out);
	ck_assert_int_eq(drain(&s), 0);
	ck_assert(!stream_closed(&s));
	ck_assert_int_eq(s.cursor, 2);
	stream_release(&s);

	/* A public close, then a row for bob alone: to eve the topic is still
	 * finished (204 as before), so bob's row is not told by a 200. */
	add_topic("chat/9", "close", "", NULL, 1);		/* 3 */
	ck_assert_int_eq(request_parse(&r, "GET", "", "3"), 200);
	ck_assert_int_eq(request_path(&r, "/chat/9"), 200);
	ck_assert_int_eq(request_auth(&r, eve, 1), 200);
	buf_clear(&out);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_DONE);
	add_topic("chat/9", "token", "for bob", "bob", 0);	/* 4 */
	buf_clear(&out);
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_DONE);
	ck_assert_str_eq(out.data, "Status: 204 No Content\r\n\r\n");
	ck_assert_int_eq(request_auth(&r, bob, 1), 200);	/* bob streams */
	ck_assert_int_eq(stream_begin(&s, &r, &cfg.stream, &rd, &out),
	    STREAM_OPEN);
	stream_release(&s);
}
END_TEST

Suite *
stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_head_and_priming);
	tcase_add_test(tc, test_head_request);
	tcase_add_test(tc, test_resume_exact);
	tcase_add_test(tc, test_filter_and_end);
	tcase_add_test(tc, test_reset_pruned);
	tcase_add_test(tc, test_reset_ahead);
	tcase_add_test(tc, test_behind_batch_refused);
	tcase_add_test(tc, test_replay_limit);
	tcase_add_test(tc, test_unframeable_row);
	tcase_add_test(tc, test_pruned_during_catch_up);
	tcase_add_test(tc, test_pruned_while_live);
	tcase_add_test(tc, test_newest_deleted);
	tcase_add_test(tc, test_batch_byte_cap);
	tcase_add_test(tc, test_replay_counts_full_batches);
	tcase_add_test(tc, test_deadlines);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_many_grants);
	tcase_add_test(tc, test_group_namespace);
	tcase_add_test(tc, test_grants_reread);
	tcase_add_test(tc, test_responder_catch_up);
	tcase_add_test(tc, test_replay_counts_rows_read);
	tcase_add_test(tc, test_unauthorized_answer);
	tcase_add_test(tc, test_reject_and_turn_away);
	tcase_add_test(tc, test_cors_off);
	tcase_add_test(tc, test_cors_on);
	tcase_add_test(tc, test_cors_any);
	tcase_add_loop_test(tc, test_cors_parse, 0,
	    sizeof(cors_lists) / sizeof(cors_lists[0]));
	tcase_add_test(tc, test_cors_too_many);
	tcase_add_test(tc, test_cors_long_origin);
	tcase_add_test(tc, test_topic_resume);
	tcase_add_test(tc, test_topic_several);
	tcase_add_test(tc, test_topic_close);
	tcase_add_test(tc, test_topic_private_close);
	suite_add_tcase(s, tc);
	return s;
}

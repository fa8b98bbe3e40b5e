/* check_follow.c - the look schedule and the database as followed, on real
 * files in a directory of their own, driven with a made-up clock. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "batch.h"
#include "follow.h"
#include "follow_means.h"
#include "suites.h"
#include "watch.h"

static char dir[256], path[512];
static struct store wr;
static struct follow f;

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check-follow-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.db", dir);
	ck_assert_int_eq(store_open(&wr, path, 0, 0), STORE_OK);
}

static void
teardown(void)
{
	char cmd[600];

	follow_release(&f);
	store_close(&wr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
add(void)
{
	int64_t id;

	ck_assert_int_eq(store_insert_event(&wr, "e", "d", 1, &id), STORE_OK);
}

/* Wait up to a second for the watch to have something to read. */
static int
readable(void)
{
	struct pollfd p = { .fd = follow_fd(&f), .events = POLLIN };

	return poll(&p, 1, 1000) == 1;
}

/* The moments at which follow_due() asks for a look, from t0 on, every
 * millisecond up to t0 + span; returns how many. */
static int
looks(int64_t t0, int64_t span, int64_t *at, int max)
{
	int64_t t;
	int n = 0;

	for (t = t0; t <= t0 + span; t++)
		if (follow_due(&f, t) && n < max)
			at[n++] = t - t0;
	return n;
}

START_TEST(test_watch_before_first_read)
{
	ck_assert_int_eq(follow_open(&f, path, 1000, 0), STORE_OK);
	ck_assert_int_ne(follow_fd(&f), -1);
	/* A commit right after the open, before any read, wakes us. */
	add();
	ck_assert(readable());
	ck_assert(follow_wake(&f, 5));
}
END_TEST

/* After a wake: 1, 2, 4 ... 32 ms; a commit seen ends the rechecks. */
START_TEST(test_recheck_schedule)
{
	int64_t at[64], v;
	int n;

	ck_assert_int_eq(follow_open(&f, path, 100000, 0), STORE_OK);
	add();
	ck_assert(readable());
	ck_assert(follow_wake(&f, 1000));
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_CHANGED);
	follow_saw(&f, v);
	n = looks(1000, 5000, at, 64);
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(at[0], 1);
	ck_assert_int_eq(at[1], 3);
	ck_assert_int_eq(at[5], 63);
	ck_assert_int_eq(follow_deadline(&f), 100000);	/* the poll */
}
END_TEST

/*
 * WAL frames whose commit no look has found (a slow sync, from a writer
 * that stays connected, so no close wakes us): the rechecks go on every
 * 32 ms instead of leaving the commit to the poll a second later.
 */
START_TEST(test_slow_sync_keeps_looking)
{
	int64_t at[512];
	int n, i;

	ck_assert_int_eq(follow_open(&f, path, 100000, 0), STORE_OK);
	ck_assert_int_eq(store_begin(&wr), STORE_OK);
	add();
	/* Uncommitted frames reach the WAL when the cache spills; here the
	 * commit itself writes them. Either way the wake comes first. */
	ck_assert_int_eq(store_commit(&wr), STORE_OK);
	ck_assert(readable());
	ck_assert(follow_wake(&f, 1000));
	n = looks(1000, 2000, at, 512);
	ck_assert_int_gt(n, 60);		/* not 6 */
	for (i = 6; i < n; i++)
		ck_assert_int_le(at[i] - at[i - 1], 32);
	/* Once a look is answered, the schedule winds down. */
	follow_saw(&f, 0);
	n = looks(3001, 5000, at, 512);
	ck_assert_int_le(n, 1);
	/* And it gives up after FOLLOW_UNSEEN_MS without an answer. */
	add();
	ck_assert(readable());
	ck_assert(follow_wake(&f, 10000));
	looks(10000, FOLLOW_UNSEEN_MS + 100, at, 512);
	ck_assert_int_eq(looks(10101 + FOLLOW_UNSEEN_MS, 5000, at, 512), 0);
}
END_TEST

/* Our writer says when its commit is visible (the -wal's times, after the
 * commit: store_sqlite.c); the frames' wake came before. */
START_TEST(test_writer_says_committed)
{
	struct watch w;

	ck_assert_int_eq(watch_open(&w, path), 0);
	add();
	ck_assert_int_eq(watch_read(&w) & (WATCH_FRAMES | WATCH_COMMITTED),
	    WATCH_FRAMES | WATCH_COMMITTED);
	ck_assert_int_eq(watch_read(&w), 0);
	watch_close(&w);
}
END_TEST

/* Any other writer (here SQLite without our hook, as the sqlite3 shell)
 * says nothing after its commit: only its frames wake, and the rechecks
 * find the commit. */
START_TEST(test_plain_writer_says_nothing)
{
	struct watch w;
	sqlite3 *d;
	int bits;

	ck_assert_int_eq(sqlite3_open(path, &d), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(d, "CREATE TABLE other (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(watch_open(&w, path), 0);
	ck_assert_int_eq(sqlite3_exec(d, "INSERT INTO other VALUES (1)", NULL,
	    NULL, NULL), SQLITE_OK);
	bits = watch_read(&w);
	ck_assert_int_eq(bits & WATCH_FRAMES, WATCH_FRAMES);
	ck_assert_int_eq(bits & WATCH_COMMITTED, 0);
	watch_close(&w);
	sqlite3_close(d);
}
END_TEST

/* The hook that says so replaces SQLite's automatic checkpoint, so it
 * checkpoints itself: a commit of more than 1,000 pages reaches the file. */
START_TEST(test_writer_still_checkpoints)
{
	const size_t len = 6 << 20;
	char *data = malloc(len);
	struct stat sb;
	int64_t id;

	ck_assert_ptr_nonnull(data);
	memset(data, 'x', len);
	ck_assert_int_eq(store_insert_event(&wr, "e", data, len, &id),
	    STORE_OK);
	free(data);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_size, (off_t)len);
}
END_TEST

/* A change stays a change until the caller says its read succeeded. */
START_TEST(test_change_until_saw)
{
	int64_t v = 0, v2 = 0;

	ck_assert_int_eq(follow_open(&f, path, 1000, 0), STORE_OK);
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_NONE);
	add();
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_CHANGED);
	/* The read failed (say, busy): the next look still says so. */
	ck_assert_int_eq(follow_look(&f, 0, &v2), FOLLOW_CHANGED);
	ck_assert_int_eq(v, v2);
	follow_saw(&f, v);
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_NONE);
}
END_TEST

/* SSE_DB a symbolic link to a file elsewhere: the -wal lives beside the
 * real file, so that is the directory watched. */
START_TEST(test_symlink_watched_at_target)
{
	char sub[600], link[700];

	snprintf(sub, sizeof(sub), "%s/links", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(link, sizeof(link), "%s/events.db", sub);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(follow_open(&f, link, 1000, 0), STORE_OK);
	add();
	ck_assert(readable());
	ck_assert(follow_wake(&f, 1));
}
END_TEST

/* Replaced under us: the look says so, and the new file is open. */
START_TEST(test_replaced)
{
	char other[600];
	struct store o;
	int64_t v;

	add();
	ck_assert_int_eq(follow_open(&f, path, 1000, 0), STORE_OK);
	ck_assert_int_eq(follow_newest(&f), 1);
	snprintf(other, sizeof(other), "%s/new.db", dir);
	ck_assert_int_eq(store_open(&o, other, 0, 0), STORE_OK);
	store_close(&o);
	/* A database is replaced with its -wal and -shm, or SQLite would
	 * read the old WAL into the new file. */
	store_close(&wr);
	snprintf(other, sizeof(other), "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s/new.db", dir);
	ck_assert_int_eq(rename(other, path), 0);
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_REPLACED);
	ck_assert(follow_ready(&f));
	ck_assert_int_eq(follow_newest(&f), 0);
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_NONE);
}
END_TEST

/* A lock that blocks readers costs a responder FOLLOW_BUSY_MS, not the
 * writer's 10 s. In WAL mode readers never wait; in the rollback mode
 * someone can switch a database to by hand, a writer's EXCLUSIVE lock
 * blocks them. */
START_TEST(test_short_busy_timeout)
{
	struct batch b;
	struct timespec t0, t1;
	sqlite3 *db;
	double ms;
	int rc;

	add();
	store_close(&wr);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA journal_mode = DELETE",
	    NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(follow_open(&f, path, 1000, 0), STORE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN EXCLUSIVE; INSERT INTO events"
	    " (event, data) VALUES ('x', 'y');", NULL, NULL, NULL), SQLITE_OK);
	batch_init(&b);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = batch_load(&b, follow_store(&f), 0, 10, BATCH_BYTES);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_int_eq(rc, STORE_BUSY);
	/* A bound far above FOLLOW_BUSY_MS and far below 10 s: it tells the
	 * two apart on any machine, loaded or not. */
	ck_assert_msg(ms < 2000, "a locked read took %.0f ms", ms);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(batch_load(&b, follow_store(&f), 0, 10, BATCH_BYTES), STORE_OK);
	ck_assert_uint_eq(b.n, 1);
	batch_release(&b);
}
END_TEST

/* A database not there yet: the look fails, saying why, until it comes;
 * then the streams start over on it. */
START_TEST(test_missing_then_created)
{
	char later[600];
	int64_t v, id;
	struct store w2;

	snprintf(later, sizeof(later), "%s/later.db", dir);
	ck_assert_int_ne(follow_open(&f, later, 1000, 0), STORE_OK);
	ck_assert(!follow_ready(&f));
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_FAILED);
	ck_assert_ptr_nonnull(strstr(follow_errmsg(&f), "later.db"));
	ck_assert_int_eq(store_open(&w2, later, 0, 0), STORE_OK);
	ck_assert_int_eq(store_insert_event(&w2, "e", "d", 1, &id), STORE_OK);
	store_close(&w2);
	ck_assert_int_eq(follow_look(&f, 0, &v), FOLLOW_REPLACED);
	ck_assert(follow_ready(&f));
	ck_assert_int_eq(follow_newest(&f), 1);
}
END_TEST

/* An engine without means of its own is followed by the poll timer: no
 * descriptor, and each look reads the data version. Driven here on an
 * SQLite file, whose own means are the file's. */
START_TEST(test_poll_means)
{
	int64_t v;

	ck_assert_str_eq(store_engine_of(path), "sqlite");
#ifdef SSE_PG
	ck_assert_str_eq(store_engine_of("postgresql:///sse"), "postgresql");
#else
	ck_assert_ptr_null(store_engine_of("postgresql:///sse"));
#endif
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.poll_ms = 1000;
	f.poll_at = 1000;
	f.means = &follow_poll_means;
	ck_assert_ptr_nonnull(f.impl = calloc(1, follow_poll_means.size));
	ck_assert_int_eq(follow_poll_means.open(&f, 0), STORE_OK);
	ck_assert(follow_ready(&f));
	ck_assert_int_eq(follow_fd(&f), -1);
	ck_assert(follow_timer_only(&f));
	ck_assert_int_eq(follow_deadline(&f), 1000);	/* the poll alone */
	ck_assert(!follow_due(&f, 999));
	ck_assert_int_eq(follow_look(&f, 999, &v), FOLLOW_NONE);
	add();
	ck_assert(follow_due(&f, 1000));
	ck_assert_int_eq(follow_look(&f, 1000, &v), FOLLOW_CHANGED);
	follow_saw(&f, v);
	ck_assert_int_eq(follow_look(&f, 1001, &v), FOLLOW_NONE);
	ck_assert_str_eq(follow_name(&f), "(the database)");
}
END_TEST

Suite *
follow_suite(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("follow");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_watch_before_first_read);
	tcase_add_test(tc, test_recheck_schedule);
	tcase_add_test(tc, test_slow_sync_keeps_looking);
	tcase_add_test(tc, test_writer_says_committed);
	tcase_add_test(tc, test_plain_writer_says_nothing);
	tcase_add_test(tc, test_writer_still_checkpoints);
	tcase_add_test(tc, test_change_until_saw);
	tcase_add_test(tc, test_symlink_watched_at_target);
	tcase_add_test(tc, test_replaced);
	tcase_add_test(tc, test_short_busy_timeout);
	tcase_add_test(tc, test_missing_then_created);
	tcase_add_test(tc, test_poll_means);
	suite_add_tcase(s, tc);
	return s;
}

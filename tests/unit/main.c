/* main.c - runs every core module's Check suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "suites.h"

void
tmp_db(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	static int seq;

	snprintf(path, size, "%s/check-%ld-%d.db", dir ? dir : "/tmp",
	    (long)getpid(), seq++);
	rm_db(path);
}

void
rm_db(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

void
sql_at(const char *path, const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

int
main(void)
{
	SRunner *sr = srunner_create(sse_suite());
	int failed;

	srunner_add_suite(sr, decimal_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, topic_suite());
	srunner_add_suite(sr, jsonl_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, ingest_suite());
	srunner_add_suite(sr, request_suite());
	srunner_add_suite(sr, stream_suite());
	srunner_add_suite(sr, follow_suite());
	srunner_add_suite(sr, status_suite());
	srunner_add_suite(sr, misc_suite());
	srunner_add_suite(sr, gzip_suite());
	srunner_add_suite(sr, bench_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* suites.h - one Check suite per core module, run by main.c. */
#ifndef SUITES_H
#define SUITES_H

#include <check.h>

Suite	*sse_suite(void);
Suite	*decimal_suite(void);
Suite	*validate_suite(void);
Suite	*topic_suite(void);
Suite	*jsonl_suite(void);
Suite	*store_suite(void);
Suite	*ingest_suite(void);
Suite	*request_suite(void);
Suite	*stream_suite(void);
Suite	*follow_suite(void);
Suite	*status_suite(void);
Suite	*misc_suite(void);
Suite	*gzip_suite(void);
Suite	*bench_suite(void);

/* A fresh path for a temporary database under $TMPDIR; removed by rm_db. */
void	 tmp_db(char *path, size_t size);
void	 rm_db(const char *path);
/* Run sql on the database at path through a connection of its own, as the
 * sqlite3 shell would; the test fails if it does not succeed. */
void	 sql_at(const char *path, const char *sql);

#endif

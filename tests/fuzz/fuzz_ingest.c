/* fuzz_ingest.c - one sse-push batch line (its JSON too) into an in-memory
 * event table: a valid line adds one row (none for blanks and comments),
 * a refused one adds nothing and says why; what lands is valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ingest.h"
#include "sse.h"
#include "store_sqlite.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct store st;
static struct ingest in;

static int64_t
rows(void)
{
	sqlite3_stmt *q;
	int64_t c;

	sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT count(*) FROM events", -1, &q, NULL);
	sqlite3_step(q);
	c = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return c;
}

static void
check_last(void)
{
	sqlite3_stmt *q;
	const char *data;

	sqlite3_prepare_v2(store_sqlite_db(&st), "SELECT event, data, audience FROM events"
	    " ORDER BY id DESC LIMIT 1", -1, &q, NULL);
	if (sqlite3_step(q) != SQLITE_ROW)
		abort();
	data = (const char *)sqlite3_column_text(q, 1);
	if (!utf8_valid(data, strlen(data)) || strchr(data, '\r') ||
	    !sse_field_safe((const char *)sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0)))
		abort();
	/* A private event's audience is one a stream's user could be. */
	if (sqlite3_column_type(q, 2) != SQLITE_NULL &&
	    validate_audience((const char *)sqlite3_column_text(q, 2)) != NULL)
		abort();
	sqlite3_finalize(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	int64_t before;
	int rc;

	if (store_sqlite_db(&st) == NULL) {
		if (store_open(&st, ":memory:", 0, 0) != STORE_OK)
			abort();
		ingest_init(&in, &st);
	}
	if (n > 4096)
		return 0;
	ingest_begin(&in);
	before = rows();
	in.err[0] = '\0';
	rc = ingest_line(&in, (const char *)d, n);
	if (rc == INGEST_REFUSED) {
		if (in.err[0] == '\0' || rows() != before)
			abort();
	} else if (rc == INGEST_OK) {
		if (rows() != before && rows() != before + 1)
			abort();
		if (rows() == before + 1)
			check_last();
	} else
		abort();
	ingest_rollback(&in);
	return 0;
}

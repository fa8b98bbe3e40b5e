/* check_status.c - which requests get the status page, and its two
 * formats, hostile paths and queries included. */
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "suites.h"

static const struct {
	const char *path, *uri, *query;
	enum status_format want;
} cases[] = {
	{ "/sse/status", "/sse/status", NULL, STATUS_TEXT },
	{ "/sse/status", "/sse/status?x=1", "x=1", STATUS_TEXT },
	{ "/sse/status", "/sse/status?openmetrics", "openmetrics",
	  STATUS_OPENMETRICS },
	{ "/sse/status", "/sse/status?a=1&openmetrics=", "a=1&openmetrics=",
	  STATUS_OPENMETRICS },
	{ "/sse/status", "/sse/status", "openmetricsx", STATUS_TEXT },
	{ "/sse/status", "/sse/status", "xopenmetrics", STATUS_TEXT },
	{ "/sse/status", "/sse/status/", NULL, STATUS_NONE },
	{ "/sse/status", "/sse/statu", NULL, STATUS_NONE },
	{ "/sse/status", "/sse/status%00", NULL, STATUS_NONE },
	{ "/sse/status", "/SSE/STATUS", NULL, STATUS_NONE },
	{ "/sse/status", "//sse/status", NULL, STATUS_NONE },
	{ "/sse/status", "/sse/status/../status", NULL, STATUS_NONE },
	{ "/sse/status", "", NULL, STATUS_NONE },
	{ "/sse/status", NULL, NULL, STATUS_NONE },
	{ "", "/sse/status", NULL, STATUS_NONE },
	{ NULL, "/sse/status", NULL, STATUS_NONE },
	{ "/sse/status", "/sse/status", "&&&&", STATUS_TEXT },
	{ "/sse/status", "/sse/status", "=&=openmetrics", STATUS_TEXT },
};

START_TEST(test_wanted)
{
	ck_assert_int_eq(status_wanted(cases[_i].path, cases[_i].uri,
	    cases[_i].query), cases[_i].want);
}
END_TEST

static struct status st;
static const struct status_db db = { 1, 5, 42, 2500 };

/* Each test runs in a process of its own: set the counters in each. */
static void
counters(void)
{
	memset(&st, 0, sizeof(st));
	st.open = 3;
	st.opened = 10;
	st.ended[END_LIFETIME] = 7;
	st.start_ms = 1000;
}

START_TEST(test_text)
{
	struct buf out;

	buf_init(&out);
	counters();
	status_render(STATUS_TEXT, &st, &db, 61000, &out);
	ck_assert_ptr_eq(strstr(out.data, "Content-Type: text/plain; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n\r\npid "), out.data);
	ck_assert_ptr_nonnull(strstr(out.data, "\nnewest_id                42\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\noldest_id                5\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "\nnewest_event_age_seconds 2\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\nuptime_seconds           60\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\nstreams_open             3\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "\nstreams_ended_lifetime   7\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\nstreams_closed           7\n"));
	buf_release(&out);
}
END_TEST

/* Every line of the OpenMetrics body is a comment naming a family seen
 * once, a sample of the family last declared, or the final # EOF. */
START_TEST(test_openmetrics)
{
	char family[64] = "", seen[4096] = " ", *line, *save, *body;
	struct buf out;
	int samples = 0, eof = 0;

	buf_init(&out);
	counters();
	status_render(STATUS_OPENMETRICS, &st, &db, 61000, &out);
	ck_assert_ptr_eq(strstr(out.data, "Content-Type: application/"
	    "openmetrics-text; version=1.0.0; charset=utf-8\r\n"), out.data);
	ck_assert_ptr_nonnull(strstr(out.data,
	    "\nsse_streams_ended_total{reason=\"lifetime\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\nsse_streams_opened_total 10\n"));
	body = strstr(out.data, "\r\n\r\n") + 4;
	ck_assert_int_eq(body[strlen(body) - 1], '\n');
	for (line = strtok_r(body, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[64], kind[16], key[72];
		ck_assert(!eof);
		if (strcmp(line, "# EOF") == 0) {
			eof = 1;
		} else if (sscanf(line, "# TYPE %63s %15s", name, kind) == 2) {
			snprintf(key, sizeof(key), " %s ", name);
			ck_assert_msg(strstr(seen, key) == NULL, "%s twice", name);
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			snprintf(family, sizeof(family), "%s", name);
			ck_assert(strcmp(kind, "gauge") == 0 ||
			    strcmp(kind, "counter") == 0);
		} else if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert(strncmp(line + 7, family, strlen(family)) == 0);
		} else {
			ck_assert_msg(strncmp(line, family, strlen(family)) == 0,
			    "sample '%s' outside family %s", line, family);
			samples++;
		}
	}
	ck_assert(eof);
	ck_assert_int_ge(samples, 15);
	buf_release(&out);
}
END_TEST

/* sse.cgi has no process counters; a database that cannot be read says
 * only that. */
START_TEST(test_db_only)
{
	struct status_db down = { 0, 0, 0, -1 };
	struct buf out;

	buf_init(&out);
	status_render(STATUS_TEXT, NULL, &down, 0, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "\ndatabase_ok              0\n"));
	ck_assert_ptr_null(strstr(out.data, "newest_id"));
	ck_assert_ptr_null(strstr(out.data, "streams_open"));
	buf_release(&out);
}
END_TEST

Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_loop_test(tc, test_wanted, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_openmetrics);
	tcase_add_test(tc, test_db_only);
	suite_add_tcase(s, tc);
	return s;
}

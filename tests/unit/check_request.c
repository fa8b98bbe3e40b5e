/* check_request.c - method, cursor and filter from hostile requests. */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "suites.h"

static const struct {
	const char *method, *query, *lei;
	int status;
	int has_cursor;
	long long cursor;
	int nsymbols;
} cases[] = {
	{ "GET", NULL, NULL, 200, 0, 0, 0 },
	{ "HEAD", "", NULL, 200, 0, 0, 0 },
	{ "POST", "", NULL, 405, 0, 0, 0 },
	{ "get", "", NULL, 405, 0, 0, 0 },
	{ NULL, NULL, NULL, 405, 0, 0, 0 },
	{ "GETX", "", NULL, 405, 0, 0, 0 },
	{ "GET", "", "42", 200, 1, 42, 0 },
	{ "GET", "lastEventId=7", NULL, 200, 1, 7, 0 },
	{ "GET", "last_event_id=7", NULL, 200, 1, 7, 0 },
	{ "GET", "lastEventId=7", "42", 200, 1, 42, 0 },	/* header wins */
	{ "GET", "lastEventId=7", "abc", 200, 1, 7, 0 },	/* bad header */
	{ "GET", "lastEventId=abc", NULL, 200, 0, 0, 0 },
	{ "GET", "lastEventId=-1", NULL, 200, 0, 0, 0 },
	{ "GET", "lastEventId=%31%32", NULL, 200, 1, 12, 0 },
	{ "GET", "lastEventId=1%00", NULL, 200, 0, 0, 0 },	/* NUL */
	{ "GET", "lastEventId=99999999999999999999", NULL, 200, 0, 0, 0 },
	{ "GET", "lastEventId", NULL, 200, 0, 0, 0 },
	{ "GET", "lastEventId=", NULL, 200, 0, 0, 0 },
	{ "GET", "symbols=AAPL,META", NULL, 200, 0, 0, 2 },
	{ "GET", "symbols=AAPL%2CMETA", NULL, 200, 0, 0, 2 },
	{ "GET", "symbols=AAPL,,META,", NULL, 200, 0, 0, 2 },
	{ "GET", "symbols=", NULL, 200, 0, 0, 0 },
	{ "GET", "symbols=AA%20PL", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=AAPL;DROP", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=%ZZ", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=%4", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=%", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=ABCDEFGHIJKLMNOPQ", NULL, 400, 0, 0, 0 },
	{ "GET", "_=123&x=%ZZ&symbols=A", NULL, 200, 0, 0, 1 },	/* unknown keys */
	{ "GET", "&&&=&symbols=A&&", NULL, 200, 0, 0, 1 },
	{ "GET", "symbols=A&symbols=B", NULL, 200, 0, 0, 2 },
	{ "GET", "symbols=A+B", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=%C3%A4", NULL, 400, 0, 0, 0 },
	{ "GET", "symbols=\xff", NULL, 400, 0, 0, 0 },
};

START_TEST(test_parse)
{
	struct request r;
	int st = request_parse(&r, cases[_i].method, cases[_i].query,
	    cases[_i].lei);

	ck_assert_msg(st == cases[_i].status, "case %d: status %d", _i, st);
	if (st == 400)
		ck_assert_ptr_nonnull(r.error);
	if (st != 200)
		return;
	ck_assert_int_eq(r.has_cursor, cases[_i].has_cursor);
	if (r.has_cursor)
		ck_assert_int_eq(r.cursor, cases[_i].cursor);
	ck_assert_int_eq(r.nsymbols, cases[_i].nsymbols);
}
END_TEST

START_TEST(test_too_many_symbols)
{
	char q[1024] = "symbols=";
	struct request r;
	int i;

	for (i = 0; i < REQUEST_SYMBOLS_MAX; i++)
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "S%d,", i);
	ck_assert_int_eq(request_parse(&r, "GET", q, NULL), 200);
	ck_assert_int_eq(r.nsymbols, REQUEST_SYMBOLS_MAX);
	strcat(q, "ONEMORE");
	ck_assert_int_eq(request_parse(&r, "GET", q, NULL), 400);
}
END_TEST

START_TEST(test_long_query)
{
	static char q[REQUEST_QUERY_MAX + 2];
	struct request r;

	memset(q, 'a', sizeof(q) - 1);
	ck_assert_int_eq(request_parse(&r, "GET", q, NULL), 400);
	q[REQUEST_QUERY_MAX] = '\0';
	ck_assert_int_eq(request_parse(&r, "GET", q, NULL), 200);
}
END_TEST

START_TEST(test_wants)
{
	struct request r;

	request_parse(&r, "GET", "symbols=AAPL,META", NULL);
	ck_assert(request_wants(&r, "AAPL"));
	ck_assert(request_wants(&r, "META"));
	ck_assert(!request_wants(&r, "GOOG"));
	ck_assert(!request_wants(&r, "aapl"));
	ck_assert(request_wants(&r, NULL));		/* not a price */
	request_parse(&r, "GET", "", NULL);
	ck_assert(request_wants(&r, "GOOG"));
}
END_TEST

/* Who may stream on a private endpoint, and what a public one ignores. */
START_TEST(test_auth)
{
	struct request r;

	request_parse(&r, "GET", "", NULL);
	ck_assert_int_eq(request_auth(&r, NULL, 0, "alice"), 200);
	ck_assert(!r.private_);
	ck_assert_str_eq(r.user, "");		/* public: the user is not kept */
	ck_assert_int_eq(request_auth(&r, NULL, 1, "alice"), 200);
	ck_assert(r.private_);
	ck_assert_str_eq(r.user, "alice");
	ck_assert_int_eq(request_auth(&r, "1", 0, "bob"), 200);
	ck_assert_str_eq(r.user, "bob");
	ck_assert_int_eq(request_auth(&r, "0", 1, "bob"), 200);
	ck_assert(!r.private_);
	/* Anything but "0" is private: a typo fails closed. */
	ck_assert_int_eq(request_auth(&r, "yes", 0, NULL), 401);
	ck_assert_int_eq(request_auth(&r, "", 0, NULL), 401);
	ck_assert_int_eq(request_auth(&r, NULL, 1, NULL), 401);
	ck_assert_ptr_nonnull(r.error);
	ck_assert_int_eq(request_auth(&r, NULL, 1, ""), 401);
	ck_assert_int_eq(request_auth(&r, NULL, 1, "a\nb"), 403);
	ck_assert_int_eq(request_auth(&r, NULL, 1, "12345678901234567890123456789"
	    "012345678901234567890123456789012345678"), 403);
	ck_assert_str_eq(r.user, "");
}
END_TEST

Suite *
request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("request");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_too_many_symbols);
	tcase_add_test(tc, test_long_query);
	tcase_add_test(tc, test_wants);
	tcase_add_test(tc, test_auth);
	suite_add_tcase(s, tc);
	return s;
}

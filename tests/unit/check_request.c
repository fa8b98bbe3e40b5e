/* check_request.c - method, cursor and filter from hostile requests. */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "responder.h"
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

/* auth(r, dflt, flag, user): request_auth() with an environment holding
 * SSE_PRIVATE=flag and REMOTE_USER=user, each only when not NULL. */
static int
auth(struct request *r, int dflt, const char *flag, const char *user)
{
	char f[64], u[512];
	char *env[3] = { NULL, NULL, NULL };
	int n = 0;

	if (flag != NULL) {
		snprintf(f, sizeof(f), "SSE_PRIVATE=%s", flag);
		env[n++] = f;
	}
	if (user != NULL) {
		snprintf(u, sizeof(u), "REMOTE_USER=%s", user);
		env[n++] = u;
	}
	return request_auth(r, env, dflt);
}

/* Who may stream on a private endpoint, and what a public one ignores. */
START_TEST(test_auth)
{
	struct request r;
	char sub[AUDIENCE_MAX + 2];

	request_parse(&r, "GET", "", NULL);
	ck_assert_int_eq(auth(&r, 0, NULL, "alice"), 200);
	ck_assert(!r.private_);
	ck_assert_str_eq(r.user, "");		/* public: the user is not kept */
	ck_assert_int_eq(auth(&r, 1, NULL, "alice"), 200);
	ck_assert(r.private_);
	ck_assert_str_eq(r.user, "alice");
	ck_assert_int_eq(auth(&r, 0, "1", "bob"), 200);
	ck_assert_str_eq(r.user, "bob");
	ck_assert_int_eq(auth(&r, 1, "0", "bob"), 200);
	ck_assert(!r.private_);
	/* Anything but "0" is private: a typo fails closed. */
	ck_assert_int_eq(auth(&r, 0, "yes", NULL), 401);
	ck_assert_int_eq(auth(&r, 0, "", NULL), 401);
	ck_assert_int_eq(auth(&r, 1, NULL, NULL), 401);
	ck_assert_ptr_nonnull(r.error);
	ck_assert_int_eq(auth(&r, 1, NULL, ""), 401);
	ck_assert_int_eq(auth(&r, 1, NULL, "a\nb"), 403);
	ck_assert_int_eq(auth(&r, 1, NULL, "group:ops"), 403);
	ck_assert_str_eq(r.user, "");
	/* An OpenID Connect sub@issuer of 255 bytes streams; 256 do not. */
	memset(sub, 'x', sizeof(sub));
	sub[AUDIENCE_MAX] = '\0';
	ck_assert_int_eq(auth(&r, 1, NULL, sub), 200);
	ck_assert_str_eq(r.user, sub);
	sub[AUDIENCE_MAX] = 'x';
	sub[AUDIENCE_MAX + 1] = '\0';
	ck_assert_int_eq(auth(&r, 1, NULL, sub), 403);
}
END_TEST

/* A parameter sent twice is refused whatever the copies say, before the
 * endpoint's kind is looked at: nginx appends a second fastcgi_param. */
/* env_of(text): text's lines as a params array, NULL-terminated; valid
 * until the next call. */
static char **
env_of(const char *text)
{
	static char copy[512], *env[16];
	char *save = NULL, *line;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (line = strtok_r(copy, "\n", &save); line != NULL && n < 15;
	    line = strtok_r(NULL, "\n", &save))
		env[n++] = line;
	env[n] = NULL;
	return env;
}

START_TEST(test_auth_twice)
{
	struct request r;
	const char *v;

	request_parse(&r, "GET", "", NULL);
	ck_assert_int_eq(request_auth(&r, env_of("REMOTE_USER=alice\nX=1\n"
	    "REMOTE_USER=bob"), 1), 500);
	ck_assert_ptr_nonnull(strstr(r.error, "REMOTE_USER"));
	ck_assert_str_eq(r.user, "");
	ck_assert(r.private_);
	ck_assert_int_eq(request_auth(&r, env_of("REMOTE_USER=alice\n"
	    "REMOTE_USER=bob\nSSE_PRIVATE=0"), 0), 500);	/* public too */
	ck_assert_int_eq(request_auth(&r, env_of("REMOTE_USER=bob\n"
	    "REMOTE_USER=bob"), 1), 500);
	ck_assert_int_eq(request_auth(&r, env_of("SSE_PRIVATE=0\n"
	    "REMOTE_USER=bob\nSSE_PRIVATE=1"), 0), 500);
	ck_assert_ptr_nonnull(strstr(r.error, "SSE_PRIVATE"));
	ck_assert_int_eq(request_auth(&r, env_of("REMOTE_USER=\n"
	    "REMOTE_USER=alice\nSSE_PRIVATE=1"), 0), 500);
	/* Names that only begin or end alike are other names. */
	ck_assert_int_eq(request_auth(&r, env_of("REMOTE_USERX=alice\n"
	    "REMOTE_USER=bob\nXREMOTE_USER=carol\nSSE_PRIVATE=1"), 0), 200);
	ck_assert_str_eq(r.user, "bob");
	ck_assert_int_eq(request_param(env_of("REMOTE_USERX=a\nREMOTE_USER=b"),
	    "REMOTE_USER", &v), 1);
	ck_assert_str_eq(v, "b");
	ck_assert_int_eq(request_param(env_of("REMOTE_USER=a\nREMOTE_USER=b"),
	    "REMOTE_USER", &v), 2);
	ck_assert_str_eq(v, "a");
	ck_assert_int_eq(request_param(env_of("REMOTE_USER=a"), "REMOTE", &v),
	    0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(request_param(NULL, "REMOTE_USER", &v), 0);
	ck_assert_int_eq(request_auth(&r, NULL, 1), 401);
}
END_TEST

/* Both responders read a request the same way, from its params alone. */
START_TEST(test_responder_read)
{
	enum status_format page;
	struct request r;

	/* The status page needs no user, even on a private endpoint. */
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "REQUEST_URI=/sse/status\nQUERY_STRING=openmetrics"),
	    "/sse/status", 1), 200);
	ck_assert_int_eq(page, STATUS_OPENMETRICS);
	/* A stream there does, and a cursor and CORS are read. */
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "REQUEST_URI=/sse\nHTTP_LAST_EVENT_ID=42\n"
	    "HTTP_ORIGIN=https://a.example"), "/sse/status", 1), 401);
	ck_assert_int_eq(page, STATUS_NONE);
	ck_assert(responder_logged(401));
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "HTTP_LAST_EVENT_ID=42\nHTTP_ORIGIN=https://a.example\n"
	    "REMOTE_USER=alice"), "", 1), 200);
	ck_assert(r.has_cursor && r.cursor == 42);
	ck_assert_str_eq(r.origin, "https://a.example");
	ck_assert_str_eq(r.user, "alice");
	/* Two users: refused, and said. */
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "REMOTE_USER=alice\nREMOTE_USER=bob"), "", 0), 500);
	ck_assert(responder_logged(500));
	/* A method refused before anything else, and not logged. */
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=POST\n"
	    "REMOTE_USER=alice\nREMOTE_USER=bob"), "", 1), 405);
	ck_assert(!responder_logged(405));
}
END_TEST

static const struct {
	const char *query, *path_info;
	int status, n;
} topic_cases[] = {
	{ "topic=jobs/42", NULL, 200, 1 },
	{ "topic=jobs%2F42", NULL, 200, 1 },
	{ "topic=jobs/*", NULL, 200, 1 },
	{ "topic=%2A", NULL, 200, 1 },
	{ "topic=a&topic=b&topic=a", NULL, 200, 2 },
	{ "topic=a", "/b", 200, 2 },
	{ "", "/jobs/42", 200, 1 },
	{ "", "/jobs/*", 200, 1 },
	{ "", "/", 200, 0 },
	{ "", "", 200, 0 },
	{ "topic=", NULL, 400, 0 },
	{ "topic", NULL, 400, 0 },
	{ "topic=jobs/4*", NULL, 400, 0 },
	{ "topic=*/x", NULL, 400, 0 },
	{ "topic=../etc", NULL, 400, 0 },
	{ "topic=a%00b", NULL, 400, 0 },
	{ "topic=a+b", NULL, 400, 0 },
	{ "topic=a%2", NULL, 400, 0 },
	{ "topic=j%C3%B6bs", NULL, 400, 0 },
	{ "topic=a//b", NULL, 400, 0 },
	{ "", "//jobs", 400, 0 },
	{ "", "/jobs/", 400, 0 },
	{ "", "/.", 400, 0 },
	{ "", "/a b", 400, 0 },
	{ "", "jobs/42", 500, 0 },		/* split inside a name */
	{ "", "-private/x", 500, 0 },
};

START_TEST(test_topics)
{
	struct request r;
	int st = request_parse(&r, "GET", topic_cases[_i].query, NULL);

	if (st == 200)
		st = request_path(&r, topic_cases[_i].path_info);
	ck_assert_msg(st == topic_cases[_i].status, "case %d: status %d", _i,
	    st);
	if (st != 200)
		ck_assert_ptr_nonnull(r.error);
	else
		ck_assert_int_eq(r.topics.n, topic_cases[_i].n);
}
END_TEST

START_TEST(test_too_many_topics)
{
	char q[REQUEST_QUERY_MAX + 1];
	struct request r;
	size_t len = 0;
	int i;

	for (i = 0; i < TOPICS_MAX + 1; i++)
		len += (size_t)snprintf(q + len, sizeof(q) - len, "%stopic=t%d",
		    i ? "&" : "", i);
	ck_assert_int_eq(request_parse(&r, "GET", q, NULL), 400);
	ck_assert_str_eq(r.error, "more than 16 topics");
}
END_TEST

/* Two PATH_INFO: neither is believed. */
START_TEST(test_path_info_twice)
{
	enum status_format page;
	struct request r;

	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "PATH_INFO=/jobs/1\nPATH_INFO=/jobs/2"), "", 0), 500);
	ck_assert_ptr_nonnull(strstr(r.error, "PATH_INFO"));
	ck_assert(responder_logged(500));
	ck_assert_int_eq(responder_read(&r, &page, env_of("REQUEST_METHOD=GET\n"
	    "PATH_INFO=/jobs/1"), "", 0), 200);
	ck_assert_str_eq(topics_single(&r.topics), "jobs/1");
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
	tcase_add_test(tc, test_auth_twice);
	tcase_add_test(tc, test_responder_read);
	tcase_add_loop_test(tc, test_topics, 0,
	    sizeof(topic_cases) / sizeof(topic_cases[0]));
	tcase_add_test(tc, test_too_many_topics);
	tcase_add_test(tc, test_path_info_twice);
	suite_add_tcase(s, tc);
	return s;
}

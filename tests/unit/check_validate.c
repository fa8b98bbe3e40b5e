/* check_validate.c - what may enter the event table. */
#include <string.h>

#include "validate.h"
#include "suites.h"

static const struct {
	const char *in;
	int ok;
} symbols[] = {
	{ "AAPL", 1 }, { "BRK.B", 1 }, { "BTC-USD", 1 }, { "x_1", 1 },
	{ "0700", 1 }, { "ABCDEFGHIJKLMNOP", 1 },	/* 16 */
	{ "ABCDEFGHIJKLMNOPQ", 0 },			/* 17 */
	{ "", 0 }, { ".A", 0 }, { "-A", 0 }, { "A B", 0 }, { "A,B", 0 },
	{ "A\n", 0 }, { "Ä", 0 }, { "A\"", 0 }, { "A'", 0 }, { "A;", 0 },
	{ "A/B", 0 }, { "<x>", 0 },
};

START_TEST(test_symbol)
{
	const char *why = validate_symbol(symbols[_i].in);

	ck_assert_msg((why == NULL) == symbols[_i].ok, "symbol '%s'",
	    symbols[_i].in);
}
END_TEST

static const struct {
	const char *in;
	int ok;
} events[] = {
	{ "alert", 1 }, { "job:progress", 1 }, { "ünïcode", 1 },
	{ "a b", 1 }, { "", 0 }, { "a\nb", 0 }, { "a\rb", 0 },
	{ "price", 0 }, { "reset", 0 }, { "\xff", 0 },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	  1 },						/* 64 */
	{ "01234567890123456789012345678901234567890123456789012345678901234",
	  0 },						/* 65 */
};

START_TEST(test_event)
{
	const char *why = validate_event(events[_i].in);

	ck_assert_msg((why == NULL) == events[_i].ok, "event '%s'",
	    events[_i].in);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	int ok;
} utf8[] = {
	{ "", 0, 1 }, { "abc", 3, 1 }, { "ü", 2, 1 }, { "€", 3, 1 },
	{ "😀", 4, 1 }, { "\xf4\x8f\xbf\xbf", 4, 1 },	/* U+10FFFF */
	{ "\x80", 1, 0 },				/* lone continuation */
	{ "\xc3", 1, 0 },				/* truncated */
	{ "\xc0\xaf", 2, 0 },				/* overlong '/' */
	{ "\xe0\x80\xaf", 3, 0 },			/* overlong */
	{ "\xed\xa0\x80", 3, 0 },			/* surrogate */
	{ "\xf4\x90\x80\x80", 4, 0 },			/* > U+10FFFF */
	{ "\xf8\x88\x80\x80\x80", 5, 0 },
	{ "\xfe", 1, 0 }, { "\xff", 1, 0 },
	{ "a\xe2\x82", 3, 0 },				/* truncated € */
};

START_TEST(test_utf8)
{
	ck_assert_int_eq(utf8_valid(utf8[_i].in, utf8[_i].len), utf8[_i].ok);
}
END_TEST

START_TEST(test_data)
{
	static char big[DATA_MAX + 1];

	ck_assert_ptr_null(validate_data("a\nb\r\nc", 6));
	ck_assert_ptr_nonnull(validate_data("a\0b", 3));
	ck_assert_ptr_nonnull(validate_data("\xff", 1));
	memset(big, 'x', sizeof(big));
	ck_assert_ptr_null(validate_data(big, DATA_MAX));
	ck_assert_ptr_nonnull(validate_data(big, DATA_MAX + 1));
}
END_TEST

static const struct {
	const char *s;
	int ok;
} audiences[] = {
	{ "alice", 1 }, { "alice@example.com", 1 }, { "CN=Alice Smith", 1 },
	{ "\xc3\xa9milie", 1 }, { "ops", 1 },
	{ "", 0 }, { "a\nb", 0 }, { "a\rb", 0 }, { "a\tb", 0 }, { "\x7f", 0 },
	{ "\xc3", 0 }, { "\xed\xa0\x80", 0 }, { "\xff", 0 },
	{ "group:ops", 1 }, { "group:", 0 }, { "group", 1 }, { "Group:ops", 1 },
};

START_TEST(test_audience)
{
	ck_assert_msg((validate_audience(audiences[_i].s) == NULL) ==
	    audiences[_i].ok, "'%s'", audiences[_i].s);
}
END_TEST

/* 255 bytes pass, 256 do not: an OpenID Connect "sub@issuer" fits. */
START_TEST(test_audience_length)
{
	char name[AUDIENCE_MAX + 2];

	memset(name, 'a', sizeof(name));
	name[AUDIENCE_MAX] = '\0';
	ck_assert_ptr_null(validate_audience(name));
	ck_assert_ptr_null(validate_user(name));
	name[AUDIENCE_MAX] = 'a';
	name[AUDIENCE_MAX + 1] = '\0';
	ck_assert_ptr_nonnull(validate_audience(name));
	ck_assert_ptr_nonnull(validate_user(name));
}
END_TEST

/* A user cannot take a group's name; a group is a valid audience. */
START_TEST(test_user)
{
	ck_assert_ptr_null(validate_user("alice"));
	ck_assert_ptr_null(validate_user("ops"));
	ck_assert_ptr_null(validate_user("1234@https://issuer.example/realms/x"));
	ck_assert_ptr_nonnull(validate_user("group:ops"));
	ck_assert_ptr_nonnull(validate_user("group:"));
	ck_assert_ptr_nonnull(validate_user(""));
	ck_assert_ptr_nonnull(validate_user("a\nb"));
	ck_assert_ptr_null(validate_audience("group:ops"));
}
END_TEST

Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");

	tcase_add_loop_test(tc, test_symbol, 0,
	    sizeof(symbols) / sizeof(symbols[0]));
	tcase_add_loop_test(tc, test_event, 0,
	    sizeof(events) / sizeof(events[0]));
	tcase_add_loop_test(tc, test_utf8, 0, sizeof(utf8) / sizeof(utf8[0]));
	tcase_add_test(tc, test_data);
	tcase_add_loop_test(tc, test_audience, 0,
	    sizeof(audiences) / sizeof(audiences[0]));
	tcase_add_test(tc, test_audience_length);
	tcase_add_test(tc, test_user);
	suite_add_tcase(s, tc);
	return s;
}

/* check_jsonl.c - the flat JSON objects sse-push reads, hostile ones too. */
#include <stdio.h>
#include <string.h>

#include "jsonl.h"
#include "suites.h"

static const struct {
	const char *in;
	int ok;
	const char *key, *val;		/* one pair to look at when ok */
} cases[] = {
	{ "{\"event\":\"a\",\"data\":\"b\"}", 1, "data", "b" },
	{ " { \"k\" : \"v\" } ", 1, "k", "v" },
	{ "{}", 1, NULL, NULL },
	{ "{\"d\":\"a\\nb\\r\\tc\\\\\\\"\\/\"}", 1, "d", "a\nb\r\tc\\\"/" },
	{ "{\"d\":\"\\u00fc\\u20ac\"}", 1, "d", "ü€" },
	{ "{\"d\":\"\\ud83d\\ude00\"}", 1, "d", "😀" },
	{ "{\"p\":189.51}", 1, "p", "189.51" },
	{ "{\"p\":-0.5e+3}", 1, "p", "-0.5e+3" },
	{ "{\"d\":\"ü\"}", 1, "d", "ü" },
	{ "", 0, NULL, NULL },
	{ "[]", 0, NULL, NULL },
	{ "{", 0, NULL, NULL },
	{ "{\"a\"}", 0, NULL, NULL },
	{ "{\"a\":}", 0, NULL, NULL },
	{ "{\"a\":\"b\",}", 0, NULL, NULL },
	{ "{\"a\":\"b\"} x", 0, NULL, NULL },
	{ "{\"a\":\"b\" \"c\":\"d\"}", 0, NULL, NULL },
	{ "{\"a\":\"b\",\"a\":\"c\"}", 0, NULL, NULL },	/* duplicate */
	{ "{\"a\":{\"b\":1}}", 0, NULL, NULL },		/* nested */
	{ "{\"a\":[1]}", 0, NULL, NULL },
	{ "{\"a\":true}", 1, "a", "true" },
	{ "{\"a\":false}", 1, "a", "false" },
	{ "{\"a\":tru}", 0, NULL, NULL },
	{ "{\"a\":truex}", 0, NULL, NULL },
	{ "{\"a\":True}", 0, NULL, NULL },
	{ "{\"a\":f}", 0, NULL, NULL },
	{ "{\"a\":null}", 0, NULL, NULL },
	{ "{\"a\":01}", 0, NULL, NULL },
	{ "{\"a\":1.}", 0, NULL, NULL },
	{ "{\"a\":-}", 0, NULL, NULL },
	{ "{\"a\":1e}", 0, NULL, NULL },
	{ "{\"a\":\"b}", 0, NULL, NULL },		/* unterminated */
	{ "{\"a\":\"\\x\"}", 0, NULL, NULL },		/* bad escape */
	{ "{\"a\":\"\\u12\"}", 0, NULL, NULL },
	{ "{\"a\":\"\\u0000\"}", 0, NULL, NULL },	/* NUL */
	{ "{\"a\":\"\\ud800\"}", 0, NULL, NULL },	/* lone high */
	{ "{\"a\":\"\\udc00\"}", 0, NULL, NULL },	/* lone low */
	{ "{\"a\":\"\\ud800\\u0041\"}", 0, NULL, NULL },
	{ "{\"a\":\"tab\there\"}", 0, NULL, NULL },	/* raw control */
	{ "{\"a\":\"line\nbreak\"}", 0, NULL, NULL },
	{ "{\"a\":\"\\", 0, NULL, NULL },
	{ "{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,"
	  "\"9\":9}", 0, NULL, NULL },			/* too many keys */
};

START_TEST(test_parse)
{
	struct jsonl j;
	const char *why;
	const struct jsonl_pair *p;

	jsonl_init(&j);
	why = jsonl_parse(&j, cases[_i].in, strlen(cases[_i].in));
	ck_assert_msg((why == NULL) == cases[_i].ok, "case %d '%s': %s", _i,
	    cases[_i].in, why ? why : "accepted");
	if (cases[_i].ok && cases[_i].key != NULL) {
		p = jsonl_get(&j, cases[_i].key);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p->val, cases[_i].val);
		ck_assert_uint_eq(p->val_len, strlen(cases[_i].val));
	}
	jsonl_release(&j);
}
END_TEST

/* Reusing one parser must not leave pointers into a moved buffer. */
START_TEST(test_reuse)
{
	struct jsonl j;
	char big[4096];
	int i;

	jsonl_init(&j);
	for (i = 0; i < 3; i++) {
		snprintf(big, sizeof(big), "{\"a\":\"%0*d\",\"b\":\"x\"}",
		    1000 * (i + 1), 7);
		ck_assert_ptr_null(jsonl_parse(&j, big, strlen(big)));
		ck_assert_str_eq(jsonl_get(&j, "b")->val, "x");
		ck_assert_uint_eq(strlen(jsonl_get(&j, "a")->val),
		    (size_t)(1000 * (i + 1)));
	}
	jsonl_release(&j);
}
END_TEST

Suite *
jsonl_suite(void)
{
	Suite *s = suite_create("jsonl");
	TCase *tc = tcase_create("jsonl");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);
	return s;
}

/* check_decimal.c - exact decimal prices and percent change. */
#include <stdint.h>
#include <string.h>

#include "decimal.h"
#include "simulate.h"
#include "suites.h"

static const struct {
	const char *in;
	int ok;
	int64_t units;
} prices[] = {
	{ "189.51", 1, 18951000000LL },
	{ "0", 1, 0 },
	{ "0.5", 1, 50000000LL },
	{ "-37.63", 1, -3763000000LL },
	{ "9999999999.99999999", 1, 999999999999999999LL },
	{ "1.00000001", 1, 100000001LL },
	{ "189.50", 1, 18950000000LL },
	{ "", 0, 0 },
	{ "-", 0, 0 },
	{ ".5", 0, 0 },
	{ "5.", 0, 0 },
	{ "05", 0, 0 },
	{ "+5", 0, 0 },
	{ "1e3", 0, 0 },
	{ "0x10", 0, 0 },
	{ "1,5", 0, 0 },
	{ "1.5 ", 0, 0 },
	{ " 1.5", 0, 0 },
	{ "12345678901", 0, 0 },		/* 11 integer digits */
	{ "1.123456789", 0, 0 },		/* 9 fraction digits */
	{ "NaN", 0, 0 },
	{ "inf", 0, 0 },
	{ "1..2", 0, 0 },
	{ "--1", 0, 0 },
};

START_TEST(test_parse)
{
	int64_t u = 0;
	const char *why = decimal_parse(prices[_i].in, &u);

	ck_assert_msg((why == NULL) == prices[_i].ok, "case '%s': %s",
	    prices[_i].in, why ? why : "accepted");
	if (prices[_i].ok)
		ck_assert_int_eq(u, prices[_i].units);
}
END_TEST

static const struct {
	const char *prev, *cur, *want;
} changes[] = {
	{ "189.51", "189.60", "0.05" },		/* 0.0474.. rounds up */
	{ "100", "101", "1.00" },
	{ "100", "99", "-1.00" },
	{ "100", "100", "0.00" },
	{ "100", "100.005", "0.01" },		/* half rounds away from 0 */
	{ "100", "99.995", "-0.01" },
	{ "100", "99.996", "0.00" },
	{ "3", "4", "33.33" },
	{ "3", "5", "66.67" },
	{ "0.00000001", "9999999999.99999999", "99999999999999999800.00" },
	{ "-10", "-5", "50.00" },		/* against |prev| */
};

START_TEST(test_change)
{
	int64_t a, b;
	char out[64];

	ck_assert_ptr_null(decimal_parse(changes[_i].prev, &a));
	ck_assert_ptr_null(decimal_parse(changes[_i].cur, &b));
	ck_assert_int_eq(decimal_change_pct(a, b, out, sizeof(out)), 0);
	ck_assert_str_eq(out, changes[_i].want);
}
END_TEST

START_TEST(test_change_from_zero)
{
	char out[64];

	ck_assert_int_eq(decimal_change_pct(0, 5, out, sizeof(out)), -1);
	ck_assert_int_eq(decimal_change_pct(1, 5, out, 3), -1);
}
END_TEST

START_TEST(test_format)
{
	static const struct { int64_t units; int places; const char *want; } f[] = {
		{ 18951000000LL, 2, "189.51" },
		{ 18950000000LL, 2, "189.50" },
		{ 18950500000LL, 2, "189.51" },		/* half away from 0 */
		{ -18950500000LL, 2, "-189.51" },
		{ 100000000LL, 0, "1" },
		{ 5, 8, "0.00000005" },
		{ -1, 2, "0.00" },			/* no "-0.00" */
		{ 999999999999999999LL, 8, "9999999999.99999999" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ck_assert_int_eq(decimal_format(f[i].units, f[i].places, out,
		    sizeof(out)), 0);
		ck_assert_str_eq(out, f[i].want);
	}
	ck_assert_int_eq(decimal_format(18951000000LL, 2, out, 6), -1);
}
END_TEST

START_TEST(test_simulate)
{
	struct sim a, b;
	const char *sa, *sb;
	char pa[32], pb[32];
	int64_t u;
	int i;

	ck_assert_ptr_nonnull(sim_parse(&a, "", 1));
	ck_assert_ptr_nonnull(sim_parse(&a, "AAPL", 1));
	ck_assert_ptr_nonnull(sim_parse(&a, "AAPL=abc", 1));
	ck_assert_ptr_nonnull(sim_parse(&a, "A A=1", 1));
	ck_assert_ptr_nonnull(sim_parse(&a, "AAPL=0", 1));
	ck_assert_ptr_nonnull(sim_parse(&a, "AAPL=1,,META=2", 1));
	ck_assert_ptr_null(sim_parse(&a, "AAPL=189.50,META=512.30", 7));
	ck_assert_ptr_null(sim_parse(&b, "AAPL=189.50,META=512.30", 7));
	ck_assert_int_eq(a.n, 2);
	for (i = 0; i < 1000; i++) {
		sim_step(&a, &sa, pa, sizeof(pa));
		sim_step(&b, &sb, pb, sizeof(pb));
		ck_assert_str_eq(sa, sb);	/* the same seed, the same walk */
		ck_assert_str_eq(pa, pb);
		ck_assert_ptr_null(decimal_parse(pa, &u));	/* valid prices */
		ck_assert_int_gt(u, 0);
	}
}
END_TEST

Suite *
decimal_suite(void)
{
	Suite *s = suite_create("decimal");
	TCase *tc = tcase_create("decimal");

	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(prices) / sizeof(prices[0]));
	tcase_add_loop_test(tc, test_change, 0,
	    sizeof(changes) / sizeof(changes[0]));
	tcase_add_test(tc, test_change_from_zero);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_simulate);
	suite_add_tcase(s, tc);
	return s;
}

/* check_bench.c - the benchmark client's statistics and parsers. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "procstat.h"
#include "stats.h"
#include "suites.h"

START_TEST(test_percentiles)
{
	struct samples s;
	int i;

	samples_init(&s);
	ck_assert_int_eq(samples_pct(&s, 50), 0);	/* empty */
	for (i = 100; i >= 1; i--)	/* 1..100, added in reverse */
		ck_assert_int_eq(samples_add(&s, i), 0);
	ck_assert_int_eq(samples_pct(&s, 50), 50);
	ck_assert_int_eq(samples_pct(&s, 90), 90);
	ck_assert_int_eq(samples_pct(&s, 99), 99);
	ck_assert_int_eq(samples_pct(&s, 99.5), 100);
	ck_assert_int_eq(samples_pct(&s, 0.1), 1);
	ck_assert_int_eq(samples_max(&s), 100);
	/* Adding after a percentile was read re-sorts. */
	ck_assert_int_eq(samples_add(&s, 0), 0);
	ck_assert_int_eq(samples_pct(&s, 0.5), 0);
	samples_release(&s);

	samples_init(&s);
	samples_add(&s, 7);
	ck_assert_int_eq(samples_pct(&s, 1), 7);
	ck_assert_int_eq(samples_pct(&s, 100), 7);
	samples_release(&s);
}
END_TEST

/* Nearest rank on a small set: p99 of 10 samples is the largest. */
START_TEST(test_percentile_small)
{
	struct samples s;
	int64_t v[] = { 5, 1, 9, 3, 7, 2, 8, 4, 6, 10 };
	size_t i;

	samples_init(&s);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		samples_add(&s, v[i]);
	ck_assert_int_eq(samples_pct(&s, 50), 5);
	ck_assert_int_eq(samples_pct(&s, 51), 6);
	ck_assert_int_eq(samples_pct(&s, 99), 10);
	samples_release(&s);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	int64_t seq, usec;
} payloads[] = {
	{ "1 2", 1, 1, 2 },
	{ "42 1700000000123456", 1, 42, 1700000000123456LL },
	{ "999999999999999999 0", 1, 999999999999999999LL, 0 },
	{ "1000000000000000000 0", 0, 0, 0 },	/* 19 digits */
	{ "", 0, 0, 0 },
	{ "1", 0, 0, 0 },
	{ "1 ", 0, 0, 0 },
	{ " 1 2", 0, 0, 0 },
	{ "1  2", 0, 0, 0 },
	{ "1 2 ", 0, 0, 0 },
	{ "-1 2", 0, 0, 0 },
	{ "1 -2", 0, 0, 0 },
	{ "1 2x", 0, 0, 0 },
	{ "{\"symbol\":\"A\"}", 0, 0, 0 },
	{ "1\t2", 0, 0, 0 },
};

START_TEST(test_payload)
{
	int64_t seq = -1, usec = -1;
	const char *in = payloads[_i].in;

	ck_assert_int_eq(payload_parse(in, strlen(in), &seq, &usec) == 0,
	    payloads[_i].ok);
	if (payloads[_i].ok) {
		ck_assert_int_eq(seq, payloads[_i].seq);
		ck_assert_int_eq(usec, payloads[_i].usec);
	}
}
END_TEST

/* The payload is parsed from a length, never past it. */
START_TEST(test_payload_bounded)
{
	int64_t seq, usec;

	ck_assert_int_eq(payload_parse("12 34567", 5, &seq, &usec), 0);
	ck_assert_int_eq(usec, 34);
	ck_assert_int_eq(payload_parse("12 34567", 3, &seq, &usec), -1);
}
END_TEST

START_TEST(test_proc_stat)
{
	unsigned long long t = 0;

	/* comm with spaces and parentheses; utime 11, stime 22. */
	ck_assert_int_eq(procstat_parse_stat("123 (a) b (c)) S 1 2 3 4 5 6 7 "
	    "8 9 10 11 22 0 0 20 0 1 0", &t), 0);
	ck_assert_int_eq(t, 33);
	ck_assert_int_eq(procstat_parse_stat("1 (x) R 0 0 0 0 0 0 0 0 0 0 "
	    "100 200", &t), 0);
	ck_assert_int_eq(t, 300);
	ck_assert_int_eq(procstat_parse_stat("1 (x) R 0 0", &t), -1);
	ck_assert_int_eq(procstat_parse_stat("no paren", &t), -1);
	ck_assert_int_eq(procstat_parse_stat("", &t), -1);
}
END_TEST

START_TEST(test_proc_pss)
{
	ck_assert_int_eq(procstat_parse_pss("55a0-7ff [rollup]\nRss: 900 kB\n"
	    "Pss: 812 kB\nPss_Anon: 700 kB\n"), 812);
	/* Pss_Anon alone is not Pss. */
	ck_assert_int_eq(procstat_parse_pss("Rss: 1 kB\nPss_Anon: 700 kB\n"),
	    -1);
	ck_assert_int_eq(procstat_parse_pss("Pss: 5 kB\n"), 5);
	ck_assert_int_eq(procstat_parse_pss("Pss: x kB\n"), -1);
	ck_assert_int_eq(procstat_parse_pss(""), -1);
}
END_TEST

/* This very process (named as /proc names it: under valgrind it is not
 * "check_all"): some CPU, some memory, at least one process. */
START_TEST(test_proc_sample_self)
{
	char comm[64] = "";
	const char *names[] = { comm, NULL };
	struct procsample ps;
	volatile unsigned long spin = 0;
	unsigned long i;
	FILE *f = fopen("/proc/self/comm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	for (i = 0; i < 50000000UL; i++)
		spin += i;
	ck_assert_int_eq(procstat_sample(names, &ps), 0);
	ck_assert_int_ge(ps.nproc, 1);
	ck_assert_int_gt(ps.pss_kb, 0);
	ck_assert(ps.cpu_s > 0);
}
END_TEST

Suite *
bench_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("bench");

	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_percentile_small);
	tcase_add_loop_test(tc, test_payload, 0,
	    sizeof(payloads) / sizeof(payloads[0]));
	tcase_add_test(tc, test_payload_bounded);
	tcase_add_test(tc, test_proc_stat);
	tcase_add_test(tc, test_proc_pss);
	tcase_add_test(tc, test_proc_sample_self);
	suite_add_tcase(s, tc);
	return s;
}

/* check_misc.c - FastCGI records, settings, and the change watcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conn_state.h"
#include "fcgirec.h"
#include "watch.h"
#include "suites.h"

START_TEST(test_record_header)
{
	unsigned char h[8];

	fcgirec_header(h, FCGIREC_STDOUT, 0x0102, 0xfffe);
	ck_assert_int_eq(h[0], 1);
	ck_assert_int_eq(h[1], 6);
	ck_assert_int_eq(h[2], 0x01);	/* request id, big-endian */
	ck_assert_int_eq(h[3], 0x02);
	ck_assert_int_eq(h[4], 0xff);	/* length, big-endian */
	ck_assert_int_eq(h[5], 0xfe);
	ck_assert_int_eq(h[6], 0);
	ck_assert_int_eq(h[7], 0);
}
END_TEST

/* Split at 65535 bytes; parse the records back and compare. */
START_TEST(test_record_split)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 200000 };
	size_t i, off, got, len;
	struct buf b, back;
	char *data;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf_init(&b);
		buf_init(&back);
		data = malloc(sizes[i] + 1);
		for (off = 0; off < sizes[i]; off++)
			data[off] = (char)(off * 7);
		ck_assert_int_eq(fcgirec_stdout(&b, 3, data, sizes[i]), 0);
		for (off = 0, got = 0; off < b.len; off += 8 + len) {
			const unsigned char *h = (unsigned char *)b.data + off;
			len = (size_t)h[4] << 8 | h[5];
			ck_assert_int_eq(h[1], FCGIREC_STDOUT);
			ck_assert_int_eq(h[3], 3);
			ck_assert_uint_gt(len, 0);	/* never an empty one */
			buf_append(&back, b.data + off + 8, len);
			got += len;
		}
		ck_assert_uint_eq(got, sizes[i]);
		ck_assert(sizes[i] == 0 || memcmp(back.data, data, got) == 0);
		free(data);
		buf_release(&b);
		buf_release(&back);
	}
}
END_TEST

START_TEST(test_record_end)
{
	static const unsigned char want[] = {
		1, 6, 0, 9, 0, 0, 0, 0,			/* empty STDOUT */
		1, 3, 0, 9, 0, 8, 0, 0,			/* END_REQUEST */
		0, 0, 0, 0, 0, 0, 0, 0,			/* status 0, complete */
	};
	struct buf b;

	buf_init(&b);
	fcgirec_end(&b, 9);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert(memcmp(b.data, want, sizeof(want)) == 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_config)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(c.heartbeat_s, 15);
	ck_assert_int_eq(c.lifetime_s, 240);
	ck_assert_uint_eq(c.stream.retry_ms, 3000);
	ck_assert_int_eq(c.stream.max_replay, 1000000);
	ck_assert_int_eq(config_set(&c, "SSE_HEARTBEAT", "5", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.heartbeat_s, 5);
	ck_assert_int_eq(config_set(&c, "SSE_HEARTBEAT", "0", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SSE_HEARTBEAT"));
	ck_assert_int_eq(config_set(&c, "SSE_HEARTBEAT", "5s", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "SSE_HEARTBEAT", "", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "SSE_HEARTBEAT",
	    "99999999999999999999", err, sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "SSE_RETRY_MS", "-1", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "SSE_DB", "", err, sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "SSE_NOPE", "1", err, sizeof(err)), -1);
	ck_assert_int_eq(c.heartbeat_s, 5);	/* failures change nothing */
	setenv("SSE_LIFETIME", "60", 1);
	setenv("SSE_DB", "/x/y.db", 1);
	ck_assert_int_eq(config_from_env(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.lifetime_s, 60);
	ck_assert_str_eq(c.db, "/x/y.db");
	setenv("SSE_LIFETIME", "sixty", 1);
	ck_assert_int_eq(config_from_env(&c, err, sizeof(err)), -1);
	unsetenv("SSE_LIFETIME");
	unsetenv("SSE_DB");
}
END_TEST

START_TEST(test_lifetime_jitter)
{
	struct config c;
	unsigned r;
	int lo = 1 << 30, hi = 0, v;

	config_defaults(&c);
	for (r = 0; r < 1000; r++) {
		v = config_lifetime(&c, r * 2654435761u);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ck_assert_int_eq(hi, 240);
	ck_assert_int_eq(lo, 192);		/* 80 % */
	c.lifetime_s = 0;
	ck_assert_int_eq(config_lifetime(&c, 12345), 0);
}
END_TEST

/* The rechecks after a wake: growing, first within ~1 ms (a sync's time),
 * and they end, within 100 ms in all. */
START_TEST(test_watch_recheck)
{
	int step, total = 0, prev = 0;

	ck_assert_int_le(watch_recheck_ms(0), 1);
	for (step = 0; watch_recheck_ms(step) != -1; step++) {
		ck_assert_int_gt(watch_recheck_ms(step), prev);
		prev = watch_recheck_ms(step);
		total += prev;
		ck_assert_int_lt(step, 32);
	}
	ck_assert_int_ge(step, 2);
	ck_assert_int_le(total, 100);
	ck_assert_int_eq(watch_recheck_ms(-1), -1);
}
END_TEST

START_TEST(test_watch)
{
	char path[512], wal[600], other[600];
	struct watch w;
	FILE *f;

	tmp_db(path, sizeof(path));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(other, sizeof(other), "%s.other", path);
	ck_assert_int_eq(watch_open(&w, path), 0);
	ck_assert_int_eq(watch_read(&w), 0);
	f = fopen(other, "w");		/* a neighbour: not ours */
	fputs("x", f);
	fclose(f);
	ck_assert_int_eq(watch_read(&w), 0);
	f = fopen(wal, "w");
	fputs("x", f);
	fclose(f);
	ck_assert_int_eq(watch_read(&w) & WATCH_CHANGED, WATCH_CHANGED);
	f = fopen(path, "w");		/* the database itself appears */
	fclose(f);
	ck_assert_int_eq(watch_read(&w), WATCH_CHANGED | WATCH_REPLACED);
	ck_assert_int_eq(watch_read(&w), 0);
	watch_close(&w);
	watch_close(&w);		/* twice is harmless */
	unlink(other);
	rm_db(path);
}
END_TEST

/* The part of fcgi/sse-fcgi.8 between ".\" NAME: begin" and its end is
 * what gen writes. */
static void
check_man_part(const char *page, const char *name, void (*gen)(FILE *))
{
	char begin[64], end[64], *out = NULL;
	const char *a, *b;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	gen(f);
	fclose(f);
	snprintf(begin, sizeof(begin), ".\\\" %s: begin", name);
	snprintf(end, sizeof(end), ".\\\" %s: end", name);
	ck_assert_msg((a = strstr(page, begin)) != NULL, "no %s", begin);
	a = strchr(a, '\n') + 1;
	ck_assert_msg((b = strstr(a, end)) != NULL, "no %s", end);
	ck_assert_msg((size_t)(b - a) == len && memcmp(a, out, len) == 0,
	    "fcgi/sse-fcgi.8's %s differs from src/config.c: run make man",
	    name);
	free(out);
}

/* The man page's SYNOPSIS flags, options and ENVIRONMENT list are the
 * table's: "make man" rewrites them, and this fails while they differ, so
 * the page lists every flag and every setting. Run from the top directory. */
START_TEST(test_man_page_settings)
{
	static char text[65536];
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen("fcgi/sse-fcgi.8", "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	check_man_part(text, "synopsis", config_mdoc_synopsis);
	check_man_part(text, "options", config_mdoc_options);
	check_man_part(text, "settings", config_mdoc);
	/* Every flag in --help is a setting's, and names it. */
	ck_assert_ptr_nonnull(strstr(config_help(), "SSE_CORS_ORIGINS"));
}
END_TEST

/* Flags map back to their settings. */
START_TEST(test_config_options)
{
	struct option o[32];
	int n = config_options(o, 32, 256), i, poll = -1;

	ck_assert_int_ge(n, 7);
	ck_assert_ptr_null(o[n].name);
	for (i = 0; i < n; i++)
		if (strcmp(o[i].name, "poll") == 0)
			poll = o[i].val;
	ck_assert_int_ge(poll, 256);
	ck_assert_str_eq(config_option_setting(poll, 256), "SSE_POLL_MS");
	ck_assert_str_eq(config_option_setting('d', 256), "SSE_DB");
	ck_assert_str_eq(config_option_setting('c', 256), "SSE_MAX_STREAMS");
	ck_assert_ptr_null(config_option_setting('z', 256));
}
END_TEST

/* sse-fcgi's connection states, every move, without a socket. */
START_TEST(test_conn_states)
{
	static const struct {
		enum conn_state	 from;
		enum conn_input	 in;
		enum conn_state	 to;
	} t[] = {
		{ CONN_LIVE, CONN_START_BEHIND, CONN_BEHIND },
		{ CONN_LIVE, CONN_BACKLOG, CONN_BEHIND },
		{ CONN_LIVE, CONN_HELD, CONN_STALLED },	/* grants busy */
		{ CONN_LIVE, CONN_CAUGHT_UP, CONN_LIVE },
		{ CONN_LIVE, CONN_RETRY, CONN_LIVE },
		{ CONN_LIVE, CONN_FINISH, CONN_DRAINING },
		{ CONN_BEHIND, CONN_BACKLOG, CONN_BEHIND },
		{ CONN_BEHIND, CONN_HELD, CONN_STALLED },
		{ CONN_BEHIND, CONN_CAUGHT_UP, CONN_LIVE },
		{ CONN_BEHIND, CONN_RETRY, CONN_BEHIND },
		{ CONN_BEHIND, CONN_FINISH, CONN_DRAINING },
		{ CONN_STALLED, CONN_BACKLOG, CONN_STALLED },
		{ CONN_STALLED, CONN_CAUGHT_UP, CONN_STALLED },
		{ CONN_STALLED, CONN_HELD, CONN_STALLED },
		{ CONN_STALLED, CONN_RETRY, CONN_BEHIND },
		{ CONN_STALLED, CONN_FINISH, CONN_DRAINING },
		{ CONN_DRAINING, CONN_START_BEHIND, CONN_DRAINING },
		{ CONN_DRAINING, CONN_BACKLOG, CONN_DRAINING },
		{ CONN_DRAINING, CONN_HELD, CONN_DRAINING },
		{ CONN_DRAINING, CONN_CAUGHT_UP, CONN_DRAINING },
		{ CONN_DRAINING, CONN_RETRY, CONN_DRAINING },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(conn_next(t[i].from, t[i].in) == t[i].to,
		    "move %zu: %d by %d gave %d, not %d", i, t[i].from,
		    t[i].in, conn_next(t[i].from, t[i].in), t[i].to);
	/* A socket's drain matters while output waits, or while it paces a
	 * catch-up; a stalled one must not spin on it. */
	ck_assert(conn_wants_out(CONN_BEHIND, 0));
	ck_assert(!conn_wants_out(CONN_STALLED, 0));
	ck_assert(!conn_wants_out(CONN_LIVE, 0));
	ck_assert(conn_wants_out(CONN_LIVE, 1));
	ck_assert(conn_wants_out(CONN_DRAINING, 1));
}
END_TEST

Suite *
misc_suite(void)
{
	Suite *s = suite_create("misc");
	TCase *tc = tcase_create("misc");

	tcase_add_test(tc, test_record_header);
	tcase_add_test(tc, test_record_split);
	tcase_add_test(tc, test_record_end);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_lifetime_jitter);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_watch_recheck);
	tcase_add_test(tc, test_man_page_settings);
	tcase_add_test(tc, test_conn_states);
	tcase_add_test(tc, test_config_options);
	suite_add_tcase(s, tc);
	return s;
}

/* check_sse.c - framing and Last-Event-ID parsing, read back by a WHATWG parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "sseparse.h"
#include "suites.h"

/* Every Last-Event-ID variant the issue lists, and then some. */
static const struct {
	const char *in;
	size_t len;		/* 0: strlen */
	int ok;
	int64_t id;
} ids[] = {
	{ "0", 0, 1, 0 },
	{ "1", 0, 1, 1 },
	{ "42", 0, 1, 42 },
	{ "007", 0, 1, 7 },
	{ "9223372036854775807", 0, 1, INT64_MAX },	/* 2^63 - 1 */
	{ "", 0, 0, 0 },
	{ " ", 0, 0, 0 },
	{ "   ", 0, 0, 0 },
	{ " 5", 0, 0, 0 },
	{ "5 ", 0, 0, 0 },
	{ "abc", 0, 0, 0 },
	{ "-5", 0, 0, 0 },
	{ "+5", 0, 0, 0 },
	{ "1e3", 0, 0, 0 },
	{ "0x10", 0, 0, 0 },
	{ "1.5", 0, 0, 0 },
	{ "9223372036854775808", 0, 0, 0 },		/* 2^63 */
	{ "18446744073709551617", 0, 0, 0 },		/* 2^64 + 1 */
	{ "99999999999999999999", 0, 0, 0 },
	{ "1234567890123456789012345", 0, 0, 0 },	/* 25 digits */
	{ "12\0" "34", 5, 0, 0 },			/* embedded NUL */
	{ "1 OR 1=1", 0, 0, 0 },
	{ "1;DROP TABLE events", 0, 0, 0 },
	{ "\xd9\xa3", 0, 0, 0 },			/* Arabic-Indic digit 3 */
	{ "1\r\n", 0, 0, 0 },
};

START_TEST(test_parse_id)
{
	int64_t id = -1;
	size_t len = ids[_i].len ? ids[_i].len : strlen(ids[_i].in);
	int rc = sse_parse_id(ids[_i].in, len, &id);

	ck_assert_msg((rc == 0) == ids[_i].ok, "case %d '%s': rc %d", _i,
	    ids[_i].in, rc);
	if (ids[_i].ok)
		ck_assert_int_eq(id, ids[_i].id);
}
END_TEST

START_TEST(test_parse_id_null)
{
	int64_t id;

	ck_assert_int_eq(sse_parse_id(NULL, 0, &id), -1);
}
END_TEST

/* Exact bytes on the wire. */
static const struct {
	int64_t id;
	const char *event, *data;
	const char *wire;
} frames[] = {
	{ 5, "price", "{\"a\":1}", "id: 5\nevent: price\ndata: {\"a\":1}\n\n" },
	{ -1, NULL, "x", "data: x\n\n" },
	{ 1, NULL, "", "id: 1\ndata: \n\n" },
	{ 2, NULL, "a\nb", "id: 2\ndata: a\ndata: b\n\n" },
	{ 3, NULL, "a\rb", "id: 3\ndata: a\ndata: b\n\n" },
	{ 4, NULL, "a\r\nb", "id: 4\ndata: a\ndata: b\n\n" },
	{ 6, NULL, "a\n\nb", "id: 6\ndata: a\ndata: \ndata: b\n\n" },
	{ 7, NULL, "a\n", "id: 7\ndata: a\ndata: \n\n" },
	{ 8, NULL, "\n", "id: 8\ndata: \ndata: \n\n" },
	{ 9, NULL, "\r\n\r", "id: 9\ndata: \ndata: \ndata: \n\n" },
	{ 10, NULL, " lead", "id: 10\ndata:  lead\n\n" },
	{ 11, NULL, "id: 99\n\ndata: x", "id: 11\ndata: id: 99\ndata: \n"
	    "data: data: x\n\n" },
	{ 12, "a:b", "ü€😀", "id: 12\nevent: a:b\ndata: ü€😀\n\n" },
};

START_TEST(test_frame_wire)
{
	struct buf b;

	buf_init(&b);
	ck_assert_int_eq(sse_event(&b, frames[_i].id, frames[_i].event,
	    frames[_i].data, strlen(frames[_i].data)), 0);
	ck_assert_str_eq(b.data, frames[_i].wire);
	buf_release(&b);
}
END_TEST

/* Whatever the payload, a browser gets back exactly one event with the
 * payload's lines joined by LF: no injected field, no early end. */
static const char *payloads[] = {
	"", "plain", "a\nb", "a\rb", "a\r\nb", "\n\n\n", "\r\r", "\r\n\r\n",
	"trailing\r", "\nlead", "data: evil\n\nid: 666\nevent: x\n\n",
	"retry: 1\r\rdata: y", ": comment\n", "id: 1\0x", "\xef\xbb\xbf" "bom",
	"ü\nñ\r\n日本", "x\n\r", "\n\r\n\r\n",
};

static void
normalize(const char *in, size_t n, struct buf *out)
{
	size_t i;

	buf_clear(out);
	buf_append(out, "", 0);
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (c == '\r') {
			c = '\n';
			if (i + 1 < n && in[i + 1] == '\n')
				i++;
		}
		buf_append(out, &c, 1);
	}
}

START_TEST(test_roundtrip)
{
	const char *p = payloads[_i];
	size_t n = (_i == 13) ? 7 : strlen(p);	/* case 13 holds a NUL */
	struct buf wire, want;
	struct sseparse ps;
	struct sse_last g;

	sse_last_init(&g);
	buf_init(&wire);
	buf_init(&want);
	ck_assert_int_eq(sse_comment(&wire, "ok"), 0);
	ck_assert_int_eq(sse_event(&wire, 77, "evt", p, n), 0);
	sseparse_init(&ps, sse_last_fn, &g);
	/* Byte by byte: line ends split across reads must not matter. */
	for (size_t i = 0; i < wire.len; i++)
		sseparse_feed(&ps, wire.data + i, 1);
	normalize(p, n, &want);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.type.data, "evt");
	ck_assert_str_eq(g.id.data, "77");
	ck_assert_uint_eq(g.data.len, want.len);
	ck_assert(memcmp(g.data.data, want.data, want.len) == 0);
	sseparse_release(&ps);
	buf_release(&wire);
	buf_release(&want);
	sse_last_release(&g);
}
END_TEST

START_TEST(test_bad_event_names)
{
	static const char *bad[] = { "a\nb", "a\rb", "x\n\ndata: y" };
	char longname[SSE_EVENT_MAX + 2];
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_appends(&b, "keep");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sse_event(&b, 1, bad[i], "d", 1), -1);
		ck_assert_str_eq(b.data, "keep");
	}
	memset(longname, 'e', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(sse_event(&b, 1, longname, "d", 1), -1);
	longname[SSE_EVENT_MAX] = '\0';
	ck_assert_int_eq(sse_event(&b, 1, longname, "d", 1), 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_size_limit)
{
	struct buf b;
	char *big = malloc(SSE_DATA_MAX + 1);

	memset(big, 'x', SSE_DATA_MAX + 1);
	buf_init(&b);
	ck_assert_int_eq(sse_event(&b, 1, NULL, big, SSE_DATA_MAX + 1), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(sse_event(&b, 1, NULL, big, SSE_DATA_MAX), 0);
	ck_assert_uint_eq(b.len, strlen("id: 1\ndata: \n\n") + SSE_DATA_MAX);
	buf_release(&b);
	free(big);
}
END_TEST

START_TEST(test_small_frames)
{
	struct buf b;

	buf_init(&b);
	sse_id_only(&b, 41);
	sse_retry(&b, 3000);
	sse_comment(&b, "a\nb\rc");
	ck_assert_str_eq(b.data, "id: 41\n\nretry: 3000\n\n: a b c\n\n");
	buf_release(&b);
}
END_TEST

/* An id-only block moves the cursor without firing (priming). */
START_TEST(test_priming_parses)
{
	struct sseparse ps;
	struct sse_last g;
	struct buf b;

	sse_last_init(&g);
	buf_init(&b);
	sse_id_only(&b, 9);
	sseparse_init(&ps, sse_last_fn, &g);
	sseparse_feed(&ps, b.data, b.len);
	ck_assert_int_eq(g.n, 0);
	ck_assert_str_eq(ps.last_id.data, "9");
	sseparse_release(&ps);
	buf_release(&b);
}
END_TEST

Suite *
sse_suite(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = tcase_create("framing");

	tcase_add_loop_test(tc, test_parse_id, 0, sizeof(ids) / sizeof(ids[0]));
	tcase_add_test(tc, test_parse_id_null);
	tcase_add_loop_test(tc, test_frame_wire, 0,
	    sizeof(frames) / sizeof(frames[0]));
	tcase_add_loop_test(tc, test_roundtrip, 0,
	    sizeof(payloads) / sizeof(payloads[0]));
	tcase_add_test(tc, test_bad_event_names);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_small_frames);
	tcase_add_test(tc, test_priming_parses);
	suite_add_tcase(s, tc);
	return s;
}

/* check_gzip.c - Accept-Encoding as clients send it, and a body that
 * decodes after every write (each event as it arrives) and ends whole. */
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "gzip.h"
#include "suites.h"

START_TEST(test_accepted)
{
	static const struct {
		const char	*v;
		int		 gz;
	} cases[] = {
		{ "gzip, deflate, br, zstd", 1 },	/* Chromium */
		{ "gzip", 1 }, { "GZIP", 1 }, { "x-gzip", 1 },
		{ "deflate, gzip;q=1.0, *;q=0.5", 1 },
		{ " gzip ; q=0.001 ", 1 },
		{ "gzip;q=0", 0 }, { "gzip;q=0.000", 0 },
		{ "gzip;q=0, *", 0 },			/* refused by name */
		{ "*", 1 }, { "*;q=0", 0 }, { "identity", 0 },
		{ "br, deflate", 0 }, { "", 0 }, { ",,,", 0 },
		{ "gzipx", 0 }, { "xgzip", 0 }, { "gzip;", 0 },
		{ "gzip;q=", 0 }, { "gzip;q=abc", 0 }, { "gzip;q=2", 0 },
		{ "gzip;level=9", 0 }, { "gzip;q=0.5x", 0 },
		{ "gzip;q=0, gzip;q=1", 1 },
		{ "gzip;q=1.5", 0 }, { "gzip;q=1.000", 1 }, { "gzip;q=1.", 1 },
		{ "gzip;q=0.0001", 0 }, { "gzip;q=0.", 0 },
	};
	size_t i;

	ck_assert_int_eq(gzip_accepted(NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(gzip_accepted(cases[i].v) == cases[i].gz,
		    "'%s': want %d", cases[i].v, cases[i].gz);
}
END_TEST

/* Inflate what has come so far; the text decoded, in out. */
static void
inflate_so_far(z_stream *z, const struct buf *in, size_t *used, char *out,
    size_t outsz, size_t *outlen)
{
	int rc;

	z->next_in = (Bytef *)in->data + *used;
	z->avail_in = (uInt)(in->len - *used);
	z->next_out = (Bytef *)out + *outlen;
	z->avail_out = (uInt)(outsz - *outlen);
	rc = inflate(z, Z_SYNC_FLUSH);
	ck_assert(rc == Z_OK || rc == Z_STREAM_END);
	ck_assert_uint_eq(z->avail_in, 0);
	*used = in->len;
	*outlen = outsz - z->avail_out;
}

START_TEST(test_each_write_decodes)
{
	static char text[8192], got[1 << 16];
	struct gzip *g = gzip_new();
	z_stream z;
	struct buf wire;
	size_t used = 0, gotlen, i;
	int n;

	ck_assert_ptr_nonnull(g);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 16 + 15), Z_OK);
	buf_init(&wire);
	for (i = 0; i < 200; i++) {
		n = snprintf(text, sizeof(text), "id: %zu\nevent: price\ndata: "
		    "{\"symbol\":\"AAPL\",\"price\":%zu.%02zu}\n\n", i,
		    100 + i % 7, i % 100);
		if (i == 100) {		/* one bigger than a buffer step */
			memset(text, 'x', 6000);
			n = 6000;
		}
		ck_assert_int_eq(gzip_put(g, text, (size_t)n, 0, &wire), 0);
		gotlen = 0;
		inflate_so_far(&z, &wire, &used, got, sizeof(got), &gotlen);
		/* This write, whole: nothing held back for later. */
		ck_assert_uint_eq(gotlen, (size_t)n);
		ck_assert_mem_eq(got, text, (size_t)n);
	}
	gotlen = 0;
	ck_assert_int_eq(gzip_put(g, "end\n", 4, 1, &wire), 0);
	inflate_so_far(&z, &wire, &used, got, sizeof(got), &gotlen);
	ck_assert_uint_eq(gotlen, 4);
	ck_assert_mem_eq(got, "end\n", 4);
	/* A whole gzip member, trailer and all. */
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	/* The repeated shape is what the small window must catch. */
	ck_assert_uint_lt(wire.len, 200 * 60 / 3 + 6000);
	inflateEnd(&z);
	buf_release(&wire);
	gzip_free(g);
	gzip_free(NULL);
}
END_TEST

Suite *
gzip_suite(void)
{
	Suite *s = suite_create("gzip");
	TCase *tc = tcase_create("gzip");

	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_each_write_decodes);
	suite_add_tcase(s, tc);
	return s;
}

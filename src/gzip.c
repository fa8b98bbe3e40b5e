/* gzip.c - compressing a stream's body as it goes (see gzip.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "gzip.h"

struct gzip {
	z_stream	z;
};

struct gzip *
gzip_new(void)
{
	struct gzip *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	/* 16 + bits: a gzip header and trailer around the deflate data. */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	    16 + GZIP_WINDOW_BITS, GZIP_MEM_LEVEL, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(g);
		return NULL;
	}
	return g;
}

void
gzip_free(struct gzip *g)
{
	if (g == NULL)
		return;
	deflateEnd(&g->z);
	free(g);
}

int
gzip_put(struct gzip *g, const void *in, size_t len, int last,
    struct buf *out)
{
	size_t mark = out->len, room;
	int rc;

	g->z.next_in = (Bytef *)(uintptr_t)in;
	g->z.avail_in = (uInt)len;
	do {
		/* deflateBound() is for a whole input; a flush adds a few
		 * bytes, so grow in steps until zlib is done. */
		room = len / 2 + 64;
		if (buf_reserve(out, room) == -1)
			goto fail;
		g->z.next_out = (Bytef *)out->data + out->len;
		g->z.avail_out = (uInt)room;
		rc = deflate(&g->z, last ? Z_FINISH : Z_SYNC_FLUSH);
		if (rc == Z_STREAM_ERROR)
			goto fail;
		out->len += room - g->z.avail_out;
	} while (g->z.avail_out == 0 || (last && rc != Z_STREAM_END));
	out->data[out->len] = '\0';
	return 0;
fail:
	out->len = mark;
	if (out->data != NULL)
		out->data[mark] = '\0';
	return -1;
}

int
gzip_body(struct gzip *g, size_t *raw, const char *text, size_t len,
    int last, struct buf *out)
{
	size_t head = *raw < len ? *raw : len;

	*raw = 0;
	if (buf_append(out, text, head) == -1)
		return -1;
	if (len == head && !last)
		return 0;
	return gzip_put(g, text + head, len - head, last, out);
}

/* Is the qvalue at p (after "q=") above 0? Malformed: no. */
static int
q_above_zero(const char *p, size_t n)
{
	size_t i;
	int nonzero = 0;

	/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return 0;
	if (n > 1 && (p[1] != '.' || n > 5))
		return 0;
	for (i = 2; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || (p[0] == '1' && p[i] != '0'))
			return 0;
		nonzero |= p[i] != '0';
	}
	return p[0] == '1' || nonzero;
}

static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

/* One element of the list, [p, end): its coding and whether its weight
 * is above 0. Returns 0, or -1 when malformed. */
static int
element(const char *p, const char *end, const char **coding, size_t *clen,
    int *wanted)
{
	const char *semi;

	while (p < end && ows(*p))
		p++;
	while (end > p && ows(end[-1]))
		end--;
	semi = memchr(p, ';', (size_t)(end - p));
	*coding = p;
	*clen = (size_t)((semi != NULL ? semi : end) - p);
	while (*clen > 0 && ows(p[*clen - 1]))
		(*clen)--;
	*wanted = 1;
	if (semi == NULL)
		return *clen > 0 ? 0 : -1;
	for (p = semi + 1; p < end && ows(*p); p++)
		;
	if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return -1;
	*wanted = q_above_zero(p + 2, (size_t)(end - p - 2));
	return 0;
}

int
gzip_accepted(const char *v)
{
	const char *p, *comma, *coding;
	size_t clen;
	int wanted, gzip = -1, star = -1;

	if (v == NULL)
		return 0;
	for (p = v; *p != '\0'; p = *comma ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		if (element(p, comma, &coding, &clen, &wanted) == -1)
			continue;
		if ((clen == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
		    (clen == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
			gzip = gzip == 1 ? 1 : wanted;
		else if (clen == 1 && coding[0] == '*')
			star = star == 1 ? 1 : wanted;
	}
	return gzip != -1 ? gzip : star == 1;
}

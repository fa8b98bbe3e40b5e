/* stats.c - samples, percentiles and the payload format (see stats.h). */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

void
samples_init(struct samples *s)
{
	s->v = NULL;
	s->n = s->cap = 0;
	s->sorted = 1;
}

void
samples_release(struct samples *s)
{
	free(s->v);
	samples_init(s);
}

int
samples_add(struct samples *s, int64_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	s->sorted = 0;
	return 0;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
samples_pct(struct samples *s, double p)
{
	size_t rank;

	if (s->n == 0)
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp64);
		s->sorted = 1;
	}
	if (p <= 0)
		return s->v[0];
	rank = (size_t)ceil(p / 100.0 * (double)s->n);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

int64_t
samples_max(struct samples *s)
{
	return samples_pct(s, 100);
}

/* Digits only, at most 18 of them, so the value fits an int64_t. */
static const char *
number(const char *p, const char *end, int64_t *out)
{
	const char *start = p;
	int64_t v = 0;

	while (p < end && *p >= '0' && *p <= '9' && p - start < 18)
		v = v * 10 + (*p++ - '0');
	if (p == start || (p < end && *p >= '0' && *p <= '9'))
		return NULL;
	*out = v;
	return p;
}

int
payload_parse(const char *s, size_t len, int64_t *seq, int64_t *usec)
{
	const char *end = s + len, *p;

	if ((p = number(s, end, seq)) == NULL || p == end || *p != ' ')
		return -1;
	if ((p = number(p + 1, end, usec)) == NULL || p != end)
		return -1;
	return 0;
}

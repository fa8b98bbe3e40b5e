/* sseparse.c - a WHATWG-conformant event-stream parser for tests and bench. */
#include <stdlib.h>
#include <string.h>

#include "sseparse.h"

void
sseparse_init(struct sseparse *p, sseparse_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->retry = -1;
	p->fn = fn;
	p->ctx = ctx;
}

void
sseparse_release(struct sseparse *p)
{
	buf_release(&p->line);
	buf_release(&p->data);
	buf_release(&p->type);
	buf_release(&p->id_buf);
	buf_release(&p->last_id);
}

static void
dispatch(struct sseparse *p)
{
	struct sse_msg m;

	/* Step 1: the last event ID string takes the buffer even without data. */
	buf_clear(&p->last_id);
	buf_append(&p->last_id, p->id_buf.data ? p->id_buf.data : "",
	    p->id_buf.len);
	if (p->data.len == 0) {
		buf_clear(&p->type);
		return;
	}
	p->data.len--;		/* drop the trailing LF */
	p->data.data[p->data.len] = '\0';
	m.type = p->type.len ? p->type.data : "message";
	m.data = p->data.data;
	m.data_len = p->data.len;
	m.last_id = p->last_id.data ? p->last_id.data : "";
	p->fn(p->ctx, &m);
	buf_clear(&p->data);
	buf_clear(&p->type);
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
field(struct sseparse *p, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	if (nlen == 5 && memcmp(name, "event", 5) == 0) {
		buf_clear(&p->type);
		buf_append(&p->type, v, vlen);
	} else if (nlen == 4 && memcmp(name, "data", 4) == 0) {
		buf_append(&p->data, v, vlen);
		buf_append(&p->data, "\n", 1);
	} else if (nlen == 2 && memcmp(name, "id", 2) == 0) {
		if (memchr(v, '\0', vlen) == NULL) {
			buf_clear(&p->id_buf);
			buf_append(&p->id_buf, v, vlen);
		}
	} else if (nlen == 5 && memcmp(name, "retry", 5) == 0) {
		if (all_digits(v, vlen) && vlen < 10)
			p->retry = strtol(v, NULL, 10);
	}
}

static void
line(struct sseparse *p, const char *s, size_t n)
{
	const char *colon;
	const char *v;
	size_t vlen;

	if (n == 0) {
		dispatch(p);
		return;
	}
	if (s[0] == ':') {
		p->comments++;
		return;
	}
	colon = memchr(s, ':', n);
	if (colon == NULL) {
		field(p, s, n, "", 0);
		return;
	}
	v = colon + 1;
	vlen = n - (size_t)(v - s);
	if (vlen > 0 && *v == ' ') {
		v++;
		vlen--;
	}
	field(p, s, (size_t)(colon - s), v, vlen);
}

int
sseparse_feed(struct sseparse *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n' && p->seen_cr) {
			p->seen_cr = 0;
			continue;
		}
		p->seen_cr = (c == '\r');
		if (c == '\r' || c == '\n') {
			if (!p->bom_checked && p->line.len >= 3 &&
			    memcmp(p->line.data, "\xef\xbb\xbf", 3) == 0)
				buf_consume(&p->line, 3);
			p->bom_checked = 1;
			line(p, p->line.data ? p->line.data : "", p->line.len);
			buf_clear(&p->line);
			continue;
		}
		if (buf_append(&p->line, &c, 1) == -1)
			return -1;
	}
	return 0;
}

void
sse_last_init(struct sse_last *l)
{
	l->n = 0;
	buf_init(&l->data);
	buf_init(&l->type);
	buf_init(&l->id);
}

void
sse_last_release(struct sse_last *l)
{
	buf_release(&l->data);
	buf_release(&l->type);
	buf_release(&l->id);
}

void
sse_last_fn(void *ctx, const struct sse_msg *m)
{
	struct sse_last *l = ctx;

	l->n++;
	buf_clear(&l->data);
	buf_append(&l->data, m->data, m->data_len);
	buf_clear(&l->type);
	buf_appends(&l->type, m->type);
	buf_clear(&l->id);
	buf_appends(&l->id, m->last_id);
}

/* pending.c - rows held back to go into the store together (pending.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"

#define PENDING_NULL	SIZE_MAX

void
pending_init(struct pending *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->text);
}

void
pending_free(struct pending *p)
{
	buf_release(&p->text);
	free(p->row);
	free(p->ev);
	free(p->ids);
	memset(p, 0, sizeof(*p));
}

/* s (len bytes) and a NUL into text, *off its offset (PENDING_NULL for a
 * NULL s); -1 when out of memory. */
static int
keep(struct pending *p, const char *s, size_t len, size_t *off)
{
	*off = PENDING_NULL;
	if (s == NULL)
		return 0;
	*off = p->text.len;
	return buf_append(&p->text, s, len) == -1 ||
	    buf_append(&p->text, "", 1) == -1 ? -1 : 0;
}

static int
grow(struct pending *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64;
	struct pending_row *row = realloc(p->row, cap * sizeof(*row));
	struct store_event *ev;
	int64_t *ids;

	if (row == NULL)
		return -1;
	p->row = row;
	if ((ev = realloc(p->ev, cap * sizeof(*ev))) == NULL)
		return -1;
	p->ev = ev;
	if ((ids = realloc(p->ids, cap * sizeof(*ids))) == NULL)
		return -1;
	p->ids = ids;
	p->cap = cap;
	return 0;
}

static size_t
len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

int
pending_add(struct pending *p, const struct store_event *e)
{
	struct pending_row r;
	size_t mark = p->text.len;

	if (p->n == p->cap && grow(p) == -1)
		return -1;
	r.len = e->len;
	r.closes = e->closes;
	if (keep(p, e->event, len_of(e->event), &r.event) == -1 ||
	    keep(p, e->symbol, len_of(e->symbol), &r.symbol) == -1 ||
	    keep(p, e->price, len_of(e->price), &r.price) == -1 ||
	    keep(p, e->data != NULL ? e->data : "", e->len, &r.data) == -1 ||
	    keep(p, e->audience, len_of(e->audience), &r.audience) == -1 ||
	    keep(p, e->topic, len_of(e->topic), &r.topic) == -1) {
		p->text.len = mark;	/* the row's fields go with it */
		return -1;
	}
	p->row[p->n++] = r;
	return 0;
}

static const char *
at(const struct pending *p, size_t off)
{
	return off == PENDING_NULL ? NULL : p->text.data + off;
}

const struct store_event *
pending_events(struct pending *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct pending_row *r = &p->row[i];
		struct store_event e = { at(p, r->event), at(p, r->symbol),
		    at(p, r->price), at(p, r->data), r->len,
		    at(p, r->audience), at(p, r->topic), r->closes };

		p->ev[i] = e;
	}
	return p->ev;
}

void
pending_clear(struct pending *p)
{
	buf_clear(&p->text);
	p->n = 0;
}

/* batch.c - rows read once and framed once for every stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "sse.h"

void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->text);
}

void
batch_release(struct batch *b)
{
	buf_release(&b->text);
	free(b->f);
	batch_init(b);
}

/* Where the first data: line of a frame starts (after its id: and event:
 * lines, which hold no "data:" of their own); 0 for none. */
static size_t
frame_data_at(const char *p, size_t len)
{
	size_t i;

	for (i = 1; i + 5 <= len; i++)
		if (p[i - 1] == '\n' && memcmp(p + i, "data:", 5) == 0)
			return i;
	return 0;
}

static int
add_row(void *ctx, const struct row *r)
{
	struct batch *b = ctx;
	struct frame *f;
	size_t off = b->text.len;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		if ((f = realloc(b->f, cap * sizeof(*f))) == NULL)
			return -1;
		b->f = f;
		b->cap = cap;
	}
	f = &b->f[b->n];
	if (sse_event(&b->text, r->id, r->event, r->data, r->data_len) == -1) {
		if (sse_id_only(&b->text, r->id) == -1)
			return -1;
		b->unframed++;
	}
	f->id = r->id;
	f->off = off;
	f->len = b->text.len - off;
	f->has_symbol = r->symbol != NULL && strlen(r->symbol) <= SYMBOL_MAX;
	if (f->has_symbol)
		strcpy(f->symbol, r->symbol);
	else if (r->symbol != NULL) {
		/* Too long to be one we wrote: no filter can name it. */
		f->has_symbol = 1;
		f->symbol[0] = '\0';
	}
	f->data_at = frame_data_at(b->text.data + off, f->len);
	/* A topic we did not write (too long) matches no stream's pattern. */
	f->has_topic = r->topic != NULL;
	if (f->has_topic)
		snprintf(f->topic, sizeof(f->topic), "%s",
		    strlen(r->topic) <= TOPIC_MAX ? r->topic : "");
	f->closes = r->closes;
	/* A name too long to be one we wrote matches no stream: still private. */
	f->has_audience = r->audience != NULL;
	if (f->has_audience)
		snprintf(f->audience, sizeof(f->audience), "%s",
		    strlen(r->audience) <= AUDIENCE_MAX ? r->audience : "");
	b->last = r->id;
	b->n++;
	if (b->text.len >= b->max_bytes) {
		b->full = 1;
		return 1;	/* enough for one read */
	}
	return 0;
}

int
batch_load(struct batch *b, struct store *st, int64_t after, int limit,
    size_t max_bytes)
{
	int rc;

	buf_clear(&b->text);
	b->n = 0;
	b->unframed = 0;
	b->full = 0;
	b->max_bytes = max_bytes;
	b->after = b->last = after;
	rc = store_read_span(st, after, limit, b->want, add_row, b,
	    &b->oldest, &b->newest);
	if (rc < 0)
		return rc;
	/* A short read because add_row ran out of memory is still an error. */
	if ((size_t)rc != b->n)
		return STORE_ERR;
	if (rc == limit)
		b->full = 1;
	if (!b->full && b->newest > b->last)
		b->last = b->newest;
	return STORE_OK;
}

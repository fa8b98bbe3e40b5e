/*
 * pending.h - rows held back to go into the store together: sse-push on
 * PostgreSQL gathers a batch's or a feed group's rows and sends them as
 * one INSERT per many rows (store_put_many()) instead of one round trip a
 * row. A pending row is a copy: the caller's buffers may change at once.
 * Errors: pending_add() returns -1 when out of memory (nothing added).
 */
#ifndef PENDING_H
#define PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

/* Where one row's fields lie in text (PENDING_NULL: NULL). */
struct pending_row {
	size_t	 event, symbol, price, data, len, audience, topic;
	int	 closes;
};

struct pending {
	struct buf		 text;	/* every field, each NUL-terminated */
	struct pending_row	*row;
	struct store_event	*ev;	/* pending_events() fills it */
	int64_t			*ids;	/* room for an id a row */
	size_t			 n, cap;
};

void	pending_init(struct pending *p);
void	pending_free(struct pending *p);
int	pending_add(struct pending *p, const struct store_event *e);
/* The rows as events, pointing into p (valid until the next add or
 * clear); p->ids has room for their ids. */
const struct store_event *pending_events(struct pending *p);
void	pending_clear(struct pending *p);

#endif

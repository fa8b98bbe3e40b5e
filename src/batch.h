/*
 * batch.h - rows read from the store in one short statement and framed once
 * as SSE text, so that one read serves every stream that wants them.
 *
 * Errors: batch_load() returns the store's STORE_* code (its message is
 * store_errmsg()); the batch is then empty.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "topic.h"
#include "validate.h"

#define BATCH_ROWS	500	/* default rows per read */
/* Text per read, at most, plus one row: one read is what a stream may hold
 * unsent, so a batch of 500 large events cannot grow it to megabytes. */
#define BATCH_BYTES	(64 * 1024)

struct frame {
	int64_t	 id;
	size_t	 off, len;		/* into batch.text */
	int	 has_symbol;
	char	 symbol[SYMBOL_MAX + 1];
	int	 has_audience;		/* a private event */
	char	 audience[AUDIENCE_MAX + 1];
	size_t	 data_at;		/* where its first data: line starts
					   in the frame; 0: it has none */
	int	 has_topic;
	int	 closes;		/* the last row of its topic */
	char	 topic[TOPIC_MAX + 1];
};

struct batch {
	const struct topics *want;	/* set by the caller: read only these
					   topics' rows (NULL: every row) */
	int64_t		 after;		/* rows are > after ... */
	int64_t		 last;		/* ... and every id <= last was read */
	int64_t		 oldest;	/* the table's bounds in the same */
	int64_t		 newest;	/* snapshot (store_read_span) */
	int		 full;		/* hit a limit: more rows may follow */
	int		 unframed;	/* rows sent as "id:" only (bad name) */
	size_t		 max_bytes;	/* of this load */
	struct buf	 text;
	struct frame	*f;
	size_t		 n, cap;
};

void	batch_init(struct batch *b);
void	batch_release(struct batch *b);
/*
 * Replace the contents with the rows after 'after' (of b->want's topics, if
 * set): up to limit rows, and
 * no more once the text reaches max_bytes (always at least one row). A
 * batch that is not full covers every id up to newest, so last is newest
 * even when the newest rows were deleted: a cursor moves past the hole
 * instead of reading it again and again. A row whose event name cannot be
 * framed (CR/LF inside, written by hand) becomes an "id:" line, so cursors
 * still move past it. Returns a STORE_* code.
 */
int	batch_load(struct batch *b, struct store *st, int64_t after, int limit,
	    size_t max_bytes);

#endif

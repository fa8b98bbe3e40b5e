/*
 * batch.h - rows read from the store in one short statement and framed once
 * as SSE text, so that one read serves every stream that wants them.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "validate.h"

#define BATCH_ROWS	500	/* default rows per read: bounds memory */

struct frame {
	int64_t	 id;
	size_t	 off, len;		/* into batch.text */
	int	 has_symbol;
	char	 symbol[SYMBOL_MAX + 1];
};

struct batch {
	int64_t		 after;		/* rows are > after ... */
	int64_t		 last;		/* ... and <= last (after if none) */
	int		 full;		/* hit the limit: more rows may follow */
	int		 unframed;	/* rows sent as "id:" only (bad name) */
	struct buf	 text;
	struct frame	*f;
	size_t		 n, cap;
};

void	batch_init(struct batch *b);
void	batch_release(struct batch *b);
/*
 * Replace the contents with up to limit rows after 'after'. A row whose
 * event name cannot be framed (CR/LF inside, written by hand) becomes an
 * "id:" line, so cursors still move past it. Returns a STORE_* code.
 */
int	batch_load(struct batch *b, struct store *st, int64_t after, int limit);

#endif

/*
 * sseparse.h - a client-side event-stream parser that follows WHATWG HTML
 * 9.2.5/9.2.6 to the letter, used by the tests and the load client to read
 * what the responders write exactly as a browser would.
 */
#ifndef SSEPARSE_H
#define SSEPARSE_H

#include <stddef.h>

#include "buf.h"

struct sse_msg {
	const char	*type;		/* "message" unless an event: field */
	const char	*data;
	size_t		 data_len;
	const char	*last_id;	/* the last event ID string */
};

typedef void (*sseparse_fn)(void *ctx, const struct sse_msg *m);

struct sseparse {
	struct buf	 line, data, type, id_buf, last_id;
	int		 seen_cr;	/* last byte was CR: a following LF is not a new line */
	int		 bom_checked;
	long		 retry;		/* -1 until a valid retry: field */
	long		 comments;
	sseparse_fn	 fn;
	void		*ctx;
};

void	sseparse_init(struct sseparse *p, sseparse_fn fn, void *ctx);
void	sseparse_release(struct sseparse *p);
/* Feed bytes as they arrive; dispatches through fn. Returns 0 or -1 (ENOMEM). */
int	sseparse_feed(struct sseparse *p, const char *s, size_t n);

/* For tests: how many messages a parser dispatched, and a copy of the last. */
struct sse_last {
	int		 n;
	struct buf	 data, type, id;
};

void	sse_last_init(struct sse_last *l);
void	sse_last_release(struct sse_last *l);
/* An sseparse_fn whose ctx is a struct sse_last. */
void	sse_last_fn(void *ctx, const struct sse_msg *m);

#endif

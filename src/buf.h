/* buf.h - a growable byte buffer that owns its memory. Errors: -1 (out of
 * memory or overflow), the buffer left as it was. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated when len > 0; NULL until first append */
	size_t	 len;
	size_t	 cap;
};

/* Zero the struct; no allocation until the first append. */
void	buf_init(struct buf *b);
/* Free the memory; accepts a zeroed or half-used buf. */
void	buf_release(struct buf *b);
/* Forget the contents but keep the memory for reuse. */
void	buf_clear(struct buf *b);
/* Room for extra more bytes (plus a NUL). Returns 0, or -1 on overflow or ENOMEM. */
int	buf_reserve(struct buf *b, size_t extra);
/* Append bytes. Returns 0, or -1 with the buf unchanged. */
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_appends(struct buf *b, const char *s);
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (n <= len). */
void	buf_consume(struct buf *b, size_t n);

#endif

/*
 * gzip.h - a stream's body compressed as it goes (SSE_GZIP, for clients
 * that send Accept-Encoding: gzip): one deflate stream per response,
 * flushed to a byte boundary after every write (Z_SYNC_FLUSH), so the
 * browser decodes each event as it arrives instead of when a block fills.
 * The window is small (GZIP_WINDOW_BITS) because every open stream keeps
 * one: about 18 KB a stream (measured), against 268 KB at zlib's defaults. Events
 * repeat their shape within a few of them, which is what the window must
 * reach.
 * Errors: -1 (out of memory, or zlib refused), the output left as it was.
 */
#ifndef GZIP_H
#define GZIP_H

#include <stddef.h>

#include "buf.h"

#define GZIP_WINDOW_BITS	11	/* 2 KB */
#define GZIP_MEM_LEVEL		3	/* a 4 KB hash */

struct gzip;

/* A new deflate stream with its gzip header still to come; NULL if out of
 * memory. Free it with gzip_free(), which accepts NULL. */
struct gzip *gzip_new(void);
void	gzip_free(struct gzip *g);
/* Compress len bytes of in onto out, flushed so that everything so far
 * can be decoded; last: end the gzip stream (its trailer) too. */
int	gzip_put(struct gzip *g, const void *in, size_t len, int last,
	    struct buf *out);
/* A response's text onto out: its first *raw bytes as they are (the head,
 * on the first call; *raw is then 0), the rest through gzip_put(). */
int	gzip_body(struct gzip *g, size_t *raw, const char *text, size_t len,
	    int last, struct buf *out);

/*
 * The value of an Accept-Encoding header: 1 if it takes gzip (gzip or
 * x-gzip with a q above 0, or * above 0 with gzip not refused), else 0.
 * NULL and anything malformed: 0 (the body is sent as it is).
 */
int	gzip_accepted(const char *accept_encoding);

#endif

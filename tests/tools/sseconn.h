/*
 * sseconn.h - the client side of one SSE response over HTTP/1.1: the head,
 * then a raw or chunked body fed to a WHATWG parser. Shared by the test load
 * client (sseload) and the benchmark client (bench/ssebench).
 */
#ifndef SSECONN_H
#define SSECONN_H

#include <stddef.h>

#include "buf.h"
#include "sseparse.h"

enum { SC_HEAD, SC_SIZE, SC_DATA, SC_DATA_END, SC_RAW, SC_DONE };

struct sseconn {
	int		 state;		/* SC_*; SC_DONE once the body ended */
	int		 status;	/* the HTTP status, 0 until the head is read */
	int		 chunked;
	size_t		 chunk_left;
	struct buf	 in;		/* the head, or a chunk-size line */
	struct sseparse	 p;
};

void	sseconn_init(struct sseconn *c, sseparse_fn fn, void *ctx);
void	sseconn_release(struct sseconn *c);
/* Ready for a new response on a new connection. */
void	sseconn_reset(struct sseconn *c);
/* Feed bytes as read. Ends in SC_DONE on a non-200 answer or a malformed
 * head or chunk size, or at the end of a chunked body. */
void	sseconn_feed(struct sseconn *c, const char *p, size_t n);

/* Format "GET path" with Accept and, when lei is not NULL, Last-Event-ID. */
int	sseconn_request(struct buf *out, const char *host, int port,
	    const char *path, const char *lei);
/* A blocking or non-blocking TCP connection to addr:port; -1 on error. */
int	sseconn_dial(const char *addr, int port, int nonblock);

#endif

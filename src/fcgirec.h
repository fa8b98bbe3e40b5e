/*
 * fcgirec.h - the FastCGI records a responder writes (FastCGI 1.0 spec,
 * section 3.3): FCGI_STDOUT carrying the response and FCGI_END_REQUEST.
 * sse-fcgi writes these itself, non-blocking, instead of through libfcgi's
 * blocking streams, so one thread can hold thousands of responses.
 */
#ifndef FCGIREC_H
#define FCGIREC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FCGIREC_HEADER		8
#define FCGIREC_MAX_CONTENT	65535
#define FCGIREC_STDOUT		6
#define FCGIREC_END_REQUEST	3

/* Fill an 8-byte record header. */
void	fcgirec_header(unsigned char h[FCGIREC_HEADER], int type,
	    int request_id, size_t content_len);
/* Append s[0..n) as FCGI_STDOUT records of at most 65535 bytes each;
 * n == 0 appends nothing (an empty STDOUT record would end the stream). */
int	fcgirec_stdout(struct buf *b, int request_id, const char *s, size_t n);
/* Append the empty FCGI_STDOUT that ends the output, then FCGI_END_REQUEST
 * with appStatus 0 and FCGI_REQUEST_COMPLETE. */
int	fcgirec_end(struct buf *b, int request_id);

#endif

/*
 * sse.h - Server-Sent Events framing, per WHATWG HTML "Server-sent events"
 * (9.2.5 parsing, 9.2.6 interpreting). Everything here appends to a buf and
 * never prints or exits.
 */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Largest payload the framer accepts; sse-push itself stops far below. */
#define SSE_DATA_MAX	(1024 * 1024)
/* Longest event name; also bounds what sse-push accepts. */
#define SSE_EVENT_MAX	64

/*
 * Parse a Last-Event-ID value (header or query parameter) strictly: 1 to 19
 * ASCII digits, value <= INT64_MAX. Anything else (empty, spaces, sign,
 * exponent, hex, overflow, NUL inside the given length) counts as absent.
 * Returns 0 and sets *id, or -1.
 */
int	sse_parse_id(const char *s, size_t len, int64_t *id);

/* 1 when s[0..len) holds no CR, LF or NUL, so it can be one field value. */
int	sse_field_safe(const char *s, size_t len);

/*
 * Append one event: "id: N" (when id >= 0), "event: NAME" (when event is not
 * NULL), one "data: " line per line of data split on CR, LF and CRLF, then
 * the blank line that dispatches it. An empty payload still yields one
 * "data:" line, so the browser fires the event with data "".
 * Returns 0, or -1 (buf unchanged) if event holds CR/LF/NUL or is longer than
 * SSE_EVENT_MAX, data is longer than SSE_DATA_MAX, or memory runs out.
 */
int	sse_event(struct buf *b, int64_t id, const char *event,
	    const char *data, size_t len);

/* "id: N" and a blank line: moves the browser's resume cursor, fires nothing. */
int	sse_id_only(struct buf *b, int64_t id);
/* "retry: MS" line and a blank line. */
int	sse_retry(struct buf *b, unsigned ms);
/* ": TEXT" comment block ending in a blank line; CR/LF in text become spaces. */
int	sse_comment(struct buf *b, const char *text);

#endif

/* sse.c - Server-Sent Events framing and Last-Event-ID parsing. */
#include <string.h>

#include "sse.h"

int
sse_parse_id(const char *s, size_t len, int64_t *id)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* 19 digits fit in uint64_t, so only INT64_MAX needs checking. */
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

int
sse_field_safe(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return 0;
	return 1;
}

/* Append "data: LINE\n" for every line; CR, LF and CRLF all end a line. */
static int
append_data_lines(struct buf *b, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *q;

	for (;;) {
		for (q = p; q < end && *q != '\r' && *q != '\n'; q++)
			;
		if (buf_append(b, "data: ", 6) == -1 ||
		    buf_append(b, p, (size_t)(q - p)) == -1 ||
		    buf_append(b, "\n", 1) == -1)
			return -1;
		if (q == end)
			return 0;
		if (*q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		p = q + 1;
	}
}

int
sse_event(struct buf *b, int64_t id, const char *event, const char *data,
    size_t len)
{
	size_t mark = b->len;

	if (event != NULL && (strlen(event) > SSE_EVENT_MAX ||
	    !sse_field_safe(event, strlen(event))))
		return -1;
	if (len > SSE_DATA_MAX || (data == NULL && len > 0))
		return -1;
	if (id >= 0 && buf_printf(b, "id: %lld\n", (long long)id) == -1)
		goto fail;
	if (event != NULL && buf_printf(b, "event: %s\n", event) == -1)
		goto fail;
	if (append_data_lines(b, data ? data : "", len) == -1 ||
	    buf_append(b, "\n", 1) == -1)
		goto fail;
	return 0;
fail:
	b->len = mark;
	if (b->data != NULL)
		b->data[mark] = '\0';
	return -1;
}

int
sse_id_only(struct buf *b, int64_t id)
{
	return buf_printf(b, "id: %lld\n\n", (long long)id);
}

int
sse_retry(struct buf *b, unsigned ms)
{
	return buf_printf(b, "retry: %u\n\n", ms);
}

int
sse_comment(struct buf *b, const char *text)
{
	size_t mark = b->len, i;

	if (buf_append(b, ": ", 2) == -1)
		return -1;
	for (i = 0; text[i] != '\0'; i++) {
		char c = (text[i] == '\r' || text[i] == '\n') ? ' ' : text[i];
		if (buf_append(b, &c, 1) == -1)
			goto fail;
	}
	if (buf_append(b, "\n\n", 2) == -1)
		goto fail;
	return 0;
fail:
	b->len = mark;
	return -1;
}

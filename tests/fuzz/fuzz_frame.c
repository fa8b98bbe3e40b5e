/* fuzz_frame.c - the framing property: whatever the event name and payload
 * (split at the first NUL), a browser's parse of what sse_event() wrote
 * gives back exactly one event, with that name, that id and the payload's
 * lines joined by LF. A name that cannot be framed is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "sseparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *s = (const char *)d, *nul = memchr(s, '\0', n);
	char name[SSE_EVENT_MAX + 2];
	size_t nlen = nul ? (size_t)(nul - s) : 0, i;
	const char *data = nul ? nul + 1 : s;
	size_t dlen = n - (nul ? nlen + 1 : 0);
	struct buf wire, want;
	struct sseparse p;
	struct sse_last g;

	sse_last_init(&g);
	buf_init(&wire);
	buf_init(&want);
	if (nlen > SSE_EVENT_MAX)
		nlen = SSE_EVENT_MAX + 1;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	sse_comment(&wire, "ok");
	if (sse_event(&wire, 42, nlen ? name : NULL, data, dlen) == -1) {
		/* Only a name with CR/LF, or too long, may be refused. */
		if (nlen <= SSE_EVENT_MAX && sse_field_safe(name, nlen))
			abort();
		goto out;
	}
	for (i = 0; i < dlen; i++) {
		char c = data[i];
		if (c == '\r') {
			c = '\n';
			if (i + 1 < dlen && data[i + 1] == '\n')
				i++;
		}
		buf_append(&want, &c, 1);
	}
	sseparse_init(&p, sse_last_fn, &g);
	sseparse_feed(&p, wire.data, wire.len);
	sseparse_release(&p);
	/* An empty name is "message" to a browser, like no name at all. */
	if (g.n != 1 || strcmp(g.id.data, "42") != 0 ||
	    strcmp(g.type.data, nlen ? name : "message") != 0 ||
	    g.data.len != want.len ||
	    (want.len && memcmp(g.data.data, want.data, want.len) != 0))
		abort();
out:
	buf_release(&wire);
	buf_release(&want);
	sse_last_release(&g);
	return 0;
}

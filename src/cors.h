/*
 * cors.h - cross-origin access, off unless configured. SSE_CORS_ORIGINS
 * lists the origins whose pages may read the stream ("https://a.example
 * http://b.example:8080"), or is "*" for any. Browsers enforce CORS; the
 * responder only declares, so a GET from another origin is still served,
 * just without the header that would let the page read it.
 *
 * Errors: cors_parse() returns -1 with a message in the caller's err.
 */
#ifndef CORS_H
#define CORS_H

#include <stddef.h>

#include "buf.h"

#define CORS_MAX		16
#define CORS_ORIGIN_MAX		255	/* bytes of one origin */

struct cors {
	int	 any;			/* "*" */
	int	 n;			/* 0 and !any: CORS off */
	char	 origin[CORS_MAX][CORS_ORIGIN_MAX + 1];
};

/* Parse a list separated by spaces or commas. "" turns CORS off. Returns
 * 0, or -1 with a reason in err (the list is then off). */
int	cors_parse(struct cors *c, const char *list, char *err, size_t errsz);
int	cors_enabled(const struct cors *c);
/* 1 when a page from origin (the request's Origin header) may read. */
int	cors_allows(const struct cors *c, const char *origin);
/* The response header lines for origin when CORS is on: Vary: Origin
 * always, the allow header if origin may read. Nothing when off. */
void	cors_headers(const struct cors *c, const char *origin, struct buf *out);
/*
 * Answer an OPTIONS request (CGI response head, ending in the blank line).
 * Returns the status: 204 to an allowed origin preflighting GET or HEAD,
 * 403 to anything else, 405 when CORS is off (OPTIONS is then just another
 * method we do not serve).
 */
int	cors_preflight(const struct cors *c, const char *origin,
	    const char *method, struct buf *out);

#endif

/* cors.c - cross-origin declarations for the stream (see cors.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cors.h"

/*
 * An origin as browsers send it: scheme "://" host, an optional ":port",
 * nothing after. Hosts are letters, digits, '-', '.', or a bracketed IPv6
 * address; no user info, path, query or trailing slash.
 */
static int
origin_valid(const char *s, size_t len)
{
	const char *p, *end = s + len;
	size_t scheme;

	if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		scheme = 8;
	else if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		scheme = 7;
	else
		return 0;
	p = s + scheme;
	if (*p == '[') {
		while (p < end && *p != ']')
			if (strchr("0123456789abcdefABCDEF:.[", *p++) == NULL)
				return 0;
		if (p == end)
			return 0;
		p++;
	} else {
		const char *host = p;

		while (p < end && *p != ':' && (strchr("-.", *p) ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			p++;
		if (p == host)
			return 0;
	}
	if (p < end && *p == ':') {
		const char *port = ++p;

		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == port || p - port > 5)
			return 0;
	}
	return p == end;
}

int
cors_parse(struct cors *c, const char *list, char *err, size_t errsz)
{
	const char *p = list;
	size_t len;

	memset(c, 0, sizeof(*c));
	while (*p != '\0') {
		p += strspn(p, " ,\t");
		if (*p == '\0')
			break;
		len = strcspn(p, " ,\t");
		if (len == 1 && *p == '*')
			c->any = 1;
		else if (len > CORS_ORIGIN_MAX || !origin_valid(p, len)) {
			snprintf(err, errsz, "SSE_CORS_ORIGINS: '%.*s' is not "
			    "an origin such as https://example.com:8443",
			    (int)(len > 80 ? 80 : len), p);
			memset(c, 0, sizeof(*c));
			return -1;
		} else if (c->n == CORS_MAX) {
			snprintf(err, errsz, "SSE_CORS_ORIGINS: more than %d "
			    "origins", CORS_MAX);
			memset(c, 0, sizeof(*c));
			return -1;
		} else {
			memcpy(c->origin[c->n], p, len);
			c->origin[c->n++][len] = '\0';
		}
		p += len;
	}
	return 0;
}

int
cors_enabled(const struct cors *c)
{
	return c->any || c->n > 0;
}

int
cors_allows(const struct cors *c, const char *origin)
{
	int i;

	if (origin == NULL || origin[0] == '\0')
		return 0;
	if (c->any)
		return 1;
	/* Scheme and host are case-insensitive; browsers send them lower. */
	for (i = 0; i < c->n; i++)
		if (strcasecmp(c->origin[i], origin) == 0)
			return 1;
	return 0;
}

void
cors_headers(const struct cors *c, const char *origin, struct buf *out)
{
	if (!cors_enabled(c))
		return;
	/* Whether the allow header comes depends on Origin, whatever the
	 * answer: a cache that stored one origin's response must not hand
	 * it to another, so every response says so. */
	buf_appends(out, "Vary: Origin\r\n");
	if (!cors_allows(c, origin))
		return;
	if (c->any)
		buf_appends(out, "Access-Control-Allow-Origin: *\r\n");
	else
		buf_printf(out, "Access-Control-Allow-Origin: %s\r\n", origin);
}

int
cors_preflight(const struct cors *c, const char *origin, const char *method,
    struct buf *out)
{
	if (!cors_enabled(c)) {
		buf_appends(out, "Status: 405 Method Not Allowed\r\n"
		    "Allow: GET, HEAD\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "method not allowed: use GET\n");
		return 405;
	}
	if (!cors_allows(c, origin) || method == NULL ||
	    (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
		buf_appends(out, "Status: 403 Forbidden\r\n");
		cors_headers(c, NULL, out);
		buf_appends(out, "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "cross-origin request not allowed\n");
		return 403;
	}
	buf_appends(out, "Status: 204 No Content\r\n");
	cors_headers(c, origin, out);
	buf_appends(out, "Access-Control-Allow-Methods: GET, HEAD\r\n"
	    "Access-Control-Allow-Headers: Last-Event-ID, Cache-Control\r\n"
	    "Access-Control-Max-Age: 86400\r\n\r\n");
	return 204;
}

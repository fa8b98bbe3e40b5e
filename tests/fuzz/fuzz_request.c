/* fuzz_request.c - a request's method, query and Last-Event-ID (split at
 * the first two NULs): the answer is 200, 400 or 405, and what a 200
 * accepts is valid. The third part is also tried as the Origin header:
 * Vary comes on every answer, only the allowed origin is ever echoed, in
 * one line after it, and only it passes a preflight. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "cors.h"
#include "request.h"
#include "status.h"
#include "validate.h"

#define ALLOW_LINE "Access-Control-Allow-Origin: https://app.example\r\n"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_cors(struct request *r, const char *origin, const char *method)
{
	static struct cors allow;
	static int ready;
	const char *p;
	struct buf out;
	char err[128];
	int lines = 0, allowed, st;

	if (!ready && cors_parse(&allow, "https://app.example", err,
	    sizeof(err)) == -1)
		abort();
	ready = 1;
	request_cors(r, origin, method);
	allowed = strcasecmp(r->origin, "https://app.example") == 0;
	buf_init(&out);
	cors_headers(&allow, r->origin, &out);
	for (p = out.data; p && (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	/* CORS on: Vary always, the allow line only for the allowed origin,
	 * and nothing of the request's bytes outside it (no injection). */
	if (lines != (allowed ? 2 : 1) || strncmp(out.data,
	    "Vary: Origin\r\n", 14) != 0)
		abort();
	if (allowed && (out.len != 14 + sizeof(ALLOW_LINE) - 1 ||
	    strncasecmp(out.data + 14, ALLOW_LINE, sizeof(ALLOW_LINE) - 1)))
		abort();
	if (!allowed && out.len != 14)
		abort();
	buf_clear(&out);
	st = cors_preflight(&allow, r->origin, r->preflight, &out);
	if (st != 204 && st != 403)
		abort();
	if (st == 204 && (!allowed || (strcmp(r->preflight, "GET") != 0 &&
	    strcmp(r->preflight, "HEAD") != 0)))
		abort();
	buf_release(&out);
}

/* The first part as a REQUEST_URI, the second as its query: the status
 * page is chosen only for exactly its path, with or without a query. */
static void
check_status(const char *uri, const char *query)
{
	static const char path[] = "/sse/status";
	enum status_format f = status_wanted(path, uri, query);
	size_t n = sizeof(path) - 1;

	if (f != STATUS_NONE && (strncmp(uri, path, n) != 0 ||
	    (uri[n] != '\0' && uri[n] != '?')))
		abort();
	if (f == STATUS_NONE && strncmp(uri, path, n) == 0 &&
	    (uri[n] == '\0' || uri[n] == '?'))
		abort();
	if (f == STATUS_OPENMETRICS && strstr(query, "openmetrics") == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *buf = malloc(n + 3), *method, *query, *lei, *z;
	struct request r;
	int st, i;

	memcpy(buf, d, n);
	buf[n] = buf[n + 1] = buf[n + 2] = '\0';
	method = buf;
	query = method + strlen(method) + 1;
	z = query + strlen(query) + 1;
	lei = z <= buf + n + 2 ? z : buf + n + 2;
	st = request_parse(&r, method, query, lei);
	if (st != 200 && st != 400 && st != 405)
		abort();
	if (st == 400 && r.error == NULL)
		abort();
	if (st == 200) {
		if (r.nsymbols < 0 || r.nsymbols > REQUEST_SYMBOLS_MAX ||
		    (r.has_cursor && r.cursor < 0))
			abort();
		for (i = 0; i < r.nsymbols; i++)
			if (validate_symbol(r.symbols[i]) != NULL ||
			    !request_wants(&r, r.symbols[i]))
				abort();
	}
	check_cors(&r, lei, method);
	check_status(method, query);
	/* The third part as REMOTE_USER on a private endpoint: a stream only
	 * for a name that could be an audience, kept exactly. */
	st = request_auth(&r, "1", 0, lei);
	if (st == 200 && (validate_audience(lei) != NULL ||
	    strcmp(r.user, lei) != 0))
		abort();
	if (st != 200 && st != 401 && st != 403)
		abort();
	free(buf);
	return 0;
}

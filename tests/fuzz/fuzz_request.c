/* fuzz_request.c - a request's method, query and Last-Event-ID (split at
 * the first two NULs): the answer is 200, 400 or 405, and what a 200
 * accepts is valid. The third part is also tried as the Origin header:
 * Vary comes on every answer, only the allowed origin is ever echoed, in
 * one line after it, and only it passes a preflight. Split at newlines,
 * it is a request's params for request_auth(). Whole, it is a PATH_INFO:
 * every topic pattern a request holds is a valid name, or a valid name's
 * subtree, or "*", and matches what it should. It is also tried as an
 * Accept-Encoding header (check_gzip()). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "cors.h"
#include "gzip.h"
#include "request.h"
#include "status.h"
#include "topic.h"
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

/* The third part as an Accept-Encoding header: gzip is taken only where
 * the value names it or "*", and a weight of 0 on its own name always
 * refuses it. */
static void
check_gzip(const char *v)
{
	int gz = gzip_accepted(v);

	if (gz != 0 && gz != 1)
		abort();
	if (gz && strcasestr(v, "gzip") == NULL && strchr(v, '*') == NULL)
		abort();
	if (gz && strcasestr(v, "gzip;q=0") != NULL &&
	    strcasestr(v, "gzip;q=0.") == NULL && strchr(v, ',') == NULL)
		abort();
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

/*
 * The third part as a request's params, one "NAME=value" a line: a stream
 * only when REMOTE_USER and SSE_PRIVATE come at most once each; a private
 * one only for a user name that validate_user() takes, kept exactly.
 */
static void
check_auth(const char *text)
{
	char *copy = strdup(text), *env[64], *line, *save = NULL;
	const char *user, *flag;
	struct request r;
	int n = 0, nuser, nflag, st;

	for (line = strtok_r(copy, "\n", &save); line != NULL && n < 63;
	    line = strtok_r(NULL, "\n", &save))
		env[n++] = line;
	env[n] = NULL;
	nuser = request_param(env, "REMOTE_USER", &user);
	nflag = request_param(env, "SSE_PRIVATE", &flag);
	memset(&r, 0, sizeof(r));
	st = request_auth(&r, env, 1);
	if (st != 200 && st != 401 && st != 403 && st != 500)
		abort();
	if ((st == 500) != (nuser > 1 || nflag > 1))
		abort();
	if (st != 200 && r.error == NULL)
		abort();
	if (st == 200 && r.private_ && (user == NULL ||
	    validate_user(user) != NULL || strcmp(r.user, user) != 0))
		abort();
	if (st == 200 && !r.private_ && (flag == NULL ||
	    strcmp(flag, "0") != 0 || r.user[0] != '\0'))
		abort();
	free(copy);
}

/* Every pattern of r is one a stream may hold, and matches its own names. */
static void
check_topics(const struct request *r)
{
	char name[TOPICS_BYTES + 2];
	int i;

	if (r->topics.n < 0 || r->topics.n > TOPICS_MAX ||
	    r->topics.used > TOPICS_BYTES)
		abort();
	for (i = 0; i < r->topics.n; i++) {
		const char *p = topics_at(&r->topics, i);
		size_t len = strlen(p);

		if (strchr(p, '*') != NULL)
			abort();
		if (!topics_is_subtree(&r->topics, i)) {
			if (topic_check(p) != NULL || !topics_match(&r->topics, p))
				abort();
			continue;
		}
		if (len == 0)
			continue;			/* "*" */
		if (p[len - 1] != '/' || len >= TOPIC_MAX)
			abort();
		memcpy(name, p, len - 1);
		name[len - 1] = '\0';
		if (topic_check(name) != NULL)
			abort();
		name[len - 1] = '/';
		name[len] = 'x';
		name[len + 1] = '\0';
		if (!topics_match(&r->topics, name))
			abort();
	}
}

/* text as a PATH_INFO after the query's topics. */
static void
check_path(struct request *r, const char *text)
{
	int st = request_path(r, text);

	if (st != 200 && st != 400 && st != 500)
		abort();
	if ((st == 500) != (text[0] != '\0' && text[0] != '/'))
		abort();
	if (st != 200 && r->error == NULL)
		abort();
	check_topics(r);
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
	if (st == 200) {
		check_topics(&r);
		check_path(&r, lei);
	}
	check_cors(&r, lei, method);
	check_status(method, query);
	check_auth(lei);
	check_gzip(lei);
	free(buf);
	return 0;
}

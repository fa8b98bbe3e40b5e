/* request.c - method, resume cursor and filter of one SSE request. */
#include <string.h>

#include "request.h"
#include "sse.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into out (NUL-terminated); -1 if malformed or long. */
static int
urldecode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

static int
add_symbols(struct request *r, const char *list, size_t len)
{
	const char *p = list, *end = list + len, *comma;
	size_t n;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		n = (size_t)((comma ? comma : end) - p);
		if (n > 0) {
			if (r->nsymbols == REQUEST_SYMBOLS_MAX) {
				r->error = "too many symbols (at most 32)";
				return -1;
			}
			if (n > SYMBOL_MAX) {
				r->error = "symbol is longer than 16 bytes";
				return -1;
			}
			memcpy(r->symbols[r->nsymbols], p, n);
			r->symbols[r->nsymbols][n] = '\0';
			if (validate_symbol(r->symbols[r->nsymbols]) != NULL) {
				r->error = "bad symbol in symbols=";
				return -1;
			}
			r->nsymbols++;
		}
		p += n + 1;
	}
	return 0;
}

static int
parse_pair(struct request *r, const char *s, size_t n)
{
	char key[32], val[REQUEST_QUERY_MAX];
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	int vlen;

	/* Unknown keys (cache busters and the like) are ignored. */
	if (urldecode(s, klen, key, sizeof(key)) < 0)
		return strncmp(s, "symbols", klen) == 0 ? -1 : 0;
	if (strcmp(key, "lastEventId") != 0 &&
	    strcmp(key, "last_event_id") != 0 && strcmp(key, "symbols") != 0 &&
	    strcmp(key, "topic") != 0)
		return 0;
	vlen = eq ? urldecode(eq + 1, n - klen - 1, val, sizeof(val)) : 0;
	if (vlen < 0) {
		r->error = "malformed percent escape in the query string";
		return -1;
	}
	if (!eq)
		val[0] = '\0';
	if (key[0] == 's')
		return add_symbols(r, val, (size_t)vlen);
	if (key[0] == 't')
		return (r->error = topics_add(&r->topics, val, (size_t)vlen))
		    == NULL ? 0 : -1;
	/* The header wins; a bad query cursor counts as absent. */
	if (!r->has_cursor && sse_parse_id(val, (size_t)vlen, &r->cursor) == 0)
		r->has_cursor = 1;
	return 0;
}

int
request_parse(struct request *r, const char *method, const char *query,
    const char *last_event_id)
{
	const char *p, *amp;
	size_t qlen;

	memset(r, 0, sizeof(*r));
	if (method != NULL && strcmp(method, "GET") == 0)
		r->method = REQ_GET;
	else if (method != NULL && strcmp(method, "HEAD") == 0)
		r->method = REQ_HEAD;
	else if (method != NULL && strcmp(method, "OPTIONS") == 0) {
		r->method = REQ_OPTIONS;
		return 405;
	} else {
		r->method = REQ_OTHER;
		return 405;
	}
	if (last_event_id != NULL && sse_parse_id(last_event_id,
	    strlen(last_event_id), &r->cursor) == 0)
		r->has_cursor = 1;
	if (query == NULL)
		return 200;
	if ((qlen = strlen(query)) > REQUEST_QUERY_MAX) {
		r->error = "query string is too long";
		return 400;
	}
	for (p = query; p < query + qlen; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(query + qlen - p))) == NULL)
			amp = query + qlen;
		if (amp > p && parse_pair(r, p, (size_t)(amp - p)) == -1) {
			if (r->error == NULL)
				r->error = "malformed query string";
			return 400;
		}
	}
	return 200;
}

int
request_path(struct request *r, const char *path_info)
{
	size_t len;

	if (path_info == NULL || path_info[0] == '\0')
		return 200;
	/* CGI/1.1 (RFC 3875): PATH_INFO is empty or starts with '/'; else
	 * the web server split the path somewhere it should not have. */
	if (*path_info++ != '/') {
		r->error = "PATH_INFO does not start with '/': the web server "
		    "splits the endpoint's path inside a name";
		return 500;
	}
	if ((len = strlen(path_info)) == 0)
		return 200;
	if ((r->error = topics_add(&r->topics, path_info, len)) != NULL)
		return 400;
	return 200;
}

int
request_wants(const struct request *r, const char *symbol)
{
	int i;

	if (r->nsymbols == 0 || symbol == NULL)
		return 1;
	for (i = 0; i < r->nsymbols; i++)
		if (strcmp(r->symbols[i], symbol) == 0)
			return 1;
	return 0;
}

static void
copy_header(char *dst, size_t size, const char *value)
{
	size_t len = value ? strlen(value) : 0;

	if (len >= size)
		len = 0;
	memcpy(dst, value ? value : "", len);
	dst[len] = '\0';
}

void
request_cors(struct request *r, const char *origin, const char *method)
{
	copy_header(r->origin, sizeof(r->origin), origin);
	copy_header(r->preflight, sizeof(r->preflight), method);
}

int
request_param(char *const *env, const char *name, const char **value)
{
	size_t n = strlen(name);
	int count = 0;

	*value = NULL;
	for (; env != NULL && *env != NULL; env++) {
		if (strncmp(*env, name, n) != 0 || (*env)[n] != '=')
			continue;
		if (count++ == 0)
			*value = *env + n + 1;
	}
	return count;
}

int
request_auth(struct request *r, char *const *env, int dflt)
{
	const char *flag, *user;
	int nflag = request_param(env, "SSE_PRIVATE", &flag);
	int nuser = request_param(env, "REMOTE_USER", &user);

	r->private_ = 1;	/* until decided: fail closed */
	r->user[0] = '\0';
	if (nuser > 1) {
		r->error = "the web server sent REMOTE_USER more than once: "
		    "its configuration sets it twice (nginx: fastcgi_params "
		    "and a second fastcgi_param)";
		return 500;
	}
	if (nflag > 1) {
		r->error = "the web server sent SSE_PRIVATE more than once: "
		    "its configuration sets it twice";
		return 500;
	}
	r->private_ = flag != NULL ? strcmp(flag, "0") != 0 : dflt;
	if (!r->private_)
		return 200;
	if (user == NULL || user[0] == '\0') {
		r->error = "this stream is private: the web server must sign "
		    "the user in (REMOTE_USER)";
		return 401;
	}
	if (validate_user(user) != NULL) {
		r->error = "the user name cannot be an audience (over 255 bytes, "
		    "a control character, or a group's 'group:' prefix)";
		return 403;
	}
	strcpy(r->user, user);
	return 200;
}

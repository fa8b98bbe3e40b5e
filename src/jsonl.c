/* jsonl.c - a strict parser for flat JSON objects of strings, numbers and
 * booleans. */
#include <string.h>

#include "jsonl.h"

struct cursor {
	const char *p, *end;
};

void
jsonl_init(struct jsonl *j)
{
	j->n = 0;
	buf_init(&j->text);
}

void
jsonl_release(struct jsonl *j)
{
	buf_release(&j->text);
	j->n = 0;
}

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static int
hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char h = p[i];
		*v <<= 4;
		if (h >= '0' && h <= '9') *v |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f') *v |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F') *v |= (unsigned)(h - 'A' + 10);
		else return -1;
	}
	return 0;
}

static int
put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	return buf_append(b, u, n);
}

/* \uXXXX, with a following low surrogate when the first is a high one. */
static const char *
unicode_escape(struct cursor *c, struct buf *b)
{
	unsigned hi, lo;

	if (c->end - c->p < 4 || hex4(c->p, &hi) == -1)
		return "bad \\u escape";
	c->p += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return "lone low surrogate";
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
		    hex4(c->p + 2, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return "lone high surrogate";
		c->p += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (hi == 0)
		return "\\u0000 is not allowed";
	return put_utf8(b, hi) == -1 ? "out of memory" : NULL;
}

/* Decode a string at c (past its opening quote) into b, NUL-terminated. */
static const char *
string(struct cursor *c, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *why, *k;

	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			return buf_append(b, "", 1) == -1 ? "out of memory" :
			    NULL;
		if (ch < 0x20)
			return "control character in string";
		if (ch != '\\') {
			if (buf_append(b, &ch, 1) == -1)
				return "out of memory";
			continue;
		}
		if (c->p == c->end)
			break;
		ch = (unsigned char)*c->p++;
		if (ch == 'u') {
			if ((why = unicode_escape(c, b)) != NULL)
				return why;
		} else if (ch != '\0' && (k = strchr(from, ch)) != NULL) {
			if (buf_append(b, &to[k - from], 1) == -1)
				return "out of memory";
		} else
			return "bad escape in string";
	}
	return "unterminated string";
}

/* A JSON number's text: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static const char *
number(struct cursor *c, struct buf *b)
{
	const char *s = c->p;
	int digits;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else {
		for (digits = 0; c->p < c->end && *c->p >= '0' && *c->p <= '9';
		    c->p++)
			digits++;
		if (digits == 0)
			return "bad value";
	}
	if (c->p < c->end && *c->p == '.') {
		for (c->p++, digits = 0; c->p < c->end && *c->p >= '0' &&
		    *c->p <= '9'; c->p++)
			digits++;
		if (digits == 0)
			return "bad number";
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		for (digits = 0; c->p < c->end && *c->p >= '0' && *c->p <= '9';
		    c->p++)
			digits++;
		if (digits == 0)
			return "bad number";
	}
	if (buf_append(b, s, (size_t)(c->p - s)) == -1 ||
	    buf_append(b, "", 1) == -1)
		return "out of memory";
	return NULL;
}

/* true or false, kept as its text. */
static const char *
boolean(struct cursor *c, struct buf *b)
{
	const char *lit = *c->p == 't' ? "true" : "false";
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return "bad literal";
	c->p += n;
	if (buf_append(b, lit, n + 1) == -1)
		return "out of memory";
	return NULL;
}

/* Offsets into j->text while parsing: the buf may move as it grows. */
struct span {
	size_t key, val, val_len;
	int is_string;
};

static const char *
member(struct cursor *c, struct jsonl *j, struct span *sp)
{
	const char *why;

	skip_ws(c);
	if (c->p == c->end || *c->p++ != '"')
		return "expected a key";
	sp->key = j->text.len;
	if ((why = string(c, &j->text)) != NULL)
		return why;
	if (strlen(j->text.data + sp->key) != j->text.len - sp->key - 1)
		return "NUL in key";
	skip_ws(c);
	if (c->p == c->end || *c->p++ != ':')
		return "expected ':'";
	skip_ws(c);
	sp->val = j->text.len;
	if (c->p < c->end && *c->p == '"') {
		c->p++;
		sp->is_string = 1;
		why = string(c, &j->text);
	} else {
		sp->is_string = 0;
		why = c->p < c->end && (*c->p == 't' || *c->p == 'f') ?
		    boolean(c, &j->text) : number(c, &j->text);
	}
	sp->val_len = j->text.len - sp->val - 1;
	return why;
}

const char *
jsonl_parse(struct jsonl *j, const char *s, size_t len)
{
	struct cursor c = { s, s + len };
	struct span sp[JSONL_MAX_KEYS];
	const char *why;
	int i, k, n = 0;

	j->n = 0;
	buf_clear(&j->text);
	skip_ws(&c);
	if (c.p == c.end || *c.p++ != '{')
		return "not a JSON object";
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}')
		c.p++;
	else for (;;) {
		if (n == JSONL_MAX_KEYS)
			return "too many keys";
		if ((why = member(&c, j, &sp[n++])) != NULL)
			return why;
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		return "expected ',' or '}'";
	}
	skip_ws(&c);
	if (c.p != c.end)
		return "text after the object";
	for (i = 0; i < n; i++) {
		j->pair[i].key = j->text.data + sp[i].key;
		j->pair[i].val = j->text.data + sp[i].val;
		j->pair[i].val_len = sp[i].val_len;
		j->pair[i].is_string = sp[i].is_string;
		for (k = 0; k < i; k++)
			if (strcmp(j->pair[k].key, j->pair[i].key) == 0)
				return "duplicate key";
	}
	j->n = n;
	return NULL;
}

const struct jsonl_pair *
jsonl_get(const struct jsonl *j, const char *key)
{
	int i;

	for (i = 0; i < j->n; i++)
		if (strcmp(j->pair[i].key, key) == 0)
			return &j->pair[i];
	return NULL;
}

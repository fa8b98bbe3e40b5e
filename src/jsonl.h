/*
 * jsonl.h - the one JSON shape sse-push reads from a batch line: a flat
 * object whose values are strings, numbers or booleans, e.g.
 *   {"event":"alert","data":"disk full"}  {"symbol":"AAPL","price":189.51}
 * Strict RFC 8259 syntax for that subset; nested values are refused.
 *
 * Errors: jsonl_parse() returns NULL, or a static reason for a message.
 */
#ifndef JSONL_H
#define JSONL_H

#include <stddef.h>

#include "buf.h"

#define JSONL_MAX_KEYS	8

struct jsonl_pair {
	char	*key;		/* decoded, NUL-terminated */
	char	*val;		/* decoded string, or the number's text, or
				   "true" or "false" */
	size_t	 val_len;
	int	 is_string;
};

struct jsonl {
	struct jsonl_pair pair[JSONL_MAX_KEYS];
	int	 n;
	struct buf text;	/* owns every key and value */
};

void	jsonl_init(struct jsonl *j);
void	jsonl_release(struct jsonl *j);
/*
 * Parse s[0..len). Returns NULL, or a reason (static string). Keys and values
 * stay valid until the next parse or release. Duplicate keys are refused.
 */
const char *jsonl_parse(struct jsonl *j, const char *s, size_t len);
/* The pair named key, or NULL. */
const struct jsonl_pair *jsonl_get(const struct jsonl *j, const char *key);

#endif

/* topic.c - topic names and the patterns a stream follows (see topic.h). */
#include <string.h>

#include "topic.h"

static int
name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	    c == '-';
}

/* Is s[0..len) a name? NULL if it is, else why not. */
static const char *
check_name(const char *s, size_t len)
{
	size_t i;
	int start = 1;

	if (len == 0)
		return "topic is empty";
	if (len > TOPIC_MAX)
		return "topic is longer than 255 bytes";
	for (i = 0; i < len; i++) {
		if (s[i] == '/') {
			if (start)
				return "topic has an empty segment "
				    "(a leading, trailing or double '/')";
			start = 1;
			continue;
		}
		if (!name_char(s[i]))
			return "topic may hold only A-Z a-z 0-9 . _ ~ - and '/'";
		if (start && s[i] == '.')
			return "a topic segment may not start with '.'";
		start = 0;
	}
	return start ? "topic has an empty segment (a leading, trailing or "
	    "double '/')" : NULL;
}

const char *
topic_check(const char *s)
{
	return s == NULL ? "topic is empty" : check_name(s, strlen(s));
}

void
topics_init(struct topics *t)
{
	memset(t, 0, sizeof(*t));
}

const char *
topics_at(const struct topics *t, int i)
{
	return t->text + t->off[i];
}

int
topics_is_subtree(const struct topics *t, int i)
{
	return t->subtree[i];
}

const char *
topics_add(struct topics *t, const char *p, size_t len)
{
	const char *why;
	size_t keep = len;
	int subtree = 0, i;

	if (memchr(p, '\0', len) != NULL)
		return "topic holds a NUL byte";
	if (len == 1 && p[0] == '*') {
		subtree = 1;
		keep = 0;
	} else if (len >= 2 && p[len - 1] == '*' && p[len - 2] == '/') {
		subtree = 1;
		keep = len - 1;		/* "jobs/" */
		if ((why = check_name(p, len - 2)) != NULL)
			return why;
		if (keep >= TOPIC_MAX)	/* no name is longer than the prefix */
			return "topic pattern is longer than a topic can be";
	} else if ((why = check_name(p, len)) != NULL)
		return memchr(p, '*', len) != NULL ? "'*' may only end a "
		    "topic pattern, as NAME/* (or be all of it)" : why;
	for (i = 0; i < t->n; i++)
		if (t->subtree[i] == subtree && strlen(topics_at(t, i)) ==
		    keep && memcmp(topics_at(t, i), p, keep) == 0)
			return NULL;
	if (t->n == TOPICS_MAX)
		return "more than 16 topics";
	if (t->used + keep + 1 > sizeof(t->text))
		return "topics are longer than 512 bytes in all";
	memcpy(t->text + t->used, p, keep);
	t->text[t->used + keep] = '\0';
	t->off[t->n] = (unsigned short)t->used;
	t->subtree[t->n] = (unsigned char)subtree;
	t->used += keep + 1;
	t->subtrees += subtree;
	t->n++;
	return NULL;
}

int
topics_match(const struct topics *t, const char *topic)
{
	int i;

	if (t->n == 0)
		return 1;
	if (topic == NULL)
		return 0;
	for (i = 0; i < t->n; i++) {
		const char *p = topics_at(t, i);
		if (t->subtree[i] ? strncmp(topic, p, strlen(p)) == 0 :
		    strcmp(topic, p) == 0)
			return 1;
	}
	return 0;
}

const char *
topics_single(const struct topics *t)
{
	return t->n == 1 && t->subtrees == 0 ? topics_at(t, 0) : NULL;
}

int
topics_several(const struct topics *t)
{
	return t->n > 1 || t->subtrees > 0;
}

void
topic_upper(const char *prefix, char *hi)
{
	size_t len = strlen(prefix);

	/* prefix ends in '/', and '0' follows '/' in every byte order. */
	memcpy(hi, prefix, len + 1);
	if (len > 0)
		hi[len - 1] = (char)(hi[len - 1] + 1);
}

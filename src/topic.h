/*
 * topic.h - topics: the name a row is published under (jobs/42,
 * chat/7f3a, prices/AAPL) and the patterns a stream follows.
 *
 * A name is 1 to TOPIC_MAX bytes of segments joined by single '/'; a
 * segment is 1 or more of A-Z a-z 0-9 . _ ~ - and does not start with '.'.
 * These are the characters a URL carries unescaped, so a name is the same
 * in a path, a query and the table, and "." or ".." never reach a web
 * server that would fold them. No pattern character fits in a name.
 *
 * A pattern is a name (that topic), a name followed by "/" "*" (every
 * topic below it, not the name itself), or "*" alone (every topic). Only
 * a trailing "*": a subtree is one range of the (topic, id) index and a
 * few look-ups per row in a map, where a "*" inside a pattern would need
 * a scan of every topic. A stream with no pattern follows every row, with
 * a topic or without, as before topics.
 *
 * Errors: a NULL return is success; else a short reason (a static string).
 */
#ifndef TOPIC_H
#define TOPIC_H

#include <stddef.h>

#define TOPIC_MAX	255	/* bytes of a name; the schema checks it too */
#define TOPICS_MAX	16	/* patterns one stream follows */
#define TOPICS_BYTES	512	/* all of one stream's patterns, each with a
				   NUL: a bounded, inline part of a stream */

/* Is s a topic name? */
const char	*topic_check(const char *s);

/*
 * A stream's patterns, kept inline (a stream is copied by value). A
 * subtree is kept as its prefix with the '/' ("jobs/"); "*" as "".
 */
struct topics {
	int		 n;		/* 0: every row */
	int		 subtrees;	/* how many are patterns, not names */
	unsigned short	 off[TOPICS_MAX];
	unsigned char	 subtree[TOPICS_MAX];
	char		 text[TOPICS_BYTES];
	size_t		 used;
};

void	topics_init(struct topics *t);
/* Add the pattern p[0..len); a pattern already there is not added again. */
const char *topics_add(struct topics *t, const char *p, size_t len);
/* The i-th pattern's name, or prefix for a subtree ("" for "*"). */
const char *topics_at(const struct topics *t, int i);
int	topics_is_subtree(const struct topics *t, int i);
/* Does a row of topic (NULL: none) belong on the stream? With no
 * patterns, every row does; with some, only rows with a matching topic. */
int	topics_match(const struct topics *t, const char *topic);
/* The one name followed, if the stream follows exactly one topic (not a
 * subtree); else NULL. Such a stream ends when its topic closes. */
const char *topics_single(const struct topics *t);
/* Several topics can reach the stream: each event then says its topic. */
int	topics_several(const struct topics *t);
/* For a subtree prefix ("jobs/"): the bound just above every name under
 * it ("jobs0"), for a range read; hi holds TOPIC_MAX + 1. */
void	topic_upper(const char *prefix, char *hi);

#endif

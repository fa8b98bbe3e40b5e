/*
 * topicmap.h - which streams follow which topic patterns, so that a new
 * row finds its streams from its topic alone: one look-up for its name,
 * one for each subtree above it ("jobs/42/" ... "jobs/"), one for "*", and
 * the streams that asked for no topic (they take every row). The cost per
 * row grows with the depth of its topic and the streams it reaches, never
 * with the streams it does not.
 *
 * A stream is an opaque owner pointer; its place in the map (one entry per
 * pattern) is a struct tm_place it keeps and hands back to remove itself.
 * Keys are unambiguous in one table: a name never ends in '/', a subtree
 * key always does, and "*" is the empty key.
 *
 * Errors: topicmap_add() returns -1 when out of memory (the stream is then
 * in no list).
 */
#ifndef TOPICMAP_H
#define TOPICMAP_H

#include <stddef.h>

#include "topic.h"

struct tm_entry;

/* One pattern of one stream, in its entry's list. */
struct tm_sub {
	struct tm_sub	*next, *prev;
	struct tm_entry	*e;
	void		*owner;
};

/* A stream's place in the map: most streams have one pattern or none,
 * which need no allocation of their own (one small block per stream,
 * between the streams', fragmented the heap: t-scale.sh). */
struct tm_place {
	struct tm_sub	*subs;		/* one per pattern; NULL: none yet */
	int		 n;		/* 0 with subs: in the no-topic list */
	struct tm_sub	 one;		/* subs when n <= 1 */
};

struct tm_entry {
	char		*key;		/* a name, "prefix/", or "" for "*" */
	size_t		 len;
	size_t		 n;		/* streams on it */
	struct tm_sub	*head;
	struct tm_entry	*chain;		/* the next in its bucket */
};

struct topicmap {
	struct tm_entry	**bucket;
	size_t		 nbuckets, nentries;
	struct tm_entry	 all;		/* streams of no topic */
};

void	topicmap_init(struct topicmap *m);
/* Frees the entries; the streams' places must have been removed. */
void	topicmap_release(struct topicmap *m);
/* Put owner in the lists of its patterns t (none: every row). */
int	topicmap_add(struct topicmap *m, const struct topics *t, void *owner,
	    struct tm_place *p);
/* Take a place out again; accepts one never added or already removed. */
void	topicmap_remove(struct topicmap *m, struct tm_place *p);
/*
 * Call fn for every stream a row of topic (NULL: of none) belongs to, as
 * far as topics go: a stream with two matching patterns comes twice, so
 * the caller marks what it saw. fn may not add or remove places.
 */
void	topicmap_each(const struct topicmap *m, const char *topic,
	    void (*fn)(void *ctx, void *owner), void *ctx);

/* One pattern and how many streams follow it. */
struct tm_count {
	const char	*key;		/* borrowed until the map changes */
	size_t		 n;
};
/*
 * The patterns most followed, at most max of them, most first (ties in no
 * set order), into out; returns how many. The streams of no topic are not
 * a pattern: m->all.n counts them.
 */
size_t	topicmap_top(const struct topicmap *m, struct tm_count *out,
	    size_t max);

#endif

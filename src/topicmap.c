/* topicmap.c - streams by topic pattern (see topicmap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topicmap.h"

#define FIRST_BUCKETS	64

/* FNV-1a: short keys, no adversary can pick them to collide cheaply
 * enough to matter (a topic is at most 255 bytes of a fixed alphabet, and
 * only streams the web server let in add keys). */
static size_t
hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

void
topicmap_init(struct topicmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
topicmap_release(struct topicmap *m)
{
	struct tm_entry *e, *next;
	size_t i;

	for (i = 0; i < m->nbuckets; i++)
		for (e = m->bucket[i]; e != NULL; e = next) {
			next = e->chain;
			free(e->key);
			free(e);
		}
	free(m->bucket);
	topicmap_init(m);
}

static struct tm_entry *
find(const struct topicmap *m, const char *key, size_t len)
{
	struct tm_entry *e;

	if (m->nbuckets == 0)
		return NULL;
	for (e = m->bucket[hash(key, len) & (m->nbuckets - 1)]; e != NULL;
	    e = e->chain)
		if (e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

/* Twice the buckets once there are more entries than buckets. */
static int
grow(struct topicmap *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : FIRST_BUCKETS, i;
	struct tm_entry **b, *e, *next;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < m->nbuckets; i++)
		for (e = m->bucket[i]; e != NULL; e = next) {
			next = e->chain;
			e->chain = b[hash(e->key, e->len) & (n - 1)];
			b[hash(e->key, e->len) & (n - 1)] = e;
		}
	free(m->bucket);
	m->bucket = b;
	m->nbuckets = n;
	return 0;
}

static struct tm_entry *
entry(struct topicmap *m, const char *key)
{
	size_t len = strlen(key), i;
	struct tm_entry *e;

	if ((e = find(m, key, len)) != NULL)
		return e;
	if (m->nentries >= m->nbuckets && grow(m) == -1)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	e->len = len;
	i = hash(key, len) & (m->nbuckets - 1);
	e->chain = m->bucket[i];
	m->bucket[i] = e;
	m->nentries++;
	return e;
}

/* The last stream left an entry: it goes (the all list stays). */
static void
drop_entry(struct topicmap *m, struct tm_entry *e)
{
	struct tm_entry **pp;

	if (e == &m->all)
		return;
	for (pp = &m->bucket[hash(e->key, e->len) & (m->nbuckets - 1)];
	    *pp != e; pp = &(*pp)->chain)
		;
	*pp = e->chain;
	m->nentries--;
	free(e->key);
	free(e);
}

static void
link_sub(struct tm_entry *e, struct tm_sub *s, void *owner)
{
	s->e = e;
	s->owner = owner;
	s->prev = NULL;
	s->next = e->head;
	if (e->head != NULL)
		e->head->prev = s;
	e->head = s;
	e->n++;
}

static void
unlink_sub(struct topicmap *m, struct tm_sub *s)
{
	struct tm_entry *e = s->e;

	if (e == NULL)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		e->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->e = NULL;
	if (--e->n == 0)
		drop_entry(m, e);
}

int
topicmap_add(struct topicmap *m, const struct topics *t, void *owner,
    struct tm_place *p)
{
	struct tm_entry *e;
	int i;

	p->n = t->n;
	if (t->n <= 1) {
		memset(&p->one, 0, sizeof(p->one));
		p->subs = &p->one;
	} else if ((p->subs = calloc((size_t)t->n, sizeof(*p->subs))) == NULL)
		return -1;
	if (t->n == 0) {
		link_sub(&m->all, &p->subs[0], owner);
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		if ((e = entry(m, topics_at(t, i))) == NULL) {
			topicmap_remove(m, p);
			return -1;
		}
		link_sub(e, &p->subs[i], owner);
	}
	return 0;
}

void
topicmap_remove(struct topicmap *m, struct tm_place *p)
{
	int i;

	if (p->subs == NULL)
		return;
	for (i = 0; i < (p->n > 0 ? p->n : 1); i++)
		unlink_sub(m, &p->subs[i]);
	if (p->subs != &p->one)
		free(p->subs);
	p->subs = NULL;
	p->n = 0;
}

static void
each_of(const struct tm_entry *e, void (*fn)(void *, void *), void *ctx)
{
	const struct tm_sub *s;

	for (s = e != NULL ? e->head : NULL; s != NULL; s = s->next)
		fn(ctx, s->owner);
}

void
topicmap_each(const struct topicmap *m, const char *topic,
    void (*fn)(void *ctx, void *owner), void *ctx)
{
	size_t i;

	each_of(&m->all, fn, ctx);
	if (topic == NULL)
		return;
	if (topic[0] != '\0')
		each_of(find(m, topic, strlen(topic)), fn, ctx);
	/* "jobs/42/log": the subtrees "jobs/" and "jobs/42/", then "*". */
	for (i = 0; topic[i] != '\0'; i++)
		if (topic[i] == '/')
			each_of(find(m, topic, i + 1), fn, ctx);
	each_of(find(m, "", 0), fn, ctx);
}

static int
more_first(const void *a, const void *b)
{
	const struct tm_count *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

size_t
topicmap_top(const struct topicmap *m, struct tm_count *out, size_t max)
{
	const struct tm_entry *e;
	size_t i, k, n = 0, least;

	for (i = 0; i < m->nbuckets && max > 0; i++)
		for (e = m->bucket[i]; e != NULL; e = e->chain) {
			if (n < max) {
				out[n].key = e->key;
				out[n++].n = e->n;
				continue;
			}
			for (least = 0, k = 1; k < n; k++)
				if (out[k].n < out[least].n)
					least = k;
			if (e->n > out[least].n) {
				out[least].key = e->key;
				out[least].n = e->n;
			}
		}
	qsort(out, n, sizeof(*out), more_first);
	return n;
}

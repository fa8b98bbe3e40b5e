/* check_topic.c - topic names, the patterns a stream follows, and the
 * same rule in the schema's CHECK, on hostile input. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_sqlite.h"
#include "topic.h"
#include "topicmap.h"
#include "suites.h"

#define LONG255 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char *in;
	int ok;
} names[] = {
	{ "jobs", 1 }, { "jobs/42", 1 }, { "chat/7f3a", 1 },
	{ "prices/BRK.B", 1 }, { "a/b-c_d~e.f", 1 }, { "_x/-y/~z", 1 },
	{ "a.b/c..d", 1 }, { LONG255, 1 }, { LONG255 "a", 0 },
	{ "", 0 }, { "/", 0 }, { "/jobs", 0 }, { "jobs/", 0 },
	{ "jobs//42", 0 }, { ".", 0 }, { "..", 0 }, { "jobs/..", 0 },
	{ "jobs/./42", 0 }, { ".hidden", 0 }, { "jobs/*", 0 }, { "*", 0 },
	{ "jobs/4*", 0 }, { "a b", 0 }, { "a%2Fb", 0 }, { "a?b", 0 },
	{ "a#b", 0 }, { "a\nb", 0 }, { "a\r", 0 }, { "a\\b", 0 },
	{ "j\xc3\xb6" "bs", 0 }, { "a+b", 0 }, { "a:b", 0 }, { "a,b", 0 },
	{ "a\"b", 0 }, { "a'b", 0 },
};

START_TEST(test_name)
{
	const char *why = topic_check(names[_i].in);

	ck_assert_msg((why == NULL) == names[_i].ok, "topic '%s': %s",
	    names[_i].in, why ? why : "accepted");
}
END_TEST

/* The schema's CHECK says the same as topic_check(), so a row written with
 * plain SQL can be no name a stream could not ask for. */
START_TEST(test_schema_agrees)
{
	char path[512], sql[600];
	struct store st;
	int rc;

	tmp_db(path, sizeof(path));
	ck_assert_int_eq(store_open(&st, path, 0, 0), STORE_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO events (event, data, topic)"
	    " VALUES ('x', 'y', ?1)");
	{
		sqlite3_stmt *q;
		ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite_db(&st), sql,
		    -1, &q, NULL), SQLITE_OK);
		sqlite3_bind_text(q, 1, names[_i].in, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	ck_assert_msg((rc == SQLITE_DONE) == names[_i].ok,
	    "schema on topic '%s': %d", names[_i].in, rc);
	store_close(&st);
	rm_db(path);
}
END_TEST

static const struct {
	const char *pattern;
	int ok;
	const char *topic;	/* matched against the one pattern */
	int match;
} patterns[] = {
	{ "jobs/42", 1, "jobs/42", 1 },
	{ "jobs/42", 1, "jobs/421", 0 },
	{ "jobs/42", 1, "jobs/42/x", 0 },
	{ "jobs/*", 1, "jobs/42", 1 },
	{ "jobs/*", 1, "jobs/42/log", 1 },
	{ "jobs/*", 1, "jobs", 0 },
	{ "jobs/*", 1, "jobsx/1", 0 },
	{ "jobs/*", 1, NULL, 0 },
	{ "*", 1, "anything/at/all", 1 },
	{ "*", 1, NULL, 0 },
	{ "a/b/*", 1, "a/b/c", 1 },
	{ "a/b/*", 1, "a/bc/d", 0 },
	{ "jobs*", 0, NULL, 0 },
	{ "jobs/4*", 0, NULL, 0 },
	{ "*/42", 0, NULL, 0 },
	{ "jobs/*/x", 0, NULL, 0 },
	{ "**", 0, NULL, 0 },
	{ "/*", 0, NULL, 0 },
	{ "jobs//*", 0, NULL, 0 },
	{ "../*", 0, NULL, 0 },
	{ "", 0, NULL, 0 },
};

START_TEST(test_pattern)
{
	struct topics t;
	const char *why;

	topics_init(&t);
	why = topics_add(&t, patterns[_i].pattern,
	    strlen(patterns[_i].pattern));
	ck_assert_msg((why == NULL) == patterns[_i].ok, "pattern '%s': %s",
	    patterns[_i].pattern, why ? why : "accepted");
	if (why == NULL)
		ck_assert_msg(topics_match(&t, patterns[_i].topic) ==
		    patterns[_i].match, "'%s' on '%s'", patterns[_i].pattern,
		    patterns[_i].topic ? patterns[_i].topic : "(none)");
}
END_TEST

START_TEST(test_set)
{
	struct topics t;
	char p[8];
	int i;

	topics_init(&t);
	ck_assert(topics_match(&t, NULL));		/* none asked: every row */
	ck_assert(topics_match(&t, "jobs/1"));
	ck_assert_ptr_null(topics_single(&t));
	ck_assert_ptr_null(topics_add(&t, "jobs/1", 6));
	ck_assert_str_eq(topics_single(&t), "jobs/1");
	ck_assert(!topics_several(&t));
	ck_assert_ptr_null(topics_add(&t, "jobs/1", 6));	/* again: once */
	ck_assert_int_eq(t.n, 1);
	ck_assert_ptr_null(topics_add(&t, "chat/*", 6));
	ck_assert_ptr_null(topics_single(&t));
	ck_assert(topics_several(&t));
	ck_assert(topics_match(&t, "chat/x"));
	ck_assert(!topics_match(&t, "jobs/2"));
	/* A pattern alone can reach several topics. */
	topics_init(&t);
	ck_assert_ptr_null(topics_add(&t, "jobs/*", 6));
	ck_assert(topics_several(&t));
	/* Bounded: 16 patterns, 512 bytes. */
	topics_init(&t);
	for (i = 0; i < TOPICS_MAX; i++) {
		snprintf(p, sizeof(p), "t%d", i);
		ck_assert_ptr_null(topics_add(&t, p, strlen(p)));
	}
	ck_assert_ptr_nonnull(topics_add(&t, "one/more", 8));
	topics_init(&t);
	ck_assert_int_eq(strlen(LONG255), TOPIC_MAX);
	ck_assert_ptr_null(topics_add(&t, LONG255, strlen(LONG255)));
	/* A subtree no name fits under: its prefix alone is 256 bytes. */
	ck_assert_ptr_nonnull(topics_add(&t, LONG255 "/*",
	    strlen(LONG255) + 2));
	ck_assert_ptr_null(topics_add(&t, LONG255 + 2, strlen(LONG255) - 2));
	ck_assert_ptr_nonnull(topics_add(&t, "x/*", 3));	/* 512 in all */
	/* A NUL inside is never cut short to a shorter name. */
	ck_assert_ptr_nonnull(topics_add(&t, "jobs\0x", 6));
}
END_TEST

START_TEST(test_upper)
{
	char hi[TOPIC_MAX + 1];

	topic_upper("jobs/", hi);
	ck_assert_str_eq(hi, "jobs0");
	ck_assert(strcmp("jobs/42", hi) < 0 && strcmp("jobs/", "jobs/42") < 0);
	ck_assert(strcmp("jobs0", hi) >= 0 && strcmp("jobsx", hi) > 0);
}
END_TEST

/* Which owners a row reaches, as a bit set of owner numbers 0..31 (a
 * stream reached through two patterns is still one bit). */
static void
mark(void *ctx, void *owner)
{
	*(unsigned *)ctx |= 1u << (int)(intptr_t)owner;
}

static unsigned
reached(const struct topicmap *m, const char *topic)
{
	unsigned set = 0;

	topicmap_each(m, topic, mark, &set);
	return set;
}

static void
add_owner(struct topicmap *m, struct tm_place *p, int owner,
    const char *const *pats)
{
	struct topics t;

	topics_init(&t);
	for (; *pats != NULL; pats++)
		ck_assert_ptr_null(topics_add(&t, *pats, strlen(*pats)));
	ck_assert_int_eq(topicmap_add(m, &t, (void *)(intptr_t)owner, p), 0);
}

START_TEST(test_map)
{
	static const char *const p0[] = { NULL },
	    *const p1[] = { "jobs/42", NULL },
	    *const p2[] = { "jobs/*", NULL },
	    *const p3[] = { "jobs/42", "jobs/*", NULL },
	    *const p4[] = { "*", NULL },
	    *const p5[] = { "chat/7", "jobs/42/log", NULL };
	struct tm_place pl[6];
	struct tm_count top[3];
	struct topicmap m;
	int i;

	memset(pl, 0, sizeof(pl));
	topicmap_init(&m);
	ck_assert_uint_eq(reached(&m, "jobs/42"), 0);
	add_owner(&m, &pl[0], 0, p0);
	add_owner(&m, &pl[1], 1, p1);
	add_owner(&m, &pl[2], 2, p2);
	add_owner(&m, &pl[3], 3, p3);
	add_owner(&m, &pl[4], 4, p4);
	add_owner(&m, &pl[5], 5, p5);
	ck_assert_uint_eq(reached(&m, NULL), 1u << 0);
	ck_assert_uint_eq(reached(&m, "jobs/42"), 0x1f);	/* 0-4 */
	ck_assert_uint_eq(reached(&m, "jobs/42/log"), 0x3d);	/* 0 2 3 4 5 */
	ck_assert_uint_eq(reached(&m, "jobs/7"), 0x1d);	/* 0 2 3 4 */
	ck_assert_uint_eq(reached(&m, "jobs"), 0x11);		/* 0 4 */
	ck_assert_uint_eq(reached(&m, "chat/7"), 0x31);	/* 0 4 5 */
	ck_assert_uint_eq(reached(&m, "jobsx/1"), 0x11);
	/* Presence: the most followed patterns first. */
	ck_assert_uint_eq(topicmap_top(&m, top, 3), 3);
	ck_assert_uint_eq(top[0].n, 2);
	ck_assert_uint_eq(top[1].n, 2);
	ck_assert(strcmp(top[0].key, "jobs/42") == 0 ||
	    strcmp(top[0].key, "jobs/") == 0);
	ck_assert_uint_eq(top[2].n, 1);
	ck_assert_uint_eq(m.all.n, 1);
	/* Leaving takes each pattern out, and an entry nobody follows goes. */
	topicmap_remove(&m, &pl[3]);
	topicmap_remove(&m, &pl[3]);			/* again: harmless */
	ck_assert_uint_eq(reached(&m, "jobs/42"), 0x17);
	topicmap_remove(&m, &pl[5]);
	ck_assert_uint_eq(reached(&m, "chat/7"), 0x11);
	ck_assert_uint_eq(m.nentries, 3);		/* jobs/42 jobs/ "" */
	for (i = 0; i < 6; i++)
		topicmap_remove(&m, &pl[i]);
	ck_assert_uint_eq(m.nentries, 0);
	ck_assert_uint_eq(m.all.n, 0);
	ck_assert_uint_eq(reached(&m, "jobs/42"), 0);
	topicmap_release(&m);
}
END_TEST

/* Many topics: the table grows, and each row still finds only its own. */
START_TEST(test_map_many)
{
	static struct tm_place pl[3000];
	struct topicmap m;
	char name[32];
	const char *pat[2] = { name, NULL };
	unsigned set;
	int i;

	topicmap_init(&m);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "t/%d", i);
		add_owner(&m, &pl[i], i % 32, pat);
	}
	ck_assert_uint_eq(m.nentries, 3000);
	ck_assert_uint_ge(m.nbuckets, 3000);
	set = reached(&m, "t/1234");
	ck_assert_uint_eq(set, 1u << (1234 % 32));
	for (i = 0; i < 3000; i++)
		topicmap_remove(&m, &pl[i]);
	ck_assert_uint_eq(m.nentries, 0);
	topicmap_release(&m);
}
END_TEST

Suite *
topic_suite(void)
{
	Suite *s = suite_create("topic");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_name, 0,
	    (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_loop_test(tc, test_schema_agrees, 0,
	    (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_loop_test(tc, test_pattern, 0,
	    (int)(sizeof(patterns) / sizeof(patterns[0])));
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_upper);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_map_many);
	suite_add_tcase(s, tc);
	return s;
}

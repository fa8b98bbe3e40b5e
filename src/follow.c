/*
 * follow.c - the database as a responder follows it (see follow.h): the
 * schedule of looks, the same for every store, and the pick of the means
 * (follow_means.h) that watches this one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "follow_means.h"
#include "status.h"

/* The means of each engine that can tell of its commits; any other is
 * followed by the poll timer alone. */
static const struct {
	const char			*engine;
	const struct follow_means	*means;
} by_engine[] = {
	{ "sqlite",	&follow_file_means },
#ifdef SSE_PG
	{ "postgresql",	&follow_pg_means },
#endif
};

static const struct follow_means *
means_for(const char *path)
{
	const char *engine = store_engine_of(path);
	size_t i;

	for (i = 0; engine != NULL && i < sizeof(by_engine) /
	    sizeof(by_engine[0]); i++)
		if (strcmp(by_engine[i].engine, engine) == 0)
			return by_engine[i].means;
	return &follow_poll_means;
}

void
follow_forget(struct follow *f)
{
	if (f->ready)
		store_close(&f->st);
	f->ready = 0;
}

/* Give f the means of its store, and open it. Without memory for the
 * means' state, f stays without means, and the next look tries again. */
static int
attach(struct follow *f, int64_t now)
{
	const struct follow_means *m = means_for(f->path);

	if ((f->impl = calloc(1, m->size)) == NULL) {
		snprintf(f->st.err, sizeof(f->st.err), "out of memory");
		return STORE_ERR;
	}
	f->means = m;
	return m->open(f, now);
}

int
follow_reopen(struct follow *f)
{
	int64_t oldest;
	int rc;

	follow_forget(f);
	rc = store_open(&f->st, f->path, STORE_READONLY, FOLLOW_BUSY_MS);
	/* The version before the bounds: a commit between the two is then
	 * seen as a change, where the other order would lose it. */
	if (rc == STORE_OK)
		rc = store_data_version(&f->st, &f->version);
	if (rc == STORE_OK)
		rc = store_bounds(&f->st, &oldest, &f->newest);
	if (rc != STORE_OK) {
		store_close(&f->st);
		return rc;
	}
	f->ready = 1;
	return STORE_OK;
}

enum follow_result
follow_compare(struct follow *f, int64_t *v)
{
	if (store_data_version(&f->st, v) != STORE_OK)
		return FOLLOW_FAILED;
	return *v != f->version ? FOLLOW_CHANGED : FOLLOW_NONE;
}

int
follow_open(struct follow *f, const char *path, int poll_ms, int64_t now)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->poll_ms = poll_ms;
	f->poll_at = now + poll_ms;
	return attach(f, now);
}

void
follow_release(struct follow *f)
{
	if (f == NULL)
		return;
	follow_forget(f);
	if (f->means != NULL)
		f->means->release(f);
	free(f->impl);
	f->impl = NULL;
	f->means = NULL;
}

int
follow_fd(const struct follow *f)
{
	return f->means != NULL ? f->means->fd(f) : -1;
}

int
follow_timer_only(const struct follow *f)
{
	return f->means == NULL || f->means->timer_only(f);
}

int
follow_wants_write(const struct follow *f)
{
	return f->means != NULL && f->means->wants_write != NULL &&
	    f->means->wants_write(f);
}

unsigned
follow_generation(const struct follow *f)
{
	return f->generation;
}

struct store *
follow_store(struct follow *f)
{
	return &f->st;
}

int
follow_ready(const struct follow *f)
{
	return f->ready;
}

int64_t
follow_newest(const struct follow *f)
{
	return f->newest;
}

const char *
follow_name(const struct follow *f)
{
	return f->means != NULL ? f->means->name(f) : "(the database)";
}

const char *
follow_errmsg(const struct follow *f)
{
	return store_errmsg(&f->st);
}

int64_t
follow_deadline(const struct follow *f)
{
	int64_t at = f->means != NULL ? f->means->deadline(f) : INT64_MAX;

	/* Never 0, which would disarm sse-fcgi's timerfd. */
	at = at < f->poll_at ? at : f->poll_at;
	return at > 1 ? at : 1;
}

int
follow_wake(struct follow *f, int64_t now)
{
	return f->means != NULL && f->means->wake(f, now);
}

int
follow_due(struct follow *f, int64_t now)
{
	int look = f->means != NULL && f->means->due(f, now);

	if (now >= f->poll_at) {
		f->poll_at = now + (f->means != NULL ? f->means->poll_ms(f) :
		    f->poll_ms);
		look = 1;
	}
	return look;
}

enum follow_result
follow_look(struct follow *f, int64_t now, int64_t *v)
{
	if (f->means == NULL)
		return attach(f, now) == STORE_OK ? FOLLOW_REPLACED :
		    FOLLOW_FAILED;
	return f->means->look(f, now, v);
}

void
follow_saw(struct follow *f, int64_t v)
{
	f->version = v;
	if (f->means != NULL)
		f->means->saw(f, v);
}

void
follow_status(struct follow *f, struct status_db *db)
{
	struct timespec now;
	int64_t at;

	memset(db, 0, sizeof(*db));
	db->newest_age_ms = -1;
	/* Not reopened here: the look that reopens also tells the streams. */
	if (!f->ready)
		return;
	if (store_bounds(&f->st, &db->oldest, &db->newest) != STORE_OK ||
	    store_newest_time(&f->st, &at) != STORE_OK)
		return;
	db->ok = 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (at >= 0) {
		db->newest_age_ms = (int64_t)now.tv_sec * 1000 +
		    now.tv_nsec / 1000000 - at;
		if (db->newest_age_ms < 0)
			db->newest_age_ms = 0;	/* a clock stepped back */
	}
}

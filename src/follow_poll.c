/*
 * follow_poll.c - following a store by the poll timer alone: the means of
 * an engine that has no way to tell of its commits (and of a build that
 * lacks the engine a URL asks for: the open says so at every look). Each
 * look reads the store's data version; no descriptor ever wakes it.
 */
#include <stdint.h>

#include "follow_means.h"

static int
poll_open(struct follow *f, int64_t now)
{
	(void)now;
	return follow_reopen(f);
}

static void
poll_release(struct follow *f)
{
	(void)f;
}

static int
poll_fd(const struct follow *f)
{
	(void)f;
	return -1;
}

static int
poll_timer_only(const struct follow *f)
{
	(void)f;
	return 1;
}

static int
poll_never(struct follow *f, int64_t now)
{
	(void)f, (void)now;
	return 0;
}

static int64_t
poll_deadline(const struct follow *f)
{
	(void)f;
	return INT64_MAX;
}

static int
poll_ms(const struct follow *f)
{
	return f->poll_ms;
}

static enum follow_result
poll_look(struct follow *f, int64_t now, int64_t *v)
{
	(void)now;
	if (!f->ready)
		return follow_reopen(f) == STORE_OK ? FOLLOW_REPLACED :
		    FOLLOW_FAILED;
	return follow_compare(f, v);
}

static void
poll_saw(struct follow *f, int64_t v)
{
	(void)f, (void)v;
}

static const char *
poll_name(const struct follow *f)
{
	(void)f;	/* it may be a URL, which may hold a password */
	return "(the database)";
}

const struct follow_means follow_poll_means = {
	.size		= 1,	/* no state of its own */
	.open		= poll_open,
	.release	= poll_release,
	.fd		= poll_fd,
	.timer_only	= poll_timer_only,
	.wake		= poll_never,
	.due		= poll_never,
	.deadline	= poll_deadline,
	.poll_ms	= poll_ms,
	.look		= poll_look,
	.saw		= poll_saw,
	.name		= poll_name,
};

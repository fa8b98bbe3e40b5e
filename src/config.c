/* config.c - responder settings from the environment. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum kind { K_PATH, K_INT, K_UINT, K_INT64, K_CORS };

static const struct setting {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	long long	 min, max;
	const char	*def;
} settings[] = {
	{ "SSE_DB", K_PATH, offsetof(struct config, db), 0, 0,
	  SSE_DEFAULT_DB },
	{ "SSE_RETRY_MS", K_UINT, offsetof(struct config, stream.retry_ms),
	  0, 3600000, "3000" },
	{ "SSE_BUSY_RETRY_MS", K_UINT,
	  offsetof(struct config, stream.busy_retry_ms), 0, 3600000, "10000" },
	{ "SSE_HEARTBEAT", K_INT, offsetof(struct config, heartbeat_s),
	  1, 3600, "15" },
	{ "SSE_LIFETIME", K_INT, offsetof(struct config, lifetime_s),
	  0, 86400 * 7, "240" },
	{ "SSE_MAX_REPLAY", K_INT64, offsetof(struct config, stream.max_replay),
	  0, LLONG_MAX, "1000000" },
	{ "SSE_POLL_MS", K_INT, offsetof(struct config, poll_ms),
	  10, 3600000, "1000" },
	{ "SSE_MAX_STREAMS", K_INT, offsetof(struct config, max_streams),
	  1, 1000000, "10000" },
	{ "SSE_BATCH_ROWS", K_INT, offsetof(struct config, batch_rows),
	  1, 100000, "500" },
	{ "SSE_CORS_ORIGINS", K_CORS, offsetof(struct config, stream.cors),
	  0, 0, "" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static int
apply(struct config *c, const struct setting *s, const char *value,
    char *err, size_t errsz)
{
	char *base = (char *)c + s->off, *end;
	long long v;

	if (s->kind == K_CORS)
		return cors_parse((struct cors *)(void *)base, value, err, errsz);
	if (s->kind == K_PATH) {
		if (value[0] == '\0') {
			snprintf(err, errsz, "%s is empty", s->name);
			return -1;
		}
		memcpy(base, &value, sizeof(value));
		return 0;
	}
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno || end == value || *end != '\0' || v < s->min || v > s->max) {
		snprintf(err, errsz, "%s '%s' is not a whole number from %lld "
		    "to %lld", s->name, value, s->min, s->max);
		return -1;
	}
	switch (s->kind) {
	case K_INT:   *(int *)(void *)base = (int)v; break;
	case K_UINT:  *(unsigned *)(void *)base = (unsigned)v; break;
	case K_INT64: *(int64_t *)(void *)base = (int64_t)v; break;
	default: break;
	}
	return 0;
}

void
config_defaults(struct config *c)
{
	char err[128];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NSETTINGS; i++)
		apply(c, &settings[i], settings[i].def, err, sizeof(err));
}

int
config_set(struct config *c, const char *name, const char *value, char *err,
    size_t errsz)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return apply(c, &settings[i], value, err, errsz);
	snprintf(err, errsz, "unknown setting '%s'", name);
	return -1;
}

int
config_from_env(struct config *c, char *err, size_t errsz)
{
	const char *v;
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if ((v = getenv(settings[i].name)) != NULL &&
		    apply(c, &settings[i], v, err, errsz) == -1)
			return -1;
	return 0;
}

int
config_lifetime(const struct config *c, unsigned rnd)
{
	int spread = c->lifetime_s / 5;

	if (c->lifetime_s == 0 || spread == 0)
		return c->lifetime_s;
	return c->lifetime_s - (int)(rnd % (unsigned)(spread + 1));
}

const char *
config_help(void)
{
	return
"environment (defaults in brackets):\n"
"  SSE_DB             database path [" SSE_DEFAULT_DB "]\n"
"  SSE_RETRY_MS       retry: sent to clients [3000]\n"
"  SSE_BUSY_RETRY_MS  retry: when turning a client away [10000]\n"
"  SSE_HEARTBEAT      seconds between keep-alive comments [15]\n"
"  SSE_LIFETIME       seconds a stream lives, 80-100 %; 0 no limit [240]\n"
"  SSE_MAX_REPLAY     rows caught up per connection; 0 no limit [1000000]\n"
"  SSE_POLL_MS        fallback change check without inotify [1000]\n"
"  SSE_MAX_STREAMS    concurrent streams per sse-fcgi process [10000]\n"
"  SSE_BATCH_ROWS     rows per database read [500]\n"
"  SSE_CORS_ORIGINS   origins allowed to read the stream, or * [none]\n";
}

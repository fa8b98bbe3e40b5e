/* config.c - responder settings from the environment. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum kind { K_PATH, K_TEXT, K_INT, K_UINT, K_INT64, K_CORS };

/*
 * Every setting, once: its environment name, type, range and default, the
 * sse-fcgi flag that also sets it, the line --help prints, and the text of
 * the man pages' ENVIRONMENT list (mdoc), which config_mdoc() writes and a
 * unit test compares with fcgi/sse-fcgi.8.
 */
static const struct setting {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	long long	 min, max;
	const char	*def;
	const char	*flag;		/* sse-fcgi --flag, or NULL */
	int		 letter;	/* its short form, or 0 */
	const char	*arg;		/* the flag's argument in --help */
	const char	*help;
	const char	*doc;
} settings[] = {
	{ "SSE_DB", K_PATH, offsetof(struct config, db), 0, 0,
	  SSE_DEFAULT_DB, "db", 'd', "PATH", "database path or postgresql:// URL",
	  "SQLite database path, or a symbolic link to it; or a\n"
	  ".Li postgresql://\n"
	  "URL (libpq's connection URI: log in as a read-only role,\n"
	  "see README.md)." },
	{ "SSE_RETRY_MS", K_UINT, offsetof(struct config, stream.retry_ms),
	  0, 3600000, "3000", "retry", 0, "MS", "retry: sent to clients",
	  ".Dq retry:\nsent to clients." },
	{ "SSE_BUSY_RETRY_MS", K_UINT,
	  offsetof(struct config, stream.busy_retry_ms), 0, 3600000, "10000",
	  NULL, 0, NULL, "retry: when turning a client away",
	  ".Dq retry:\nwhen turning a client away." },
	{ "SSE_HEARTBEAT", K_INT, offsetof(struct config, heartbeat_s),
	  1, 3600, "15", "heartbeat", 0, "S",
	  "seconds between keep-alive comments",
	  "Seconds of quiet before a comment, below mod_fcgid's 40 s idle\n"
	  "kill and nginx's 60 s read timeout." },
	{ "SSE_LIFETIME", K_INT, offsetof(struct config, lifetime_s),
	  0, 86400 * 7, "240", "lifetime", 0, "S",
	  "seconds a stream lives, 80-100 %; 0 no limit",
	  "Seconds a stream lives (80 to 100 % of it, so reconnects spread);\n"
	  "0 for no limit; under mod_fcgid's 300 s busy timeout." },
	{ "SSE_STOP_SPREAD", K_INT, offsetof(struct config, stop_spread_s),
	  0, 3600, "10", "stop-spread", 0, "S",
	  "seconds SIGTERM spreads the streams' ends over",
	  "On SIGTERM, sse-fcgi ends each stream at a random moment within\n"
	  "this many seconds, at an event boundary, so the clients reconnect\n"
	  "spread out (to a new process on the same socket) rather than at\n"
	  "once; meanwhile new requests get 200 and\n.Dq retry: .\n"
	  "SIGINT, or a second SIGTERM, ends the rest at once; 0 always does.\n"
	  "Keep it below the time the service manager waits before SIGKILL\n"
	  "(systemd: TimeoutStopSec, 90 s)." },
	{ "SSE_MAX_REPLAY", K_INT64, offsetof(struct config, stream.max_replay),
	  0, LLONG_MAX, "1000000", "max-replay", 0, "N",
	  "rows caught up per connection; 0 no limit",
	  "Rows one connection reads while catching up before it ends (the\n"
	  "client reconnects for the rest); 0 for no limit.\n"
	  "Every row read counts, sent or filtered out, so a filter that\n"
	  "matches nothing costs no more than one that matches everything." },
	{ "SSE_POLL_MS", K_INT, offsetof(struct config, poll_ms),
	  10, 3600000, "1000", "poll", 0, "MS",
	  "fallback change check without inotify",
	  "How often to check for new rows where inotify cannot see them\n"
	  "(network file systems)." },
	{ "SSE_MAX_STREAMS", K_INT, offsetof(struct config, max_streams),
	  1, 1000000, "10000", "max-streams", 'c', "N",
	  "concurrent streams per sse-fcgi process",
	  "Concurrent streams per process (sse-fcgi only)." },
	{ "SSE_BATCH_ROWS", K_INT, offsetof(struct config, batch_rows),
	  1, 100000, "500", NULL, 0, NULL, "rows per database read",
	  "Rows per database read (and at most 64 KB of them)." },
	{ "SSE_STATUS_PATH", K_TEXT, offsetof(struct config, status_path),
	  0, 0, "", "status-path", 0, "PATH",
	  "the request path that answers with the status page",
	  "The request path (as in\n.Ev REQUEST_URI ,\nwithout the query) that"
	  " answers with the status page\ninstead of a stream, e.g.\n"
	  ".Pa /sse/status :\nplain text, or OpenMetrics text for Prometheus"
	  " with\n.Dq ?openmetrics .\n"
	  "Unset (the default), there is none.\n"
	  "Let only trusted addresses reach it: the files in\n.Pa conf/\n"
	  "allow 127.0.0.1 and ::1." },
	{ "SSE_PRIVATE", K_INT, offsetof(struct config, private_),
	  0, 1, "0", NULL, 0, NULL,
	  "1: only signed-in users (REMOTE_USER), with their own events",
	  "1 makes the endpoint private: the web server must sign the user in\n"
	  "(Basic, mod_auth_openidc, auth_request ...) and pass\n"
	  ".Ev REMOTE_USER ;\n"
	  "a request without one gets 401, never a public stream, and a user\n"
	  "name over 255 bytes or starting with\n.Dq group:\ngets 403.\n"
	  "The stream then carries the public events and those sent to the\n"
	  "user, or to a group\n.Pq Dq group:NAME\nor other audience the table\n"
	  ".Dq grants\ngives the user, read again every\n.Ev SSE_HEARTBEAT .\n"
	  "0 streams public events only.\n"
	  "A web server can set it per location: a FastCGI parameter or CGI\n"
	  "variable\n.Ev SSE_PRIVATE\nin the request overrides the process's.\n"
	  "A request that carries\n.Ev REMOTE_USER\nor\n.Ev SSE_PRIVATE\n"
	  "more than once gets 500 and a log line, on any streaming endpoint:\n"
	  "the responder never picks one of two." },
	{ "SSE_GZIP", K_INT, offsetof(struct config, stream.gzip),
	  0, 1, "0", NULL, 0, NULL,
	  "1: compress streams for clients that take gzip",
	  "1 compresses each stream whose client sends\n"
	  ".Dq Accept-Encoding: gzip\n"
	  "(every browser does): one deflate stream a response, flushed after\n"
	  "every write so each event is decoded as it arrives, with a small\n"
	  "window (2 KB, about 18 KB of memory a stream).\n"
	  "The web server must pass the body as it is: none in\n"
	  ".Pa conf/\n"
	  "compresses it again.\n"
	  "0 sends every stream as it is." },
	{ "SSE_CORS_ORIGINS", K_CORS, offsetof(struct config, stream.cors),
	  0, 0, "", NULL, 0, NULL,
	  "origins allowed to read the stream, or *",
	  "Origins whose pages may read the stream from another site,\n"
	  "separated by spaces or commas\n"
	  ".Pq Dq https://app.example http://localhost:8080 ,\n"
	  "or\n.Dq *\nfor any.\n"
	  "Unset, no CORS header is sent and OPTIONS is answered 405.\n"
	  "Set, every response carries\n.Dq Vary: Origin ,\n"
	  "an allowed\n.Ev HTTP_ORIGIN\nis echoed in\n"
	  ".Dq Access-Control-Allow-Origin ,\n"
	  "and a preflight OPTIONS from it for GET or HEAD gets 204 allowing\n"
	  "the\n.Dq Last-Event-ID\nheader; any other preflight gets 403.\n"
	  "Credentials (cookies) are never allowed across origins." },
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
	if (s->kind == K_TEXT) {
		memcpy(base, &value, sizeof(value));
		return 0;
	}
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
	static char text[2048];
	size_t i, n = 0;

	if (text[0] != '\0')
		return text;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
	    "environment (defaults in brackets):\n");
	for (i = 0; i < NSETTINGS && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "  %-18s %s [%s]\n", settings[i].name, settings[i].help,
		    settings[i].def[0] ? settings[i].def : "none");
	return text;
}

int
config_options(struct option *opts, int max, int first_val)
{
	size_t i;
	int n = 0;

	for (i = 0; i < NSETTINGS && n < max - 1; i++) {
		if (settings[i].flag == NULL)
			continue;
		opts[n].name = settings[i].flag;
		opts[n].has_arg = required_argument;
		opts[n].flag = NULL;
		opts[n].val = settings[i].letter ? settings[i].letter :
		    first_val + (int)i;
		n++;
	}
	memset(&opts[n], 0, sizeof(opts[n]));
	return n;
}

const char *
config_option_setting(int val, int first_val)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].flag != NULL && (settings[i].letter ?
		    settings[i].letter == val : first_val + (int)i == val))
			return settings[i].name;
	return NULL;
}

void
config_flags_help(FILE *f)
{
	char left[64];
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		if (s->flag == NULL)
			continue;
		if (s->letter)
			snprintf(left, sizeof(left), "-%c, --%s %s", s->letter,
			    s->flag, s->arg);
		else
			snprintf(left, sizeof(left), "    --%s %s", s->flag,
			    s->arg);
		fprintf(f, "  %-24s  %s\n", left, s->name);
	}
}

/* A flag's argument as the man page names it: --help's, in lower case. */
static void
mdoc_arg(const struct setting *s, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; s->arg[i] != '\0' && i < outsz - 1; i++)
		out[i] = (char)(s->arg[i] >= 'A' && s->arg[i] <= 'Z' ?
		    s->arg[i] - 'A' + 'a' : s->arg[i]);
	out[i] = '\0';
}

void
config_synopsis(FILE *f, const char *indent)
{
	int col = (int)strlen(indent);
	char one[64];
	size_t i;

	fputs(indent, f);
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		int n;

		if (s->flag == NULL)
			continue;
		n = s->letter ? snprintf(one, sizeof(one), "[-%c %s]",
		    s->letter, s->arg) : snprintf(one, sizeof(one),
		    "[--%s %s]", s->flag, s->arg);
		if (col > (int)strlen(indent) && col + 1 + n > 78) {
			fprintf(f, "\n%s", indent);
			col = (int)strlen(indent);
		}
		fprintf(f, " %s", one);
		col += 1 + n;
	}
	fputc('\n', f);
}

/* sse-fcgi(8)'s lines for the flags: the SYNOPSIS's, or the OPTIONS
 * list's items. */
static void
mdoc_flags(FILE *f, int items)
{
	char arg[16];
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (s->flag == NULL)
			continue;
		mdoc_arg(s, arg, sizeof(arg));
		fputs(items ? ".It " : ".Op ", f);
		if (s->letter)
			fprintf(f, "Fl %c Ar %s%s", s->letter, arg,
			    items ? " , " : "\n");
		if (items || !s->letter)
			fprintf(f, "Fl -%s Ar %s\n", s->flag, arg);
		if (items)
			fprintf(f, ".Ev %s .\n", s->name);
	}
}

void
config_mdoc_synopsis(FILE *f)
{
	mdoc_flags(f, 0);
}

void
config_mdoc_options(FILE *f)
{
	mdoc_flags(f, 1);
}

void
config_mdoc(FILE *f)
{
	size_t i;

	fprintf(f, ".Bl -tag -width SSE_BUSY_RETRY_MS\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		fprintf(f, ".It Ev %s\n%s\n", s->name, s->doc);
		if (s->kind == K_PATH)
			fprintf(f, "The default is\n.Pa %s .\n", s->def);
		else if (s->def[0] != '\0')
			fprintf(f, "The default is %s.\n", s->def);
	}
	fprintf(f, ".El\n");
}

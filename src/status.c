/* status.c - the status page of a responder (see status.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "status.h"

enum status_format
status_wanted(const char *path, const char *uri, const char *query)
{
	size_t n;
	const char *p;

	if (path == NULL || path[0] == '\0' || uri == NULL)
		return STATUS_NONE;
	n = strcspn(uri, "?");
	if (n != strlen(path) || strncmp(uri, path, n) != 0)
		return STATUS_NONE;
	/* "openmetrics" as a key of its own: "openmetrics", "a&openmetrics=1". */
	for (p = query ? query : ""; *p; p += strcspn(p, "&"), p += *p == '&') {
		size_t k = strcspn(p, "&=");
		if (k == 11 && strncmp(p, "openmetrics", 11) == 0)
			return STATUS_OPENMETRICS;
	}
	return STATUS_TEXT;
}

/* One value, in either format. kind is "gauge" or "counter". */
static void
metric(struct buf *out, enum status_format f, const char *name,
    const char *kind, const char *help, int64_t v)
{
	if (f == STATUS_TEXT) {
		buf_printf(out, "%-24s %lld\n", name, (long long)v);
		return;
	}
	buf_printf(out, "# TYPE sse_%s %s\n# HELP sse_%s %s\nsse_%s%s %lld\n",
	    name, kind, name, help, name, strcmp(kind, "counter") == 0 ?
	    "_total" : "", (long long)v);
}

static void
render_db(enum status_format f, const struct status_db *db, struct buf *out)
{
	metric(out, f, "database_ok", "gauge",
	    "1 if the database could be read", db->ok);
	if (!db->ok)
		return;
	metric(out, f, "newest_id", "gauge", "newest event id ever written",
	    db->newest);
	metric(out, f, "oldest_id", "gauge", "oldest event id still kept",
	    db->oldest);
	if (db->newest_age_ms >= 0)
		metric(out, f, "newest_event_age_seconds", "gauge",
		    "seconds since the newest event was written",
		    db->newest_age_ms / 1000);
}

static const char *const end_names[END_COUNT] = {
	[END_LIFETIME] = "lifetime", [END_REPLAY] = "replay",
	[END_REPLACED] = "replaced", [END_SHUTDOWN] = "shutdown",
	[END_DROP] = "drop", [END_GRANTS] = "grants",
	[END_CLOSED] = "closed",
};

/* Presence: streams per topic pattern, the most followed (a topic's
 * characters need no escaping in a label). */
static void
render_topics(enum status_format f, const struct status *st,
    struct buf *out)
{
	int i;

	metric(out, f, "streams_no_topic", "gauge",
	    "open streams that asked for no topic (every row)", st->untopical);
	if (f == STATUS_OPENMETRICS && st->ntopics > 0)
		buf_printf(out, "# TYPE sse_topic_streams gauge\n"
		    "# HELP sse_topic_streams open streams on a topic pattern, "
		    "the %d most followed\n", STATUS_TOPICS);
	for (i = 0; i < st->ntopics; i++)
		if (f == STATUS_TEXT)
			buf_printf(out, "topic:%-18s %lld\n",
			    st->topics[i].pattern,
			    (long long)st->topics[i].streams);
		else
			buf_printf(out, "sse_topic_streams{topic=\"%s\"} %lld\n",
			    st->topics[i].pattern,
			    (long long)st->topics[i].streams);
}

static void
render_streams(enum status_format f, const struct status *st, int64_t now_ms,
    struct buf *out)
{
	char name[64];
	int64_t closed = st->left;
	int i;

	for (i = 0; i < END_COUNT; i++)
		closed += st->ended[i];
	metric(out, f, "uptime_seconds", "gauge", "seconds since start",
	    (now_ms - st->start_ms) / 1000);
	metric(out, f, "streams_open", "gauge", "streams open now", st->open);
	metric(out, f, "buffered_bytes", "gauge",
	    "output held for streams whose clients read slowly", st->buffered);
	metric(out, f, "streams_opened", "counter", "streams started",
	    st->opened);
	metric(out, f, "streams_closed", "counter",
	    "streams ended, by the client or the server", closed);
	metric(out, f, "streams_refused", "counter",
	    "clients turned away with retry: (busy, no database)", st->refused);
	metric(out, f, "streams_left", "counter", "streams the client ended",
	    st->left);
	/* One family with a label in OpenMetrics, a line each for people. */
	if (f == STATUS_OPENMETRICS)
		buf_appends(out, "# TYPE sse_streams_ended counter\n"
		    "# HELP sse_streams_ended streams the server ended, by "
		    "reason\n");
	for (i = 0; i < END_COUNT; i++) {
		snprintf(name, sizeof(name), "streams_ended_%s", end_names[i]);
		if (f == STATUS_TEXT)
			metric(out, f, name, "counter", "", st->ended[i]);
		else
			buf_printf(out, "sse_streams_ended_total{reason=\"%s\"} "
			    "%lld\n", end_names[i], (long long)st->ended[i]);
	}
	metric(out, f, "events_sent", "counter", "events sent", st->events);
	metric(out, f, "bytes_sent", "counter", "bytes of event text sent",
	    st->bytes);
	metric(out, f, "replay_rows", "counter", "rows read while catching up",
	    st->replayed);
	metric(out, f, "database_errors", "counter",
	    "failed database opens and reads", st->db_errors);
	render_topics(f, st, out);
}

void
status_render(enum status_format f, const struct status *st,
    const struct status_db *db, int64_t now_ms, struct buf *out)
{
	buf_appends(out, f == STATUS_OPENMETRICS ?
	    "Content-Type: application/openmetrics-text; version=1.0.0; "
	    "charset=utf-8\r\n" : "Content-Type: text/plain; charset=utf-8\r\n");
	buf_appends(out, "Cache-Control: no-store\r\n\r\n");
	if (f == STATUS_TEXT)
		buf_printf(out, "%-24s %ld\n", "pid", (long)getpid());
	render_db(f, db, out);
	if (st != NULL)
		render_streams(f, st, now_ms, out);
	if (f == STATUS_OPENMETRICS)
		buf_appends(out, "# EOF\n");
}

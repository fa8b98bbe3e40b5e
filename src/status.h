/*
 * status.h - what a responder says about itself on its status path
 * (SSE_STATUS_PATH), the way php-fpm answers pm.status_path: plain text for
 * people, OpenMetrics text for Prometheus ("?openmetrics"). sse-fcgi keeps
 * the counters for its process; sse.cgi, one stream a process, reports the
 * database alone.
 *
 * Errors: none; a database that cannot be read is reported as such.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "topic.h"

enum status_format { STATUS_NONE, STATUS_TEXT, STATUS_OPENMETRICS };

/* Why the server ended a stream (a client leaving is counted apart). */
enum status_end {
	END_LIFETIME,		/* SSE_LIFETIME reached */
	END_REPLAY,		/* SSE_MAX_REPLAY rows caught up */
	END_REPLACED,		/* the database file was replaced */
	END_SHUTDOWN,		/* SIGTERM or SIGINT */
	END_DROP,		/* SIGUSR1 */
	END_GRANTS,		/* its user's grants could not be read again */
	END_CLOSED,		/* its topic was closed (after the last row) */
	END_COUNT
};

/* Presence: the topic patterns most followed now, and by how many. */
#define STATUS_TOPICS	10
struct status_topic {
	char		 pattern[TOPIC_MAX + 3];	/* a name, a subtree, or every topic */
	int64_t		 streams;
};

struct status {
	time_t		 started;	/* wall clock, for people */
	int64_t		 start_ms;	/* clock_ms() at start */
	int64_t		 open;		/* streams now */
	int64_t		 buffered;	/* bytes written but not yet sent */
	int64_t		 opened;	/* since start */
	int64_t		 refused;	/* turned away: busy, no database */
	int64_t		 left;		/* ended by the client */
	int64_t		 ended[END_COUNT];
	int64_t		 events;	/* frames sent */
	int64_t		 bytes;		/* of SSE text sent */
	int64_t		 replayed;	/* rows sent from catch-up reads */
	int64_t		 db_errors;	/* failed opens and reads */
	int64_t		 untopical;	/* open streams that asked for no topic */
	int		 ntopics;	/* of topics[], most followed first */
	struct status_topic topics[STATUS_TOPICS];
};

/* The database as the status page shows it. */
struct status_db {
	int		 ok;		/* the rest is known */
	int64_t		 oldest, newest;
	int64_t		 newest_age_ms;	/* -1: no row */
};

/*
 * Is this request for the status page? path is SSE_STATUS_PATH ("" or NULL:
 * none), uri the request's REQUEST_URI, query its QUERY_STRING. The path
 * must match exactly, without the query; "openmetrics" in the query asks
 * for OpenMetrics.
 */
enum status_format status_wanted(const char *path, const char *uri,
	    const char *query);

/*
 * The whole response, head and body. st may be NULL (sse.cgi: no process
 * counters); now_ms is clock_ms().
 */
void	status_render(enum status_format f, const struct status *st,
	    const struct status_db *db, int64_t now_ms, struct buf *out);

#endif

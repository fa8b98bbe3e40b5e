/*
 * sse-fcgi.h - what the files of sse-fcgi share: the server and its
 * connections, in three floors: server.c runs the epoll loop (accept, a
 * request into a stream, timers, signals, stop) over hub.c, the one read
 * per change of the database and its fan-out, over conn.c, a connection
 * and its non-blocking FastCGI writer. intake.c reads the requests,
 * listen.c makes the listening socket.
 */
#ifndef SSE_FCGI_H
#define SSE_FCGI_H

#include <stdint.h>
#include <sys/epoll.h>

#include "batch.h"
#include "buf.h"
#include "config.h"
#include "conn_state.h"
#include "follow.h"
#include "intake.h"
#include "gzip.h"
#include "log.h"
#include "status.h"
#include "stream.h"
#include "topicmap.h"

/* Streams live at or above this descriptor; see intake.h. */
#define HIGH_FD		1024
/* Below HIGH_FD, streams may take descriptors up to here: the rest is the
 * intake's (INTAKE_QUEUE being read, and the workers' own). */
#define LOW_STREAM_MAX	(HIGH_FD - INTAKE_QUEUE - 32)
/* Unsent bytes a stream may hold before it stops taking live rows and
 * catches up from the table instead: bounds a slow reader's memory. */
#define PENDING_MAX	(64 * 1024)
/* How long a finished stream may take to drain before it is cut. */
#define DRAIN_MS	10000
#define TICK_MS		250	/* sweep: heartbeats and lifetimes */

struct server;

/* What epoll's data.ptr points at: the function for its events. */
struct handler {
	void	(*on_event)(struct server *sv, struct handler *h,
		    uint32_t events);
};

struct conn {
	struct handler	 h;		/* first: epoll names the conn by it */
	int		 fd;
	int		 request_id;
	enum conn_state	 state;
	int		 out_armed;	/* EPOLLOUT registered */
	int		 closed;	/* freed after this epoll batch */
	int		 counted;	/* in status.open: a stream not yet ended */
	struct stream	 s;
	struct buf	 pending;	/* FastCGI records not yet written */
	struct gzip	*gz;		/* SSE_GZIP, for a client that takes it;
					   NULL: the body goes as it is */
	size_t		 raw_next;	/* bytes of the next send that are the
					   head: not compressed */
	int64_t		 drain_until;	/* ms, while DRAINING */
	struct tm_place	 place;		/* in sv->map, by its topics */
	uint64_t	 fan_seq;	/* the fan-out that last touched it */
	struct conn	*touched;	/* the next one that fan-out touched */
	struct conn	*prev, *next;
};

struct server {
	const struct config *cfg;
	int		 ep, listen_fd, timer_fd, look_fd, sig_fd;
	int		 listening;	/* listen_fd is in the epoll set */
	struct intake	 intake;
	struct follow	 f;		/* the database */
	struct batch	 hub, own;
	/* Every row up to here was read and fanned out: a LIVE stream has
	 * seen them all, even if its own cursor, moved only when a row of
	 * its topics comes, is older (conn_sync()). */
	int64_t		 hub_cursor;
	struct topicmap	 map;		/* the streams by topic */
	uint64_t	 fan_seq;	/* fan-outs so far */
	struct conn	*touched;	/* this fan-out's streams */
	int64_t		 next_sweep, last_log, last_accept_log;
	int64_t		 last_unframed_log;
	char		 last_why[256];	/* the database error last logged */
	unsigned	 watch_gen;	/* follow_generation() polled */
	struct buf	 text;		/* scratch */
	struct buf	 zout;		/* scratch: text compressed */
	struct status	 stat;		/* the status page's counters */
	struct conn	*conns;
	struct conn	*graveyard;	/* closed, still named by pending events */
	int		 nconns;
	int		 stopping;
};

/* Every descriptor in the epoll set names its handler: a conn's is its
 * first member; the look timer's and the database's are hub.c's. */
extern struct handler h_look, h_watch;

static inline int
ep_add(struct server *sv, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* conn.c */
/* Move c by in (conn_next()) and make its epoll interest match, so the
 * two cannot disagree. */
void	conn_move(struct server *sv, struct conn *c, enum conn_input in);
/* A LIVE stream's cursor is at least the hub's: make it so before the
 * cursor is used (a take, an end, a catch-up from the table). */
void	conn_sync(struct server *sv, struct conn *c);
int	conn_streaming(const struct conn *c);
void	conn_close(struct server *sv, struct conn *c);
void	bury(struct server *sv);
int	conn_flush(struct server *sv, struct conn *c);
int	conn_send(struct server *sv, struct conn *c, const char *text,
	    size_t len);
void	conn_finish(struct server *sv, struct conn *c, int why);
int	conn_send_text(struct server *sv, struct conn *c);
int	conn_replay_spent(struct server *sv, struct conn *c,
	    const struct batch *b);
int	conn_grants(struct server *sv, struct conn *c);
int	conn_take(struct server *sv, struct conn *c, const struct batch *b);
int	conn_catch_up(struct server *sv, struct conn *c);
void	conn_event(struct server *sv, struct conn *c, uint32_t ev);

/* hub.c */
void	log_db(struct server *sv);
void	hub_look(struct server *sv);
void	drop_all(struct server *sv, int why);
void	arm_look(struct server *sv);
void	watch_sync(struct server *sv);
/* The handlers of the look timer and of the database's descriptor. */
void	on_look(struct server *sv, struct handler *h, uint32_t events);
void	on_wake(struct server *sv, struct handler *h, uint32_t events);

#endif

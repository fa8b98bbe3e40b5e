/*
 * store_pg.h - what a responder needs to follow a PostgreSQL store
 * (follow.c), beyond store.h: the state row, the LISTEN socket and its
 * notifications. The engine itself (store_pg.c) is reached through
 * store.h like any other.
 *
 * The URL goes to libpq whole, so PGPASSFILE, sslmode, several hosts and
 * target_session_attrs work as PostgreSQL users expect. Defaults that suit a
 * process holding streams come first and the URL overrides them: a connect
 * timeout of 5 s, and TCP keepalives that find a dead server in about 25 s
 * rather than the system's two hours.
 */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A responder on a standby, where NOTIFY never arrives, looks this often. */
#define STORE_PG_STANDBY_POLL_MS	100
/* The channel sse_notify() signals (schema/pg/001-events.sql). */
#define STORE_PG_CHANNEL		"sse_events"

/* What one look at a PostgreSQL database sees, in one snapshot. */
struct pg_state {
	char	 epoch[64];	/* sse_state.epoch */
	int64_t	 newest;	/* the newest id committed */
	char	 newest_ts[32];	/* ts of the row with that id; "" if none */
	int	 standby;	/* pg_is_in_recovery(): no NOTIFY here */
};

/*
 * Connecting without blocking, for a process that serves streams while it
 * connects: store_pg_dial() starts a connection (s is not open yet, but
 * store_pg_socket() is its socket, and store_close() ends it), and
 * store_pg_dial_poll() moves it on whenever the socket is ready for what
 * the last call asked (at first: writing). It returns STORE_PG_DIAL_READ or
 * _WRITE (wait for that), STORE_OK (s is open as store_open() leaves it,
 * after a few quick queries), or a STORE_* error (s is closed, with the
 * message). libpq keeps no time here: give up after
 * store_pg_dial_timeout_ms() (the URL's connect_timeout, or 5 s) with
 * store_pg_dial_give_up(), and dial again from the next host (first_host,
 * counted from 0, of the URL's several; libpq moves on by itself from one
 * that refuses, but cannot from one that never answers). A host name is
 * still looked up with a blocking call.
 */
#define STORE_PG_DIAL_READ	1
#define STORE_PG_DIAL_WRITE	2
int	store_pg_dial(struct store *s, const char *url, int flags,
	    int busy_ms, int first_host);
int	store_pg_dial_poll(struct store *s);
int	store_pg_dial_timeout_ms(const struct store *s);	/* -1: none */
/* Close a dial that took ms without an answer, saying so. */
void	store_pg_dial_give_up(struct store *s, int ms);

int	store_pg_state(struct store *s, struct pg_state *st);
/* The ts of row id into ts ("" and *found 0 if there is no such row). */
int	store_pg_row_ts(struct store *s, int64_t id, char *ts, size_t tssz,
	    int *found);
/* The connection's socket, to poll for notifications; -1 if none. */
int	store_pg_socket(const struct store *s);
/* LISTEN on the channel (not possible on a standby: returns STORE_OK and
 * does nothing there). Idempotent. */
int	store_pg_listen(struct store *s);
/* Read what the socket has: 1 if a notification came, 0 if none, or
 * STORE_IO when the connection is gone. */
int	store_pg_drain(struct store *s);

#endif

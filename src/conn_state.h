/*
 * conn_state.h - what one sse-fcgi connection is doing, and the moves
 * between its states, without any I/O so that they are tested alone
 * (fcgi/conn.c applies them, with the epoll interest each asks for):
 *
 *   LIVE      takes each row from the hub as it is read
 *   BEHIND    reads the table itself, a batch each time its socket drains
 *             (resuming, or a slow reader the hub left behind)
 *   STALLED   BEHIND, but its last read failed (a lock): the next sweep
 *             makes it BEHIND again instead of spinning on EPOLLOUT
 *   DRAINING  the response is complete; closed once written or timed out
 */
#ifndef CONN_STATE_H
#define CONN_STATE_H

#include <stddef.h>

enum conn_state { CONN_LIVE, CONN_BEHIND, CONN_STALLED, CONN_DRAINING };

/* What happened to the connection. */
enum conn_input {
	CONN_START_BEHIND,	/* a new stream whose cursor is before the hub's */
	CONN_BACKLOG,		/* too much unsent, or the hub's rows start past
				   its cursor: the table holds its backlog */
	CONN_HELD,		/* a read (rows or grants) found the database
				   busy, or failed: wait for the sweep */
	CONN_CAUGHT_UP,		/* a catch-up read reached the hub's cursor */
	CONN_RETRY,		/* the sweep: a stalled read may try again */
	CONN_FINISH		/* the response ends */
};

/* The state after in; an input that does not apply leaves it as it is.
 * DRAINING is the last state. */
enum conn_state conn_next(enum conn_state from, enum conn_input in);
/* Should the connection hear its socket drain (EPOLLOUT)? While it has
 * output waiting, or reads the table at the pace of its socket. */
int	conn_wants_out(enum conn_state state, size_t pending);

#endif

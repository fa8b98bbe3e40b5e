/* conn_state.c - one connection's state machine (see conn_state.h). */
#include "conn_state.h"

enum conn_state
conn_next(enum conn_state from, enum conn_input in)
{
	if (from == CONN_DRAINING || in == CONN_FINISH)
		return CONN_DRAINING;
	switch (in) {
	case CONN_START_BEHIND:
		return from == CONN_LIVE ? CONN_BEHIND : from;
	case CONN_BACKLOG:
		return from == CONN_LIVE ? CONN_BEHIND : from;
	case CONN_HELD:
		return CONN_STALLED;
	case CONN_CAUGHT_UP:
		return from == CONN_BEHIND ? CONN_LIVE : from;
	case CONN_RETRY:
		return from == CONN_STALLED ? CONN_BEHIND : from;
	default:
		return from;
	}
}

int
conn_wants_out(enum conn_state state, size_t pending)
{
	return pending > 0 || state == CONN_BEHIND;
}

/*
 * stream.h - one client's event stream, the same for CGI and FastCGI: the
 * response head, the opening frames (retry, cursor priming or reset), the
 * rows it has not seen, heartbeats and a clean end. Output goes into a buf
 * that the caller sends; nothing here does I/O or keeps time.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "request.h"
#include "cors.h"
#include "store.h"

struct stream_cfg {
	unsigned	 retry_ms;	/* retry: sent at the start */
	unsigned	 busy_retry_ms;	/* retry: when turning a client away */
	int64_t		 max_replay;	/* rows caught up per connection; 0: no limit */
	struct cors	 cors;		/* SSE_CORS_ORIGINS */
};

enum stream_state {
	STREAM_DONE,		/* the response is complete: close it */
	STREAM_OPEN		/* keep streaming */
};

struct stream {
	struct request	 req;
	int64_t		 cursor;	/* every row <= cursor was examined */
	int64_t		 sent_id;	/* last id the client has seen */
	int64_t		 replayed;	/* rows sent while catching up */
};

/* The head and body of a response that is not a stream: 400, 405, or the
 * answer to an OPTIONS preflight (204, 403; 405 when CORS is off). */
void	stream_reject(int status, const struct request *r,
	    const struct stream_cfg *cfg, struct buf *out);
/* 200 with only a retry: line, which brings an EventSource back later. */
void	stream_turn_away(const struct stream_cfg *cfg, const struct request *r,
	    const char *why, struct buf *out);

/*
 * Start a GET or HEAD that request_parse() accepted. Writes the head and,
 * for GET, the opening frames: retry, a comment, then either the cursor
 * primed to the newest id (no cursor given) or an "event: reset" when the
 * cursor is below what pruning left or above the newest id ever written.
 * Returns STREAM_OPEN, STREAM_DONE (HEAD) or a STORE_* code (out untouched:
 * the caller turns the client away).
 */
int	stream_begin(struct stream *s, const struct request *req,
	    const struct stream_cfg *cfg, struct store *st, struct buf *out);

/*
 * Append the frames of b this stream has not seen and wants, and move the
 * cursor to b->last. replay says the rows are a catch-up read. Returns the
 * number of frames appended, or -1 if b starts after the cursor (the stream
 * is behind and must read for itself).
 */
int	stream_take(struct stream *s, const struct batch *b, int replay,
	    struct buf *out);
/* 1 when the stream has caught up as many rows as one connection may. */
int	stream_replay_spent(const struct stream *s, const struct stream_cfg *cfg);

void	stream_heartbeat(struct buf *out);
/* The last frame: moves the client's cursor past rows its filter skipped. */
void	stream_end(struct stream *s, struct buf *out);

#endif

/*
 * stream.h - one client's event stream, the same for CGI and FastCGI: the
 * response head, the opening frames (retry, cursor priming or reset), the
 * rows it has not seen, heartbeats and a clean end. Output goes into a buf
 * that the caller sends; nothing here does I/O or keeps time.
 *
 * Errors: stream_begin() says STREAM_FAILED when the database cannot be
 * read (the store's message says why); the caller turns the client away.
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
	int		 gzip;		/* SSE_GZIP: compress for clients
					   that take gzip */
};

enum stream_state {
	STREAM_DONE,		/* the response is complete: close it */
	STREAM_OPEN,		/* keep streaming */
	STREAM_FAILED		/* the database could not be read: the store's
				   message says why */
};

struct stream {
	struct request	 req;
	int64_t		 cursor;	/* every row <= cursor was examined */
	int64_t		 sent_id;	/* last id the client has seen */
	int64_t		 replayed;	/* rows read from full batches */
	int64_t		 end_at;	/* ms: the end of its life */
	int64_t		 beat_at;	/* ms: a heartbeat is due */
	int		 heartbeat_ms;
	char		**grants;	/* private: the user's, sorted */
	size_t		 ngrants;
	int64_t		 grants_at;	/* ms: read the grants again */
	int		 closed;	/* its one topic closed: end it */
	/* stream_begin() of an open stream: where in out its head ended
	 * (the head goes out as it is), and whether what follows is to be
	 * compressed (gzip.h). */
	size_t		 head_end;
	int		 gzip;
};

/* The head and body of a response that is not a stream: 400, 401, 403,
 * 405, 500 (a web server that sent REMOTE_USER twice), or the
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
 * A stream on one topic that is finished, with nothing newer than the
 * cursor, is answered 204 No Content instead (STREAM_DONE).
 * A private stream also reads its user's grants. Returns STREAM_OPEN,
 * STREAM_DONE (HEAD) or STREAM_FAILED (out untouched: the caller turns
 * the client away). Release it with stream_release() either way.
 */
enum stream_state stream_begin(struct stream *s, const struct request *req,
	    const struct stream_cfg *cfg, struct store *st, struct buf *out);

/* Free what stream_begin() took (a private stream's grants). */
void	stream_release(struct stream *s);
/*
 * A private stream reads its user's grants again once per heartbeat
 * interval, so a revoked grant stops delivery on an open stream within
 * that time. Call stream_grants_due() before handing the stream rows;
 * when it says 1, stream_read_grants() (a STORE_* code; on failure the
 * stream holds no grants and should end: it fails closed).
 */
int	stream_grants_due(const struct stream *s, int64_t now);
int	stream_read_grants(struct stream *s, struct store *st, int64_t now);
/* 1 when this stream may carry a row for audience (NULL: public). */
int	stream_hears(const struct stream *s, const char *audience);

/*
 * Append the frames of b this stream has not seen and wants, and move the
 * cursor to b->last. When rows after the cursor were pruned (b->oldest is
 * beyond it), an "event: reset" saying so comes first. Rows of a full batch
 * (more were waiting: the stream is catching up) count as replayed, the
 * same for either responder: every row read past the cursor, sent or
 * filtered out, so SSE_MAX_REPLAY bounds the reading a connection costs.
 * A stream on one topic stops at the row that closes it (stream_closed()).
 * Returns the number of frames appended, or -1
 * if b starts after the cursor (the stream is behind and must read for
 * itself).
 */
int	stream_take(struct stream *s, const struct batch *b, struct buf *out);
/*
 * The database under the stream is another one now (a new file, a new
 * PostgreSQL epoch, a history that went back): append an "event: reset"
 * ("replaced") with its range and move the cursor to its newest id, so the
 * client starts over from there rather than resuming into other rows.
 */
void	stream_replaced(struct stream *s, int64_t oldest, int64_t newest,
	    struct buf *out);
/* 1 when the stream's one topic closed (stream_take() took the closing
 * row): end it now; its client comes back and is told 204. */
int	stream_closed(const struct stream *s);
/* 1 when the stream has caught up as many rows as one connection may; it
 * then ends at this batch boundary and the client resumes. */
int	stream_replay_spent(const struct stream *s, const struct stream_cfg *cfg);

/*
 * Deadlines, in ms of the caller's clock: the stream ends at now + life_ms
 * (0: never), beats heartbeat_ms after its last write, and reads its
 * grants again heartbeat_ms from now.
 */
void	stream_clock(struct stream *s, int64_t now, int heartbeat_ms,
	    int64_t life_ms);
/* The next moment something is due: the end or a heartbeat. */
int64_t	stream_deadline(const struct stream *s);
/* Output left for the client at now: the heartbeat moves. */
void	stream_wrote(struct stream *s, int64_t now);
int	stream_expired(const struct stream *s, int64_t now);
/* End no later than t (a shutdown): the end only moves earlier. */
void	stream_end_by(struct stream *s, int64_t t);
/* Append a keep-alive comment if one is due at now; returns 1 if it did. */
int	stream_beat(struct stream *s, int64_t now, struct buf *out);

void	stream_heartbeat(struct buf *out);
/* The last frame: moves the client's cursor past rows its filter skipped. */
void	stream_end(struct stream *s, struct buf *out);

#endif

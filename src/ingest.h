/*
 * ingest.h - what sse-push writes: validates one event (from the command line
 * or a batch line) and inserts it. The caller owns the transaction.
 *
 * Batch line format (one event a line, UTF-8):
 *   SYMBOL PRICE                         a price event, e.g. "AAPL 189.51"
 *   {"symbol":"AAPL","price":189.51}     the same as JSON
 *   {"event":"NAME","data":"TEXT"}       any other event; "\n" in TEXT
 *                                        makes a multi-line payload
 *   {"event":..,"data":..,"to":"alice"}  a private one, for that audience
 *                                         ("group:NAME" for a group)
 *   {"event":..,"data":..,"topic":"jobs/42"}  under a topic (else
 *                                         in->topic, if set)
 *   {"event":..,"data":..,"topic":..,"close":true}  its topic's last event
 *   {"topic":"jobs/42","close":true}     close the topic, with no event
 * A price is published under the topic prices/SYMBOL.
 *   blank lines and lines starting with '#' are skipped.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jsonl.h"
#include "pending.h"
#include "store.h"

#define INGEST_LINE_MAX	(512 * 1024)

/* What every ingest_* call returns; in->err says why when not INGEST_OK. */
enum ingest_rc {
	INGEST_OK	= 0,
	INGEST_REFUSED	= 1,	/* the input was refused: nothing written */
	INGEST_FAILED	= 2	/* the store failed: in->store_rc is its
				   STORE_* code */
};

/*
 * Inside a write transaction nobody else can insert, so the last price of
 * each symbol is remembered there instead of read back for every row of a
 * batch. Symbols beyond the table's size are simply looked up.
 */
#define INGEST_PRICE_SLOTS	128
/* Where the store takes many rows at once (store_puts_many()), rows wait
 * inside a transaction until this many, a look at the table, or the
 * commit; their ids are known then. */
#define INGEST_PENDING_ROWS	500
struct ingest_price {
	char		 symbol[17];	/* SYMBOL_MAX + 1; "" = free slot */
	char		 price[32];
};

struct ingest {
	struct store	*store;		/* borrowed */
	struct jsonl	 json;
	struct buf	 data;		/* the payload with line ends made LF */
	int64_t		 last_id;	/* id of the last row inserted */
	int64_t		 rows;		/* rows inserted */
	int		 check_only;	/* validate, insert nothing */
	int		 in_tx;		/* the price cache is valid */
	int		 store_rc;	/* after INGEST_FAILED: the store's code */
	const char	*topic;		/* borrowed: the topic of lines that
					   name none (NULL: none) */
	/* Called with each row's id, in order, once it is known (at the
	 * latest by ingest_commit()); may be NULL. */
	void		(*on_id)(void *ctx, int64_t id);
	void		*on_id_ctx;
	struct pending	 pending;	/* rows not yet sent (see above) */
	struct ingest_price prices[INGEST_PRICE_SLOTS];
	char		 err[512];
};

void	ingest_init(struct ingest *in, struct store *store);
void	ingest_release(struct ingest *in);

/* The write transaction around one or more events (store_begin() and the
 * rest), with the price cache valid inside it. */
enum ingest_rc ingest_begin(struct ingest *in);
enum ingest_rc ingest_commit(struct ingest *in);
void	ingest_rollback(struct ingest *in);

/*
 * Insert a price event: event "price", the symbol and the price text as
 * given, and data {"symbol":..,"price":..,"change":..} with change in
 * percent against the symbol's previous price (null for its first).
 */
enum ingest_rc ingest_price(struct ingest *in, const char *symbol, const char *price);
/* Where an event goes besides everyone. */
struct ingest_route {
	const char	*to;		/* its audience (a user, or "group:NAME"
					   that users hold grants for); NULL:
					   public */
	const char	*topic;		/* NULL: of no topic */
	int		 closes;	/* 1: its topic's last event */
};

/*
 * Insert a generic event. CR and CRLF in data become LF, so the stored
 * payload is what EventSource hands the page. route NULL is a public
 * event of no topic.
 */
enum ingest_rc ingest_event(struct ingest *in, const char *event, const char *data,
	    size_t len, const struct ingest_route *route);
/* Close a topic without an event of its own: a row named "close" with
 * empty data (EventSource hands it to addEventListener("close"), not to
 * onmessage) and closes set; to as in a route. */
enum ingest_rc ingest_close(struct ingest *in, const char *topic,
	    const char *to);
/* Parse and insert one batch line (without its LF). */
enum ingest_rc ingest_line(struct ingest *in, const char *line, size_t len);

#endif

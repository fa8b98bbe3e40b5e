/*
 * push.h - what sse-push does, as a library: one mode, run against one
 * store, reading its input from a stream and printing ids to another. A
 * run returns its exit status (as sse-push(1) lists them) and leaves the
 * reason for a failure in the caller's buffer; it never exits. Warnings
 * a long run goes on after (a refused feed line, a lock it waits out) go
 * to the log stream as they happen.
 */
#ifndef PUSH_H
#define PUSH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum push_mode {
	PUSH_PRICE,		/* one price: symbol, price */
	PUSH_EVENT,		/* one event: event, data ("-": all of in), to */
	PUSH_BATCH,		/* lines from in, all in one transaction */
	PUSH_FOLLOW,		/* lines from in, each committed as it comes */
	PUSH_SIMULATE,		/* random-walk prices: simulate, rate, count */
	PUSH_PRUNE,		/* delete old events: keep, max_age (of the
				   topics matching topic, if set) */
	PUSH_CLOSE		/* close topic, with no event of its own */
};

/* Exit statuses, as in sse-push(1). */
enum push_status {
	PUSH_OK		= 0,
	PUSH_DBERR	= 1,	/* any other database error */
	PUSH_USAGE	= 64,
	PUSH_INPUT	= 65,	/* invalid input: nothing was written */
	PUSH_NOINPUT	= 66,	/* cannot read the input */
	PUSH_CANTOPEN	= 73,	/* cannot open or create the database */
	PUSH_IOERR	= 74,	/* I/O error or disk full */
	PUSH_BUSY	= 75,	/* still locked after the busy timeout */
	PUSH_SCHEMA	= 78	/* not an events database, or a newer one */
};

struct push_opts {
	enum push_mode	 mode;
	const char	*db;
	const char	*symbol, *price;		/* PUSH_PRICE */
	const char	*event, *data, *to;		/* PUSH_EVENT */
	const char	*topic;		/* the topic of an event, of lines that
					   name none, or to prune (a pattern) */
	int		 close;		/* the event closes topic; after -b or
					   -f, a last row closes it */
	const char	*simulate;			/* PUSH_SIMULATE */
	int64_t		 rate, count, seed;
	int64_t		 keep, max_age;			/* PUSH_PRUNE; < 0 off */
	int		 quiet;		/* print no ids (nor prune's count) */
	int		 busy_ms;	/* <= 0: the store's default */
};

/* The streams a run reads and writes, and what it calls itself in the log. */
struct push_io {
	FILE		*in, *out, *log;
	const char	*name;
};

/* Run o. Returns a push_status; on failure err holds why. */
enum push_status push_run(const struct push_opts *o,
	    const struct push_io *io, char *err, size_t errsz);

#endif

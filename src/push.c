/* push.c - what sse-push does (see push.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ingest.h"
#include "push.h"
#include "simulate.h"
#include "store.h"
#include "topic.h"

struct run {
	const struct push_opts	*o;
	const struct push_io	*io;
	struct store		 st;
	struct ingest		 in;
	char			*err;
	size_t			 errsz;
};

static enum push_status
fail(struct run *r, enum push_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum push_status
fail(struct run *r, enum push_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errsz, fmt, ap);
	va_end(ap);
	return status;
}

static enum push_status
status_of_store(int rc)
{
	switch (rc) {
	case STORE_OK:		return PUSH_OK;
	case STORE_BUSY:	return PUSH_BUSY;
	case STORE_MISSING:
	case STORE_ACCESS:	return PUSH_CANTOPEN;
	case STORE_CORRUPT:
	case STORE_SCHEMA:	return PUSH_SCHEMA;
	case STORE_FULL:
	case STORE_IO:		return PUSH_IOERR;
	default:		return PUSH_DBERR;
	}
}

/* The status for what ingest said: refused input, or the store's code. */
static enum push_status
status_of_ingest(const struct ingest *in, enum ingest_rc rc)
{
	return rc == INGEST_OK ? PUSH_OK : rc == INGEST_REFUSED ? PUSH_INPUT :
	    status_of_store(in->store_rc);
}

/* An id printed is an event kept: out must take it now. */
static enum push_status
print_id(struct run *r, int64_t id)
{
	if (fprintf(r->io->out, "%lld\n", (long long)id) < 0 ||
	    fflush(r->io->out) == EOF)
		return fail(r, PUSH_IOERR, "cannot write standard output: %s",
		    strerror(errno));
	return PUSH_OK;
}

/*
 * The input lines of -b and -f, read with read(2) rather than stdio, so
 * that a feed can tell whether another whole line is already waiting:
 * those are committed together (group commit), and a line that comes
 * alone is committed at once.
 */
struct feed {
	int	 fd;
	int	 eof;
	size_t	 off, len;
	char	 buf[65536];
};

/* Read what the descriptor has into the buffer (blocking if it has
 * nothing); 0, or -1 with errno. */
static int
feed_fill(struct feed *f)
{
	ssize_t n;

	if (f->off > 0) {
		memmove(f->buf, f->buf + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	if (f->len == sizeof(f->buf))
		return 0;	/* a long line: the caller takes it in parts */
	do
		n = read(f->fd, f->buf + f->len, sizeof(f->buf) - f->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		f->eof = 1;
	f->len += (size_t)n;
	return 0;
}

static void
feed_open(struct feed *f, FILE *in)
{
	f->fd = fileno(in);
	f->eof = 0;
	f->off = f->len = 0;
}

/* Read one line of at most max bytes into b (without its LF; too_long
 * says a longer one was cut): 1, or 0 at the end; -1 (a status in
 * *status) if it cannot. */
static int
feed_line(struct run *r, struct feed *f, struct buf *b, size_t max,
    int *too_long, enum push_status *status)
{
	const char *nl;
	size_t n, keep;

	buf_clear(b);
	*too_long = 0;
	for (;;) {
		nl = memchr(f->buf + f->off, '\n', f->len - f->off);
		n = nl ? (size_t)(nl - (f->buf + f->off)) : f->len - f->off;
		keep = b->len >= max ? 0 : n < max - b->len ? n : max - b->len;
		if (keep < n)
			*too_long = 1;
		if (keep > 0 && buf_append(b, f->buf + f->off, keep) == -1) {
			*status = fail(r, PUSH_DBERR, "out of memory");
			return -1;
		}
		f->off += n + (nl != NULL);
		if (nl != NULL)
			return 1;
		if (f->eof)
			return b->len > 0 || *too_long;
		if (feed_fill(f) == -1) {
			*status = fail(r, PUSH_NOINPUT, "cannot read standard "
			    "input: %s", strerror(errno));
			return -1;
		}
	}
}

/* Is a whole line there to be read without waiting? Takes in what the
 * descriptor already holds, never waits for more. */
static int
feed_ready(struct feed *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };

	if (memchr(f->buf + f->off, '\n', f->len - f->off) != NULL)
		return 1;
	if (f->eof || poll(&p, 1, 0) != 1 || feed_fill(f) == -1)
		return 0;
	return memchr(f->buf + f->off, '\n', f->len - f->off) != NULL ||
	    (f->eof && f->len > f->off);
}

/* Ingest a line read by feed_line(); one that was too long is refused. */
static enum ingest_rc
ingest_read(struct ingest *in, const struct buf *line, int too_long)
{
	if (too_long) {
		snprintf(in->err, sizeof(in->err), "line is longer than %d bytes",
		    INGEST_LINE_MAX);
		return INGEST_REFUSED;
	}
	return ingest_line(in, line->data ? line->data : "", line->len);
}

static void
progress(struct run *r, int64_t lines, int done)
{
	fprintf(r->io->log, "\r%s: %lld lines%s", r->io->name,
	    (long long)lines, done ? "\n" : "");
}

/* Check every line, keeping them in all; the line number of a refused one
 * goes in the message. */
static enum push_status
check_lines(struct run *r, struct buf *all, int64_t *lineno, int tty)
{
	enum push_status status = PUSH_OK;
	static struct feed f;
	struct buf line;
	int more, too_long;

	feed_open(&f, r->io->in);
	buf_init(&line);
	r->in.check_only = 1;
	while ((more = feed_line(r, &f, &line, INGEST_LINE_MAX, &too_long,
	    &status)) == 1) {
		++*lineno;
		if (ingest_read(&r->in, &line, too_long) != INGEST_OK) {
			status = fail(r, PUSH_INPUT, "line %lld: %s; nothing "
			    "was written", (long long)*lineno, r->in.err);
			break;
		}
		if (buf_append(all, line.data ? line.data : "", line.len) ==
		    -1 || buf_append(all, "\n", 1) == -1) {
			status = fail(r, PUSH_DBERR, "out of memory");
			break;
		}
		if (tty && *lineno % 65536 == 0)
			progress(r, *lineno, 0);
	}
	r->in.check_only = 0;
	buf_release(&line);
	return status;
}

/*
 * Read and check every line before taking the write lock, so a slow
 * producer never holds it: other writers (a -f feed, --simulate) go on
 * meanwhile. The lines are kept in memory (about the size of the input),
 * then all go in one transaction: a bad line leaves the database as it was.
 */
static enum push_status
run_batch(struct run *r)
{
	int tty = isatty(fileno(r->io->log)) && !r->o->quiet;
	enum ingest_rc rc;
	enum push_status status;
	struct buf all;
	int64_t lineno = 0;
	size_t off, len;

	buf_init(&all);
	if ((status = check_lines(r, &all, &lineno, tty)) != PUSH_OK) {
		buf_release(&all);
		return status;
	}
	rc = ingest_begin(&r->in);
	for (off = 0; off < all.len && rc == INGEST_OK; off += len + 1) {
		len = (size_t)((char *)memchr(all.data + off, '\n',
		    all.len - off) - (all.data + off));
		rc = ingest_line(&r->in, all.data + off, len);
	}
	buf_release(&all);
	if (rc == INGEST_OK && r->o->close)
		rc = ingest_close(&r->in, r->o->topic, NULL);
	if (rc == INGEST_OK)
		rc = ingest_commit(&r->in);
	if (tty && lineno >= 65536)
		progress(r, lineno, 1);
	if (rc != INGEST_OK) {
		ingest_rollback(&r->in);
		return fail(r, status_of_ingest(&r->in, rc), "%s%s; nothing "
		    "was written", rc == INGEST_REFUSED ? "line: " : "",
		    r->in.err);
	}
	return r->in.rows > 0 && !r->o->quiet ?
	    print_id(r, r->in.last_id) : PUSH_OK;
}

/* End the transaction of one event: commit it if rc is INGEST_OK, else
 * roll it back. Returns rc, or the commit's failure. */
static enum ingest_rc
finish_one(struct ingest *in, enum ingest_rc rc)
{
	if (rc == INGEST_OK)
		rc = ingest_commit(in);
	if (rc != INGEST_OK)
		ingest_rollback(in);
	return rc;
}

/*
 * A feed (-f, --simulate) outlives any one lock: past the busy timeout it
 * says so and waits again, where a single push exits 75. Returns 1 while
 * the failure is such a lock.
 */
static int
still_busy(struct run *r, enum ingest_rc rc, int64_t n)
{
	if (rc != INGEST_FAILED || r->in.store_rc != STORE_BUSY)
		return 0;
	fprintf(r->io->log, "%s: event %lld: %s; still trying\n", r->io->name,
	    (long long)n, r->in.err);
	return 1;
}

/* The feed ended: its topic's last row, in a transaction of its own;
 * n counts it for the log. */
static enum push_status
close_topic(struct run *r, int64_t n)
{
	enum ingest_rc rc;

	do {
		if ((rc = ingest_begin(&r->in)) == INGEST_OK)
			rc = finish_one(&r->in, ingest_close(&r->in,
			    r->o->topic, NULL));
	} while (still_busy(r, rc, n));
	if (rc != INGEST_OK)
		return fail(r, status_of_ingest(&r->in, rc), "cannot close "
		    "'%s': %s", r->o->topic, r->in.err);
	return r->o->quiet ? PUSH_OK : print_id(r, r->in.last_id);
}

/* A group commits after this many rows, or this long after its first,
 * whichever comes first, and as soon as no further line is waiting. */
#define GROUP_ROWS	1000
#define GROUP_MS	10

/* One group of a feed: its transaction and the ids to print once it is
 * committed (an id printed is an event kept). */
struct group {
	int	 open;
	int64_t	 started;
	size_t	 lines;			/* read into it */
	size_t	 n;			/* ids known: at the latest once */
	int64_t	 ids[GROUP_ROWS];	/* committed (ingest's on_id) */
};

/* ingest's on_id: one row of the group is in (a line makes at most one). */
static void
group_id(void *ctx, int64_t id)
{
	struct group *g = ctx;

	if (g->n < GROUP_ROWS)
		g->ids[g->n++] = id;
}

static enum push_status
group_begin(struct run *r, struct group *g, int64_t lineno)
{
	enum ingest_rc rc;

	while ((rc = ingest_begin(&r->in)) != INGEST_OK)
		if (!still_busy(r, rc, lineno))
			return fail(r, status_of_ingest(&r->in, rc),
			    "line %lld: %s", (long long)lineno, r->in.err);
	g->open = 1;
	g->started = clock_ms();
	g->lines = g->n = 0;
	return PUSH_OK;
}

static enum push_status
group_commit(struct run *r, struct group *g, int64_t lineno)
{
	enum ingest_rc rc;
	size_t i;

	g->open = 0;
	if ((rc = ingest_commit(&r->in)) != INGEST_OK) {
		ingest_rollback(&r->in);
		return fail(r, status_of_ingest(&r->in, rc), "line %lld: %s; "
		    "the lines since the last id printed were not written",
		    (long long)lineno, r->in.err);
	}
	for (i = 0; i < g->n && !r->o->quiet; i++)
		if (print_id(r, g->ids[i]) != PUSH_OK)
			return PUSH_IOERR;
	return PUSH_OK;
}

/*
 * Lines as they come, so a program can pipe a live feed in. Lines that
 * arrive together commit together (up to GROUP_ROWS, or GROUP_MS after the
 * first), a line alone at once; each id is printed once its line is
 * committed. A refused line is named and skipped; a database error ends
 * the run, and the lines since the last printed id are not written.
 */
static enum push_status
run_follow(struct run *r)
{
	enum push_status status = PUSH_OK;
	static struct feed f;
	static struct group g;
	struct buf line;
	int64_t lineno = 0, refused = 0;
	enum ingest_rc rc;
	int more, too_long;

	feed_open(&f, r->io->in);
	memset(&g, 0, sizeof(g));
	r->in.on_id = group_id;
	r->in.on_id_ctx = &g;
	buf_init(&line);
	while ((more = feed_line(r, &f, &line, INGEST_LINE_MAX, &too_long,
	    &status)) == 1) {
		lineno++;
		if (!g.open && (status = group_begin(r, &g, lineno)) != PUSH_OK)
			break;
		g.lines++;
		rc = ingest_read(&r->in, &line, too_long);
		if (rc == INGEST_REFUSED) {
			fprintf(r->io->log, "%s: line %lld: %s; skipped\n",
			    r->io->name, (long long)lineno, r->in.err);
			refused++;
		} else if (rc != INGEST_OK) {
			ingest_rollback(&r->in);
			g.open = 0;
			status = fail(r, status_of_ingest(&r->in, rc), "line "
			    "%lld: %s; the lines since the last id printed were "
			    "not written", (long long)lineno, r->in.err);
			break;
		}
		if ((g.lines == GROUP_ROWS || clock_ms() - g.started >= GROUP_MS ||
		    !feed_ready(&f)) &&
		    (status = group_commit(r, &g, lineno)) != PUSH_OK)
			break;
	}
	if (g.open && status == PUSH_OK)
		status = group_commit(r, &g, lineno);
	else if (g.open)
		ingest_rollback(&r->in);
	r->in.on_id = NULL;
	buf_release(&line);
	if (more == 0 && status == PUSH_OK && r->o->close)
		status = close_topic(r, lineno + 1);
	/* Each refused line was named as it came. */
	return status == PUSH_OK && refused ? PUSH_INPUT : status;
}

/* Wait until next, then move it on by gap_ns. */
static void
pace(struct timespec *next, int64_t gap_ns)
{
	next->tv_nsec += gap_ns;
	while (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) ==
	    EINTR)
		;
}

/* One price at a time, each in its own transaction, at a steady rate. */
static enum push_status
run_simulate(struct run *r)
{
	const struct push_opts *o = r->o;
	int64_t n, gap_ns = o->rate ? 1000000000LL / o->rate : 0;
	struct timespec next;
	const char *why, *sym;
	enum ingest_rc rc;
	struct sim sim;
	char price[32];

	if ((why = sim_parse(&sim, o->simulate, (uint64_t)o->seed)) != NULL)
		return fail(r, PUSH_USAGE, "--simulate: %s", why);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (n = 0; o->count == 0 || n < o->count; n++) {
		sim_step(&sim, &sym, price, sizeof(price));
		do {
			if ((rc = ingest_begin(&r->in)) == INGEST_OK)
				rc = finish_one(&r->in, ingest_price(&r->in,
				    sym, price));
		} while (still_busy(r, rc, n + 1));
		if (rc != INGEST_OK)
			return fail(r, status_of_ingest(&r->in, rc), "%s",
			    r->in.err);
		if (gap_ns != 0)
			pace(&next, gap_ns);
	}
	return PUSH_OK;
}

/* All of in into b, up to the longest payload. */
static enum push_status
read_all(struct run *r, struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), r->io->in)) > 0) {
		if (b->len > INGEST_LINE_MAX)
			return fail(r, PUSH_INPUT, "data is longer than 65536 "
			    "bytes");
		if (buf_append(b, chunk, n) == -1)
			return fail(r, PUSH_DBERR, "out of memory");
	}
	if (ferror(r->io->in))
		return fail(r, PUSH_NOINPUT, "cannot read standard input: %s",
		    strerror(errno));
	return PUSH_OK;
}

/* One price or one event, in a transaction of its own. */
static enum push_status
run_single(struct run *r)
{
	const struct push_opts *o = r->o;
	const struct ingest_route route = { o->to, o->topic, o->close };
	enum push_status status = PUSH_OK;
	enum ingest_rc rc = INGEST_OK;
	struct buf data;

	buf_init(&data);
	if (o->mode == PUSH_EVENT) {
		if (strcmp(o->data, "-") == 0)
			status = read_all(r, &data);
		else if (buf_appends(&data, o->data) == -1)
			status = fail(r, PUSH_DBERR, "out of memory");
		if (status == PUSH_OK &&
		    (rc = ingest_begin(&r->in)) == INGEST_OK)
			rc = finish_one(&r->in, ingest_event(&r->in, o->event,
			    data.data ? data.data : "", data.len, &route));
	} else if (o->mode == PUSH_CLOSE) {
		if ((rc = ingest_begin(&r->in)) == INGEST_OK)
			rc = finish_one(&r->in, ingest_close(&r->in, o->topic,
			    o->to));
	} else if ((rc = ingest_begin(&r->in)) == INGEST_OK)
		rc = finish_one(&r->in, ingest_price(&r->in, o->symbol,
		    o->price));
	buf_release(&data);
	if (status != PUSH_OK)
		return status;
	if (rc != INGEST_OK)
		return fail(r, status_of_ingest(&r->in, rc), "%s%s", r->in.err,
		    rc == INGEST_REFUSED ? "; nothing was written" : "");
	return o->quiet ? PUSH_OK : print_id(r, r->in.last_id);
}

static enum push_status
run_prune(struct run *r)
{
	struct topics t;
	const char *why;
	int64_t n;
	int rc;

	topics_init(&t);
	if (r->o->topic != NULL && (why = topics_add(&t, r->o->topic,
	    strlen(r->o->topic))) != NULL)
		return fail(r, PUSH_USAGE, "--topic '%s': %s", r->o->topic, why);
	if ((rc = store_prune(&r->st, r->o->keep, r->o->max_age, &t, &n)) !=
	    STORE_OK)
		return fail(r, status_of_store(rc), "%s",
		    store_errmsg(&r->st));
	return r->o->quiet ? PUSH_OK : print_id(r, n);
}

enum push_status
push_run(const struct push_opts *o, const struct push_io *io, char *err,
    size_t errsz)
{
	struct run r;
	enum push_status status;
	const char *why;
	int rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.io = io;
	r.err = err;
	r.errsz = errsz;
	err[0] = '\0';
	/* A topic to publish under is a name: one bad name is one error,
	 * not one per line of a feed. */
	if (o->topic != NULL && o->mode != PUSH_PRUNE &&
	    (why = topic_check(o->topic)) != NULL)
		return fail(&r, PUSH_USAGE, "--topic '%s': %s", o->topic, why);
	if ((rc = store_open(&r.st, o->db, 0, o->busy_ms)) != STORE_OK)
		return fail(&r, status_of_store(rc), "%s",
		    store_errmsg(&r.st));
	ingest_init(&r.in, &r.st);
	r.in.topic = o->topic;
	switch (o->mode) {
	case PUSH_BATCH:	status = run_batch(&r); break;
	case PUSH_FOLLOW:	status = run_follow(&r); break;
	case PUSH_SIMULATE:	status = run_simulate(&r); break;
	case PUSH_PRUNE:	status = run_prune(&r); break;
	default:		status = run_single(&r); break;
	}
	ingest_release(&r.in);
	store_close(&r.st);
	return status;
}

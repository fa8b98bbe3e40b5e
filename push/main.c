/* sse-push - insert events that every SSE responder streams. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ingest.h"
#include "simulate.h"
#include "store.h"

/* Exit codes, as in sse-push(1). */
enum {
	EXIT_DBERR	= 1,	/* any other database error */
	EXIT_USAGE	= 64,
	EXIT_INPUT	= 65,	/* invalid input: nothing was written */
	EXIT_NOINPUT	= 66,	/* cannot read standard input */
	EXIT_CANTOPEN	= 73,	/* cannot open or create the database */
	EXIT_IOERR	= 74,	/* I/O error or disk full */
	EXIT_BUSY	= 75,	/* still locked after the busy timeout */
	EXIT_SCHEMA	= 78	/* not an events database, or a newer one */
};

struct options {
	const char	*db;
	const char	*event;
	const char	*data;
	const char	*simulate;
	const char	*to;		/* --to: a private event's audience */
	int		 batch, follow, prune, quiet, busy_ms;
	int64_t		 keep, max_age;
	int64_t		 rate, count, seed;
};

static const char *progname = "sse-push";

static _Noreturn void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: %s [-q] [-d db] symbol price\n"
"       %s [-q] [-d db] -e event -m data|- [--to audience]\n"
"       %s [-q] [-d db] -b < lines\n"
"       %s [-q] [-d db] -f < lines\n"
"       %s [-d db] --prune [--keep n] [--max-age duration]\n"
"       %s [-d db] --simulate SYM=PRICE,... [--rate n] [--count n] [--seed n]\n"
"\n"
"  -d, --db PATH          database: an SQLite file or a postgresql:// URL\n"
"                           (default: $SSE_DB, else %s)\n"
"  -e, --event NAME       event name for a generic event\n"
"  -m, --data TEXT        its payload; may span lines; - reads stdin\n"
"      --to NAME          private: only the streams of user NAME, or of a\n"
"                           group, group:NAME, of users it is granted to\n"
"                           (table grants), receive it\n"
"  -b, --batch            one event per line from stdin, all or nothing:\n"
"                           SYMBOL PRICE\n"
"                           {\"symbol\":\"AAPL\",\"price\":189.51}\n"
"                           {\"event\":\"NAME\",\"data\":\"TEXT\"}\n"
"                           {\"event\":..,\"data\":..,\"to\":\"NAME\"}\n"
"  -f, --follow           the same lines, each committed as it arrives, for a\n"
"                           feed piped in; a bad line is skipped and named\n"
"      --prune            delete old events (with --keep and/or --max-age)\n"
"      --keep N           keep the newest N events\n"
"      --max-age DUR      delete events older than DUR (90s, 15m, 12h, 7d)\n"
"      --simulate SPEC    random-walk prices, e.g. AAPL=189.50,META=512.30\n"
"      --rate N           simulated events per second; 0 as fast as it can (2)\n"
"      --count N          stop after N simulated events; 0 never (0)\n"
"      --seed N           the walk's seed, for a repeatable run\n"
"  -t, --busy-timeout MS  wait this long for a locked database (%d)\n"
"  -q, --quiet            do not print the new id\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n",
	    progname, progname, progname, progname, progname, progname,
	    SSE_DEFAULT_DB,
	    STORE_BUSY_MS);
	exit(status);
}

static _Noreturn void
die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static _Noreturn void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int
exit_code(int rc)
{
	switch (rc) {
	case INGEST_INVALID:	return EXIT_INPUT;
	case STORE_BUSY:	return EXIT_BUSY;
	case STORE_MISSING:
	case STORE_ACCESS:	return EXIT_CANTOPEN;
	case STORE_CORRUPT:
	case STORE_SCHEMA:	return EXIT_SCHEMA;
	case STORE_FULL:
	case STORE_IO:		return EXIT_IOERR;
	default:		return EXIT_DBERR;
	}
}

static int64_t
parse_count(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0)
		die(EXIT_USAGE, "%s '%s' is not a whole number >= 0", what, s);
	return v;
}

/* "90", "90s", "15m", "12h", "7d" in seconds. */
static int64_t
parse_duration(const char *s)
{
	char *end;
	long long v, mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		goto bad;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: goto bad;
	}
	if (*end != '\0' && end[1] != '\0')
		goto bad;
	if (v > LLONG_MAX / mul)
		goto bad;
	return v * mul;
bad:
	die(EXIT_USAGE, "duration '%s' is not like 90s, 15m, 12h or 7d", s);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_PRUNE = 256, OPT_KEEP, OPT_MAXAGE, OPT_SIM, OPT_RATE,
	    OPT_COUNT, OPT_SEED, OPT_TO };
	static const struct option longopts[] = {
		{ "db",		  required_argument, NULL, 'd' },
		{ "event",	  required_argument, NULL, 'e' },
		{ "data",	  required_argument, NULL, 'm' },
		{ "batch",	  no_argument,	     NULL, 'b' },
		{ "follow",	  no_argument,	     NULL, 'f' },
		{ "prune",	  no_argument,	     NULL, OPT_PRUNE },
		{ "keep",	  required_argument, NULL, OPT_KEEP },
		{ "max-age",	  required_argument, NULL, OPT_MAXAGE },
		{ "busy-timeout", required_argument, NULL, 't' },
		{ "simulate",	  required_argument, NULL, OPT_SIM },
		{ "rate",	  required_argument, NULL, OPT_RATE },
		{ "count",	  required_argument, NULL, OPT_COUNT },
		{ "seed",	  required_argument, NULL, OPT_SEED },
		{ "to",		  required_argument, NULL, OPT_TO },
		{ "quiet",	  no_argument,	     NULL, 'q' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "version",	  no_argument,	     NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->keep = o->max_age = -1;
	o->rate = 2;
	while ((ch = getopt_long(argc, argv, "d:e:m:bft:qhV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'e': o->event = optarg; break;
		case 'm': o->data = optarg; break;
		case 'b': o->batch = 1; break;
		case 'f': o->follow = 1; break;
		case OPT_PRUNE: o->prune = 1; break;
		case OPT_KEEP: o->keep = parse_count(optarg, "--keep"); break;
		case OPT_MAXAGE: o->max_age = parse_duration(optarg); break;
		case OPT_SIM: o->simulate = optarg; break;
		case OPT_RATE: o->rate = parse_count(optarg, "--rate"); break;
		case OPT_COUNT: o->count = parse_count(optarg, "--count"); break;
		case OPT_SEED: o->seed = parse_count(optarg, "--seed"); break;
		case OPT_TO: o->to = optarg; break;
		case 't':
			o->busy_ms = (int)parse_count(optarg, "--busy-timeout");
			break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(0);
		case 'V': printf("sse-push %s\n", SSE_VERSION); exit(0);
		default: usage(EXIT_USAGE);
		}
	}
	if (o->db == NULL && (o->db = getenv("SSE_DB")) == NULL)
		o->db = SSE_DEFAULT_DB;
	if (o->db[0] == '\0')
		die(EXIT_USAGE, "database path is empty");
}

/* Read one line of at most max bytes into b (without its LF). 0 at EOF. */
static int
read_line(FILE *f, struct buf *b, size_t max, int *too_long)
{
	int c;

	buf_clear(b);
	*too_long = 0;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (b->len >= max) {
			*too_long = 1;
			continue;
		}
		char ch = (char)c;
		if (buf_append(b, &ch, 1) == -1)
			die(EXIT_DBERR, "out of memory");
	}
	if (ferror(f))
		die(EXIT_NOINPUT, "cannot read standard input: %s",
		    strerror(errno));
	return c != EOF || b->len > 0 || *too_long;
}

/* Ingest a line read by read_line(); one that was too long is refused. */
static int
ingest_read(struct ingest *in, const struct buf *line, int too_long)
{
	if (too_long) {
		snprintf(in->err, sizeof(in->err), "line is longer than %d bytes",
		    INGEST_LINE_MAX);
		return INGEST_INVALID;
	}
	return ingest_line(in, line->data ? line->data : "", line->len);
}

static void
progress(int64_t lines, int done)
{
	fprintf(stderr, "\r%s: %lld lines%s", progname, (long long)lines,
	    done ? "\n" : "");
}

/*
 * Read and check every line before taking the write lock, so a slow
 * producer never holds it: other writers (a -f feed, --simulate) go on
 * meanwhile. The lines are kept in memory (about the size of the input),
 * then all go in one transaction: a bad line leaves the database as it was.
 */
static int
run_batch(struct store *st, struct ingest *in, int quiet)
{
	struct buf line, all;
	int64_t lineno = 0;
	size_t off, len;
	int rc = STORE_OK, too_long, tty = isatty(2) && !quiet;

	buf_init(&line);
	buf_init(&all);
	in->check_only = 1;
	while (read_line(stdin, &line, INGEST_LINE_MAX, &too_long)) {
		lineno++;
		if ((rc = ingest_read(in, &line, too_long)) != STORE_OK)
			die(EXIT_INPUT, "line %lld: %s; nothing was written",
			    (long long)lineno, in->err);
		if (buf_append(&all, line.data ? line.data : "", line.len) ==
		    -1 || buf_append(&all, "\n", 1) == -1)
			die(EXIT_DBERR, "out of memory");
		if (tty && lineno % 65536 == 0)
			progress(lineno, 0);
	}
	buf_release(&line);
	in->check_only = 0;
	if ((rc = ingest_begin(in)) != STORE_OK)
		die(exit_code(rc), "%s; nothing was written", store_errmsg(st));
	for (off = 0; off < all.len && rc == STORE_OK; off += len + 1) {
		len = (size_t)((char *)memchr(all.data + off, '\n',
		    all.len - off) - (all.data + off));
		rc = ingest_line(in, all.data + off, len);
	}
	buf_release(&all);
	if (rc == STORE_OK)
		rc = ingest_commit(in);
	if (tty && lineno >= 65536)
		progress(lineno, 1);
	if (rc != STORE_OK) {
		ingest_rollback(in);
		die(rc == INGEST_INVALID ? EXIT_INPUT : exit_code(rc),
		    "%s%s; nothing was written", rc == INGEST_INVALID ?
		    "line: " : "", rc == INGEST_INVALID ? in->err :
		    store_errmsg(st));
	}
	return 0;
}

static void
read_all_stdin(struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b->len > INGEST_LINE_MAX)
			die(EXIT_INPUT, "data is longer than 65536 bytes");
		if (buf_append(b, chunk, n) == -1)
			die(EXIT_DBERR, "out of memory");
	}
	if (ferror(stdin))
		die(EXIT_NOINPUT, "cannot read standard input: %s",
		    strerror(errno));
}

/* End the transaction of one event: commit it if rc is STORE_OK, else roll
 * it back. Returns rc, or the commit's error. */
static int
finish_one(struct ingest *in, int rc)
{
	if (rc == STORE_OK)
		rc = ingest_commit(in);
	if (rc != STORE_OK)
		ingest_rollback(in);
	return rc;
}

/*
 * A feed (-f, --simulate) outlives any one lock: past the busy timeout it
 * says so and waits again, where a single push exits 75. Returns 1.
 */
static int
still_busy(struct store *st, int64_t n)
{
	fprintf(stderr, "%s: event %lld: %s; still trying\n", progname,
	    (long long)n, store_errmsg(st));
	return 1;
}

/*
 * Each line in its own transaction, committed as soon as it is read, so a
 * program can pipe a live feed in. A refused line is named and skipped;
 * a database error ends the run (what was committed stays). Returns the
 * exit status.
 */
static int
run_follow(struct store *st, struct ingest *in, int quiet)
{
	struct buf line;
	int64_t lineno = 0, refused = 0, rows;
	int rc, too_long;

	buf_init(&line);
	while (read_line(stdin, &line, INGEST_LINE_MAX, &too_long)) {
		lineno++;
		rows = in->rows;
		do {
			if ((rc = ingest_begin(in)) == STORE_OK)
				rc = finish_one(in, ingest_read(in, &line,
				    too_long));
		} while (rc == STORE_BUSY && still_busy(st, lineno));
		if (rc == INGEST_INVALID) {
			fprintf(stderr, "%s: line %lld: %s; skipped\n", progname,
			    (long long)lineno, in->err);
			refused++;
			continue;
		}
		if (rc != STORE_OK)
			die(exit_code(rc), "line %lld: %s", (long long)lineno,
			    store_errmsg(st));
		if (!quiet && in->rows > rows &&
		    (printf("%lld\n", (long long)in->last_id) < 0 ||
		    fflush(stdout) == EOF))
			die(EXIT_IOERR, "cannot write standard output: %s",
			    strerror(errno));
	}
	buf_release(&line);
	return refused ? EXIT_INPUT : 0;
}

/* One price at a time, each in its own transaction, at a steady rate. */
static int
run_simulate(struct store *st, struct ingest *in, const struct options *o)
{
	struct timespec next;
	struct sim sim;
	const char *why, *sym;
	char price[32];
	int64_t n, gap_ns = o->rate ? 1000000000LL / o->rate : 0;
	int rc;

	if ((why = sim_parse(&sim, o->simulate, (uint64_t)o->seed)) != NULL)
		die(EXIT_USAGE, "--simulate: %s", why);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (n = 0; o->count == 0 || n < o->count; n++) {
		sim_step(&sim, &sym, price, sizeof(price));
		do {
			if ((rc = ingest_begin(in)) == STORE_OK)
				rc = finish_one(in, ingest_price(in, sym,
				    price));
		} while (rc == STORE_BUSY && still_busy(st, n + 1));
		if (rc != STORE_OK)
			die(exit_code(rc), "%s", rc == INGEST_INVALID ? in->err :
			    store_errmsg(st));
		if (gap_ns == 0)
			continue;
		next.tv_nsec += gap_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
		    NULL) == EINTR)
			;
	}
	return 0;
}

static int
run_single(struct store *st, struct ingest *in, const struct options *o,
    int argc, char **argv)
{
	struct buf data;
	int rc;

	buf_init(&data);
	if (o->event != NULL) {
		if (argc != 0 || o->data == NULL)
			usage(EXIT_USAGE);
		if (strcmp(o->data, "-") == 0)
			read_all_stdin(&data);
		else if (buf_appends(&data, o->data) == -1)
			die(EXIT_DBERR, "out of memory");
		if ((rc = ingest_begin(in)) == STORE_OK)
			rc = finish_one(in, ingest_event(in, o->event,
			    data.data ? data.data : "", data.len, o->to));
	} else if ((rc = ingest_begin(in)) == STORE_OK)
		rc = finish_one(in, ingest_price(in, argv[0], argv[1]));
	buf_release(&data);
	if (rc == INGEST_INVALID)
		die(EXIT_INPUT, "%s; nothing was written", in->err);
	if (rc != STORE_OK)
		die(exit_code(rc), "%s", store_errmsg(st));
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct store st;
	struct ingest in;
	int rc, status = 0;

	parse_options(argc, argv, &o);
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		o.batch = 1;
		argc = 0;
	}
	if (o.prune ? (argc || o.batch || o.event || (o.keep < 0 &&
	    o.max_age < 0)) : (o.keep >= 0 || o.max_age >= 0))
		usage(EXIT_USAGE);
	if (o.simulate && (argc || o.batch || o.follow || o.event || o.prune))
		usage(EXIT_USAGE);
	if (!o.prune && !o.batch && !o.follow && !o.simulate &&
	    o.event == NULL && argc != 2)
		usage(EXIT_USAGE);
	if ((o.batch || o.follow || o.prune) && (argc || o.event || o.data))
		usage(EXIT_USAGE);
	if (o.follow && (o.batch || o.prune))
		usage(EXIT_USAGE);
	if (o.event == NULL && (o.data != NULL || o.to != NULL))
		usage(EXIT_USAGE);

	if ((rc = store_open(&st, o.db, 0, o.busy_ms)) != STORE_OK)
		die(exit_code(rc), "%s", store_errmsg(&st));
	ingest_init(&in, &st);
	if (o.prune) {
		int64_t n;
		if ((rc = store_prune(&st, o.keep, o.max_age, &n)) != STORE_OK)
			die(exit_code(rc), "%s", store_errmsg(&st));
		if (!o.quiet)
			printf("%lld\n", (long long)n);
	} else if (o.simulate) {
		run_simulate(&st, &in, &o);
		o.quiet = 1;
	} else if (o.batch)
		run_batch(&st, &in, o.quiet);
	else if (o.follow) {
		status = run_follow(&st, &in, o.quiet);
		o.quiet = 1;
	} else
		run_single(&st, &in, &o, argc, argv);
	if (!o.prune && !o.quiet && in.rows > 0)
		printf("%lld\n", (long long)in.last_id);
	ingest_release(&in);
	store_close(&st);
	if (fflush(stdout) == EOF)
		die(EXIT_IOERR, "cannot write standard output: %s",
		    strerror(errno));
	return status;
}

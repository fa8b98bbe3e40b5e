/* sse-push - insert events that every SSE responder streams: the command
 * line; what it does is src/push.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "push.h"
#include "store.h"

/* The flags as given, before they make one push_opts. */
struct options {
	struct push_opts push;
	int		 batch, follow, prune;
};

static const char *progname = "sse-push";

static _Noreturn void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: %s [-q] [-d db] symbol price\n"
"       %s [-q] [-d db] [--topic topic [--close]] -e event -m data|- [--to audience]\n"
"       %s [-q] [-d db] --topic topic --close [--to audience]\n"
"       %s [-q] [-d db] [--topic topic [--close]] -b|-f < lines\n"
"       %s [-d db] --prune [--topic pattern] [--keep n] [--max-age duration]\n"
"       %s [-d db] --simulate SYM=PRICE,... [--rate n] [--count n] [--seed n]\n"
"\n"
"  -d, --db PATH          database: an SQLite file or a postgresql:// URL\n"
"                           (default: $SSE_DB, else %s)\n"
"  -e, --event NAME       event name for a generic event\n"
"  -m, --data TEXT        its payload; may span lines; - reads stdin\n"
"      --to NAME          private: only the streams of user NAME, or of a\n"
"                           group, group:NAME, of users it is granted to\n"
"                           (table grants), receive it\n"
"      --topic TOPIC      publish under TOPIC (e.g. jobs/42), or, with -b and\n"
"                           -f, the lines that name none; with --prune, only\n"
"                           the topics a pattern (jobs/42, jobs/*) matches\n"
"      --close            the event is its topic's last; alone, close the\n"
"                           topic; after -b or -f, close it at the end\n"
"  -b, --batch            one event per line from stdin, all or nothing:\n"
"                           SYMBOL PRICE\n"
"                           {\"symbol\":\"AAPL\",\"price\":189.51}\n"
"                           {\"event\":\"NAME\",\"data\":\"TEXT\"}\n"
"                           {\"event\":..,\"data\":..,\"to\":\"NAME\"}\n"
"                           {\"event\":..,\"data\":..,\"topic\":\"T\",\"close\":true}\n"
"  -f, --follow           the same lines, each committed as it arrives, for a\n"
"                           feed piped in; a bad line is skipped and named\n"
"      --prune            delete old events (with --keep and/or --max-age)\n"
"      --keep N           keep the newest N events (of each topic, with\n"
"                           --topic)\n"
"      --max-age DUR      delete events older than DUR (90s, 15m, 12h, 7d);\n"
"                           with --topic, whole topics idle that long\n"
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

static int64_t
parse_count(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0)
		log_die(PUSH_USAGE, "%s '%s' is not a whole number >= 0", what, s);
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
	log_die(PUSH_USAGE, "duration '%s' is not like 90s, 15m, 12h or 7d", s);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_PRUNE = 256, OPT_KEEP, OPT_MAXAGE, OPT_SIM, OPT_RATE,
	    OPT_COUNT, OPT_SEED, OPT_TO, OPT_TOPIC, OPT_CLOSE };
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
		{ "topic",	  required_argument, NULL, OPT_TOPIC },
		{ "close",	  no_argument,	     NULL, OPT_CLOSE },
		{ "quiet",	  no_argument,	     NULL, 'q' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "version",	  no_argument,	     NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct push_opts *p = &o->push;
	int ch;

	memset(o, 0, sizeof(*o));
	p->keep = p->max_age = -1;
	p->rate = 2;
	while ((ch = getopt_long(argc, argv, "d:e:m:bft:qhV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'd': p->db = optarg; break;
		case 'e': p->event = optarg; break;
		case 'm': p->data = optarg; break;
		case 'b': o->batch = 1; break;
		case 'f': o->follow = 1; break;
		case OPT_PRUNE: o->prune = 1; break;
		case OPT_KEEP: p->keep = parse_count(optarg, "--keep"); break;
		case OPT_MAXAGE: p->max_age = parse_duration(optarg); break;
		case OPT_SIM: p->simulate = optarg; break;
		case OPT_RATE: p->rate = parse_count(optarg, "--rate"); break;
		case OPT_COUNT: p->count = parse_count(optarg, "--count"); break;
		case OPT_SEED: p->seed = parse_count(optarg, "--seed"); break;
		case OPT_TO: p->to = optarg; break;
		case OPT_TOPIC: p->topic = optarg; break;
		case OPT_CLOSE: p->close = 1; break;
		case 't':
			p->busy_ms = (int)parse_count(optarg, "--busy-timeout");
			break;
		case 'q': p->quiet = 1; break;
		case 'h': usage(0);
		case 'V': printf("sse-push %s\n", SSE_VERSION); exit(0);
		default: usage(PUSH_USAGE);
		}
	}
	if (p->db == NULL && (p->db = getenv("SSE_DB")) == NULL)
		p->db = SSE_DEFAULT_DB;
	if (p->db[0] == '\0')
		log_die(PUSH_USAGE, "database path is empty");
}

/*
 * The one mode the flags and operands ask for, or a usage error: the
 * modes exclude each other, and each takes only its own flags.
 */
static enum push_mode
choose_mode(struct options *o, int argc, char **argv)
{
	struct push_opts *p = &o->push;

	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		o->batch = 1;
		argc = 0;
	}
	if (o->batch + o->follow + o->prune + (p->simulate != NULL) +
	    (p->event != NULL) > 1)
		usage(PUSH_USAGE);
	if (!o->prune && (p->keep >= 0 || p->max_age >= 0))
		usage(PUSH_USAGE);
	if (p->close && p->topic == NULL)
		log_die(PUSH_USAGE, "--close needs the --topic to close");
	/* --to goes with one event, or with a topic's bare close. */
	if (p->event == NULL && (p->data != NULL || (p->to != NULL &&
	    (!p->close || o->batch || o->follow))))
		usage(PUSH_USAGE);
	if (p->topic != NULL && p->simulate != NULL)
		log_die(PUSH_USAGE, "prices are published under prices/SYMBOL: "
		    "--topic is for other events");
	if (o->prune) {
		if (p->close)
			usage(PUSH_USAGE);
		if (argc || (p->keep < 0 && p->max_age < 0))
			usage(PUSH_USAGE);
		return PUSH_PRUNE;
	}
	if (p->simulate != NULL || o->batch || o->follow) {
		if (argc)
			usage(PUSH_USAGE);
		return p->simulate ? PUSH_SIMULATE : o->batch ? PUSH_BATCH :
		    PUSH_FOLLOW;
	}
	if (p->event != NULL) {
		if (argc || p->data == NULL)
			usage(PUSH_USAGE);
		return PUSH_EVENT;
	}
	if (p->close) {
		if (argc)
			usage(PUSH_USAGE);
		return PUSH_CLOSE;
	}
	if (p->topic != NULL)
		log_die(PUSH_USAGE, "prices are published under prices/SYMBOL: "
		    "--topic is for other events");
	if (argc != 2)
		usage(PUSH_USAGE);
	p->symbol = argv[0];
	p->price = argv[1];
	return PUSH_PRICE;
}

int
main(int argc, char **argv)
{
	const struct push_io io = { stdin, stdout, stderr, "sse-push" };
	enum push_status status;
	struct options o;
	char err[1024];

	log_name(progname);
	parse_options(argc, argv, &o);
	o.push.mode = choose_mode(&o, argc - optind, argv + optind);
	status = push_run(&o.push, &io, err, sizeof(err));
	if (err[0] != '\0')
		logmsg("%s", err);
	if (fflush(stdout) == EOF)
		log_die(PUSH_IOERR, "cannot write standard output: %s",
		    strerror(errno));
	return status;
}

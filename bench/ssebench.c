/*
 * ssebench - measure an SSE endpoint from the client side.
 *
 *   ssebench load [options] URL    many streams from one epoll loop, a
 *                                  publisher beside them, one result line
 *   ssebench spawn -n N CMD...     run CMD N times, print its wall time
 *
 * Every published event carries "SEQ USEC" (stats.h): the delay of each
 * event on each stream is measured from the moment publishing began (just
 * before sse-push is spawned, before the line is written to a running
 * writer's stdin, or before the publish request is sent) to its
 * arrival. The responder's cost comes from /proc (procstat.h), sampled
 * around each phase. Output is one line of key=value pairs for bench/run.sh.
 *
 * With -T N (and a writer, -w), the events go to N topics, b/0 to b/N-1,
 * in turn, and client i asks for topic i % N: its URL's "%d" is that
 * number. Each client then expects the events of its own topic alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"
#include "sseconn.h"
#include "stats.h"

extern char **environ;

enum { C_IDLE, C_CONNECTING, C_SENT, C_READY, C_CLOSED };
#define PUB_TAG	(1ULL << 40)	/* epoll data of a publish request's socket */

struct client {
	int		 fd, state;
	struct sseconn	 conn;
	int64_t		 last_seq, got, events;
	long		 dups, reorders;
	int64_t		 last_us;	/* arrival of the latest event */
};

static struct {
	const char	*addr, *path, *lei, *push, *feed, *pub, *cdf;
	int		 port, clients, inflight, timeout;
	double		 rate, duration, idle;
	long		 expect;
	const char	*procs[8];
	const char	*front[8];	/* -F: the web server, measured apart */
	int		 topics;	/* -T: 0 for one stream of every event */
} o = { .addr = "127.0.0.1", .clients = 1, .inflight = 256, .timeout = 60 };

static struct client *cl;
static int ep, nready, nfailed, nclosed, nchildren, npub, nbacklog_done;
static int64_t published, push_failed;
static int feed_fd = -1;	/* -w: the running writer's stdin */
static struct samples lat;
static int64_t *per_topic;	/* -T: events published to each topic */
/* CPU seconds while publishing, beside the responder's: on one small
 * machine the web server and this client share the cores with it. */
static double front_pub_s, client_pub_s;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
on_msg(void *ctx, const struct sse_msg *m)
{
	struct client *c = ctx;
	int64_t seq, usec, t = now_us();

	c->last_us = t;
	if (++c->events == o.expect)
		nbacklog_done++;
	if (payload_parse(m->data, m->data_len, &seq, &usec) == -1)
		return;
	if (seq > c->last_seq) {
		c->got++;
		samples_add(&lat, t - usec);
	} else if (seq == c->last_seq)
		c->dups++;
	else
		c->reorders++;
	c->last_seq = seq;
}

static void
fail_client(struct client *c, int closed)
{
	if (c->fd != -1) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (c->state == C_READY && closed)
		nclosed++;
	else if (c->state != C_READY)
		nfailed++;
	c->state = C_CLOSED;
}

static void
dial(struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT,
	    .data.u64 = (uint64_t)(c - cl) };

	c->fd = sseconn_dial(o.addr, o.port, 1);
	if (c->fd == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		fail_client(c, 0);
		return;
	}
	c->state = C_CONNECTING;
}

/* The connection is up: send the request, then wait for the stream. */
static void
send_request(struct client *c)
{
	struct epoll_event ev = { .events = EPOLLIN,
	    .data.u64 = (uint64_t)(c - cl) };
	struct buf req;
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err) {
		fail_client(c, 0);
		return;
	}
	buf_init(&req);
	if (o.topics > 0) {
		const char *at = strstr(o.path, "%d");
		char path[512];

		snprintf(path, sizeof(path), "%.*s%d%s", (int)(at - o.path),
		    o.path, (int)((c - cl) % o.topics), at + 2);
		sseconn_request(&req, o.addr, o.port, path, o.lei);
	} else
		sseconn_request(&req, o.addr, o.port, o.path, o.lei);
	n = write(c->fd, req.data, req.len) - (ssize_t)req.len;
	buf_release(&req);
	if (n != 0 ||
	    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		fail_client(c, 0);
		return;
	}
	c->state = C_SENT;
}

static void
readable(struct client *c)
{
	char b[65536];
	ssize_t n = read(c->fd, b, sizeof(b));

	if (n <= 0) {
		if (n == -1 && errno == EAGAIN)
			return;
		fail_client(c, 1);
		return;
	}
	sseconn_feed(&c->conn, b, (size_t)n);
	if (c->state == C_SENT && (c->conn.p.comments > 0 || c->events > 0)) {
		c->state = C_READY;
		nready++;
	}
	if (c->conn.state == SC_DONE)
		fail_client(c, 1);
}

/* A publish request's answer: read it, note a non-2xx, close. */
static void
pub_readable(int fd)
{
	char b[4096];
	ssize_t n = read(fd, b, sizeof(b) - 1);
	int status;

	if (n > 0) {
		b[n] = '\0';
		if (sscanf(b, "HTTP/1.%*c %d", &status) == 1 &&
		    (status < 200 || status > 299))
			push_failed++;
		if (sscanf(b, "HTTP/1.%*c %d", &status) == 1)
			return;		/* wait for the close */
	}
	if (n == -1 && errno == EAGAIN)
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	npub--;
}

static void
reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		nchildren--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			push_failed++;
	}
}

/* Wait for events up to timeout_ms and handle them. */
static void
pump(int timeout_ms)
{
	struct epoll_event evs[512];
	int i, k = epoll_wait(ep, evs, 512, timeout_ms);

	for (i = 0; i < k; i++) {
		uint64_t d = evs[i].data.u64;
		struct client *c;

		if (d & PUB_TAG) {
			pub_readable((int)(d & 0xffffffff));
			continue;
		}
		c = &cl[d];
		if (c->state == C_CONNECTING)
			send_request(c);
		else if (c->state == C_SENT || c->state == C_READY)
			readable(c);
	}
	if (nchildren > 0)
		reap();
}

static char **
split_words(const char *s, int extra, int *count)
{
	char *copy = strdup(s), *w, *save = NULL;
	char **argv = calloc(strlen(s) + (size_t)extra + 2, sizeof(*argv));
	int n = 0;

	if (copy == NULL || argv == NULL) {
		perror("ssebench");
		exit(1);
	}
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	*count = n;
	return argv;
}

/* -w: start the writer once, its stdin a pipe that takes a line per event. */
static void
feed_start(void)
{
	posix_spawn_file_actions_t fa;
	char **argv;
	int argc, p[2];
	pid_t pid;

	argv = split_words(o.feed, 0, &argc);
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, p[0], 0) != 0 ||
	    posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		perror("ssebench: feed");
		exit(1);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	feed_fd = p[1];
	nchildren++;
}

/* EOF on the writer's stdin: it commits what it has and exits; reap() and
 * drain() wait for it like for a spawned push. */
static void
feed_stop(void)
{
	if (feed_fd != -1)
		close(feed_fd);
	feed_fd = -1;
}

static void
feed_line(const char *payload)
{
	char line[160];
	int n;

	if (o.topics > 0) {
		int64_t k = (published - 1) % o.topics;

		per_topic[k]++;
		n = snprintf(line, sizeof(line), "{\"event\":\"bench\","
		    "\"data\":\"%s\",\"topic\":\"b/%lld\"}\n", payload,
		    (long long)k);
	} else
		n = snprintf(line, sizeof(line),
		    "{\"event\":\"bench\",\"data\":\"%s\"}\n", payload);

	if (feed_fd == -1)
		feed_start();
	if (write(feed_fd, line, (size_t)n) != n)
		push_failed++;
}

static void
publish(void)
{
	static char **argv;
	static int argc;
	char payload[64];
	pid_t pid;

	published++;
	snprintf(payload, sizeof(payload), "%lld %lld", (long long)published,
	    (long long)now_us());
	if (o.feed != NULL) {
		feed_line(payload);
		return;
	}
	if (o.push != NULL) {
		if (argv == NULL)
			argv = split_words(o.push, 1, &argc);
		argv[argc] = payload;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
			push_failed++;
		else
			nchildren++;
		return;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN };
		struct buf req;
		int fd = sseconn_dial(o.addr, o.port, 0);

		buf_init(&req);
		buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n%s", o.pub, o.addr, o.port,
		    strlen(payload), payload);
		if (fd == -1 || write(fd, req.data, req.len) != (ssize_t)req.len) {
			push_failed++;
			if (fd != -1)
				close(fd);
		} else {
			ev.data.u64 = PUB_TAG | (uint64_t)fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			npub++;
		}
		buf_release(&req);
	}
}

/* Microseconds since the last event on any stream (or since start). */
static int64_t
quiet_since(int64_t start)
{
	int64_t last = start;
	int i;

	for (i = 0; i < o.clients; i++)
		if (cl[i].last_us > last)
			last = cl[i].last_us;
	return now_us() - last;
}

/* Connect every client, at most o.inflight handshakes at a time. */
static int64_t
connect_all(int64_t start)
{
	int64_t deadline = start + o.timeout * 1000000LL;
	int next = 0;

	/* Backlog mode waits for every event, not just for the streams, or
	 * until none has come for 2 s (a peer that holds fewer). */
	while ((o.expect > 0 ? nbacklog_done : nready) + nfailed + nclosed <
	    o.clients && now_us() < deadline) {
		while (next < o.clients &&
		    next - nready - nfailed - nclosed < o.inflight)
			dial(&cl[next++]);
		pump(10);
		if (o.expect > 0 && quiet_since(start) > 2000000)
			break;
	}
	return now_us() - start;
}

/* This load generator's own CPU seconds: on a small machine it competes
 * with the servers it measures. */
static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
sample(struct procsample *ps)
{
	procstat_sample(o.procs, ps);
}

/* What the ready streams should have got: every event, or with -T the
 * events of each one's topic. */
static int64_t
expected_all(void)
{
	int64_t total = 0;
	int i;

	if (o.topics == 0)
		return published * (nready - nclosed);
	for (i = 0; i < o.clients; i++)
		if (cl[i].state == C_READY)
			total += per_topic[i % o.topics];
	return total;
}

static int64_t
received_all(void)
{
	int64_t total = 0;
	int i;

	for (i = 0; i < o.clients; i++)
		total += cl[i].got;
	return total;
}

static void
run_for(double seconds, int publishing)
{
	int64_t start = now_us(), end = start + (int64_t)(seconds * 1e6);
	int64_t step = o.rate > 0 ? (int64_t)(1e6 / o.rate) : 0, next = start;

	while (now_us() < end) {
		/* Every event that is due: one a loop would cap the rate at
		 * one per epoll wait (about 1,000 a second). */
		while (publishing && now_us() >= next && now_us() < end) {
			publish();
			next += step;
		}
		pump(publishing ? 1 : 100);
	}
}

/* After the last publish: until every ready stream has it, or 5 s. */
static void
drain(void)
{
	int64_t end = now_us() + 5000000;

	while (now_us() < end && (nchildren > 0 || npub > 0 ||
	    received_all() < expected_all()))
		pump(10);
}

static void
write_cdf(void)
{
	FILE *f;
	int i;

	if (o.cdf == NULL || (f = fopen(o.cdf, "w")) == NULL)
		return;
	for (i = 1; i <= 1000; i++)
		fprintf(f, "%.1f %.3f\n", i / 10.0,
		    (double)samples_pct(&lat, i / 10.0) / 1000.0);
	fclose(f);
}

/* Events per second from the first connect to the last event. */
static void
backlog_report(int64_t start)
{
	int64_t last = start, total = 0;
	double s;
	int i;

	for (i = 0; i < o.clients; i++) {
		total += cl[i].events;
		if (cl[i].last_us > last)
			last = cl[i].last_us;
	}
	s = (double)(last - start) / 1e6;
	printf("clients=%d events=%lld done=%d failed=%d seconds=%.3f "
	    "eps=%.0f client_cpu_s=%.2f\n", o.clients, (long long)total,
	    nbacklog_done, nfailed, s, s > 0 ? (double)total / s : 0,
	    self_cpu());
}

static void
load_report(int64_t connect_us, const struct procsample *base,
    const struct procsample *held, const struct procsample *pub_end,
    const struct procsample *idle_end)
{
	int64_t got = received_all(), want = expected_all();
	long dups = 0, reorders = 0;
	double cpu_pub = pub_end->cpu_s - held->cpu_s;
	int i;

	for (i = 0; i < o.clients; i++) {
		dups += cl[i].dups;
		reorders += cl[i].reorders;
	}
	printf("clients=%d ready=%d failed=%d closed=%d connect_ms=%.0f "
	    "published=%lld push_failed=%lld received=%lld missing=%lld "
	    "dup=%ld reorder=%ld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
	    "max_ms=%.3f nproc=%d base_kb=%ld held_kb=%ld per_stream_kb=%.2f "
	    "cpu_pub_s=%.2f cpu_per_event_us=%.2f idle_s=%.0f cpu_idle_s=%.2f "
	    "client_cpu_s=%.2f client_cpu_pub_s=%.2f front_cpu_pub_s=%.2f\n",
	    o.clients, nready, nfailed, nclosed, connect_us / 1000.0,
	    (long long)published, (long long)push_failed, (long long)got,
	    (long long)(want - got), dups, reorders,
	    samples_pct(&lat, 50) / 1000.0, samples_pct(&lat, 90) / 1000.0,
	    samples_pct(&lat, 99) / 1000.0, samples_max(&lat) / 1000.0,
	    held->nproc, base->pss_kb, held->pss_kb,
	    nready ? (double)(held->pss_kb - base->pss_kb) / nready : 0,
	    cpu_pub, got ? cpu_pub * 1e6 / (double)got : 0, o.idle,
	    idle_end->cpu_s - pub_end->cpu_s, self_cpu(), client_pub_s,
	    front_pub_s);
}

static int
parse_url(const char *url)
{
	static char addr[64];
	const char *p, *slash;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	slash = strchr(p, '/');
	if (slash == NULL || sscanf(p, "%63[0-9.]:%d", addr, &o.port) != 2)
		return -1;
	o.addr = addr;
	o.path = slash;
	return 0;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: ssebench load [-n clients] [-c inflight] [-L last-event-id]\n"
	    "           [-r rate -d seconds (-s push-command | -w writer-command |\n"
	    "            -p publish-path)]\n"
	    "           [-i idle-seconds] [-x expect] [-P process-name]...\n"
	    "           [-F web-server-process-name]... [-T topics]\n"
	    "           [-o cdf-file] [-t timeout] http://ADDR:PORT/PATH\n"
	    "       ssebench spawn -n runs command [args...]\n");
	exit(64);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* sign -1 at the start of publishing, +1 at its end: front_pub_s and
 * client_pub_s become what the web server and this client spent. */
static void
phase_cpu(int sign)
{
	struct procsample f = { 0 };

	if (o.front[0] != NULL)
		procstat_sample(o.front, &f);
	front_pub_s += sign * f.cpu_s;
	client_pub_s += sign * self_cpu();
}

static int
cmd_load(int argc, char **argv)
{
	struct procsample base, held, pub_end, idle_end;
	int ch, i, np = 0, nf = 0;
	int64_t connect_us, start;

	while ((ch = getopt(argc, argv, "n:c:L:r:d:s:w:p:i:x:P:F:o:t:T:")) != -1) {
		switch (ch) {
		case 'n': o.clients = atoi(optarg); break;
		case 'c': o.inflight = atoi(optarg); break;
		case 'L': o.lei = optarg; break;
		case 'r': o.rate = atof(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 's': o.push = optarg; break;
		case 'w': o.feed = optarg; break;
		case 'p': o.pub = optarg; break;
		case 'i': o.idle = atof(optarg); break;
		case 'x': o.expect = atol(optarg); break;
		case 'P': if (np < 7) o.procs[np++] = optarg; break;
		case 'F': if (nf < 7) o.front[nf++] = optarg; break;
		case 'o': o.cdf = optarg; break;
		case 't': o.timeout = atoi(optarg); break;
		case 'T': o.topics = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || parse_url(argv[optind]) == -1 ||
	    o.clients < 1 || o.inflight < 1 ||
	    (o.duration > 0 && (o.rate <= 0 ||
	    (!o.push && !o.feed && !o.pub))) || o.topics < 0 ||
	    (o.topics > 0 && (!o.feed || strstr(o.path, "%d") == NULL)))
		usage();
	if (o.topics > 0 && (per_topic = calloc((size_t)o.topics,
	    sizeof(*per_topic))) == NULL) {
		perror("ssebench");
		return 1;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	if ((cl = calloc((size_t)o.clients, sizeof(*cl))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("ssebench");
		return 1;
	}
	samples_init(&lat);
	for (i = 0; i < o.clients; i++) {
		cl[i].fd = -1;
		sseconn_init(&cl[i].conn, on_msg, &cl[i]);
	}
	sample(&base);
	start = now_us();
	connect_us = connect_all(start);
	if (o.expect > 0) {
		backlog_report(start);
		return nbacklog_done == o.clients ? 0 : 1;
	}
	run_for(1, 0);		/* let the responder settle before measuring */
	sample(&held);
	phase_cpu(-1);
	if (o.duration > 0) {
		run_for(o.duration, 1);
		feed_stop();
		drain();
	}
	sample(&pub_end);
	phase_cpu(1);
	if (o.idle > 0)
		run_for(o.idle, 0);
	sample(&idle_end);
	load_report(connect_us, &base, &held, &pub_end, &idle_end);
	write_cdf();
	for (i = 0; i < o.clients; i++) {
		if (cl[i].fd != -1)
			close(cl[i].fd);
		sseconn_release(&cl[i].conn);
	}
	free(cl);
	samples_release(&lat);
	return nfailed || nclosed || push_failed ? 1 : 0;
}

static int
cmd_spawn(int argc, char **argv)
{
	struct samples t;
	int runs = 0, ch, i, st, bad = 0;
	pid_t pid;

	while ((ch = getopt(argc, argv, "+n:")) != -1) {
		if (ch != 'n')
			usage();
		runs = atoi(optarg);
	}
	if (runs < 1 || optind >= argc)
		usage();
	samples_init(&t);
	for (i = 0; i < runs; i++) {
		int64_t start = now_us();

		if (posix_spawn(&pid, argv[optind], NULL, NULL, argv + optind,
		    environ) != 0 || waitpid(pid, &st, 0) == -1) {
			perror("ssebench: spawn");
			return 1;
		}
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		samples_add(&t, now_us() - start);
	}
	printf("runs=%d failed=%d p50_ms=%.3f p90_ms=%.3f max_ms=%.3f\n", runs,
	    bad, samples_pct(&t, 50) / 1000.0, samples_pct(&t, 90) / 1000.0,
	    samples_max(&t) / 1000.0);
	samples_release(&t);
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "load") == 0)
		return cmd_load(argc - 1, argv + 1);
	if (strcmp(argv[1], "spawn") == 0)
		return cmd_spawn(argc - 1, argv + 1);
	usage();
}

/*
 * sseload - open many SSE connections to one URL on loopback and check what
 * arrives: every connection must get `count` events, in increasing id order,
 * with no duplicate. Prints "ready N" once every stream has its headers and
 * first bytes, then a summary line; exits 0 only if every check held.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sseparse.h"

enum { S_HEAD, S_SIZE, S_DATA, S_DATA_END, S_RAW, S_DONE };

struct client {
	int		 fd, state, chunked, ready, status, done;
	size_t		 chunk_left;
	struct buf	 in;		/* head or chunk-size line */
	struct sseparse	 p;
	long long	 last_id;
	long		 events, dups, reorders;
};

static long want = 1;
static int nready, nfinished, verbose, reconnect;
static long reconnects;
static const char *g_addr, *g_path;
static int g_port, g_ep;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_msg(void *ctx, const struct sse_msg *m)
{
	struct client *c = ctx;
	long long id = strtoll(m->last_id, NULL, 10);

	if (verbose)
		printf("event %s %s %.*s\n", m->last_id, m->type,
		    (int)m->data_len, m->data);
	if (id == c->last_id)
		c->dups++;
	else if (id < c->last_id)
		c->reorders++;
	c->last_id = id;
	if (++c->events == want) {
		c->done = 1;
		nfinished++;
	}
}

static void feed(struct client *c, const char *p, size_t n);

static void
body(struct client *c, const char *p, size_t n)
{
	sseparse_feed(&c->p, p, n);
	if (!c->ready && (c->p.comments > 0 || c->events > 0)) {
		c->ready = 1;
		nready++;
	}
}

/* Parse the response head once complete; -1 on a non-200 answer. */
static int
head(struct client *c)
{
	char *end = strstr(c->in.data, "\r\n\r\n");
	size_t used;

	if (end == NULL)
		return 0;
	if (sscanf(c->in.data, "HTTP/1.%*c %d", &c->status) != 1 ||
	    c->status != 200)
		return -1;
	c->chunked = strcasestr(c->in.data, "transfer-encoding: chunked") &&
	    strcasestr(c->in.data, "transfer-encoding: chunked") < end;
	used = (size_t)(end + 4 - c->in.data);
	c->state = c->chunked ? S_SIZE : S_RAW;
	{
		struct buf rest;
		buf_init(&rest);
		buf_append(&rest, c->in.data + used, c->in.len - used);
		buf_clear(&c->in);
		if (rest.len > 0)
			feed(c, rest.data, rest.len);
		buf_release(&rest);
	}
	return 0;
}

static void
feed(struct client *c, const char *p, size_t n)
{
	while (n > 0 && c->state != S_DONE) {
		switch (c->state) {
		case S_HEAD:
			buf_append(&c->in, p, n);
			n = 0;
			if (head(c) == -1)
				c->state = S_DONE;
			break;
		case S_RAW:
			body(c, p, n);
			n = 0;
			break;
		case S_SIZE:
			buf_append(&c->in, p, 1);
			p++, n--;
			if (c->in.len >= 2 && c->in.data[c->in.len - 2] == '\r' &&
			    c->in.data[c->in.len - 1] == '\n') {
				c->chunk_left = strtoul(c->in.data, NULL, 16);
				buf_clear(&c->in);
				c->state = c->chunk_left ? S_DATA : S_DONE;
			}
			break;
		case S_DATA: {
			size_t k = n < c->chunk_left ? n : c->chunk_left;
			body(c, p, k);
			p += k, n -= k;
			if ((c->chunk_left -= k) == 0) {
				c->state = S_DATA_END;
				c->chunk_left = 2;
			}
			break;
		}
		case S_DATA_END:
			p++, n--;
			if (--c->chunk_left == 0)
				c->state = S_SIZE;
			break;
		}
	}
}

/* Connect c and send the request; cursor < 0 sends no Last-Event-ID. */
static int
dial(struct client *c, long long cursor)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)g_port) };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	char req[1024], lei[64] = "";
	int n;

	if (cursor >= 0)
		snprintf(lei, sizeof(lei), "Last-Event-ID: %lld\r\n", cursor);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Accept: text/event-stream\r\n%s\r\n", g_path, g_addr, g_port, lei);
	inet_pton(AF_INET, g_addr, &sin.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1 || connect(c->fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1 || write(c->fd, req, (size_t)n) != n)
		return -1;
	c->state = S_HEAD;
	c->status = 0;
	buf_clear(&c->in);
	sseparse_release(&c->p);
	sseparse_init(&c->p, on_msg, c);
	return epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: sseload -p port [-a addr] [-u path] [-n conns] "
	    "[-c events] [-t seconds] [-L last-event-id] [-v]\n"
	    "       sseload -F   (print a free loopback port)\n");
	exit(64);
}

static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 1;
	printf("%d\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *path = "/sse", *lei = NULL;
	int port = 0, n = 1, timeout = 10, ch, i, ep, announced = 0;
	struct client *cl;
	struct epoll_event evs[256];
	struct rlimit rl;
	long long deadline;
	long total = 0, dups = 0, reorders = 0, short_ = 0, bad = 0;

	while ((ch = getopt(argc, argv, "a:p:u:n:c:t:L:vFR")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'u': path = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'c': want = atol(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'L': lei = optarg; break;
		case 'v': verbose = 1; break;
		case 'F': return free_port();
		case 'R': reconnect = 1; break;
		default: usage();
		}
	}
	if (port <= 0 || n <= 0)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	g_addr = addr;
	g_path = path;
	g_port = port;
	cl = calloc((size_t)n, sizeof(*cl));
	g_ep = ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < n; i++) {
		buf_init(&cl[i].in);
		cl[i].last_id = lei ? strtoll(lei, NULL, 10) : -1;
		sseparse_init(&cl[i].p, on_msg, &cl[i]);
		if (dial(&cl[i], lei ? cl[i].last_id : -1) == -1) {
			fprintf(stderr, "sseload: connection %d: %s\n", i,
			    strerror(errno));
			return 1;
		}
	}
	deadline = now_ms() + timeout * 1000LL;
	while (nfinished < n && now_ms() < deadline) {
		int k = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < k; i++) {
			struct client *c = evs[i].data.ptr;
			char b[65536];
			ssize_t r = read(c->fd, b, sizeof(b));
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				if (c->done)
					continue;
				/* Like a browser: come back with the last id. A
				 * refused dial is retried on the next pass. */
				if (reconnect) {
					reconnects++;
					while (dial(c, c->last_id) == -1 &&
					    now_ms() < deadline) {
						if (c->fd != -1)
							close(c->fd);
						usleep(100000);
					}
					continue;
				}
				c->done = 1;
				nfinished++;	/* ended short */
				continue;
			}
			feed(c, b, (size_t)r);
			/* The response ended (a clean end, or a non-200 such as
			 * a 503 while the responder restarts): a browser would
			 * reconnect after its retry delay. */
			if (c->state == S_DONE && !c->done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				if (!reconnect) {
					c->done = 1;
					nfinished++;
					continue;
				}
				reconnects++;
				usleep(c->status == 200 ? 0 : 100000);
				while (dial(c, c->last_id) == -1 &&
				    now_ms() < deadline) {
					if (c->fd != -1)
						close(c->fd);
					usleep(100000);
				}
			}
		}
		if (!announced && nready == n) {
			printf("ready %d\n", n);
			fflush(stdout);
			announced = 1;
		}
	}
	for (i = 0; i < n; i++) {
		total += cl[i].events;
		dups += cl[i].dups;
		reorders += cl[i].reorders;
		short_ += cl[i].events < want;
		bad += cl[i].status != 200 && !reconnect;
		if (cl[i].fd != -1)
			close(cl[i].fd);
		sseparse_release(&cl[i].p);
		buf_release(&cl[i].in);
	}
	printf("conns=%d ready=%d events=%ld short=%ld dup=%ld reorder=%ld "
	    "non200=%ld reconnects=%ld\n", n, nready, total, short_, dups,
	    reorders, bad, reconnects);
	free(cl);
	return (short_ || dups || reorders || bad || nready < n) ? 1 : 0;
}

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

#include "sseconn.h"

struct client {
	int		 fd, ready, done;
	struct sseconn	 conn;
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

static void
feed(struct client *c, const char *p, size_t n)
{
	sseconn_feed(&c->conn, p, n);
	if (!c->ready && (c->conn.p.comments > 0 || c->events > 0)) {
		c->ready = 1;
		nready++;
	}
}

/* Connect c and send the request; cursor < 0 sends no Last-Event-ID. */
static int
dial(struct client *c, long long cursor)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	char lei[32];
	struct buf req;
	int ok;

	snprintf(lei, sizeof(lei), "%lld", cursor);
	buf_init(&req);
	sseconn_reset(&c->conn);
	c->fd = sseconn_dial(g_addr, g_port, 0);
	ok = c->fd != -1 && sseconn_request(&req, g_addr, g_port, g_path,
	    cursor >= 0 ? lei : NULL) == 0 &&
	    write(c->fd, req.data, req.len) == (ssize_t)req.len;
	buf_release(&req);
	if (!ok)
		return -1;
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
		cl[i].last_id = lei ? strtoll(lei, NULL, 10) : -1;
		sseconn_init(&cl[i].conn, on_msg, &cl[i]);
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
			if (c->conn.state == SC_DONE && !c->done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				if (!reconnect) {
					c->done = 1;
					nfinished++;
					continue;
				}
				reconnects++;
				usleep(c->conn.status == 200 ? 0 : 100000);
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
		bad += cl[i].conn.status != 200 && !reconnect;
		if (cl[i].fd != -1)
			close(cl[i].fd);
		sseconn_release(&cl[i].conn);
	}
	printf("conns=%d ready=%d events=%ld short=%ld dup=%ld reorder=%ld "
	    "non200=%ld reconnects=%ld\n", n, nready, total, short_, dups,
	    reorders, bad, reconnects);
	free(cl);
	return (short_ || dups || reorders || bad || nready < n) ? 1 : 0;
}

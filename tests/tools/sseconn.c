/* sseconn.c - read an SSE response over HTTP/1.1 (see sseconn.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sseconn.h"

void
sseconn_init(struct sseconn *c, sseparse_fn fn, void *ctx)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->in);
	sseparse_init(&c->p, fn, ctx);
}

void
sseconn_release(struct sseconn *c)
{
	buf_release(&c->in);
	sseparse_release(&c->p);
}

void
sseconn_reset(struct sseconn *c)
{
	sseparse_fn fn = c->p.fn;
	void *ctx = c->p.ctx;

	sseconn_release(c);
	sseconn_init(c, fn, ctx);
}

/* Parse the response head once complete: anything but 200 ends it. */
static void
head(struct sseconn *c)
{
	char *end = c->in.data ? strstr(c->in.data, "\r\n\r\n") : NULL;
	struct buf rest;
	size_t used;
	char *te;

	if (end == NULL) {
		if (c->in.len > 65536)
			c->state = SC_DONE;
		return;
	}
	*end = '\0';
	if (sscanf(c->in.data, "HTTP/1.%*c %d", &c->status) != 1 ||
	    c->status != 200) {
		c->state = SC_DONE;
		return;
	}
	te = strcasestr(c->in.data, "\r\ntransfer-encoding:");
	c->chunked = te != NULL && strcasestr(te, "chunked") != NULL;
	used = (size_t)(end + 4 - c->in.data);
	c->state = c->chunked ? SC_SIZE : SC_RAW;
	buf_init(&rest);
	buf_append(&rest, c->in.data + used, c->in.len - used);
	buf_clear(&c->in);
	if (rest.len > 0)
		sseconn_feed(c, rest.data, rest.len);
	buf_release(&rest);
}

/* One byte of a chunk-size line; at its CRLF, the size (0 ends the body). */
static void
size_byte(struct sseconn *c, char ch)
{
	char *end;

	buf_append(&c->in, &ch, 1);
	if (c->in.len > 64) {
		c->state = SC_DONE;
		return;
	}
	if (c->in.len < 2 || c->in.data[c->in.len - 2] != '\r' || ch != '\n')
		return;
	c->chunk_left = strtoul(c->in.data, &end, 16);
	if (end == c->in.data) {
		c->state = SC_DONE;
		return;
	}
	buf_clear(&c->in);
	c->state = c->chunk_left ? SC_DATA : SC_DONE;
}

void
sseconn_feed(struct sseconn *c, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && c->state != SC_DONE) {
		switch (c->state) {
		case SC_HEAD:
			buf_append(&c->in, p, n);
			n = 0;
			head(c);
			break;
		case SC_RAW:
			sseparse_feed(&c->p, p, n);
			n = 0;
			break;
		case SC_SIZE:
			size_byte(c, *p);
			p++, n--;
			break;
		case SC_DATA:
			k = n < c->chunk_left ? n : c->chunk_left;
			sseparse_feed(&c->p, p, k);
			p += k, n -= k;
			if ((c->chunk_left -= k) == 0) {
				c->state = SC_DATA_END;
				c->chunk_left = 2;
			}
			break;
		case SC_DATA_END:
			p++, n--;
			if (--c->chunk_left == 0)
				c->state = SC_SIZE;
			break;
		}
	}
}

int
sseconn_request(struct buf *out, const char *host, int port, const char *path,
    const char *lei)
{
	buf_clear(out);
	if (buf_printf(out, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Accept: text/event-stream\r\n", path, host, port) == -1)
		return -1;
	if (lei != NULL && buf_printf(out, "Last-Event-ID: %s\r\n", lei) == -1)
		return -1;
	return buf_appends(out, "\r\n");
}

int
sseconn_dial(const char *addr, int port, int nonblock)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    !(nonblock && errno == EINPROGRESS)) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

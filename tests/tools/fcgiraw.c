/*
 * fcgiraw - send one FastCGI request to a responder, as a hostile web
 * server might: its bytes optionally trickled, a body with any method.
 *
 *   fcgiraw -p PORT [-m METHOD] [-b BODY] [-L LAST-EVENT-ID] [-t MS] [-s S]
 *           [-u REQUEST-URI] [-x NAME=VALUE]...
 *
 * -t sends the request one byte every MS milliseconds; -s waits S seconds
 * before reading the answer (a stalled reader). Prints what came
 * back on FCGI_STDOUT, then on stderr "closed after N ms, sent S of T".
 * Exits 0 when the responder ended the request or the connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

static void
record(struct buf *b, int type, const void *p, size_t n)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	buf_append(b, h, 8);
	if (n > 0)
		buf_append(b, p, n);
}

/* A name-value length: one byte below 128, else four with the top bit. */
static void
param_len(struct buf *b, size_t n)
{
	unsigned char l[4] = { (unsigned char)(n >> 24 | 0x80),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n };

	if (n < 128) {
		l[0] = (unsigned char)n;
		buf_append(b, l, 1);
	} else
		buf_append(b, l, 4);
}

static void
param(struct buf *b, const char *k, const char *v)
{
	param_len(b, strlen(k));
	param_len(b, strlen(v));
	buf_appends(b, k);
	buf_appends(b, v);
}

int
main(int argc, char **argv)
{
	const char *method = "GET", *body = "", *lei = NULL, *uri = NULL;
	struct buf req, params;
	struct sockaddr_in sa;
	unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 }, in[4096];
	char len[32];
	int port = 0, gap = 0, stall = 0, ch, fd, nextra = 0, i;
	char *extra[8];
	size_t sent = 0;
	ssize_t n;
	int64_t t0;

	while ((ch = getopt(argc, argv, "p:m:b:L:t:s:u:x:")) != -1) {
		switch (ch) {
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 'm': method = optarg; break;
		case 'b': body = optarg; break;
		case 'L': lei = optarg; break;
		case 'u': uri = optarg; break;
		case 'x':
			if (nextra < 8 && strchr(optarg, '=') != NULL)
				extra[nextra++] = optarg;
			break;
		case 's': stall = (int)strtol(optarg, NULL, 10); break;
		case 't': gap = (int)strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: fcgiraw -p port [-m method] "
			    "[-b body] [-L id] [-t ms] [-s s] [-u uri] [-x k=v]\n");
			return 64;
		}
	}
	buf_init(&req);
	buf_init(&params);
	snprintf(len, sizeof(len), "%zu", strlen(body));
	param(&params, "REQUEST_METHOD", method);
	param(&params, "QUERY_STRING", uri && strchr(uri, '?') ?
	    strchr(uri, '?') + 1 : "");
	if (uri != NULL)
		param(&params, "REQUEST_URI", uri);
	if (body[0])
		param(&params, "CONTENT_LENGTH", len);
	if (lei != NULL)
		param(&params, "HTTP_LAST_EVENT_ID", lei);
	for (i = 0; i < nextra; i++) {
		*strchr(extra[i], '=') = '\0';
		param(&params, extra[i], extra[i] + strlen(extra[i]) + 1);
	}
	record(&req, 1, begin, 8);		/* BEGIN_REQUEST, responder */
	record(&req, 4, params.data, params.len);
	record(&req, 4, NULL, 0);
	if (body[0])
		record(&req, 5, body, strlen(body));
	record(&req, 5, NULL, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("fcgiraw: connect");
		return 1;
	}
	t0 = clock_ms();
	while (sent < req.len) {
		size_t k = gap ? 1 : req.len - sent;
		if ((n = send(fd, req.data + sent, k, MSG_NOSIGNAL)) <= 0)
			break;		/* the responder cut us off */
		sent += (size_t)n;
		if (gap) {
			struct timespec ts = { gap / 1000,
			    (long)(gap % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	if (stall > 0)
		sleep((unsigned)stall);
	/* Print the content of STDOUT records; stop at END_REQUEST or EOF. */
	for (;;) {
		unsigned char h[8];
		size_t clen, pad, got = 0;
		if ((n = recv(fd, h, 8, MSG_WAITALL)) != 8)
			break;
		clen = (size_t)h[4] << 8 | h[5];
		pad = h[6];
		while (got < clen + pad) {
			size_t want = clen + pad - got;
			if (want > sizeof(in))
				want = sizeof(in);
			if ((n = recv(fd, in, want, 0)) <= 0)
				goto done;
			if (h[1] == 6 && got < clen) {
				fwrite(in, 1, (size_t)n < clen - got ?
				    (size_t)n : clen - got, stdout);
				fflush(stdout);	/* a stream: as it comes */
			}
			got += (size_t)n;
		}
		if (h[1] == 3)
			break;
	}
done:
	fprintf(stderr, "closed after %lld ms, sent %zu of %zu\n",
	    (long long)(clock_ms() - t0), sent, req.len);
	close(fd);
	buf_release(&req);
	buf_release(&params);
	return 0;
}

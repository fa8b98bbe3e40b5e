/* fcgirec.c - FastCGI records written by a responder. */
#include "fcgirec.h"

void
fcgirec_header(unsigned char h[FCGIREC_HEADER], int type, int request_id,
    size_t content_len)
{
	h[0] = 1;				/* FCGI_VERSION_1 */
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(request_id >> 8);	/* big-endian */
	h[3] = (unsigned char)request_id;
	h[4] = (unsigned char)(content_len >> 8);
	h[5] = (unsigned char)content_len;
	h[6] = 0;				/* no padding */
	h[7] = 0;
}

int
fcgirec_stdout(struct buf *b, int request_id, const char *s, size_t n)
{
	unsigned char h[FCGIREC_HEADER];
	size_t chunk, mark = b->len;

	while (n > 0) {
		chunk = n > FCGIREC_MAX_CONTENT ? FCGIREC_MAX_CONTENT : n;
		fcgirec_header(h, FCGIREC_STDOUT, request_id, chunk);
		if (buf_append(b, h, sizeof(h)) == -1 ||
		    buf_append(b, s, chunk) == -1) {
			b->len = mark;
			return -1;
		}
		s += chunk;
		n -= chunk;
	}
	return 0;
}

int
fcgirec_end(struct buf *b, int request_id)
{
	unsigned char h[FCGIREC_HEADER];
	static const unsigned char body[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };

	fcgirec_header(h, FCGIREC_STDOUT, request_id, 0);
	if (buf_append(b, h, sizeof(h)) == -1)
		return -1;
	fcgirec_header(h, FCGIREC_END_REQUEST, request_id, sizeof(body));
	if (buf_append(b, h, sizeof(h)) == -1 ||
	    buf_append(b, body, sizeof(body)) == -1)
		return -1;
	return 0;
}

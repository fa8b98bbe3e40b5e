/* intake.c - parse new FastCGI requests with libfcgi in worker threads. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "clock.h"
#include "intake.h"
#include "responder.h"

/* Request body we read and discard at most (a GET has none). */
#define INTAKE_BODY_MAX		(1024 * 1024)

static void
finish(struct intake *in, struct intake_done *d)
{
	uint64_t one = 1;

	pthread_mutex_lock(&in->lock);
	in->busy--;
	if (d != NULL) {
		d->next = in->done;
		in->done = d;
	}
	pthread_mutex_unlock(&in->lock);
	if (write(in->wake_fd, &one, sizeof(one)) == -1) {
		/* The counter cannot overflow at our rates; nothing to do. */
	}
}

/* The body a request says it has: CONTENT_LENGTH, 0 if absent or bad. */
static long
content_length(char **envp)
{
	const char *v = FCGX_GetParam("CONTENT_LENGTH", envp);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return 0;
	n = strtol(v, &end, 10);
	return *end == '\0' && n > 0 ? n : 0;
}

/* Read one request; NULL if the peer sent nothing usable (fd closed). */
static struct intake_done *
read_request(int fd, const struct intake *in)
{
	/* Each read, as a backstop; intake_expire() bounds the whole. */
	struct timeval tv = { INTAKE_DEADLINE_MS / 1000, 0 };
	struct intake_done *d;
	FCGX_Request r;
	char sink[4096];
	long body = 0;
	int n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		close(fd);
		return NULL;
	}
	FCGX_InitRequest(&r, -1, 0);
	r.ipcFd = fd;
	r.keepConnection = 1;	/* so Accept's opening Finish keeps our fd */
	if (FCGX_Accept_r(&r) != 0) {
		/* On a protocol error libfcgi closed the fd and then failed
		 * to accept on listen socket -1; close it if it did not. */
		if (r.ipcFd >= 0)
			close(r.ipcFd);
		FCGX_Free(&r, 0);
		free(d);
		return NULL;
	}
	d->fd = fd;
	d->request_id = r.requestId;
	d->status = responder_read(&d->req, &d->status_page, r.envp,
	    in->status_path, in->private_);
	/* A GET or HEAD with a body is refused unread: nobody waits for it
	 * to arrive. Any other method is refused anyway. */
	if (content_length(r.envp) > 0 && d->status == 200) {
		d->status = 400;
		d->req.error = "a GET or HEAD request has no body";
	}
	/* Drain FCGI_STDIN to its end: until then the fd stays readable and
	 * the server could not tell a gone client from unread input. An
	 * answer that ends the connection needs no draining. */
	while (d->status == 200 && body < INTAKE_BODY_MAX &&
	    (n = FCGX_GetStr(sink, sizeof(sink), r.in)) > 0)
		body += n;
	FCGX_Free(&r, 0);
	return d;
}

static void *
worker(void *arg)
{
	struct intake_worker *w = arg;
	struct intake *in = w->in;
	struct intake_done *d;
	int fd;

	for (;;) {
		pthread_mutex_lock(&in->lock);
		while (in->count == 0 && !in->stopping)
			pthread_cond_wait(&in->more, &in->lock);
		if (in->stopping) {
			pthread_mutex_unlock(&in->lock);
			return NULL;
		}
		fd = in->queue[in->head];
		in->head = (in->head + 1) % INTAKE_QUEUE;
		in->count--;
		in->busy++;
		/* A descriptor of the watchdog's own: libfcgi may close fd
		 * on an error, and its number could then be reused. */
		w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		w->deadline = clock_ms() + INTAKE_DEADLINE_MS;
		pthread_mutex_unlock(&in->lock);
		d = read_request(fd, in);
		pthread_mutex_lock(&in->lock);
		if (w->fd != -1)
			close(w->fd);
		w->fd = -1;
		pthread_mutex_unlock(&in->lock);
		finish(in, d);
	}
}

int
intake_start(struct intake *in, int nthreads, const char *status_path,
    int private_)
{
	int i;

	memset(in, 0, sizeof(*in));
	in->status_path = status_path;
	in->private_ = private_;
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->more, NULL);
	if ((in->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if (FCGX_Init() != 0) {
		errno = EIO;
		return -1;
	}
	for (i = 0; i < nthreads && i < 4; i++) {
		in->workers[i].in = in;
		in->workers[i].fd = -1;
		if ((errno = pthread_create(&in->workers[i].thread, NULL,
		    worker, &in->workers[i])) != 0)
			return -1;
		in->nthreads++;
	}
	return 0;
}

void
intake_stop(struct intake *in)
{
	struct intake_done *d;
	int i;

	pthread_mutex_lock(&in->lock);
	in->stopping = 1;
	pthread_cond_broadcast(&in->more);
	pthread_mutex_unlock(&in->lock);
	for (i = 0; i < in->nthreads; i++)
		pthread_join(in->workers[i].thread, NULL);
	for (; in->count > 0; in->count--) {
		close(in->queue[in->head]);
		in->head = (in->head + 1) % INTAKE_QUEUE;
	}
	while ((d = in->done) != NULL) {
		in->done = d->next;
		close(d->fd);
		free(d);
	}
	if (in->wake_fd != -1)
		close(in->wake_fd);
	pthread_cond_destroy(&in->more);
	pthread_mutex_destroy(&in->lock);
}

int
intake_has_room(struct intake *in)
{
	int room;

	pthread_mutex_lock(&in->lock);
	room = in->count + in->busy < INTAKE_QUEUE;
	pthread_mutex_unlock(&in->lock);
	return room;
}

void
intake_push(struct intake *in, int fd)
{
	pthread_mutex_lock(&in->lock);
	in->queue[(in->head + in->count) % INTAKE_QUEUE] = fd;
	in->count++;
	pthread_cond_signal(&in->more);
	pthread_mutex_unlock(&in->lock);
}

struct intake_done *
intake_collect(struct intake *in)
{
	struct intake_done *d;
	uint64_t v;

	if (read(in->wake_fd, &v, sizeof(v)) == -1) {
		/* EAGAIN: nothing new; collect anyway. */
	}
	pthread_mutex_lock(&in->lock);
	d = in->done;
	in->done = NULL;
	pthread_mutex_unlock(&in->lock);
	return d;
}

void
intake_expire(struct intake *in, int64_t now)
{
	int i;

	pthread_mutex_lock(&in->lock);
	for (i = 0; i < in->nthreads; i++) {
		struct intake_worker *w = &in->workers[i];
		/* The worker's blocked read returns at once. */
		if (w->fd != -1 && now >= w->deadline) {
			shutdown(w->fd, SHUT_RDWR);
			w->deadline = INT64_MAX;
		}
	}
	pthread_mutex_unlock(&in->lock);
}

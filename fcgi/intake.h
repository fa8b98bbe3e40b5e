/*
 * intake.h - read each new FastCGI connection's request with libfcgi in a
 * few worker threads, so a slow peer never stalls the streaming thread.
 *
 * libfcgi is given only descriptors the server accepted itself, and only
 * while they are new: the server keeps streams above 1023 and intake below
 * it, because libfcgi's select()-based paths (unix-socket accept, lingering
 * close) corrupt memory on a descriptor >= FD_SETSIZE. libfcgi never
 * accepts and never writes: FCGX_Accept_r reads into a request whose ipcFd
 * is preset, and FCGX_Free(req, 0) releases it without closing.
 *
 * Errors: intake_start() returns -1 with errno; a request that cannot be
 * read is closed and never collected.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <pthread.h>
#include <stdint.h>

#include "request.h"
#include "status.h"

#define INTAKE_QUEUE	256	/* connections being read at once, at most */
/* A web server sends a request at once; this is for a peer that does not. */
#define INTAKE_DEADLINE_MS	5000

struct intake_done {
	int		 fd;
	int		 request_id;
	int		 status;	/* request_parse()'s answer */
	enum status_format status_page;	/* a GET for SSE_STATUS_PATH */
	struct request	 req;
	struct intake_done *next;
};

struct intake;

/* One worker thread, and the request it is reading with its deadline. */
struct intake_worker {
	struct intake	*in;
	pthread_t	 thread;
	int		 fd;		/* -1 when idle */
	int64_t		 deadline;	/* ms of clock_ms() */
};

struct intake {
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;
	int		 queue[INTAKE_QUEUE];
	int		 head, count;	/* fds waiting for a worker */
	int		 busy;		/* fds a worker is reading */
	struct intake_done *done;	/* parsed, for the server to collect */
	int		 wake_fd;	/* eventfd the server polls */
	int		 stopping;
	const char	*status_path;	/* SSE_STATUS_PATH, borrowed */
	int		 private_;	/* SSE_PRIVATE of the process */
	int		 nthreads;
	struct intake_worker workers[4];
};

/* Start nthreads (1-4) workers; status_path is SSE_STATUS_PATH (borrowed,
 * "" for none). Returns 0, or -1 with errno. */
int	intake_start(struct intake *in, int nthreads, const char *status_path,
	    int private_);
/* Stop the workers; close every fd still queued; free what was not taken. */
void	intake_stop(struct intake *in);
/* 1 when another connection may be queued. */
int	intake_has_room(struct intake *in);
/* Queue an accepted, blocking fd. The intake owns it from now on. */
void	intake_push(struct intake *in, int fd);
/* Take every parsed request (a list the caller frees), draining wake_fd. */
struct intake_done *intake_collect(struct intake *in);
/*
 * Cut every request that has not arrived whole by its deadline
 * (INTAKE_DEADLINE_MS after a worker took it), so a peer that trickles its
 * request a byte at a time holds a worker for that long at most. Called
 * from the server's sweep.
 */
void	intake_expire(struct intake *in, int64_t now);

#endif

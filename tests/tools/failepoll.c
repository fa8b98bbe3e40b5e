/*
 * failepoll.so - an LD_PRELOAD shim for one fault no test can cause from
 * outside: epoll_wait() failing (EBADF, EINVAL) in a running sse-fcgi.
 * While the file named by FAILEPOLL_AFTER exists, epoll_wait() returns -1
 * with errno EINVAL; otherwise it is the real call.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

int
epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	const char *flag = getenv("FAILEPOLL_AFTER");

	if (flag != NULL && access(flag, F_OK) == 0) {
		errno = EINVAL;
		return -1;
	}
	/* epoll_pwait with no mask is epoll_wait (and all arm64 has). */
	return (int)syscall(SYS_epoll_pwait, ep, ev, max, timeout, NULL, 8);
}

/* listen.c - the listening sockets sse-fcgi makes itself (--listen). */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "paths.h"

/* Say why into err, close fd if it is one, and return -1. */
static int
fail(int fd, char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(int fd, char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * A deep listen queue: a web server that opens thousands of streams at once
 * (a deploy, a reconnect storm) must find room while the loop accepts them;
 * lighttpd answers 503 and disables the backend for a while when connect()
 * meets a full queue. The kernel caps it at net.core.somaxconn.
 */
#define LISTEN_BACKLOG	4096

/*
 * Listen on a unix socket at path, taking the path over from a running
 * sse-fcgi (the calm redeploy: the old one keeps its streams on the
 * unlinked socket). The socket is read-write for its group whatever the
 * umask, like the database: the web server connects as a member of it.
 */
static int
listen_unix(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)];
	mode_t mask;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(fd, err, errsz, "socket path '%s' is too long", path);
	strcpy(sun.sun_path, path);
	path_dir(path, dir, sizeof(dir));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return fail(fd, err, errsz, "socket: %s", strerror(errno));
	/* A stale socket, or the one of the process being replaced. */
	if (unlink(path) == -1 && errno != ENOENT)
		return fail(fd, err, errsz, "cannot replace '%s': %s (the directory '%s' must be "
		    "writable by this user, uid %u)", path, strerror(errno),
		    dir, (unsigned)geteuid());
	mask = umask(0);
	umask(mask);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return fail(fd, err, errsz, "cannot bind '%s': %s%s%s%s", path, strerror(errno),
		    errno == ENOENT || errno == EACCES ? " (the directory '" :
		    "", errno == ENOENT || errno == EACCES ? dir : "",
		    errno == ENOENT ? "' must exist)" : errno == EACCES ?
		    "' must be writable by this user)" : "");
	if (chmod(path, (0666 & ~mask) | 0660) == -1)
		return fail(fd, err, errsz, "cannot set the mode of '%s': %s", path, strerror(errno));
	if (listen(fd, LISTEN_BACKLOG) == -1)
		return fail(fd, err, errsz, "cannot listen on '%s': %s", path, strerror(errno));
	return fd;
}

static int
listen_tcp(const char *addr, char *err, size_t errsz)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *port;
	int fd = -1, on = 1, rc;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (close == NULL || close[1] != ':')
			return fail(fd, err, errsz, "bad address '%s'", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(close - addr - 1),
		    addr + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(addr, ':');
		if (colon == NULL)
			return fail(fd, err, errsz, "address '%s' has no port", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
		port = colon + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0)
		return fail(fd, err, errsz, "cannot resolve '%s': %s", addr, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return fail(fd, err, errsz, "cannot listen on '%s': %s", addr, strerror(errno));
	return fd;
}

int
listen_at(const char *addr, char *err, size_t errsz)
{
	if (strncmp(addr, "unix:", 5) == 0)
		return listen_unix(addr + 5, err, errsz);
	return listen_tcp(addr, err, errsz);
}

/* sse-fcgi - Server-Sent Events from an SQLite table, as a FastCGI responder. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "paths.h"
#include "server.h"

static _Noreturn void
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "usage: sse-fcgi [-l unix:path | host:port]\n");
	config_synopsis(f, "               ");
	fprintf(f,
"       sse-fcgi -h | -V\n"
"\n"
"Without -l, serves the listening socket on fd 0 (mod_fcgid, lighttpd\n"
"bin-path, spawn-fcgi). Flags override the environment.\n"
"\n"
"  -l, --listen ADDR         unix:/path/to.sock, 127.0.0.1:9000 or [::1]:9000\n");
	config_flags_help(f);
	fprintf(f,
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n%s", config_help());
	exit(status);
}

static _Noreturn void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("sse-fcgi: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
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
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)];
	mode_t mask;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path '%s' is too long", path);
	strcpy(sun.sun_path, path);
	path_dir(path, dir, sizeof(dir));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	/* A stale socket, or the one of the process being replaced. */
	if (unlink(path) == -1 && errno != ENOENT)
		die("cannot replace '%s': %s (the directory '%s' must be "
		    "writable by this user, uid %u)", path, strerror(errno),
		    dir, (unsigned)geteuid());
	mask = umask(0);
	umask(mask);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("cannot bind '%s': %s%s%s%s", path, strerror(errno),
		    errno == ENOENT || errno == EACCES ? " (the directory '" :
		    "", errno == ENOENT || errno == EACCES ? dir : "",
		    errno == ENOENT ? "' must exist)" : errno == EACCES ?
		    "' must be writable by this user)" : "");
	if (chmod(path, (0666 & ~mask) | 0660) == -1)
		die("cannot set the mode of '%s': %s", path, strerror(errno));
	if (listen(fd, LISTEN_BACKLOG) == -1)
		die("cannot listen on '%s': %s", path, strerror(errno));
	return fd;
}

static int
listen_tcp(const char *addr)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *port;
	int fd = -1, on = 1, rc;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (close == NULL || close[1] != ':')
			die("bad address '%s'", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(close - addr - 1),
		    addr + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(addr, ':');
		if (colon == NULL)
			die("address '%s' has no port", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
		port = colon + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0)
		die("cannot resolve '%s': %s", addr, gai_strerror(rc));
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
		die("cannot listen on '%s': %s", addr, strerror(errno));
	return fd;
}

/* The socket a web server handed us on fd 0, if it is one. */
static int
inherited_socket(void)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 ||
	    !listening)
		die("fd 0 is not a listening socket: run me from a web server "
		    "(mod_fcgid, lighttpd bin-path, spawn-fcgi) or use --listen");
	return 0;
}

/* Each stream holds a descriptor: allow as many as the hard limit does. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	/* Values above any letter for the flags that have none. */
	enum { O_FIRST = 256 };
	struct option longopts[32];
	int n;

	struct config cfg;
	const char *listen_at = NULL, *name;
	char err[256];
	int ch, fd;

	/* fd 0 may be our socket; only stdout and stderr must be open. */
	for (fd = 1; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			return 1;
	/* A client that left is EPIPE on write, not the end of every stream. */
	signal(SIGPIPE, SIG_IGN);
	config_defaults(&cfg);
	if (config_from_env(&cfg, err, sizeof(err)) == -1)
		die("%s", err);
	/* The settings' flags come from config.c's table; these are ours. */
	n = config_options(longopts, 32 - 3, O_FIRST);
	longopts[n++] = (struct option){ "listen", required_argument, NULL, 'l' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	memset(&longopts[n], 0, sizeof(longopts[n]));
	while ((ch = getopt_long(argc, argv, "d:l:c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_at = optarg; continue;
		case 'h': usage(0);
		case 'V': printf("sse-fcgi %s\n", SSE_VERSION); return 0;
		}
		if ((name = config_option_setting(ch, O_FIRST)) == NULL)
			usage(64);
		if (config_set(&cfg, name, optarg, err, sizeof(err)) == -1)
			die("%s", err);
	}
	if (optind != argc)
		usage(64);
	raise_nofile();
	if (listen_at == NULL)
		fd = inherited_socket();
	else if (strncmp(listen_at, "unix:", 5) == 0)
		fd = listen_unix(listen_at + 5);
	else
		fd = listen_tcp(listen_at);
	return server_run(&cfg, fd);
}

/* sse-fcgi - Server-Sent Events from an SQLite table, as a FastCGI responder. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "listen.h"
#include "log.h"
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

/* The socket a web server handed us on fd 0, if it is one. */
static int
inherited_socket(void)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 ||
	    !listening)
		log_die(1, "fd 0 is not a listening socket: run me from a web server "
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
	const char *listen_on = NULL, *name;
	char err[256];
	int ch, fd;

	/* fd 0 may be our socket; only stdout and stderr must be open. */
	for (fd = 1; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			return 1;
	/* A client that left is EPIPE on write, not the end of every stream. */
	signal(SIGPIPE, SIG_IGN);
	log_name("sse-fcgi");
	config_defaults(&cfg);
	if (config_from_env(&cfg, err, sizeof(err)) == -1)
		log_die(1, "%s", err);
	/* The settings' flags come from config.c's table; these are ours. */
	n = config_options(longopts, 32 - 3, O_FIRST);
	longopts[n++] = (struct option){ "listen", required_argument, NULL, 'l' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	memset(&longopts[n], 0, sizeof(longopts[n]));
	while ((ch = getopt_long(argc, argv, "d:l:c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_on = optarg; continue;
		case 'h': usage(0);
		case 'V': printf("sse-fcgi %s\n", SSE_VERSION); return 0;
		}
		if ((name = config_option_setting(ch, O_FIRST)) == NULL)
			usage(64);
		if (config_set(&cfg, name, optarg, err, sizeof(err)) == -1)
			log_die(1, "%s", err);
	}
	if (optind != argc)
		usage(64);
	raise_nofile();
	if (listen_on == NULL)
		fd = inherited_socket();
	else if ((fd = listen_at(listen_on, err, sizeof(err))) == -1)
		log_die(1, "%s", err);
	return server_run(&cfg, fd);
}

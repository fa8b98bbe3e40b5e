/* sse.cgi - Server-Sent Events from an SQLite or PostgreSQL table, as a
 * CGI program. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "config.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	char err[256];
	int fd;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: sse.cgi  (run by a web server as a CGI program)\n"
		    "\n%s", config_help());
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("sse.cgi %s\n", SSE_VERSION);
		return 0;
	}
	/* Never let a database or log land on fd 0-2 (slowcgi's habit). */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	log_name("sse.cgi");
	config_defaults(&cfg);
	if (config_from_env(&cfg, err, sizeof(err)) == -1) {
		logmsg("%s", err);
		printf("Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\n\r\nbad configuration\n");
		return 1;
	}
	return cgi_serve(&cfg);
}

/* settings-mdoc - print a generated part of sse-fcgi(8) from config.c's
 * table: "synopsis", "options" or "environment" (the default); "make man"
 * splices each between its markers in fcgi/sse-fcgi.8. */
#include <stdio.h>
#include <string.h>

#include "config.h"

int
main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "environment";

	if (strcmp(part, "synopsis") == 0)
		config_mdoc_synopsis(stdout);
	else if (strcmp(part, "options") == 0)
		config_mdoc_options(stdout);
	else if (strcmp(part, "environment") == 0)
		config_mdoc(stdout);
	else {
		fprintf(stderr, "usage: settings-mdoc [synopsis | options | "
		    "environment]\n");
		return 64;
	}
	return fflush(stdout) == EOF;
}

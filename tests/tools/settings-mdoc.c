/* settings-mdoc - print the man pages' ENVIRONMENT list from config.c's
 * table; "make man" splices it into fcgi/sse-fcgi.8. */
#include <stdio.h>

#include "config.h"

int
main(void)
{
	config_mdoc(stdout);
	return fflush(stdout) == EOF;
}

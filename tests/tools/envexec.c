/*
 * envexec - run a program with exactly the environment given, duplicates
 * kept: what a CGI program sees when a web server (or fcgiwrap behind
 * nginx) passes a variable twice, which env(1) and setenv() cannot make.
 *
 *   envexec NAME=VALUE... -- PROGRAM [ARG...]
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i + 1 >= argc) {
		fputs("usage: envexec NAME=VALUE... -- PROGRAM [ARG...]\n", stderr);
		return 2;
	}
	argv[i] = NULL;		/* ends the environment: argv[1..i) */
	execve(argv[i + 1], argv + i + 1, argv + 1);
	perror(argv[i + 1]);
	return 127;
}

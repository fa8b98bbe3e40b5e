/* paths.c - path names. */
#include <stdio.h>
#include <string.h>

#include "paths.h"

void
path_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
}

/* paths.h - what the responders and sse-push need to know of a path name. */
#ifndef PATHS_H
#define PATHS_H

#include <stddef.h>

/* The directory part of path ("." for a bare name, "/" for "/x"), cut to
 * size - 1 bytes: for messages and permission checks. */
void	path_dir(const char *path, char *dir, size_t size);

#endif

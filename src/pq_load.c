/* pq_load.c - libpq on demand (see pq_load.h). */
#define PQ_LOAD_SELF
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "pq_load.h"

/* libpq's soname: its ABI has been 5 since PostgreSQL 8.0. */
#define LIBPQ	"libpq.so.5"

struct pq_api pq_api;

int
pq_load(char *err, size_t errsz)
{
	static void *lib;
	const char *why;

	if (lib != NULL)
		return 0;
	if ((lib = dlopen(LIBPQ, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(err, errsz, "cannot load " LIBPQ " (Debian: apt install "
		    "libpq5): %s", why != NULL ? why : "unknown error");
		return -1;
	}
	/* dlsym() returns void *; a function pointer from it is what POSIX
	 * promises works. */
#define PQ_SYM(f)							\
	if ((*(void **)&pq_api.f = dlsym(lib, #f)) == NULL) {		\
		snprintf(err, errsz, "cannot load " LIBPQ ": no " #f);	\
		goto fail;						\
	}
	PQ_FUNCS(PQ_SYM)
#undef PQ_SYM
	return 0;
fail:
	dlclose(lib);
	lib = NULL;
	memset(&pq_api, 0, sizeof(pq_api));
	return -1;
}

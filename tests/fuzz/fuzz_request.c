/* fuzz_request.c - a request's method, query and Last-Event-ID (split at
 * the first two NULs): the answer is 200, 400 or 405, and what a 200
 * accepts is valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *buf = malloc(n + 3), *method, *query, *lei, *z;
	struct request r;
	int st, i;

	memcpy(buf, d, n);
	buf[n] = buf[n + 1] = buf[n + 2] = '\0';
	method = buf;
	query = method + strlen(method) + 1;
	z = query + strlen(query) + 1;
	lei = z <= buf + n + 2 ? z : buf + n + 2;
	st = request_parse(&r, method, query, lei);
	if (st != 200 && st != 400 && st != 405)
		abort();
	if (st == 400 && r.error == NULL)
		abort();
	if (st == 200) {
		if (r.nsymbols < 0 || r.nsymbols > REQUEST_SYMBOLS_MAX ||
		    (r.has_cursor && r.cursor < 0))
			abort();
		for (i = 0; i < r.nsymbols; i++)
			if (validate_symbol(r.symbols[i]) != NULL ||
			    !request_wants(&r, r.symbols[i]))
				abort();
	}
	free(buf);
	return 0;
}

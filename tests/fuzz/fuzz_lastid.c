/* fuzz_lastid.c - Last-Event-ID: accepted only as 1-19 digits <= INT64_MAX,
 * and then the value is exactly those digits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	int64_t id = -1;
	char back[32];
	size_t i, lead = 0;

	if (sse_parse_id((const char *)d, n, &id) != 0)
		return 0;
	if (n < 1 || n > 19 || id < 0)
		abort();
	for (i = 0; i < n; i++)
		if (d[i] < '0' || d[i] > '9')
			abort();
	while (lead + 1 < n && d[lead] == '0')
		lead++;
	snprintf(back, sizeof(back), "%lld", (long long)id);
	if (strlen(back) != n - lead || memcmp(back, d + lead, n - lead) != 0)
		abort();
	return 0;
}

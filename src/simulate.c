/* simulate.c - a random walk of prices. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decimal.h"
#include "simulate.h"

/* xorshift64*: small, fast, and reproducible from a seed. */
static uint64_t
next(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

const char *
sim_parse(struct sim *s, const char *spec, uint64_t seed)
{
	char item[64], *eq;
	const char *p = spec, *comma, *why;
	int64_t units;
	size_t len;

	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : (uint64_t)time(NULL) * 2654435761u | 1;
	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(item))
			return "expected SYMBOL=PRICE[,SYMBOL=PRICE...]";
		if (s->n == SIM_SYMBOLS_MAX)
			return "too many symbols (at most 64)";
		memcpy(item, p, len);
		item[len] = '\0';
		if ((eq = strchr(item, '=')) == NULL)
			return "expected SYMBOL=PRICE[,SYMBOL=PRICE...]";
		*eq = '\0';
		if ((why = validate_symbol(item)) != NULL ||
		    (why = decimal_parse(eq + 1, &units)) != NULL)
			return why;
		if (units <= 0)
			return "a simulated price must be above zero";
		strcpy(s->symbol[s->n], item);
		s->cents[s->n] = (units + DECIMAL_SCALE / 200) /
		    (DECIMAL_SCALE / 100);
		s->n++;
		p += len + (comma ? 1 : 0);
	}
	return s->n ? NULL : "no symbols given";
}

void
sim_step(struct sim *s, const char **symbol, char *price, size_t pricesz)
{
	int i = (int)(next(s) % (uint64_t)s->n);
	/* -40..+40 hundredths of a percent, at least a cent either way. */
	int64_t bp = (int64_t)(next(s) % 81) - 40;
	int64_t step = s->cents[i] * bp / 10000;

	if (step == 0)
		step = bp < 0 ? -1 : 1;
	s->cents[i] += step;
	if (s->cents[i] < 1)
		s->cents[i] = 1;
	*symbol = s->symbol[i];
	decimal_format(s->cents[i] * (DECIMAL_SCALE / 100), 2, price, pricesz);
}

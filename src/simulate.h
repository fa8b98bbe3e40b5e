/*
 * simulate.h - a random walk of prices for the demo and the benchmarks:
 * each step moves one symbol by up to +-0.4 %, kept to two decimals.
 */
#ifndef SIMULATE_H
#define SIMULATE_H

#include <stdint.h>

#include "validate.h"

#define SIM_SYMBOLS_MAX	64

struct sim {
	int	 n;
	char	 symbol[SIM_SYMBOLS_MAX][SYMBOL_MAX + 1];
	int64_t	 cents[SIM_SYMBOLS_MAX];
	uint64_t rng;
};

/*
 * Parse "AAPL=189.50,META=512.30". Returns NULL, or a reason (static
 * string). seed 0 picks one from the clock.
 */
const char *sim_parse(struct sim *s, const char *spec, uint64_t seed);
/* Move one symbol; *symbol and price (as text) describe the new price. */
void	 sim_step(struct sim *s, const char **symbol, char *price,
	    size_t pricesz);

#endif

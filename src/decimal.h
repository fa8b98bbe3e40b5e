/*
 * decimal.h - prices as exact decimals. A price is kept as the text the user
 * typed (so 189.51 stays 189.51 in the table and on the wire) and, for
 * arithmetic, as a count of 10^-8 units in an int64.
 */
#ifndef DECIMAL_H
#define DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DECIMAL_INT_DIGITS	10	/* up to 9,999,999,999 */
#define DECIMAL_FRAC_DIGITS	8
#define DECIMAL_SCALE		100000000LL

/*
 * Parse "-?(0|[1-9][0-9]{0,9})(.[0-9]{1,8})?", a valid JSON number.
 * Returns NULL and sets *units, or a reason (static string).
 */
const char	*decimal_parse(const char *s, int64_t *units);

/*
 * Change from prev to cur in percent of |prev|, rounded half away from zero
 * to two places, written as "-1.25" into out. Returns 0, or -1 when prev is
 * zero (no meaningful change) or out is too small.
 */
int		 decimal_change_pct(int64_t prev, int64_t cur, char *out,
		    size_t outsz);

/*
 * Write units (10^-8) rounded half away from zero to `places` decimals
 * (0-8), e.g. 18951000000 with 2 places is "189.51". Returns 0, or -1 if
 * out is too small.
 */
int		 decimal_format(int64_t units, int places, char *out,
		    size_t outsz);

#endif

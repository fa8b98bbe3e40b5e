/* decimal.c - prices as exact decimals. */
#include <stdio.h>
#include <string.h>

#include "decimal.h"

const char *
decimal_parse(const char *s, int64_t *units)
{
	int64_t ip = 0, fp = 0, scale = DECIMAL_SCALE;
	int neg = 0, nint = 0, nfrac = 0;

	if (s == NULL || *s == '\0')
		return "price is empty";
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return "price must start with a digit";
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return "price has a leading zero";
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++nint > DECIMAL_INT_DIGITS)
			return "price has more than 10 digits before the point";
		ip = ip * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++nfrac > DECIMAL_FRAC_DIGITS)
				return "price has more than 8 digits after the point";
			scale /= 10;
			fp += (*s - '0') * scale;
		}
		if (nfrac == 0)
			return "price has no digits after the point";
	}
	if (*s != '\0')
		return "price is not a decimal number";
	*units = (ip * DECIMAL_SCALE + fp) * (neg ? -1 : 1);
	return NULL;
}

/* Write |v| in decimal into the end of out; returns the first digit. */
static char *
u128_text(unsigned __int128 v, char *end)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v > 0);
	return end;
}

int
decimal_change_pct(int64_t prev, int64_t cur, char *out, size_t outsz)
{
	__int128 num, den, q, r;
	unsigned __int128 mag;
	char digits[48];
	const char *whole;
	size_t n;

	if (prev == 0)
		return -1;
	/* Hundredths of a percent: (cur - prev) * 10000 / |prev|. */
	num = ((__int128)cur - prev) * 10000;
	den = prev < 0 ? -(__int128)prev : prev;
	q = num / den;
	r = num % den;
	if (r * 2 >= den)
		q++;
	else if (r * 2 <= -den)
		q--;
	mag = (unsigned __int128)(q < 0 ? -q : q);
	/* By hand rather than snprintf: this runs for every row of a batch. */
	whole = u128_text(mag / 100, digits + sizeof(digits));
	n = strlen(whole);
	if ((size_t)(q < 0) + n + 4 > outsz)
		return -1;
	if (q < 0)
		*out++ = '-';
	memcpy(out, whole, n);
	out[n] = '.';
	out[n + 1] = (char)('0' + (unsigned)(mag % 100) / 10);
	out[n + 2] = (char)('0' + (unsigned)(mag % 10));
	out[n + 3] = '\0';
	return 0;
}

int
decimal_format(int64_t units, int places, char *out, size_t outsz)
{
	int64_t step = DECIMAL_SCALE, mag, ip, fp;
	int i, n;

	for (i = 0; i < places; i++)
		step /= 10;
	mag = units < 0 ? -units : units;
	mag = (mag + step / 2) / step;		/* in units of 10^-places */
	for (i = 0, ip = mag; i < places; i++)
		ip /= 10;
	fp = mag - ip * (DECIMAL_SCALE / step);
	if (places == 0)
		n = snprintf(out, outsz, "%s%lld", units < 0 && mag ? "-" : "",
		    (long long)ip);
	else
		n = snprintf(out, outsz, "%s%lld.%0*lld",
		    units < 0 && mag ? "-" : "", (long long)ip, places,
		    (long long)fp);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

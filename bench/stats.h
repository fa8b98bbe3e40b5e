/* stats.h - latency samples and their percentiles, for the benchmarks. */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	int64_t	*v;
	size_t	 n, cap;
	int	 sorted;
};

void	samples_init(struct samples *s);
void	samples_release(struct samples *s);
/* Returns 0, or -1 when out of memory (the sample is dropped). */
int	samples_add(struct samples *s, int64_t x);
/* Nearest-rank percentile, 0 < p <= 100: the smallest sample with at least
 * p% of all samples at or below it. 0 when there are no samples. */
int64_t	samples_pct(struct samples *s, double p);
int64_t	samples_max(struct samples *s);

/*
 * The benchmark's event payload, "SEQ USEC": the publisher's sequence number
 * (from 1) and the monotonic clock in microseconds when publishing began.
 * Returns 0, or -1 unless it is exactly two decimal numbers and a space.
 */
int	payload_parse(const char *s, size_t len, int64_t *seq, int64_t *usec);

#endif

/*
 * procstat.h - what a set of processes costs, from /proc: CPU seconds
 * (user + system, all threads) and proportional memory (Pss, which splits
 * shared pages fairly among the processes that map them).
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

struct procsample {
	double	 cpu_s;
	long	 pss_kb;
	int	 nproc;
};

/* Sum over every process whose /proc/PID/comm is one of names (NULL-ended). */
int	procstat_sample(const char *const *names, struct procsample *out);

/* Parsers, for the unit tests: a /proc/PID/stat line gives utime+stime in
 * clock ticks; smaps_rollup text gives Pss in kB. -1 when malformed. */
int	procstat_parse_stat(const char *line, unsigned long long *ticks);
long	procstat_parse_pss(const char *rollup);

#endif

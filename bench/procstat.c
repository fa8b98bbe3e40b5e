/* procstat.c - CPU and memory of named processes (see procstat.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

int
procstat_parse_stat(const char *line, unsigned long long *ticks)
{
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	const char *p = strrchr(line, ')');
	unsigned long long utime, stime;
	int field;

	if (p == NULL)
		return -1;
	p++;
	/* p is before field 3 (state); utime and stime are fields 14 and 15. */
	for (field = 3; field < 14; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	if (sscanf(p, " %llu %llu", &utime, &stime) != 2)
		return -1;
	*ticks = utime + stime;
	return 0;
}

long
procstat_parse_pss(const char *rollup)
{
	const char *p = rollup;
	long kb;

	while ((p = strstr(p, "Pss:")) != NULL) {
		if (p == rollup || p[-1] == '\n')
			return sscanf(p + 4, " %ld kB", &kb) == 1 ? kb : -1;
		p += 4;
	}
	return -1;
}

static int
slurp(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(out, 1, size - 1, f);
	fclose(f);
	out[n] = '\0';
	return 0;
}

static int
wanted(long pid, const char *const *names)
{
	char path[64], comm[64];

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (slurp(path, comm, sizeof(comm)) == -1)
		return 0;
	comm[strcspn(comm, "\n")] = '\0';
	for (; *names != NULL; names++)
		if (strcmp(comm, *names) == 0)
			return 1;
	return 0;
}

int
procstat_sample(const char *const *names, struct procsample *out)
{
	static char text[8192];
	char path[64];
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned long long ticks, total = 0;
	long hz = sysconf(_SC_CLK_TCK), kb;

	out->cpu_s = 0;
	out->pss_kb = 0;
	out->nproc = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (end == e->d_name || *end != '\0' || !wanted(pid, names))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if (slurp(path, text, sizeof(text)) == -1 ||
		    procstat_parse_stat(text, &ticks) == -1)
			continue;	/* it exited meanwhile */
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
		if (slurp(path, text, sizeof(text)) == -1 ||
		    (kb = procstat_parse_pss(text)) < 0)
			continue;
		total += ticks;
		out->pss_kb += kb;
		out->nproc++;
	}
	closedir(d);
	out->cpu_s = (double)total / (double)(hz > 0 ? hz : 100);
	return 0;
}

/*
 * log.h - how the programs speak: one line on stderr per thing worth
 * saying, starting with the program's name, as the web servers' error
 * logs and journald keep it.
 */
#ifndef LOG_H
#define LOG_H

/* The name each line starts with ("sse-fcgi"); borrowed. */
void	log_name(const char *name);
void	logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* logmsg(), then exit with status. */
_Noreturn void	log_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif

/*
 * config.h - responder settings from the environment (SetEnv,
 * FcgidInitialEnv, bin-environment, env), each also settable by name so
 * sse-fcgi's flags share the same checks. Defaults are in config.c's table.
 *
 * Errors: -1 with a message naming the setting in the caller's err.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "stream.h"

struct config {
	const char		*db;		/* SSE_DB */
	struct stream_cfg	 stream;	/* SSE_RETRY_MS, SSE_BUSY_RETRY_MS,
						   SSE_MAX_REPLAY */
	int			 heartbeat_s;	/* SSE_HEARTBEAT */
	int			 lifetime_s;	/* SSE_LIFETIME; 0: unlimited */
	int			 stop_spread_s;	/* SSE_STOP_SPREAD (sse-fcgi) */
	int			 poll_ms;	/* SSE_POLL_MS */
	int			 max_streams;	/* SSE_MAX_STREAMS (sse-fcgi) */
	int			 batch_rows;	/* SSE_BATCH_ROWS */
	const char		*status_path;	/* SSE_STATUS_PATH; "": none */
	int			 private_;	/* SSE_PRIVATE */
};

/* Fill in every default. */
void	config_defaults(struct config *c);
/*
 * Set one setting by its environment name (e.g. "SSE_HEARTBEAT"). Returns 0,
 * or -1 with a message in err for an unknown name or a bad value.
 */
int	config_set(struct config *c, const char *name, const char *value,
	    char *err, size_t errsz);
/* Apply every SSE_* variable that is set. Same returns as config_set. */
int	config_from_env(struct config *c, char *err, size_t errsz);
/* This stream's lifetime: between 80 and 100 % of lifetime_s, by rnd. */
int	config_lifetime(const struct config *c, unsigned rnd);
/* The help text listing every variable, its default and meaning. */
const char *config_help(void);
/*
 * sse-fcgi's flags, from the same table: fill opts (max entries, the last
 * one zero) for getopt_long(); a flag without a letter gets the value
 * first_val + its index. Returns how many. config_option_setting() maps a
 * value getopt_long() returned back to the setting's name, or NULL.
 */
int	config_options(struct option *opts, int max, int first_val);
const char *config_option_setting(int val, int first_val);
/* The flags' lines of a usage message. */
void	config_flags_help(FILE *f);
/* The flags for a usage message: lines that start with indent, each
 * shorter than 79 columns. */
void	config_synopsis(FILE *f, const char *indent);
/* The man pages' ENVIRONMENT list (mdoc), from .Bl to .El. */
void	config_mdoc(FILE *f);
/* sse-fcgi(8)'s SYNOPSIS lines and OPTIONS items for the same flags. */
void	config_mdoc_synopsis(FILE *f);
void	config_mdoc_options(FILE *f);

#endif

/*
 * validate.h - rules for what may enter the event table. Each check returns
 * NULL when the input is acceptable, else a short reason for an error message
 * (a static string, never freed).
 */
#ifndef VALIDATE_H
#define VALIDATE_H

#include <stddef.h>

#define SYMBOL_MAX	16		/* bytes */
#define DATA_MAX	(64 * 1024)	/* bytes of one event's payload */

/* 1 to SYMBOL_MAX of A-Z a-z 0-9 . _ - , starting with a letter or digit. */
const char	*validate_symbol(const char *s);
/* 1 to SSE_EVENT_MAX bytes of UTF-8, no CR/LF/NUL; not "price" or "reset". */
const char	*validate_event(const char *s);
/* Bytes of an audience or user name: OpenID Connect's "sub@issuer" runs
 * past 100 for Keycloak or Entra ID. The schema checks the same bound. */
#define AUDIENCE_MAX	255
/* Audiences that name a group start with this; no user name may. */
#define GROUP_PREFIX	"group:"

/* 1 to AUDIENCE_MAX bytes of UTF-8 without control characters: a user's
 * name, or GROUP_PREFIX and a group's name (not empty). */
const char	*validate_audience(const char *s);
/* A user name as the web server signed it in (REMOTE_USER): an audience
 * that does not start with GROUP_PREFIX, so no user can hear a group by
 * registering its name. */
const char	*validate_user(const char *s);
/* Valid UTF-8, no NUL, at most DATA_MAX bytes. */
const char	*validate_data(const char *s, size_t len);
/* 1 when s[0..len) is well-formed UTF-8: no overlongs, no surrogates. */
int		 utf8_valid(const char *s, size_t len);

#endif

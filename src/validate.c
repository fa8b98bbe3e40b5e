/* validate.c - rules for what may enter the event table. */
#include <string.h>

#include "sse.h"
#include "validate.h"

static int
is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

const char *
validate_symbol(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return "symbol is empty";
	if (!is_alnum(s[0]))
		return "symbol must start with a letter or digit";
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SYMBOL_MAX)
			return "symbol is longer than 16 bytes";
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return "symbol may hold only A-Z a-z 0-9 . _ -";
	}
	return NULL;
}

const char *
validate_event(const char *s)
{
	size_t len;

	if (s == NULL || s[0] == '\0')
		return "event name is empty";
	len = strlen(s);
	if (len > SSE_EVENT_MAX)
		return "event name is longer than 64 bytes";
	if (!sse_field_safe(s, len))
		return "event name holds CR or LF";
	if (!utf8_valid(s, len))
		return "event name is not valid UTF-8";
	/* These names carry meaning the responders and dashboards rely on. */
	if (strcmp(s, "price") == 0)
		return "event name 'price' is reserved: use SYMBOL PRICE";
	if (strcmp(s, "reset") == 0)
		return "event name 'reset' is reserved for the responders";
	return NULL;
}

const char *
validate_audience(const char *s)
{
	const unsigned char *p;
	size_t len;

	if (s == NULL || s[0] == '\0')
		return "audience is empty";
	len = strlen(s);
	if (len > AUDIENCE_MAX)
		return "audience is longer than 255 bytes";
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "audience holds a control character";
	if (!utf8_valid(s, len))
		return "audience is not valid UTF-8";
	if (strcmp(s, GROUP_PREFIX) == 0)
		return "group name is empty";
	return NULL;
}

const char *
validate_user(const char *s)
{
	const char *why;

	if ((why = validate_audience(s)) != NULL)
		return why;
	if (strncmp(s, GROUP_PREFIX, strlen(GROUP_PREFIX)) == 0)
		return "user name starts with 'group:', which names groups";
	return NULL;
}

const char *
validate_data(const char *s, size_t len)
{
	if (len > DATA_MAX)
		return "data is longer than 65536 bytes";
	if (memchr(s, '\0', len) != NULL)
		return "data holds a NUL byte";
	if (!utf8_valid(s, len))
		return "data is not valid UTF-8";
	return NULL;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	unsigned cp, min;

	while (i < len) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else
			return 0;	/* continuation byte, 0xc0/0xc1 or > 0xf4 */
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

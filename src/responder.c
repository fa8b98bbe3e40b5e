/* responder.c - what both responders do before a stream (see responder.h). */
#include "responder.h"

/* The first value of name in env, or NULL; duplicates matter only for the
 * identity, which request_auth() reads itself. */
static const char *
param(char *const *env, const char *name)
{
	const char *v;

	request_param(env, name, &v);
	return v;
}

int
responder_read(struct request *r, enum status_format *page,
    char *const *env, const char *status_path, int private_)
{
	int status;

	status = request_parse(r, param(env, "REQUEST_METHOD"),
	    param(env, "QUERY_STRING"), param(env, "HTTP_LAST_EVENT_ID"));
	request_cors(r, param(env, "HTTP_ORIGIN"),
	    param(env, "HTTP_ACCESS_CONTROL_REQUEST_METHOD"));
	*page = status == 200 ? status_wanted(status_path,
	    param(env, "REQUEST_URI"), param(env, "QUERY_STRING")) :
	    STATUS_NONE;
	/* The status page is the web server's to guard (conf/); a stream on
	 * a private endpoint needs its signed-in user, read from all of env:
	 * getenv() and FCGX_GetParam() return the first of two copies. */
	if (status == 200 && *page == STATUS_NONE)
		status = request_auth(r, env, private_);
	return status;
}

int
responder_logged(int status)
{
	return status == 401 || status == 403 || status == 500;
}

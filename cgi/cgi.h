/* cgi.h - serve one SSE request as a CGI program. */
#ifndef CGI_H
#define CGI_H

#include "config.h"

/* Serve the request described by the CGI environment on stdout. Returns the
 * exit status. Errors go to stderr, which servers put in their error log. */
int	cgi_serve(const struct config *cfg);

#endif

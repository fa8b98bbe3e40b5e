#!/bin/sh
# spawn-fcgi: run sse-fcgi on a unix socket without systemd (Debian
# package spawn-fcgi). -M sets the socket's mode, -u/-g the user.
exec spawn-fcgi -n -s /run/sse/sse.sock -M 0660 -u www-data -g www-data \
    -- /usr/bin/env SSE_DB=/var/lib/sse/events.db SSE_STATUS_PATH=/sse/status \
    /usr/local/sbin/sse-fcgi

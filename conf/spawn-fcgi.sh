#!/bin/sh
# spawn-fcgi: run sse-fcgi on a unix socket without systemd. As root:
#   apt-get install spawn-fcgi
#   conf/spawn-fcgi.sh                      # starts it in the background
#   kill "$(cat /run/sse/sse-fcgi.pid)"     # stops it
# sse-fcgi runs as www-data in group sse (it reads the database and writes
# -shm beside it: README, Permissions); the socket is www-data's, 0660, for
# the web server; sse-fcgi's log lines go to /var/log/sse-fcgi.log.
set -e
SOCK=/run/sse/sse.sock
LOG=/var/log/sse-fcgi.log
command -v spawn-fcgi > /dev/null || {
	echo "$0: spawn-fcgi is not installed: apt-get install spawn-fcgi" >&2
	exit 1
}
# /run is emptied at boot. The directory is www-data's, so that a new
# sse-fcgi (the calm redeploy, as www-data) can take the socket path over.
install -d -o www-data -g www-data -m 0755 /run/sse
spawn-fcgi -s "$SOCK" -M 0660 -U www-data -G www-data -u www-data -g sse \
    -P /run/sse/sse-fcgi.pid -- /usr/bin/env SSE_DB=/var/lib/sse/events.db \
    SSE_STATUS_PATH=/sse/status /usr/local/sbin/sse-fcgi >> "$LOG" 2>&1
echo "sse-fcgi: listening on $SOCK, pid $(cat /run/sse/sse-fcgi.pid), log $LOG"

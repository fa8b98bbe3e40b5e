#!/bin/sh
# spawn-fcgi: run sse-fcgi on a unix socket without systemd. As root:
#   apt-get install spawn-fcgi
#   conf/spawn-fcgi.sh                      # starts it in the background
#   kill "$(cat /run/sse/sse-fcgi.pid)"     # stops it
# sse-fcgi runs as the system user sse (README, Permissions: it reads the
# database and writes -shm beside it); the socket is sse's and the web
# server's group's, 0660; sse-fcgi's log lines go to /var/log/sse-fcgi.log.
set -e
SOCK=/run/sse/sse.sock
LOG=/var/log/sse-fcgi.log
command -v spawn-fcgi > /dev/null || {
	echo "$0: spawn-fcgi is not installed: apt-get install spawn-fcgi" >&2
	exit 1
}
# /run is emptied at boot. The directory is sse's, so that a new sse-fcgi
# (the calm redeploy) can take the socket path over, and setgid www-data,
# so that the socket it makes there is the web server's group's too.
install -d -o sse -g www-data -m 2750 /run/sse
spawn-fcgi -s "$SOCK" -M 0660 -U sse -G www-data -u sse -g sse \
    -P /run/sse/sse-fcgi.pid -- /usr/bin/env SSE_DB=/var/lib/sse/events.db \
    SSE_STATUS_PATH=/sse/status /usr/local/sbin/sse-fcgi >> "$LOG" 2>&1
echo "sse-fcgi: listening on $SOCK, pid $(cat /run/sse/sse-fcgi.pid), log $LOG"

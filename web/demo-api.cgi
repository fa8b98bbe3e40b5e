#!/bin/sh
# demo-api.cgi - the demo's write endpoint, for the dashboard's buttons.
# Only web/lighttpd-demo.conf.in routes to it, on 127.0.0.1; it is never in
# conf/. POST only:
#   POST /demo-api.cgi/push  body "SYMBOL PRICE"  -> sse-push validates it
#   POST /demo-api.cgi/drop                       -> every stream ends; the
#        browsers reconnect with Last-Event-ID (SIGUSR1 to sse-fcgi)
# The body is handed to sse-push on stdin, never evaluated by the shell.
reply() {
	printf 'Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\n' "$1" "$2"
	exit 0
}
if [ "$REQUEST_METHOD" != POST ]; then
	printf 'Status: 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\n\r\nuse POST\n'
	exit 0
fi
case $PATH_INFO in
/push)
	case ${CONTENT_LENGTH:-} in
	''|*[!0-9]*) reply "411 Length Required" "a body with a length, please" ;;
	esac
	[ "$CONTENT_LENGTH" -le 64 ] || reply "413 Content Too Large" "at most 64 bytes"
	body=$(head -c "$CONTENT_LENGTH")
	nl='
'
	case $body in *"$nl"*|*"{"*) reply "400 Bad Request" "one line: SYMBOL PRICE" ;; esac
	if out=$(printf '%s\n' "$body" | "$SSE_PUSH" -d "$SSE_DB" -b 2>&1); then
		reply "200 OK" "$out"
	fi
	reply "400 Bad Request" "${out#sse-push: }"
	;;
/drop)
	kill -USR1 "$(cat "$SSE_FCGI_PIDFILE")" 2>/dev/null &&
	    reply "200 OK" "dropped"
	reply "503 Service Unavailable" "no responder"
	;;
esac
reply "404 Not Found" "no such action"

#!/bin/sh
# demo-api.cgi - the demo's write endpoint, for the dashboard's buttons.
# Only web/lighttpd-demo.conf.in routes to it, on 127.0.0.1; it is never in
# conf/. POST only:
#   POST /demo-api.cgi/push  body "SYMBOL PRICE"  -> sse-push validates it
#   POST /demo-api.cgi/drop                       -> every stream ends; the
#        browsers reconnect with Last-Event-ID (SIGUSR1 to sse-fcgi)
#   POST /demo-api.cgi/job     -> "jobs/N": a job that pushes its progress
#        (0 to 100) to that topic, then closes it
#   POST /demo-api.cgi/answer  -> "chat/N": an answer streamed word by word
#        into that topic, like an AI's, then closed
# The body is handed to sse-push on stdin, never evaluated by the shell.
# Only the page's own requests are taken (see below): any other page the
# person running the demo opens could otherwise post here too.
reply() {
	printf 'Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\n' "$1" "$2"
	exit 0
}
if [ "$REQUEST_METHOD" != POST ]; then
	printf 'Status: 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\n\r\nuse POST\n'
	exit 0
fi
# A name that resolves to 127.0.0.1 (DNS rebinding) makes another site's
# page same-origin with us: only the loopback names are ours.
case ${HTTP_HOST:-} in
127.0.0.1|127.0.0.1:*|localhost|localhost:*) ;;
*) reply "403 Forbidden" "host '${HTTP_HOST:-}' refused: use 127.0.0.1" ;;
esac
# A cross-site form or no-cors fetch cannot send this header, and a
# cross-site fetch that asks to is stopped by its preflight (an OPTIONS,
# answered 405 above without CORS headers).
[ -n "${HTTP_X_REQUESTED_WITH:-}" ] ||
    reply "403 Forbidden" "cross-site request refused: no X-Requested-With"
if [ -n "${HTTP_ORIGIN+set}" ]; then
	case $HTTP_ORIGIN in
	"http://$HTTP_HOST"|"https://$HTTP_HOST") ;;
	*) reply "403 Forbidden" "cross-site request refused: origin '$HTTP_ORIGIN'" ;;
	esac
fi
case ${HTTP_SEC_FETCH_SITE:-same-origin} in
same-origin) ;;
*) reply "403 Forbidden" "cross-site request refused: $HTTP_SEC_FETCH_SITE" ;;
esac
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
/job|/answer)
	# A name of our own making: digits only, never from the request.
	n=$(date +%s%N | cut -c9-17)
	if [ "$PATH_INFO" = /job ]; then
		topic=jobs/$n
		lines() {
			for p in 0 5 10 15 20 25 30 35 40 45 50 55 60 65 70 75 80 85 90 95 100; do
				printf '{"event":"progress","data":"%s"}\n' "$p"
				sleep 0.25
			done
		}
	else
		topic=chat/$n
		lines() {
			for w in Server-Sent Events carry one answer to one page, word by \
			    word, over a plain GET. The stream ends when the answer \
			    does, and EventSource stops for good.; do
				printf '{"event":"token","data":"%s "}\n' "$w"
				sleep 0.08
			done
		}
	fi
	# One writer for the whole run (-f), closing the topic at its end;
	# detached, so this request ends now.
	( lines | "$SSE_PUSH" -q -d "$SSE_DB" -f --topic "$topic" --close ) \
	    < /dev/null > /dev/null 2>&1 &
	reply "200 OK" "$topic"
	;;
esac
reply "404 Not Found" "no such action"

#!/usr/bin/env bash
# CORS through lighttpd, for both responders: off by default (no header,
# OPTIONS is a 405), and with an allow-list: the allowed origin may read,
# others are served without permission, preflights are answered.
. "$(dirname "$0")/lib.sh"

push AAPL 100
SSE_ENV="SSE_CORS_ORIGINS=https://app.example,http://localhost:8080"
start_lighttpd || { finish; exit 1; }

# head URL [curl args]: the response head, CRs removed, into $T/h.txt.
head_of() {
	local url=$1; shift
	curl -s -N --max-time 1 -D - -o /dev/null "$@" "$url" | tr -d '\r' > "$T/h.txt"
}
in_head() { grep -qi -x -e "$1" "$T/h.txt"; }
not_in_head() { ! grep -qi -e "$1" "$T/h.txt"; }

for mode in spawned/ external/ cgi/sse.cgi; do
	url=$BASE/$mode
	echo "# mode $mode"
	head_of "$url" -H "Origin: https://app.example"
	check "$mode allowed origin: 200" grep -q '^HTTP/1.1 200' "$T/h.txt"
	check "$mode allowed origin echoed" in_head "access-control-allow-origin: https://app.example"
	check "$mode Vary: Origin" in_head "vary: origin"
	head_of "$url" -H "Origin: https://app.example.evil.test"
	check "$mode other origin: still 200" grep -q '^HTTP/1.1 200' "$T/h.txt"
	check "$mode other origin: no permission" not_in_head "access-control-allow-origin"
	check "$mode other origin: Vary: Origin too (a cache must not share it)" in_head "vary: origin"
	head_of "$url"
	check "$mode no Origin: no CORS header" not_in_head "access-control-allow-origin"
	check "$mode no Origin: Vary: Origin" in_head "vary: origin"
	head_of "$url?symbols=bad!" -H "Origin: https://app.example"
	check "$mode 400: Vary: Origin" sh -c "grep -q '^HTTP/1.1 400' '$T/h.txt' && grep -qix 'vary: origin' '$T/h.txt'"

	head_of "$url" -X OPTIONS -H "Origin: http://localhost:8080" \
	    -H "Access-Control-Request-Method: GET" \
	    -H "Access-Control-Request-Headers: last-event-id"
	check "$mode preflight: 204" grep -q '^HTTP/1.1 204' "$T/h.txt"
	check "$mode preflight: origin" in_head "access-control-allow-origin: http://localhost:8080"
	check "$mode preflight: methods" in_head "access-control-allow-methods: GET, HEAD"
	check "$mode preflight: Last-Event-ID allowed" in_head "access-control-allow-headers: Last-Event-ID, Cache-Control"
	check "$mode preflight: cached a day" in_head "access-control-max-age: 86400"
	head_of "$url" -X OPTIONS -H "Origin: https://evil.test" \
	    -H "Access-Control-Request-Method: GET"
	check "$mode preflight, other origin: 403" grep -q '^HTTP/1.1 403' "$T/h.txt"
	check "$mode preflight, other origin: no permission" not_in_head "access-control-allow-origin"
	head_of "$url" -X OPTIONS -H "Origin: https://app.example" \
	    -H "Access-Control-Request-Method: POST"
	check "$mode preflight for POST: 403" grep -q '^HTTP/1.1 403' "$T/h.txt"
	# A header-splitting attempt in Origin is never echoed.
	head_of "$url" -H $'Origin: https://app.example\r\nSet-Cookie: x=1'
	check "$mode no header injection" not_in_head "set-cookie"
done

# The default: CORS off.
gone() { ! kill -0 "$1" 2>/dev/null; }
kill "$LIGHTTPD_PID" "$EXT_PID" "$TCP_PID"
wait_for 5 gone "$LIGHTTPD_PID"; wait_for 5 gone "$EXT_PID"
rm -f "$T/ext.sock"
SSE_ENV=""
start_lighttpd || { finish; exit 1; }
for mode in spawned/ cgi/sse.cgi; do
	url=$BASE/$mode
	head_of "$url" -H "Origin: https://app.example"
	check "$mode off by default: no CORS header" not_in_head "access-control"
	check "$mode off by default: no Vary" not_in_head "vary"
	head_of "$url" -X OPTIONS -H "Origin: https://app.example" \
	    -H "Access-Control-Request-Method: GET"
	check "$mode off by default: OPTIONS is 405" grep -q '^HTTP/1.1 405' "$T/h.txt"
done
finish

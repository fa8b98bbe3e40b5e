#!/usr/bin/env bash
# Hostile requests through a real lighttpd to both responders: each case has
# its expected answer, and afterwards both still serve. Malformed HTTP is
# answered by lighttpd itself; everything that reaches us is checked to get
# 200 (primed, nothing replayed), 400 or 405, never a crash.
. "$(dirname "$0")/lib.sh"

for i in 1 2 3 4 5; do push AAPL "$i"; done
head -c 1048576 /dev/zero > "$T/big.bin"
start_lighttpd || { finish; exit 1; }
NEWEST=5

# expect NAME PATH STATUS [curl args]: the status, and for a 200 that the
# stream only primed the cursor (no event replayed, no data line); HEAD
# has no body.
expect() {
	local name=$1 path=$2 want=$3 mode got; shift 3
	for mode in external/ cgi/sse.cgi; do
		got=$(curl -s -N --max-time 1 -o "$T/x.out" -w '%{http_code}' "$@" \
		    "$BASE/$mode$path")
		if [ "$got" != "$want" ]; then
			not_ok "$mode $name: $got, expected $want"
			continue
		fi
		if [ "$want" = 200 ] && [ "${1:-}" != -I ] && [ "$(ids_of x)" != "$NEWEST" ]; then
			not_ok "$mode $name: replayed '$(ids_of x)'"
			continue
		fi
		ok "$mode $name: $got"
	done
}

# Methods.
expect "GET" "" 200
expect "HEAD" "" 200 -I
expect "POST" "" 405 -X POST -d x=1
expect "PUT" "" 405 -X PUT -d x
expect "DELETE" "" 405 -X DELETE
expect "OPTIONS" "" 405 -X OPTIONS
expect "PATCH" "" 405 -X PATCH -d x
expect "POST with a 1 MB body" "" 405 -X POST --data-binary "@$T/big.bin"

# Last-Event-ID values that must count as absent.
for v in "" " " "abc" "-5" "+5" "1e3" "0x10" "1.0" "9223372036854775808" \
    "18446744073709551617" "1234567890123456789012345" "1 OR 1=1" \
    "1;DROP TABLE events" "$(printf '\xff\xfe')" "١٢" "5,6" "5 6"; do
	expect "Last-Event-ID '$v'" "" 200 -H "Last-Event-ID: $v"
done
expect "Last-Event-ID of 4 KB of digits" "" 200 -H "Last-Event-ID: $(head -c 4000 /dev/zero | tr '\0' 7)"

# Query strings.
expect "lastEventId=abc" "?lastEventId=abc" 200
# lighttpd refuses encoded control characters in a URL itself (our parser
# takes "1%00" as absent: tests/unit/check_request.c).
expect "lastEventId with %00" "?lastEventId=1%00" 400
expect "unknown parameters" "?_=1&x=%ZZ&&&=" 200
expect "200 parameters" "?$(for i in $(seq 200); do printf 'p%d=%d&' $i $i; done)" 200
expect "symbols=AAPL" "?symbols=AAPL" 200
expect "symbols with a space" "?symbols=AA%20PL" 400
expect "symbols with a quote" "?symbols=AA%27PL" 400
expect "symbols with non-UTF-8" "?symbols=%FF%FE" 400
expect "symbols with a bad escape" "?symbols=%ZZ" 400
expect "symbols with a half escape" "?symbols=A%4" 400
expect "33 symbols" "?symbols=$(seq -s, -f 'S%g' 1 33)" 400
expect "a 17-byte symbol" "?symbols=ABCDEFGHIJKLMNOPQ" 400
expect "a 5000-byte query" "?symbols=$(head -c 5000 /dev/zero | tr '\0' A)" 400

# Topics: names, patterns, and what tries to pass for one.
expect "topic=jobs/42" "?topic=jobs/42" 200
expect "topic=jobs/*" "?topic=jobs/*" 200
expect "topic=* (every topic)" "?topic=%2A" 200
expect "topic encoded slash" "?topic=jobs%2F42" 200
expect "topic empty" "?topic=" 400
expect "topic with a star inside" "?topic=jobs/4*" 400
expect "topic */x" "?topic=*/x" 400
expect "topic .." "?topic=jobs/.." 400
expect "topic ../etc/passwd" "?topic=../etc/passwd" 400
expect "topic with a space" "?topic=a%20b" 400
expect "topic with a quote" "?topic=a%22b" 400
expect "topic with a newline" "?topic=a%0Ab" 400
expect "topic with a NUL" "?topic=a%00b" 400
expect "topic with a double slash" "?topic=a//b" 400
expect "topic non-UTF-8" "?topic=%FF" 400
expect "a 256-byte topic" "?topic=$(head -c 256 /dev/zero | tr '\0' a)" 400
expect "a 255-byte topic" "?topic=$(head -c 255 /dev/zero | tr '\0' a)" 200
expect "17 topics" "?$(for i in $(seq 17); do printf 'topic=t%d&' $i; done)" 400
expect "16 topics" "?$(for i in $(seq 16); do printf 'topic=t%d&' $i; done)" 200
expect "topic in the path" "/jobs/42" 200
expect "a pattern in the path" "/jobs/*" 200
expect "a star inside, in the path" "/jobs/4*" 400
# lighttpd merges "//" in a path before PATH_INFO: a 200 for jobs/42.
expect "an empty segment in the path, merged by lighttpd" "/jobs//42" 200
expect "a quote in the path" "/jobs/%22x" 400
expect "a dot segment in the path" "/jobs/.hidden" 400

expect "lastEventId empty" "?lastEventId=" 200
# lighttpd itself refuses a URL with invalid UTF-8 (the responders ignore
# unknown parameters, whatever their bytes: tests/unit/check_request.c).
expect "non-UTF-8 in an unknown parameter" "?x=%FF%FE%C0%80" 400
expect "600 parameters (over our 4 KB query limit)" "?$(for i in $(seq 600); do printf 'p%d=%d&' $i $i; done)" 400
expect "1000 parameters (over lighttpd's 8 KB line)" "?$(for i in $(seq 1000); do printf 'p%d=%d&' $i $i; done)" 431

# Headers we ignore, or that try to change the answer.
# lighttpd refuses a GET with a body; a body never reaches us as input.
expect "GET with a body" "" 400 -X GET -d "lastEventId=1"
expect "GET with a chunked body" "" 400 -X GET -H "Transfer-Encoding: chunked" -d x
expect "two Last-Event-ID headers" "" 200 -H "Last-Event-ID: 1" -H "Last-Event-ID: 2"
expect "Accept: text/html" "" 200 -H "Accept: text/html"
expect "Range: bytes=0-10" "" 200 -H "Range: bytes=0-10"
expect "a websocket upgrade" "" 200 -H "Connection: Upgrade" -H "Upgrade: websocket"
expect "HTTP/1.0" "" 200 -0
expect "an 8 KB cookie" "" 200 -H "Cookie: s=$(head -c 8000 /dev/zero | tr '\0' c)"
expect "100 extra headers" "" 200 $(for i in $(seq 100); do printf -- '-H X-H%d:%d ' $i $i; done)

# Malformed or oversized HTTP: lighttpd answers before any responder runs.
expect "a 64 KB header" "" 431 -H "X-Big: $(head -c 65536 /dev/zero | tr '\0' a)"

# Raw requests the client libraries would not send.
raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
	printf '%b' "$1" >&3
	timeout 2 head -c 200 <&3 | head -1 | tr -d '\r'
	exec 3>&-
}
check "raw: a header line without a colon is 400" [ "$(raw 'GET /external/ HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
check "raw: NUL in the request line is 400" [ "$(raw 'GET /external/\x00 HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
# A bare CR inside Last-Event-ID: whether lighttpd refuses it (400) or
# passes it on (then it is not a number: absent), it must never become a
# line of the stream.
rawall() {
	exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
	printf '%b' "$1" >&3
	timeout 2 cat <&3 > "$T/raw.out"
	exec 3>&-
	return 0
}
for mode in external/ cgi/sse.cgi; do
	rawall "GET /$mode HTTP/1.1\r\nHost: x\r\nConnection: close\r\nLast-Event-ID: 1\rdata: injected\r\n\r\n"
	head -1 "$T/raw.out" | tr -d '\r' > "$T/raw.status"
	check "raw $mode: CR in Last-Event-ID: answered ($(cat "$T/raw.status"))" grep -q '^HTTP/1.1 [24]00 ' "$T/raw.status"
	check "raw $mode: CR in Last-Event-ID: nothing injected" sh -c "! grep -a -q 'injected' '$T/raw.out'"
done
check "raw: HTTP/0.9 is refused" sh -c "[ -z \"\$(printf 'GET /external/\r\n' | timeout 2 curl -s telnet://127.0.0.1:$HTTP_PORT 2>/dev/null | grep -a '^: ok')\" ]"

# A slowloris client (one header byte a second) does not hold the others.
( exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
  for c in G E T ' ' / e x t e r n a l /; do printf '%s' "$c" >&3; sleep 1; done ) &
SLOW=$!
track $SLOW
sleep 1
stream during "$BASE/external/"
wait_for 5 has during ": ok"
id=$(pushid AAPL 6)
check "a slowloris client does not delay a stream" wait_for 3 has during "id: $id"
stop_stream during
kill $SLOW 2>/dev/null

# After all of it both responders still serve.
check "sse-fcgi still running" kill -0 "$EXT_PID"
for mode in external/ cgi/sse.cgi; do
	curl -s -N --max-time 1 -H "Last-Event-ID: 5" "$BASE/$mode" > "$T/end.out"
	check "$mode still serves" [ "$(ids_of end)" = "6" ]
done
check "no crash in the logs" sh -c "! grep -qi -e 'abort' -e 'sanitizer' -e 'segmentation' '$T'/*.log"
finish

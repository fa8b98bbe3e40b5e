#!/usr/bin/env bash
# Both responders behind a real lighttpd, in the three ways users run them:
# sse-fcgi spawned by lighttpd (bin-path), sse-fcgi running on its own
# (--listen unix:), and sse.cgi. The same checks for each.
. "$(dirname "$0")/lib.sh"

push AAPL 100
SSE_ENV="SSE_HEARTBEAT=1 SSE_RETRY_MS=500"
start_lighttpd || { finish; exit 1; }

newest() { sqlite3 "$DB" "SELECT max(id) FROM events"; }

for mode in spawned/ external/ cgi/sse.cgi; do
	url=$BASE/$mode
	echo "# mode $mode"

	# Headers, and the first comment before any event.
	curl -s -N --max-time 1 -D "$T/h.txt" "$url" > "$T/b.txt"
	tr -d '\r' < "$T/h.txt" > "$T/h2.txt"
	check "$mode 200" grep -q '^HTTP/1.1 200' "$T/h2.txt"
	check "$mode content type" grep -qi '^content-type: text/event-stream$' "$T/h2.txt"
	check "$mode cache-control" grep -qi '^cache-control: no-cache$' "$T/h2.txt"
	check "$mode no content-length" sh -c "! grep -qi '^content-length' '$T/h2.txt'"
	check "$mode no Status: header echoed" sh -c "! grep -qi '^status:' '$T/h2.txt'"
	check "$mode first line is a comment" [ "$(head -1 "$T/b.txt")" = ": ok" ]
	check "$mode retry sent" grep -q '^retry: 500$' "$T/b.txt"
	# Priming: no cursor -> "id: newest" with no data.
	check "$mode primes the cursor" grep -q "^id: $(newest)\$" "$T/b.txt"
	check "$mode primes without data" sh -c "! grep -q '^data:' '$T/b.txt'"

	# Events arrive one by one, each before the next is pushed.
	stream live "$url"
	wait_for 5 has live ": ok"
	inorder=1
	for i in 1 2 3 4 5 6 7 8; do
		id=$(pushid AAPL "10$i")
		wait_for 5 has live "id: $id" || { inorder=0; break; }
	done
	check "$mode 8 events arrive one by one" [ "$inorder" = 1 ]
	check "$mode heartbeat comment" wait_for 3 has live ": keep-alive"
	stop_stream live

	# Resume by header and by query parameter: exactly the missed events.
	from=$(newest)
	for i in 1 2 3; do push META "2$i"; done
	want="$((from + 1)) $((from + 2)) $((from + 3))"
	curl -s -N --max-time 1 -H "Last-Event-ID: $from" "$url" > "$T/r1.out"
	check "$mode resume by Last-Event-ID" [ "$(ids_of r1)" = "$want" ]
	curl -s -N --max-time 1 "$url?lastEventId=$from" > "$T/r2.out"
	check "$mode resume by ?lastEventId" [ "$(ids_of r2)" = "$want" ]
	curl -s -N --max-time 1 -H "Last-Event-ID: $from" "$url?lastEventId=1" > "$T/r3.out"
	check "$mode header wins over query" [ "$(ids_of r3)" = "$want" ]
	curl -s -N --max-time 1 -H "Last-Event-ID: $from" "$url?symbols=AAPL" > "$T/r4.out"
	check "$mode filter: no META when asking for AAPL" sh -c "! grep -q META '$T/r4.out'"
	push AAPL 999
	curl -s -N --max-time 1 -H "Last-Event-ID: $from" "$url?symbols=AAPL,GOOG" > "$T/r5.out"
	check "$mode filter passes AAPL after resume" grep -q '"price":999' "$T/r5.out"

	# HEAD and other methods.
	curl -s -I --max-time 2 "$url" | tr -d '\r' > "$T/head.txt"
	check "$mode HEAD 200 with the SSE type" grep -qi '^content-type: text/event-stream' "$T/head.txt"
	code=$(curl -s -o "$T/post.txt" -D "$T/posth.txt" -w '%{http_code}' --max-time 2 -X POST -d x=1 "$url")
	check "$mode POST is 405" [ "$code" = 405 ]
	check "$mode 405 says Allow: GET, HEAD" grep -qi '^allow: GET, HEAD' "$T/posth.txt"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url?symbols=a,b%ZZ")
	check "$mode malformed query is 400" [ "$code" = 400 ]

	# Every hostile Last-Event-ID counts as absent: primed, nothing replayed.
	n=$(newest)
	hostile_ok=1
	for v in "" " " "abc" "-5" "1e3" "0x10" "9223372036854775808" \
	    "18446744073709551617" "1234567890123456789012345" "1 OR 1=1" \
	    "1;DROP TABLE events" "$(printf '\xff\xfe')"; do
		curl -s -N --max-time 0.5 -H "Last-Event-ID: $v" "$url" > "$T/hx.out"
		[ "$(ids_of hx)" = "$n" ] || { hostile_ok=0; echo "# hostile '$v': $(ids_of hx)"; }
	done
	check "$mode hostile Last-Event-ID values count as absent" [ "$hostile_ok" = 1 ]
done

# Reset: a cursor older than what pruning left, and one from the future.
push A 1; push A 2; push A 3
n=$(newest)
"$BUILD/sse-push" -q -d "$DB" --prune --keep 2
for mode in spawned/ external/ cgi/sse.cgi; do
	curl -s -N --max-time 1 -H "Last-Event-ID: 1" "$BASE/$mode" > "$T/p.out"
	check "$mode pruned cursor gets event: reset" grep -q '^event: reset$' "$T/p.out"
	check "$mode ... then what remains" [ "$(ids_of p | awk '{print $NF}')" = "$n" ]
	curl -s -N --max-time 1 -H "Last-Event-ID: $((n + 1000))" "$BASE/$mode" > "$T/f.out"
	check "$mode future cursor gets event: reset" grep -q '"reason":"ahead"' "$T/f.out"
done

# A client that disconnects is released within a heartbeat and a second.
streams_are() { [ "$(fcgi_streams "$1")" = "$2" ]; }
cgis_are() { [ "$(cgi_count)" = "$1" ]; }
sp=$(spawned_pid)
stream gone1 "$BASE/external/"
stream gone2 "$BASE/cgi/sse.cgi"
stream gone3 "$BASE/spawned/"
wait_for 5 has gone1 ": ok"; wait_for 5 has gone2 ": ok"; wait_for 5 has gone3 ": ok"
check "external stream is held" streams_are "$EXT_PID" 1
check "spawned stream is held" streams_are "$sp" 1
check "cgi process is running" cgis_are 1
stop_stream gone1; stop_stream gone2; stop_stream gone3
# Heartbeat is 1 s: the web server notices at its next write.
check "external stream released" wait_for 2 streams_are "$EXT_PID" 0
check "spawned stream released" wait_for 2 streams_are "$sp" 0
check "cgi process gone" wait_for 2 cgis_are 0
check "sse.cgi does not need libfcgi" sh -c "! ldd '$BUILD/sse.cgi' | grep -q fcgi"
finish

#!/usr/bin/env bash
# How streams end: lifetime, SIGTERM, capacity, the replay limit, and a
# database that is missing at first. Through lighttpd, TCP and unix modes.
. "$(dirname "$0")/lib.sh"

# No database yet: clients are turned away with a retry, and it is logged.
SSE_ENV="SSE_LIFETIME=2 SSE_MAX_STREAMS=3 SSE_MAX_REPLAY=5 SSE_BATCH_ROWS=4 SSE_HEARTBEAT=1"
start_lighttpd || { finish; exit 1; }
for mode in external/ tcp/ cgi/sse.cgi; do
	code=$(curl -s -N --max-time 3 -o "$T/m.out" -w '%{http_code}' "$BASE/$mode")
	check "$mode missing database: 200" [ "$code" = 200 ]
	check "$mode missing database: only a retry" sh -c "grep -q '^retry: 10000$' '$T/m.out' && ! grep -q '^id:' '$T/m.out'"
done
check "missing database is logged" grep -q "cannot open database" "$T/external.log"
# lighttpd passes a CGI's stderr to its own (server.breakagelog).
check "the CGI logs it to the server's stderr" grep -q "sse.cgi: .*cannot open database" "$T/lighttpd-stderr.log"

# Once sse-push creates it, the same processes stream.
push AAPL 1
for mode in external/ tcp/ cgi/sse.cgi; do
	curl -s -N --max-time 1 "$BASE/$mode" > "$T/c.out"
	check "$mode streams once the database exists" grep -q '^id: 1$' "$T/c.out"
done

# Lifetime: the stream ends by itself, cleanly, on an event boundary.
for mode in external/ tcp/ cgi/sse.cgi; do
	start=$(date +%s%N)
	curl -s -N --max-time 6 "$BASE/$mode" > "$T/life.out"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check "$mode lifetime ends the response cleanly (curl rc $rc)" [ "$rc" = 0 ]
	check "$mode ... after 1.6-3 s ($ms ms)" [ "$ms" -ge 1500 ] && [ "$ms" -le 3500 ]
	check "$mode ... on an event boundary" [ "$(tail -c 2 "$T/life.out" | od -An -c | tr -d ' ')" = '\n\n' ]
done

# The replay limit: a connection catches up at most ~5 rows (whole batches
# of 4), then ends; the client comes back for the rest. Nothing is lost.
for i in $(seq 2 12); do push AAPL "$i"; done
for mode in external/ tcp/ cgi/sse.cgi; do
	curl -s -N --max-time 3 -H "Last-Event-ID: 0" "$BASE/$mode" > "$T/rp1.out"
	check "$mode replay limit: first connection gets 8 rows" [ "$(ids_of rp1)" = "1 2 3 4 5 6 7 8" ]
	curl -s -N --max-time 3 -H "Last-Event-ID: 8" "$BASE/$mode" > "$T/rp2.out"
	check "$mode ... the reconnect gets the rest" [ "$(ids_of rp2)" = "9 10 11 12" ]
done

# Capacity: over SSE_MAX_STREAMS, 200 with only a retry, at once.
stream cap1 "$BASE/external/"; stream cap2 "$BASE/external/"; stream cap3 "$BASE/external/"
wait_for 5 has cap3 ": ok"
code=$(curl -s -N --max-time 1 -o "$T/cap4.out" -w '%{http_code}' "$BASE/external/")
check "over capacity: 200" [ "$code" = 200 ]
check "over capacity: only a retry" sh -c "grep -q '^: server busy' '$T/cap4.out' && grep -q '^retry: ' '$T/cap4.out' && ! grep -q '^id:' '$T/cap4.out'"
stop_stream cap1; stop_stream cap2; stop_stream cap3

# SIGTERM: every stream ends at an event boundary, and the process exits.
stream term1 "$BASE/tcp/"
stream term2 "$BASE/tcp/"
wait_for 5 has term1 ": ok"; wait_for 5 has term2 ": ok"
kill -TERM "$TCP_PID"
check "SIGTERM: sse-fcgi exits" wait_for 3 sh -c "! kill -0 $TCP_PID 2>/dev/null"
t1=$(cat "$T/term1.pid")
check "SIGTERM: the client's response ended" wait_for 3 sh -c "! kill -0 $t1 2>/dev/null"
check "SIGTERM: it was logged" grep -q "signal 15" "$T/tcp.log"
check "SIGTERM: last frame complete" [ "$(tail -c 2 "$T/term1.out" | od -An -c | tr -d ' ')" = '\n\n' ]

# A calm stop: SIGTERM with SSE_STOP_SPREAD=3 ends 20 streams at moments
# spread over 3 s, not at once; a request meanwhile gets 200 and retry:;
# the process exits after the last stream. Raw FastCGI clients, each of
# which exits when its response ends.
SPORT=$(port)
SSE_STOP_SPREAD=3 SSE_DB=$DB "$BUILD/sse-fcgi" -l "127.0.0.1:$SPORT" 2> "$T/spread.log" &
SPID=$!
track $SPID
wait_for 5 sh -c "ss -tln | grep -q ':$SPORT '"
for i in $(seq 20); do
	"$BUILD/fcgiraw" -p "$SPORT" > "$T/sp$i.out" 2> /dev/null &
	echo $! > "$T/sp$i.pid"
	track $!
done
all_ok() { local i; for i in $(seq 20); do grep -q "^: ok" "$T/sp$i.out" || return 1; done; }
wait_for 5 all_ok
id=$(pushid AAPL 7.5)
t0=$(date +%s%N)
kill -TERM "$SPID"
: > "$T/ends"
while [ "$(wc -l < "$T/ends")" -lt 20 ] && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 8000 ]; do
	for i in $(seq 20); do
		[ -f "$T/sp$i.done" ] && continue
		kill -0 "$(cat "$T/sp$i.pid")" 2>/dev/null && continue
		touch "$T/sp$i.done"
		echo $(( ($(date +%s%N) - t0) / 1000000 )) >> "$T/ends"
	done
	[ "$(wc -l < "$T/ends")" -ge 5 ] && [ ! -f "$T/mid.out" ] &&
	    timeout 3 "$BUILD/fcgiraw" -p "$SPORT" > "$T/mid.out" 2> /dev/null
	sleep 0.05
done
first=$(sort -n "$T/ends" | head -1); last=$(sort -n "$T/ends" | tail -1)
echo "# SIGTERM with a 3 s spread: the 20 streams ended from $first to $last ms"
check "calm stop: all 20 streams ended" [ "$(wc -l < "$T/ends")" = 20 ]
check "... spread out, not at once (over 1 s from first to last)" [ $((last - first)) -gt 1000 ]
check "... within the spread" [ "$last" -lt 4500 ]
bad=0
for i in $(seq 20); do
	grep -q "^id: $id" "$T/sp$i.out" || bad=1
	[ "$(tail -c 2 "$T/sp$i.out" | od -An -c | tr -d ' ')" = '\n\n' ] || bad=1
done
check "... each at an event boundary, after the last event" [ $bad = 0 ]
check "... a request meanwhile: 200 with only a retry" sh -c "grep -q '^: server stopping' '$T/mid.out' && grep -q '^retry: ' '$T/mid.out'"
check "... then the process exits" wait_for 3 sh -c "! kill -0 $SPID 2>/dev/null"
check "... counted as shutdowns, logged" grep -q "signal 15: ending 20 streams over" "$T/spread.log"

# A second SIGTERM ends the rest at once.
SSE_STOP_SPREAD=60 SSE_DB=$DB "$BUILD/sse-fcgi" -l "127.0.0.1:$SPORT" 2> "$T/spread2.log" &
SPID=$!
track $SPID
wait_for 5 sh -c "ss -tln | grep -q ':$SPORT '"
"$BUILD/fcgiraw" -p "$SPORT" > "$T/sq.out" 2> /dev/null &
SQ=$!
track $SQ
wait_for 5 grep -q "^: ok" "$T/sq.out"
kill -TERM "$SPID"; sleep 0.3; kill -TERM "$SPID"
check "a second SIGTERM ends the rest at once" wait_for 2 sh -c "! kill -0 $SQ 2>/dev/null && ! kill -0 $SPID 2>/dev/null"
finish

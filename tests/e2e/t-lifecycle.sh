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
finish

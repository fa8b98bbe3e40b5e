#!/usr/bin/env bash
# The status page (SSE_STATUS_PATH) through lighttpd: its counters move
# with what the streams do, in plain text and OpenMetrics; sse.cgi shows
# the database. Which addresses may reach it is conf/'s job: t-servers.sh.
. "$(dirname "$0")/lib.sh"

push AAPL 1
SSE_ENV="SSE_STATUS_PATH=/external/status SSE_BATCH_ROWS=50 SSE_HEARTBEAT=1"
start_lighttpd || { finish; exit 1; }
st() { curl -s --max-time 3 "$BASE/external/status${1:-}" > "$T/st.out"; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/st.out"; }
is() { st; [ "$(val "$1")" = "$2" ]; }

st
check "plain text status: pid of the responder" [ "$(val pid)" = "$EXT_PID" ]
check "... no streams yet" [ "$(val streams_open)" = 0 ]
check "... the database's newest id" [ "$(val newest_id)" = 1 ]
check "... and the age of its newest event" [ -n "$(val newest_event_age_seconds)" ]
code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code} %{content_type}' "$BASE/spawned/status")
check "another path is a stream, not the status page" [ "$code" = "200 text/event-stream" ]

for i in 1 2 3; do stream s$i "$BASE/external/"; done
for i in 1 2 3; do wait_for 5 has s$i ": ok"; done
for p in 2 3 4 5 6; do id=$(pushid AAPL $p); done
for i in 1 2 3; do wait_for 5 has s$i "id: $id"; done
st
check "three streams open" [ "$(val streams_open)" = 3 ]
check "... three opened" [ "$(val streams_opened)" = 3 ]
check "... 15 events sent (5 to each)" [ "$(val events_sent)" = 15 ]
check "... and their bytes" [ "$(val bytes_sent)" -gt 15 ]
stop_stream s1
check "a client leaves: counted" wait_for 5 is streams_left 1
check "... as closed" [ "$(val streams_closed)" = 1 ]
check "... two streams open" [ "$(val streams_open)" = 2 ]

# A replay of 200 rows in batches of 50: the full batches count.
seq 200 | awk '{ print "R " $1 }' | "$BUILD/sse-push" -q -d "$DB" -b
curl -s -N --max-time 2 -H "Last-Event-ID: $id" "$BASE/external/" > /dev/null
st
r=$(val replay_rows)
check "replayed rows counted ($r)" [ "$r" -ge 150 ] && [ "$r" -le 200 ]

st
open=$(val streams_open)
kill -USR1 "$EXT_PID"
check "SIGUSR1: the $open streams it ended counted" wait_for 5 is streams_ended_drop "$open"
check "... none open" [ "$(val streams_open)" = 0 ]
st "?openmetrics"
curl -s --max-time 3 -D "$T/h.txt" -o /dev/null "$BASE/external/status?openmetrics"
check "OpenMetrics: its content type" grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$T/h.txt"
check "... ends with # EOF" [ "$(tail -1 "$T/st.out")" = "# EOF" ]
check "... counters as _total" grep -q '^sse_streams_opened_total [0-9]' "$T/st.out"
check "... ended by reason, one family" grep -q "^sse_streams_ended_total{reason=\"drop\"} $open\$" "$T/st.out"
check "... every sample's family declared" sh -c "awk '/^# TYPE/ { f[\$3] = 1; next } /^#/ { next } { n = \$1; sub(/\\{.*/, \"\", n); sub(/_total\$/, \"\", n); if (!(n in f)) exit 1 }' '$T/st.out'"

# The database gone: the page says so and counts the error.
mv "$DB" "$DB.away"
curl -s --max-time 2 "$BASE/external/" > /dev/null
check "database gone: database_ok 0" wait_for 5 is database_ok 0
check "... and counted" [ "$(val database_errors)" -ge 1 ]
mv "$DB.away" "$DB"

# A private endpoint reached without a signed-in user (the web server's
# auth left out by mistake): 401, never a public stream.
PPORT=$(port)
SSE_DB=$DB "$BUILD/sse-fcgi" -l "127.0.0.1:$PPORT" 2> "$T/priv.log" &
track $!
wait_for 5 sh -c "ss -tln | grep -q ':$PPORT '"
timeout 3 "$BUILD/fcgiraw" -p "$PPORT" -x SSE_PRIVATE=1 > "$T/p401.out" 2> /dev/null
check "sse-fcgi, SSE_PRIVATE=1 per request, no REMOTE_USER: 401" grep -q "^Status: 401" "$T/p401.out"
check "... no stream" sh -c "! grep -q '^: ok' '$T/p401.out'"
timeout 2 "$BUILD/fcgiraw" -p "$PPORT" -x SSE_PRIVATE=1 -x REMOTE_USER=alice > "$T/p200.out" 2> /dev/null
check "... with REMOTE_USER: a stream" grep -q "^: ok" "$T/p200.out"
REQUEST_METHOD=GET SSE_PRIVATE=1 SSE_DB=$DB "$BUILD/sse.cgi" > "$T/c401.out"
check "sse.cgi, SSE_PRIVATE=1, no REMOTE_USER: 401" grep -q "^Status: 401" "$T/c401.out"

# sse.cgi, one stream a process: the database only.
REQUEST_METHOD=GET REQUEST_URI=/live/status SSE_STATUS_PATH=/live/status \
    SSE_DB=$DB "$BUILD/sse.cgi" > "$T/st.out"
check "sse.cgi status: the database" sh -c "grep -q '^newest_id  *$(sqlite3 "$DB" "SELECT max(id) FROM events")\$' '$T/st.out'"
check "... and no process counters" sh -c "! grep -q streams_open '$T/st.out'"
finish

#!/usr/bin/env bash
# Many streams in one sse-fcgi process, and a crash in the middle of a burst.
. "$(dirname "$0")/lib.sh"

push AAPL 1
SSE_ENV="SSE_HEARTBEAT=5"
start_lighttpd || { finish; exit 1; }

# 2,000 concurrent streams on one process: past libfcgi's FD_SETSIZE (1024).
"$BUILD/sseload" -p "$HTTP_PORT" -u /external/ -n 2000 -c 1 -t 60 > "$T/load.out" &
LOAD=$!
track $LOAD
wait_for 40 grep -q '^ready 2000' "$T/load.out"
check "2000 streams connected" grep -q '^ready 2000' "$T/load.out"
check "sse-fcgi holds 2000 streams" [ "$(fcgi_streams "$EXT_PID")" -ge 2000 ]
push AAPL 2
wait $LOAD
rc=$?
check "all 2000 received the pushed event" [ "$rc" = 0 ]
sed 's/^/# /' "$T/load.out" | tail -1
check "sse-fcgi still running" kill -0 "$EXT_PID"
streams_are() { [ "$(fcgi_streams "$1")" = "$2" ]; }
check "all 2000 released after the clients left" wait_for 15 streams_are "$EXT_PID" 0
check "no errors logged" sh -c "! grep -qi -e abort -e 'buffer overflow' -e error '$T/external.log'"

# kill -9 during a burst: clients that come back with their Last-Event-ID
# get every event exactly once.
start=$(sqlite3 "$DB" "SELECT max(id) FROM events")
"$BUILD/sseload" -p "$HTTP_PORT" -u /external/ -n 20 -R -L "$start" -c 200 -t 60 \
    > "$T/crash.out" &
LOAD=$!
track $LOAD
wait_for 10 grep -q '^ready 20' "$T/crash.out"
for i in $(seq 1 100); do push AAPL "$i.5"; done
kill -9 "$EXT_PID"
for i in $(seq 101 150); do push AAPL "$i.5"; done
"$BUILD/sse-fcgi" -d "$DB" -l "unix:$T/ext.sock" 2>> "$T/external.log" &
EXT_PID=$!
track $EXT_PID
for i in $(seq 151 200); do push AAPL "$i.5"; done
wait $LOAD
rc=$?
sed 's/^/# /' "$T/crash.out" | tail -1
check "after kill -9, every client got all 200 events exactly once" [ "$rc" = 0 ]
check "... and they did reconnect" grep -q 'reconnects=[1-9]' "$T/crash.out"
finish

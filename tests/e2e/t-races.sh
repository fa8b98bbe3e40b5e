#!/usr/bin/env bash
# Races and stalls, each a defect once: a database reached through a
# symbolic link, the newest rows deleted under a resuming stream, a lock
# that blocks readers, and FastCGI peers that trickle their request or
# send a GET with a body.
. "$(dirname "$0")/lib.sh"

# fcgi_on NAME DB [NAME=value...]: an sse-fcgi of its own on a free TCP
# port, for raw FastCGI clients; sets PORT and PID, logs to $T/NAME.log.
fcgi_on() {
	local name=$1 db=$2; shift 2
	PORT=$(port)
	env SSE_DB="$db" "$@" "$BUILD/sse-fcgi" -l "127.0.0.1:$PORT" 2> "$T/$name.log" &
	PID=$!
	track $PID
	wait_for 5 sh -c "ss -tln | grep -q ':$PORT '"
}

# SSE_DB is a link into another directory; the poll is 10 s, so only a
# watch on the right directory delivers within a second.
mkdir -p "$T/real" "$T/link"
"$BUILD/sse-push" -q -d "$T/real/events.db" AAPL 1
ln -s "$T/real/events.db" "$T/link/events.db"
DB=$T/link/events.db
SSE_ENV="SSE_POLL_MS=10000 SSE_HEARTBEAT=1"
start_lighttpd || { finish; exit 1; }
for mode in external/ cgi/sse.cgi; do
	stream ln "$BASE/$mode"
	wait_for 5 has ln ": ok"
	sleep 0.3
	id=$(pushid AAPL 2)
	check "$mode symlinked SSE_DB: a push arrives at once, not at the poll" wait_for 1 has ln "id: $id"
	stop_stream ln
done

# The newest rows deleted by hand under a stream that resumes below them:
# it moves past the hole instead of reading it again and again. A
# database and an sse-fcgi of their own, reached straight over FastCGI.
H=$T/hole/events.db
mkdir -p "$T/hole"
for i in $(seq 10); do "$BUILD/sse-push" -q -d "$H" AAPL "$i"; done
sqlite3 "$H" "DELETE FROM events WHERE id > 5"
fcgi_on hole "$H"
HPORT=$PORT HOLE_PID=$PID
"$BUILD/fcgiraw" -p "$HPORT" -L 2 > "$T/hole.out" 2> /dev/null &
track $!
wait_for 5 grep -q "^id: 5" "$T/hole.out"
cpu() { awk '{print $14 + $15}' "/proc/$HOLE_PID/stat"; }
sleep 0.5; c0=$(cpu); sleep 2; c1=$(cpu)
echo "# sse-fcgi used $((c1 - c0)) CPU ticks in 2 s beside the hole"
check "newest rows deleted: no busy loop (under 1 s of CPU in 2 s)" [ $((c1 - c0)) -lt 100 ]
id=$("$BUILD/sse-push" -d "$H" AAPL 11)
check "... and the next row arrives" wait_for 3 grep -q "^id: $id" "$T/hole.out"

# A stalled reader resuming over big rows: one read is 64 KB, not 500
# rows of 60 KB, so what it holds unsent stays small.
awk 'BEGIN { d = "x"; while (length(d) < 60000) d = d d; d = substr(d, 1, 60000);
    for (i = 0; i < 300; i++) printf "{\"event\":\"big\",\"data\":\"%s\"}\n", d }' |
    "$BUILD/sse-push" -q -d "$H" -b
check "300 rows of 60 KB pushed" [ "$(sqlite3 "$H" "SELECT count(*) FROM events WHERE event = 'big'")" = 300 ]
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$HOLE_PID/status"; }
m0=$(hwm)
"$BUILD/fcgiraw" -p "$HPORT" -L 0 -s 30 > /dev/null 2>&1 &
STALL=$!
track $STALL
sleep 3
m1=$(hwm)
echo "# sse-fcgi peak RSS $m0 kB, then $m1 kB with a stalled reader over 18 MB of rows"
if [ -n "${SAN:-}" ]; then
	# ASan keeps freed blocks in quarantine: its peak says nothing here.
	echo "# SKIP peak memory under ASan"
else
	check "a stalled reader over big rows: peak memory grew under 8 MB" [ $((m1 - m0)) -lt 8192 ]
fi
kill $STALL

# A lock that blocks readers (rollback mode, a writer's EXCLUSIVE lock):
# the one streaming thread must not sit in it, so another stream keeps
# its heartbeats and a new client is answered at once, 200 and retry:.
# A database of its own: nobody else may have it open to leave WAL.
L=$T/lock/events.db
mkdir -p "$T/lock"
"$BUILD/sse-push" -q -d "$L" AAPL 1
sqlite3 "$L" "PRAGMA journal_mode = DELETE" > /dev/null
fcgi_on lock "$L" SSE_HEARTBEAT=1
LPORT=$PORT
"$BUILD/fcgiraw" -p "$LPORT" > "$T/lk.out" 2> /dev/null &
track $!
wait_for 5 grep -q "^: ok" "$T/lk.out"
mkfifo "$T/lock.fifo"
sqlite3 "$L" < "$T/lock.fifo" > "$T/locker.out" 2>&1 &
track $!
exec 7> "$T/lock.fifo"
echo "BEGIN EXCLUSIVE; INSERT INTO events (event, data) VALUES ('held', 'x');" >&7
sleep 0.5
beats0=$(grep -c '^: keep-alive' "$T/lk.out")
start=$(date +%s%N)
timeout 8 "$BUILD/fcgiraw" -p "$LPORT" > "$T/new.out" 2> /dev/null
took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# a new client under the lock was answered in $took ms"
check "reader-blocking lock: a new client gets 200 and retry: at once" sh -c "grep -q '^retry: 10000' '$T/new.out' && [ $took -lt 5000 ]"
sleep 2.5
beats1=$(grep -c '^: keep-alive' "$T/lk.out")
check "... and an open stream keeps its heartbeats meanwhile ($((beats1 - beats0)))" [ $((beats1 - beats0)) -ge 2 ]
echo "COMMIT;" >&7
exec 7>&-
check "after the lock, its row arrives" wait_for 5 grep -q "^event: held" "$T/lk.out"

# FastCGI peers, straight to sse-fcgi: a request trickled a byte every
# 200 ms (40 s in all) is cut after its 5 s, and a GET with a body is
# refused without waiting for it.
fcgi_on raw "$DB"
timeout 5 "$BUILD/fcgiraw" -p "$PORT" -m GET -b "hello" > "$T/body.out" 2> "$T/body.err"
sed 's/^/# /' "$T/body.err"
check "GET with a body: 400, unread" grep -q "^Status: 400" "$T/body.out"
check "... saying why" grep -q "has no body" "$T/body.out"
for i in 1 2; do
	"$BUILD/fcgiraw" -p "$PORT" -t 200 > "$T/slow$i.out" 2> "$T/slow$i.err" &
	track $!
	echo $! > "$T/slow$i.pid"
done
gone() { ! kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }
check "trickled request: cut within its deadline" wait_for 9 gone slow1
sed 's/^/# /' "$T/slow1.err"
check "... before it was ever complete" grep -q "sent [0-9]* of" "$T/slow1.err" && ! awk '{ exit !($5 == $7) }' "$T/slow1.err"
wait_for 3 gone slow2
timeout 3 "$BUILD/fcgiraw" -p "$PORT" > "$T/after.out" 2>&1
check "... and the next request is served" grep -q "^: ok" "$T/after.out"
finish

#!/usr/bin/env bash
# Faults, each judged by what the clients receive: concurrent writers, a
# writer holding the lock, a database that turns corrupt, is replaced (ids
# start over) or removed, rows pruned during a replay, and sse-push on a
# full or read-only file system.
. "$(dirname "$0")/lib.sh"

push AAPL 1
SSE_ENV="SSE_HEARTBEAT=1 SSE_BATCH_ROWS=50 SSE_MAX_REPLAY=1000"
start_lighttpd || { finish; exit 1; }
newest() { sqlite3 "$DB" "SELECT max(id) FROM events"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# --- four writers at once, 100 readers --------------------------------------
for mode in external/ cgi/sse.cgi; do
	from=$(newest)
	"$BUILD/sseload" -p "$HTTP_PORT" -u "/$mode" -n 100 -L "$from" -c 200 \
	    -t 60 > "$T/conc.out" &
	LOAD=$!
	track $LOAD
	wait_for 20 grep -q '^ready 100' "$T/conc.out"
	writers=()
	for w in 1 2 3 4; do
		( for i in $(seq 50); do push "W$w" "$i" || exit 1; done ) &
		writers+=($!)
	done
	bad=0
	for w in "${writers[@]}"; do wait "$w" || bad=1; done
	check "$mode 4 concurrent sse-push processes all succeed" [ $bad = 0 ]
	wait $LOAD
	rc=$?
	sed 's/^/# /' "$T/conc.out" | tail -1
	check "$mode 100 streams each got all 200 events, in order, once" [ $rc = 0 ]
	check "$mode ... and the ids have no gap" [ "$(newest)" = $((from + 200)) ]
done

# --- a writer holds the lock past the busy timeout --------------------------
stream lk1 "$BASE/external/"
stream lk2 "$BASE/cgi/sse.cgi"
wait_for 5 has lk1 ": ok"; wait_for 5 has lk2 ": ok"
mkfifo "$T/lock.fifo"
sqlite3 "$DB" < "$T/lock.fifo" > "$T/locker.out" 2>&1 &
track $!
exec 7> "$T/lock.fifo"
# The shell waits for the lock (its own busy timeout is 0): a probe below
# may hold it for a moment before the shell has it, which made BEGIN fail.
echo ".timeout 5000" >&7
echo "BEGIN IMMEDIATE; INSERT INTO events (event, data) VALUES ('locked', 'written under the lock');" >&7
locked() { ! "$BUILD/sse-push" -q -d "$DB" -t 50 AAPL 2 2> /dev/null; }
wait_for 5 locked
"$BUILD/sse-push" -d "$DB" -t 500 AAPL 3 > /dev/null 2> "$T/busy.err"
rc=$?
check "sse-push under a held lock: exit 75 (try again later)" [ $rc = 75 ]
check "... saying why" grep -q "locked" "$T/busy.err"
sed 's/^/# /' "$T/busy.err"
sleep 2.5
check "streams wait through the lock (sse-fcgi)" kill -0 "$(cat "$T/lk1.pid")"
check "streams wait through the lock (sse.cgi)" kill -0 "$(cat "$T/lk2.pid")"
check "... with heartbeats, no error event" sh -c "grep -q '^: keep-alive' '$T/lk1.out' && ! grep -q '^event: error' '$T/lk1.out'"
echo "COMMIT;" >&7
exec 7>&-
check "after the lock, its row arrives (sse-fcgi)" wait_for 5 has lk1 "event: locked"
check "after the lock, its row arrives (sse.cgi)" wait_for 5 has lk2 "event: locked"
id=$(pushid AAPL 4)
check "... and so do new ones" wait_for 5 has lk1 "id: $id"

# --- the database becomes garbage -------------------------------------------
# Replacing a database means replacing its -wal and -shm with it.
replace_db() { rm -f "$DB-wal" "$DB-shm"; mv "$1" "$DB"; }
head -c 65536 /dev/urandom > "$T/garbage.db"
replace_db "$T/garbage.db"
check "corrupt: open streams end (sse-fcgi)" wait_for 5 gone "$(cat "$T/lk1.pid")"
check "corrupt: open streams end (sse.cgi)" wait_for 5 gone "$(cat "$T/lk2.pid")"
for mode in external/ cgi/sse.cgi; do
	code=$(curl -s -N --max-time 3 -o "$T/bad.out" -w '%{http_code}' "$BASE/$mode")
	check "$mode corrupt: 200 with only a retry" sh -c "[ $code = 200 ] && grep -q '^retry: 10000$' '$T/bad.out' && ! grep -q '^id:' '$T/bad.out'"
done
check "corrupt: sse-fcgi logs it" grep -q "file is not a database" "$T/external.log"
check "corrupt: sse.cgi logs it" grep -q "sse.cgi: .*file is not a database" "$T/lighttpd-stderr.log"
sum=$(md5sum < "$DB")
"$BUILD/sse-push" -q -d "$DB" AAPL 5 2> "$T/push-bad.err"
rc=$?
sed 's/^/# /' "$T/push-bad.err"
check "corrupt: sse-push refuses it (exit 78, not an events database)" [ $rc = 78 ]
check "corrupt: ... and leaves the file as it was" [ "$(md5sum < "$DB")" = "$sum" ]
kill -0 "$EXT_PID"
check "corrupt: sse-fcgi still running" [ $? = 0 ]

# --- replaced by a new database: ids start over -----------------------------
old=$id
"$BUILD/sse-push" -q -d "$T/new.db" AAPL 7
replace_db "$T/new.db"
for mode in external/ cgi/sse.cgi; do
	curl -s -N --max-time 2 -H "Last-Event-ID: $old" "$BASE/$mode" > "$T/rep.out"
	check "$mode new database: a client ahead gets event: reset" grep -q '^event: reset$' "$T/rep.out"
	check "$mode ... saying why, with the new range" grep -q '^data: {"reason":"ahead","oldest":1,"newest":1}$' "$T/rep.out"
done
stream nw1 "$BASE/external/" -H "Last-Event-ID: 1"
stream nw2 "$BASE/cgi/sse.cgi" -H "Last-Event-ID: 1"
wait_for 5 has nw1 ": ok"; wait_for 5 has nw2 ": ok"
push AAPL 8
check "new database: events flow again (sse-fcgi)" wait_for 5 has nw1 "id: 2"
check "new database: events flow again (sse.cgi)" wait_for 5 has nw2 "id: 2"
# Replaced while they stream: both end, so their clients come back to it.
"$BUILD/sse-push" -q -d "$T/newer.db" AAPL 9
replace_db "$T/newer.db"
check "replaced under open streams: they end (sse-fcgi)" wait_for 5 gone "$(cat "$T/nw1.pid")"
check "replaced under open streams: they end (sse.cgi)" wait_for 5 gone "$(cat "$T/nw2.pid")"
check "replacement is logged" grep -q "was replaced" "$T/external.log"
# ... after a reset to the new range (id 2 of the old file is id 1 here):
# resuming at 2 would skip the new file's second row.
for n in nw1 nw2; do
	check "replaced under open streams: $n got event: reset, its cursor the new newest" \
	    grep -q '^data: {"reason":"replaced","oldest":1,"newest":1}$' "$T/$n.out"
	check "... and no later id takes the cursor back to the old file's" \
	    [ "$(ids_of $n | awk '{ print $NF }')" = 1 ]
done

# --- removed ------------------------------------------------------------------
stream rm1 "$BASE/external/"
wait_for 5 has rm1 ": ok"
rm -f "$DB" "$DB-wal" "$DB-shm"
check "removed: open streams end" wait_for 5 gone "$(cat "$T/rm1.pid")"
code=$(curl -s -N --max-time 2 -o "$T/rm.out" -w '%{http_code}' "$BASE/external/")
check "removed: 200 with only a retry" sh -c "[ $code = 200 ] && grep -q '^retry: 10000$' '$T/rm.out'"
push AAPL 10
curl -s -N --max-time 1 "$BASE/external/" > "$T/back.out"
check "removed, then created again: streaming" grep -q '^id: 1$' "$T/back.out"

# --- unreadable (as an unprivileged user: root reads anything) --------------
chmod 600 "$DB"
cgi_as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env -i \
	    REQUEST_METHOD=GET SSE_DB="$DB" "$BUILD/sse.cgi" \
	    > "$T/nobody.out" 2> "$T/nobody.err"
}
cgi_as_nobody
check "unreadable: 200 with only a retry" sh -c "grep -q '^retry: 10000' '$T/nobody.out' && ! grep -q '^id:' '$T/nobody.out'"
check "unreadable: logged, with the reason" grep -q "cannot open database: Permission denied" "$T/nobody.err"
sed 's/^/# /' "$T/nobody.err"
chmod 644 "$DB"

# --- pruned while a client replays -----------------------------------------
# A replay ends after SSE_MAX_REPLAY rows and the client comes back for the
# rest; if those were pruned meanwhile, it gets event: reset, then what is
# left, and never a row twice.
seq 3000 | awk '{ print "AAPL " $1 }' | "$BUILD/sse-push" -q -d "$DB" -b
for mode in external/ cgi/sse.cgi; do
	oldest=$(sqlite3 "$DB" "SELECT min(id) FROM events")
	curl -s -N --max-time 5 -H "Last-Event-ID: $((oldest - 1))" "$BASE/$mode" > "$T/pr1.out"
	got=$(ids_of pr1 | wc -w)
	left=$(ids_of pr1 | awk '{ print $NF }')
	check "$mode replay: the first connection ends after about 1,000 rows ($got)" [ "$got" -ge 1000 ] && [ "$got" -lt 1100 ]
	"$BUILD/sse-push" -q -d "$DB" --prune --keep 10
	newest=$(sqlite3 "$DB" "SELECT max(id) FROM events")
	curl -s -N --max-time 2 -H "Last-Event-ID: $left" "$BASE/$mode" > "$T/pr2.out"
	check "$mode pruned meanwhile: the client is told (event: reset)" grep -q '^event: reset$' "$T/pr2.out"
	check "$mode ... with the reason and the new range" grep -q "^data: {\"reason\":\"pruned\",\"oldest\":$((newest - 9)),\"newest\":$newest}\$" "$T/pr2.out"
	check "$mode ... then the 10 rows left, in order" [ "$(ids_of pr2 | cut -d' ' -f2-)" = "$(seq $((newest - 9)) "$newest" | tr '\n' ' ' | sed 's/ $//')" ]
	seq 3000 | awk '{ print "AAPL " $1 }' | "$BUILD/sse-push" -q -d "$DB" -b
done

# --- sse-push on a full and on a read-only file system ---------------------
# A small tmpfs in a private mount namespace (no root needed for it).
if unshare --user --map-root-user --mount true 2> /dev/null; then
	cat > "$T/fs.sh" <<'FS'
set -u
B=$1 D=$2
mkdir -p "$D/mnt"
mount -t tmpfs -o size=400k tmpfs "$D/mnt" || exit 2
db=$D/mnt/events.db
"$B/sse-push" -q -d "$db" AAPL 1 || exit 3
before=$(sqlite3 "$db" "SELECT count(*) FROM events")
seq 20000 | awk '{ print "AAPL " $1 }' > "$D/big.txt"
"$B/sse-push" -q -d "$db" -b < "$D/big.txt" 2> "$D/full.err"
echo "full_rc=$?"
echo "full_count=$(sqlite3 "$db" "SELECT count(*) FROM events")"
echo "full_before=$before"
echo "full_check=$(sqlite3 "$db" "PRAGMA integrity_check")"
"$B/sse-push" -q -d "$db" AAPL 2 && echo "after_full_small=ok"
mount -o remount,ro "$D/mnt" || exit 4
"$B/sse-push" -q -d "$db" AAPL 3 2> "$D/ro.err"
echo "ro_rc=$?"
echo "ro_count=$(sqlite3 "file:$db?immutable=1" "SELECT count(*) FROM events")"
FS
	unshare --user --map-root-user --mount bash "$T/fs.sh" "$BUILD" "$T" > "$T/fs.out" 2>&1
	sed 's/^/# /' "$T/fs.out" "$T/full.err" "$T/ro.err" 2> /dev/null
	val() { sed -n "s/^$1=//p" "$T/fs.out"; }
	check "disk full: sse-push fails with exit 74 (I/O error)" [ "$(val full_rc)" = 74 ]
	check "disk full: ... saying so" grep -qi "full" "$T/full.err"
	check "disk full: nothing of the batch was written" [ "$(val full_count)" = "$(val full_before)" ]
	check "disk full: the database is intact" [ "$(val full_check)" = ok ]
	check "disk full: a small push still fits" grep -q after_full_small=ok "$T/fs.out"
	check "read-only: sse-push fails with exit 73 (cannot write)" [ "$(val ro_rc)" = 73 ]
	check "read-only: ... saying so" grep -qi "read-only\|readonly" "$T/ro.err"
	check "read-only: nothing changed" [ "$(val ro_count)" = 2 ]
else
	echo "# SKIP disk full / read-only: unshare --user --mount is not permitted here"
fi
finish

#!/usr/bin/env bash
# sse-push end to end: what it writes, verified with the plain sqlite3 shell.
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$@"; }

id=$("$BUILD/sse-push" -d "$DB" AAPL 189.51)
check "first push prints id 1" [ "$id" = 1 ]
check "price is stored exactly as entered" [ "$(q "SELECT price FROM events WHERE id=1")" = 189.51 ]
check "price is TEXT, not a float" [ "$(q "SELECT typeof(price) FROM events WHERE id=1")" = text ]
"$BUILD/sse-push" -q -d "$DB" AAPL 189.60
check "payload carries price and change" [ "$(q "SELECT data FROM events WHERE id=2")" = '{"symbol":"AAPL","price":189.60,"change":0.05}' ]
check "WAL mode" [ "$(q "PRAGMA journal_mode")" = wal ]
check "schema version 4" [ "$(q "PRAGMA user_version")" = 4 ]
# A version 1 database (before private events) is upgraded in place.
V1=$T/v1.db
{ cat "$TOP/schema/001-events.sql"; echo "PRAGMA user_version = 1;"
  echo "INSERT INTO events (event, data) VALUES ('old', 'kept');"; } | sqlite3 "$V1"
"$BUILD/sse-push" -q -d "$V1" -e dm -m hi --to alice
check "schema 1 upgraded to 4 by the next push, its rows kept" [ "$(sqlite3 "$V1" "PRAGMA user_version; SELECT group_concat(event || ':' || coalesce(audience, '-'), ' ') FROM events")" = "$(printf '4\nold:- dm:alice')" ]
check "... with the grants table, empty" [ "$(sqlite3 "$V1" "SELECT count(*) FROM grants")" = 0 ]

# A version 2 database: granted names become groups (in grants and in the
# events sent to them), ids and the AUTOINCREMENT counter survive the
# rebuild, and the schema then takes 255-byte names and no more.
V2=$T/v2.db
{ cat "$TOP/schema/001-events.sql" "$TOP/schema/002-audience.sql"
  echo "PRAGMA user_version = 2;"
  echo "INSERT INTO events (event, data) VALUES ('old', 'kept');"
  echo "INSERT INTO events (event, data, audience) VALUES ('page', 'p', 'ops'), ('dm', 'd', 'bob'), ('odd', 'o', 'group:'), ('gone', 'g', NULL);"
  echo "DELETE FROM events WHERE id = 5;"
  echo "INSERT INTO grants VALUES ('alice', 'ops'), ('carol', 'group:');"
  # What people add to the table: their own view, index and trigger.
  echo "CREATE VIEW my_pages AS SELECT id, data FROM events WHERE event = 'page';"
  echo "CREATE INDEX my_event ON events (event);"
  echo "CREATE TABLE my_log (id INTEGER);"
  echo "CREATE TRIGGER my_trigger AFTER INSERT ON events BEGIN INSERT INTO my_log VALUES (new.id); END;"
  } | sqlite3 "$V2"
id=$("$BUILD/sse-push" -d "$V2" -e dm -m hi --to "$(printf '%0255d' 7)")
check "schema 2 upgraded to 4: the pruned top id is not handed out again ($id)" [ "$id" = 6 ]
check "... a granted name is a group now, in events and in grants" [ "$(sqlite3 "$V2" "PRAGMA user_version; SELECT group_concat(id || ':' || coalesce(audience, '-'), ' ') FROM events WHERE id < 4; SELECT user || '>' || audience FROM grants WHERE user = 'alice'")" = "$(printf '4\n1:- 2:group:ops 3:bob\nalice>group:ops')" ]
check "... the name 'group:' (no user can be it now) is the group of that name" [ "$(sqlite3 "$V2" "SELECT audience FROM events WHERE event = 'odd'; SELECT audience FROM grants WHERE user = 'carol'")" = "$(printf 'group:group:\ngroup:group:')" ]
check "... your own view still reads the table" [ "$(sqlite3 "$V2" "SELECT group_concat(id) FROM my_pages")" = 2 ]
check "... your own index and trigger are made again" [ "$(sqlite3 "$V2" "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE name IN ('my_event', 'my_trigger') ORDER BY name); SELECT group_concat(id) FROM my_log")" = "$(printf 'my_event,my_trigger\n6')" ]
check "... the schema refuses a 256-byte audience" sh -c "! sqlite3 '$V2' \"INSERT INTO events (event, data, audience) VALUES ('x', 'y', '$(printf '%0256d' 7)')\" 2> /dev/null"
check "... and a grant to a user named group:..." sh -c "! sqlite3 '$V2' \"INSERT INTO grants VALUES ('group:ops', 'x')\" 2> /dev/null"
check "... and passes integrity_check" [ "$(sqlite3 "$V2" "PRAGMA integrity_check")" = ok ]
# A version 3 database: prices go under prices/SYMBOL; a symbol no topic
# can hold (written by hand) stays under none.
V3=$T/v3.db
{ cat "$TOP/schema/001-events.sql" "$TOP/schema/002-audience.sql" "$TOP/schema/003-names.sql"
  echo "PRAGMA user_version = 3;"
  echo "INSERT INTO events (event, symbol, price, data) VALUES ('price', 'BRK.B', '1', '{}'), ('price', 'A B', '1', '{}'), ('price', '', '1', '{}');"; } | sqlite3 "$V3"
"$BUILD/sse-push" -q -d "$V3" --topic jobs/1 -e p -m 1
check "schema 3 upgraded to 4: prices under prices/SYMBOL (none for a symbol no topic can hold)" [ "$(sqlite3 "$V3" "PRAGMA user_version; SELECT group_concat(coalesce(topic, '-'), ' ') FROM events")" = "$(printf '4\nprices/BRK.B - - jobs/1')" ]
"$BUILD/sse-push" -q -d "$V2" -e dm -m x --to "$(printf '%0256d' 7)" 2> /dev/null
check "--to refuses a 256-byte name (exit 65)" [ $? = 65 ]
"$BUILD/sse-push" -q -d "$DB" -e dm -m x --to "$(printf 'a\tb')" 2> "$T/to.err"
check "--to refuses a control character (exit 65)" [ $? = 65 ]
check "latest_prices view" [ "$(q "SELECT symbol||' '||price FROM latest_prices")" = "AAPL 189.60" ]

SSE_DB=$DB "$BUILD/sse-push" -q -e alert -m "$(printf 'disk\r\nfull')"
check "SSE_DB is honoured; CRLF stored as LF" [ "$(q "SELECT hex(data) FROM events WHERE id=3")" = "$(printf 'disk\nfull' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ]
printf 'line one\nline two' | "$BUILD/sse-push" -q -d "$DB" -e note -m -
check "data from stdin" [ "$(q "SELECT data FROM events WHERE id=4")" = "$(printf 'line one\nline two')" ]

# A batch of 100,000 lines lands in one command.
seq 1 100000 | awk '{printf "S%d %d.%02d\n", $1 % 20, 100 + $1 % 50, $1 % 100}' > "$T/batch.txt"
last=$("$BUILD/sse-push" -d "$DB" -b < "$T/batch.txt")
check "100,000-line batch lands" [ "$(q "SELECT count(*) FROM events")" = 100004 ]
check "batch prints the last id" [ "$last" = 100004 ]

# A bad line in the middle leaves the database unchanged and names the line.
before=$(q "SELECT count(*), max(id) FROM events")
{ seq 1 500 | sed 's/^/AAPL /'; echo "AAPL 12abc"; seq 1 500 | sed 's/^/META /'; } > "$T/bad.txt"
"$BUILD/sse-push" -d "$DB" -b < "$T/bad.txt" > /dev/null 2> "$T/bad.err"
rc=$?
check "bad batch exits 65" [ "$rc" = 65 ]
check "error names line 501" grep -q "line 501:" "$T/bad.err"
check "bad batch leaves the database unchanged" [ "$(q "SELECT count(*), max(id) FROM events")" = "$before" ]

printf '{"event":"job","data":"50%%\\nhalf"}\n{"symbol":"META","price":500.25}\n# note\n\n' |
    "$BUILD/sse-push" -q -d "$DB" -
check "JSON lines: generic event" [ "$(q "SELECT event, data FROM events WHERE id=100005")" = "$(printf 'job|50%%\nhalf')" ]
check "JSON lines: price" [ "$(q "SELECT price FROM events WHERE id=100006")" = 500.25 ]

# Follow mode: each line is committed as it arrives, while sse-push runs;
# a bad line is named and skipped, and the exit status says so.
F=$T/follow.db
mkfifo "$T/feed"
"$BUILD/sse-push" -d "$F" -f < "$T/feed" > "$T/follow.out" 2> "$T/follow.err" &
fpid=$!
track $fpid
exec 3> "$T/feed"
echo "AAPL 10.00" >&3
rows() { [ "$(sqlite3 "$F" "SELECT count(*) FROM events" 2>/dev/null)" = "$1" ]; }
check "follow: a line is committed while the feed is still open" wait_for 10 rows 1
check "follow: its id is printed at once" wait_for 10 grep -q -x 1 "$T/follow.out"
printf 'AAPL 1e3\n{"event":"job","data":"half\\nway"}\nAAPL 11.00\n' >&3
exec 3>&-
wait $fpid
check "follow: a refused line makes the exit status 65" [ $? = 65 ]
check "follow: the refused line is named" grep -q "line 2: .*skipped" "$T/follow.err"
check "follow: the lines around it landed" [ "$(sqlite3 "$F" "SELECT group_concat(event || ':' || coalesce(price, data), ',') FROM events")" = "$(printf 'price:10.00,job:half\nway,price:11.00')" ]
check "follow: change is against the previous line" [ "$(sqlite3 "$F" "SELECT json_extract(data, '$.change') FROM events WHERE id = 3")" = 10.0 ]
check "follow: ids printed one per line" [ "$(tr '\n' ' ' < "$T/follow.out")" = "1 2 3 " ]
# Lines that arrive together commit together (group commit): every id is
# printed once, in order, and each is a row.
seq 1 20000 | awk '{ print "G" $1 % 5, 1 + $1 % 9 }' |
    "$BUILD/sse-push" -d "$T/group.db" -f > "$T/group.out"
check "follow: 20,000 lines at once: 20,000 ids, once each, in order, all rows" sh -c "[ \$(wc -l < '$T/group.out') = 20000 ] && sort -n -c -u '$T/group.out' && [ \"\$(sqlite3 '$T/group.db' 'SELECT count(*), max(id) FROM events')\" = '20000|20000' ]"
check "... prices changed against the line before, within a group too" [ "$(sqlite3 "$T/group.db" "SELECT group_concat(json_extract(data, '$.change'), ' ') FROM events WHERE id IN (6, 11)")" = "250.0 -57.14" ]
check "follow and batch together are a usage error" sh -c "'$BUILD/sse-push' -d '$F' -f -b < /dev/null 2> /dev/null; [ \$? = 64 ]"

# Validation: a clear message, a documented code, nothing written.
before=$(q "SELECT count(*) FROM events")
expect_rc() {
	local want=$1; shift
	"$BUILD/sse-push" -d "$DB" "$@" > /dev/null 2> "$T/err"
	[ $? = "$want" ] && [ -s "$T/err" ]
}
check "bad symbol refused (65)" expect_rc 65 'AA PL' 1
check "symbol with comma refused" expect_rc 65 'A,B' 1
check "float exponent refused" expect_rc 65 AAPL 1e3
check "event name with LF refused" expect_rc 65 -e "$(printf 'a\nb')" -m x
check "reserved event name refused" expect_rc 65 -e reset -m x
check "invalid UTF-8 refused" expect_rc 65 -e x -m "$(printf '\xff')"
check "oversized data refused" expect_rc 65 -e x -m "$(head -c 70000 /dev/zero | tr '\0' a)"
check "usage error is 64" expect_rc 64 AAPL
check "unknown option is 64" expect_rc 64 --bogus
check "nothing was written by refused input" [ "$(q "SELECT count(*) FROM events")" = "$before" ]

# Databases it must not touch.
echo "not a database, just some text that is long enough to be a header" > "$T/text.db"
check "not an SQLite file: exit 78" sh -c "'$BUILD/sse-push' -d '$T/text.db' A 1 2>/dev/null; [ \$? = 78 ]"
sqlite3 "$T/newer.db" "PRAGMA user_version = 7"
"$BUILD/sse-push" -d "$T/newer.db" A 1 > /dev/null 2> "$T/err"
check "newer schema refused with exit 78" [ $? = 78 ]
check "newer schema message is clear" grep -q "newer than this build" "$T/err"
check "missing directory: exit 73" sh -c "'$BUILD/sse-push' -d /nonexistent/x.db A 1 2>/dev/null; [ \$? = 73 ]"

# Retention.
n=$("$BUILD/sse-push" -d "$DB" --prune --keep 10)
check "prune --keep 10 deletes the rest" [ "$n" = 99996 ] && [ "$(q "SELECT count(*) FROM events")" = 10 ]
q "UPDATE events SET ts = '2001-01-01T00:00:00.000Z' WHERE id < 100003"
n=$("$BUILD/sse-push" -d "$DB" --prune --max-age 1h)
check "prune --max-age 1h" [ "$n" = 6 ]
check "ids are not reused after pruning" [ "$("$BUILD/sse-push" -d "$DB" A 1)" = 100007 ]

# Busy timeout: a writer that holds the lock briefly is waited for.
( sqlite3 "$DB" "BEGIN IMMEDIATE; INSERT INTO events (event, data) VALUES ('x','y');" ".shell sleep 1" "COMMIT;" ) &
sleep 0.2
check "a pusher waits for a short lock" "$BUILD/sse-push" -q -d "$DB" A 2
wait
( sqlite3 "$DB" "BEGIN IMMEDIATE;" ".shell sleep 3" "ROLLBACK;" ) &
sleep 0.2
"$BUILD/sse-push" -q -t 500 -d "$DB" A 3 2> "$T/err"
check "a lock held past the busy timeout: exit 75" [ $? = 75 ]
check "... with a clear message" grep -q "locked" "$T/err"
wait

# A batch from a slow producer holds no lock while it is read: a single
# push with a short busy timeout goes through meanwhile.
( echo "SLOW 1"; sleep 2; echo "SLOW 2" ) | "$BUILD/sse-push" -q -d "$DB" -b &
slow=$!
sleep 0.5
check "a slow -b producer does not hold the lock: a push meanwhile lands" \
    "$BUILD/sse-push" -q -t 300 -d "$DB" FAST 1
wait $slow
check "... and the batch lands after it, whole" [ "$(q "SELECT group_concat(symbol || price, ' ') FROM (SELECT * FROM events WHERE symbol IN ('SLOW','FAST') ORDER BY id)")" = "FAST1 SLOW1 SLOW2" ]

# Feeds wait out a lock held past their busy timeout instead of dying.
( sqlite3 "$DB" "BEGIN IMMEDIATE;" ".shell sleep 2" "ROLLBACK;" ) &
locker=$!
sleep 0.3
echo "FEED 1" | "$BUILD/sse-push" -q -t 200 -d "$DB" -f 2> "$T/feed.err"
rc=$?
check "-f under a long lock: waits, then writes (exit 0)" [ $rc = 0 ] && [ "$(q "SELECT count(*) FROM events WHERE symbol = 'FEED'")" = 1 ]
check "... saying it is still trying" grep -q "locked.*still trying" "$T/feed.err"
wait $locker
( sqlite3 "$DB" "BEGIN IMMEDIATE;" ".shell sleep 2" "ROLLBACK;" ) &
locker=$!
sleep 0.3
"$BUILD/sse-push" -t 200 -d "$DB" --simulate SIM=1.00 --count 2 --rate 0 2> "$T/sim.err"
rc=$?
check "--simulate under a long lock: waits, then writes" [ $rc = 0 ] && [ "$(q "SELECT count(*) FROM events WHERE symbol = 'SIM'")" = 2 ]
wait $locker

# Four pushers at once, beside a reader: no "database is locked", no loss.
C=$T/conc.db
"$BUILD/sse-push" -q -d "$C" X 1
# The shell has no busy timeout: it may meet the lock a closing writer
# takes to checkpoint, and says so on stderr; only the writers must not fail.
( while :; do sqlite3 "$C" "SELECT count(*) FROM events" > /dev/null 2>&1; done ) &
reader=$!
track $reader
for w in 1 2 3 4; do
	( for i in $(seq 1 50); do "$BUILD/sse-push" -q -d "$C" "W$w" "$i" || echo "fail $w $i"; done
	  seq 1 2000 | sed "s/^/B$w /" | "$BUILD/sse-push" -q -d "$C" -b || echo "fail batch $w" ) \
	    > "$T/w$w.out" 2>&1 &
done
wait %2 %3 %4 %5 2>/dev/null
kill $reader
wait $reader 2>/dev/null
check "4 concurrent pushers: no errors" [ -z "$(cat "$T"/w?.out)" ]
# The reader's last shell may still be closing (and checkpointing): wait it out.
check "4 concurrent pushers: every row landed" [ "$(sqlite3 -cmd ".timeout 5000" "$C" "SELECT count(*), count(DISTINCT id), max(id) FROM events")" = "8201|8201|8201" ]

# make install and uninstall honour DESTDIR and PREFIX.
make -s -C "$TOP" B="${BUILD#$TOP/}" install DESTDIR="$T/root" PREFIX=/usr > /dev/null
check "install: binaries and man pages" test -x "$T/root/usr/bin/sse-push" -a \
    -x "$T/root/usr/sbin/sse-fcgi" -a -x "$T/root/usr/lib/cgi-bin/sse.cgi" -a \
    -f "$T/root/usr/share/man/man1/sse-push.1" -a -f "$T/root/usr/share/man/man8/sse-fcgi.8"
make -s -C "$TOP" B="${BUILD#$TOP/}" uninstall DESTDIR="$T/root" PREFIX=/usr > /dev/null
check "uninstall removes them" [ -z "$(find "$T/root" -type f)" ]

# Topics on the command line.
"$BUILD/sse-push" -q -d "$DB" --topic 'jobs/*' -e p -m 1 2> "$T/tp.err"
check "--topic refuses a pattern to publish under (exit 64)" [ $? = 64 ] && grep -q "^sse-push: --topic 'jobs/\*': " "$T/tp.err"
"$BUILD/sse-push" -q -d "$DB" --close 2> /dev/null
check "--close without a topic (exit 64)" [ $? = 64 ]
"$BUILD/sse-push" -q -d "$DB" --topic jobs/1 AAPL 1 2> /dev/null
check "--topic with a price (exit 64)" [ $? = 64 ]
"$BUILD/sse-push" -q -d "$DB" --prune --topic 'jobs/4*' --keep 1 2> /dev/null
check "--prune --topic refuses a bad pattern (exit 64)" [ $? = 64 ]
printf '{"event":"tok","data":"a"}\n{"event":"tok","data":"b","topic":"chat/2"}\n' |
    "$BUILD/sse-push" -q -d "$DB" -f --topic chat/1 --close
check "-f --topic T --close: lines under T unless they name one, then T closes" [ "$(q "SELECT group_concat(topic || ':' || closes, ' ') FROM (SELECT topic, closes FROM events WHERE topic LIKE 'chat/%' ORDER BY id)")" = "chat/1:0 chat/2:0 chat/1:1" ]
old=$(q "SELECT max(id) FROM events")
"$BUILD/sse-push" -q -d "$DB" --topic jobs/1 -e p -m a
"$BUILD/sse-push" -q -d "$DB" --topic jobs/1 -e p -m b
"$BUILD/sse-push" -q -d "$DB" --topic jobs/2 -e p -m c
q "UPDATE events SET ts = '2000-01-01T00:00:00.000Z' WHERE topic = 'jobs/2'"
"$BUILD/sse-push" -q -d "$DB" --prune --topic 'jobs/*' --max-age 1d
check "--prune --topic --max-age: a topic idle that long goes whole, a live one stays" [ "$(q "SELECT group_concat(data, ' ') FROM events WHERE id > $old")" = "a b" ]
"$BUILD/sse-push" -q -d "$DB" --prune --topic 'jobs/*' --keep 1
check "--prune --topic --keep: per topic" [ "$(q "SELECT group_concat(data, ' ') FROM events WHERE id > $old")" = "b" ]
check "... and no row of another topic or of none" [ "$(q "SELECT count(*) FROM events WHERE topic LIKE 'chat/%'")" = 3 ]

check "--help exits 0" "$BUILD/sse-push" --help > /dev/null
check "--version" sh -c "'$BUILD/sse-push' --version | grep -q '^sse-push '"
finish

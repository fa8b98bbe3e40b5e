#!/usr/bin/env bash
# Publishing from an application's own transaction (examples/outbox/): the
# PHP (PDO) and Python (sqlite3, psycopg) examples run as CGI programs under
# lighttpd, each inserting an order and its event in one transaction, on
# SQLite and on PostgreSQL. A committed order reaches the stream exactly
# once, live and on resume; a rolled-back one (no stock left, after its
# event was inserted) never does, and neither table keeps it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

EX=$TOP/examples/outbox
PY=/usr/bin/python3	# Debian's, which has python3-psycopg (make deps)

# serve NAME DBVALUE PDO_DSN: sse-fcgi on DBVALUE, and lighttpd in front of
# it and of the two examples; sets BASE.
serve() {
	local name=$1 db=$2 dsn=$3 http
	mkdir -p "$T/$name/app" "$T/www"
	cp "$EX/order.php" "$EX/order.py" "$T/$name/app/"
	SSE_DB=$db "$BUILD/sse-fcgi" -l "unix:$T/$name/sse.sock" \
	    2> "$T/$name-sse-fcgi.log" &
	track $!
	wait_for 5 test -S "$T/$name/sse.sock" || { not_ok "$name: sse-fcgi started"; return 1; }
	http=$(port)
	cat > "$T/$name/lighttpd.conf" <<CONF
server.modules = ( "mod_alias", "mod_fastcgi", "mod_cgi", "mod_setenv" )
server.bind = "127.0.0.1"
server.port = $http
server.document-root = "$T/www"
server.errorlog = "$T/$name-lighttpd.log"
server.stream-response-body = 2
fastcgi.server = ( "/sse" => (( "socket" => "$T/$name/sse.sock",
                                "check-local" => "disable" )) )
alias.url = ( "/app/" => "$T/$name/app/" )
\$HTTP["url"] =~ "^/app/" {
  cgi.assign = ( ".php" => "/usr/bin/php-cgi", ".py" => "$PY" )
  setenv.add-environment = ( "ORDERS_DSN" => "$dsn", "ORDERS_DB" => "$db" )
}
CONF
	lighttpd -D -f "$T/$name/lighttpd.conf" 2> "$T/$name-lighttpd-stderr.log" &
	track $!
	BASE=http://127.0.0.1:$http
	wait_for 5 curl -s -o /dev/null "$BASE/" || { not_ok "$name: lighttpd started"; return 1; }
}

# order APP ITEM: POST to the example; prints the HTTP status.
order() {
	curl -s -o "$T/last-order.json" -w '%{http_code}' --max-time 20 \
	    -d "item=$2" "$BASE/app/$1"
}

# outbox NAME DBVALUE PDO_DSN SQL...: the whole story on one engine; SQL
# is the command that runs SQL from stdin on it, and scalar one answer.
outbox() {
	local name=$1 db=$2 dsn=$3
	serve "$name" "$db" "$dsn" || return 1
	stream "$name-live" "$BASE/sse?topic=orders/*"
	wait_for 5 has "$name-live" ": ok" || { not_ok "$name: stream open"; return 1; }
	# APP ITEM STATUS WHAT: stock is 2 apples and no pears.
	while read -r app item want what; do
		check "$name: $what ($want)" [ "$(order "$app" "$item")" = "$want" ]
	done <<-TABLE
	order.php apple 200 PHP, an apple: committed
	order.py apple 200 Python, an apple: committed
	order.php pear 409 PHP, a pear: none left, rolled back after its event
	order.py pear 409 Python, a pear: the same
	order.php apple 409 PHP, apples sold out now: rolled back
	order.py kiwi 409 Python, an item not stocked: rolled back
	TABLE
	"$BUILD/sse-push" -q -d "$db" --topic orders/end -e done -m end
	check "$name: the stream got the marker after the orders" \
	    wait_for 10 has "$name-live" "event: done"
	local ids
	ids=$(scalar "SELECT group_concat(id, ' ') FROM (SELECT id FROM orders ORDER BY id) o" \
	    "SELECT string_agg(id::text, ' ' ORDER BY id) FROM orders")
	check "$name: two orders kept, the rest rolled back" [ "$(echo "$ids" | wc -w)" = 2 ]
	check "$name: two order events kept" [ "$(scalar "SELECT count(*) FROM events WHERE event = 'order'")" = 2 ]
	local want got
	want=$(for i in $ids; do echo "orders/$i"; echo "{\"id\": $i, \"item\": \"apple\"}"; done)
	# PHP's json_encode writes no spaces; Python's json.dumps does.
	got=$(sed -n 's/^data: //p' "$T/$name-live.out" | grep -v '^orders/end$' | grep -v '^end$' |
	    sed 's/{"id":\([0-9]*\),"item":"apple"}/{"id": \1, "item": "apple"}/')
	check "$name: the live stream got each committed order once, in order" [ "$got" = "$want" ]
	check "$name: no rolled-back order reached it" sh -c "! grep -q -e pear -e kiwi '$T/$name-live.out'"

	curl -sN --max-time 2 -H "Last-Event-ID: 0" "$BASE/sse?topic=orders/*" > "$T/$name-resume.out"
	check "$name: a resume from 0 gets the same two orders and the marker" \
	    [ "$(grep -c '^event: order$' "$T/$name-resume.out") $(grep -c '^event: done$' "$T/$name-resume.out")" = "2 1" ]
	# Rows no validator saw: a CR LF in data, a line break in a name.
	rawsql "INSERT INTO events (event, topic, data) VALUES ('note', 'orders/raw', 'line 1' || $CRLF || 'line 2')"
	rawsql "INSERT INTO events (event, topic, data) VALUES ('bad' || $LF || 'data: injected', 'orders/raw', 'x')"
	"$BUILD/sse-push" -q -d "$db" --topic orders/end -e done2 -m end
	check "$name: rows written by hand reach the stream" wait_for 10 has "$name-live" "event: done2"
	check "$name: CR LF in data is two data: lines" \
	    sh -c "grep -A3 '^event: note$' '$T/$name-live.out' | grep -q -x 'data: line 2'"
	check "$name: a name with a line break goes out as its id alone" \
	    sh -c "! grep -q injected '$T/$name-live.out'"
	check "$name: sse-fcgi says so in its log" grep -q "sent as their ids alone" "$T/$name-sse-fcgi.log"
	stop_stream "$name-live"
}

# SQLite: the database is the file; the examples write it as this user.
LITE=$DB
push -e hello -m schema	# creates the events table
sqlite3 "$LITE" < "$EX/schema.sql"
sqlite3 "$LITE" "INSERT INTO stock VALUES ('apple', 2), ('pear', 0)"
scalar() { sqlite3 "$LITE" "$1"; }
rawsql() { sqlite3 "$LITE" "$1"; }
CRLF="char(13, 10)" LF="char(10)"
outbox sqlite "$LITE" "sqlite:$LITE"

# PostgreSQL: the same story through PDO pgsql and psycopg.
start_pg || { finish; exit 1; }
"$BUILD/sse-push" -q -d "$PGURL" -e hello -m schema
psql_su -q -d sse -f "$EX/schema-pg.sql"
psql_su -q -d sse -c "INSERT INTO stock VALUES ('apple', 2), ('pear', 0)"
scalar() { psql_su -At -d sse -c "${2:-$1}"; }
rawsql() { psql_su -q -d sse -c "$1"; }
CRLF="E'\\r\\n'" LF="E'\\n'"
outbox pg "$PGURL" "pgsql:host=$PG_SOCK;port=$PG_PORT;dbname=sse;user=postgres"

finish

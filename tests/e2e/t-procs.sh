#!/usr/bin/env bash
# Several sse-fcgi processes behind one lighttpd (max-procs), as a box with
# more streams than one process may hold descriptors for is run (issue 20):
# each holds its share, every stream gets every event once and in order,
# and the status pages, read from each process's own socket, add up to the
# streams open (README, "Several processes").
. "$(dirname "$0")/lib.sh"

PROCS=3
STREAMS=60
push AAPL 1
HTTP_PORT=$(port)
mkdir -p "$T/www"
cat > "$T/lighttpd.conf" <<CONF
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $HTTP_PORT
server.document-root = "$T/www"
server.errorlog = "$T/lighttpd.log"
server.stream-response-body = 2
fastcgi.server = ( "/sse" => ((
    "bin-path" => "$BUILD/sse-fcgi",
    "socket" => "$T/sse.sock",
    "max-procs" => $PROCS,
    "bin-environment" => ( "SSE_DB" => "$DB", "SSE_STATUS_PATH" => "/sse/status" ),
    "check-local" => "disable" )) )
CONF
lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd-stderr.log" &
track $!
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" ||
    { not_ok "lighttpd started"; finish; exit 1; }
procs() { pgrep -f "^$BUILD/sse-fcgi$"; }
check "lighttpd started $PROCS sse-fcgi processes" wait_for 5 sh -c "[ \$(pgrep -c -f '^$BUILD/sse-fcgi\$') = $PROCS ]"

start=$("$BUILD/sse-push" -d "$DB" AAPL 2)
"$BUILD/sseload" -p "$HTTP_PORT" -u /sse -n $STREAMS -c 100 -L "$start" -t 60 > "$T/load.out" &
load=$!; track $load
wait_for 15 grep -q "^ready $STREAMS" "$T/load.out"
held=""
for pid in $(procs); do held="$held $(fcgi_streams "$pid")"; done
echo "# streams held by each process:$held"
check "every process holds some of the $STREAMS streams" sh -c "! echo '$held' | grep -qw 0"

# The status page of each process, from its own socket (lighttpd names
# them SOCKET-0, SOCKET-1 ...), summed as README says.
status_sum() {
	local s
	for s in "$T"/sse.sock-*; do
		env -i REQUEST_METHOD=GET REQUEST_URI=/sse/status SCRIPT_NAME=/sse \
		    cgi-fcgi -bind -connect "$s"
	done | awk '$1 == "streams_open" { n += $2 } END { print n + 0 }'
}
sum=$(status_sum)
check "the processes' status pages add up to the $STREAMS streams ($sum)" [ "$sum" = $STREAMS ]

seq 1 100 | sed 's/^/AAPL 3./' | "$BUILD/sse-push" -q -d "$DB" -f
wait $load
check "$STREAMS streams over $PROCS processes: each got all 100 events, once, in order" [ $? = 0 ]
sed -n 's/^conns/# conns/p' "$T/load.out"
finish

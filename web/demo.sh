#!/usr/bin/env bash
# demo.sh BUILD_DIR - the live price dashboard on 127.0.0.1: lighttpd serves
# web/ in front of sse-fcgi, and sse-push --simulate random-walks prices
# into a fresh database. Ctrl-C stops everything this script started.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/${1:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/sse-demo.XXXXXX")
chmod 755 "$T"
DB=$T/events.db
PIDS=()

stop() {
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	kill "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
	exit 0
}
trap stop INT TERM EXIT

port=${DEMO_PORT:-8080}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	port=$("$BUILD/sseload" -F)	# 8080 is taken: any free port
fi
"$BUILD/sse-push" -q -d "$DB" -b <<PRICES
AAPL 189.50
META 512.30
GOOGL 141.80
PRICES
"$BUILD/sse-fcgi" -d "$DB" -l "unix:$T/sse.sock" 2> "$T/sse-fcgi.log" &
PIDS+=($!)
echo $! > "$T/sse-fcgi.pid"
sed -e "s#@PORT@#$port#" -e "s#@T@#$T#g" -e "s#@WEB@#$TOP/web#" \
    -e "s#@BUILD@#$BUILD#" -e "s#@DB@#$DB#" \
    "$TOP/web/lighttpd-demo.conf.in" > "$T/lighttpd.conf"
lighttpd -D -f "$T/lighttpd.conf" &
PIDS+=($!)
"$BUILD/sse-push" -d "$DB" --simulate AAPL=189.50,META=512.30,GOOGL=141.80 \
    --rate "${DEMO_RATE:-3}" &
PIDS+=($!)

echo "demo: dashboard at http://127.0.0.1:$port/  (Ctrl-C to stop)"
echo "demo: raw stream:  curl -N http://127.0.0.1:$port/sse"
echo "demo: push a price: $BUILD/sse-push -d $DB AAPL 200"
echo "demo: history:      sqlite3 $DB 'SELECT * FROM latest_prices'"
wait

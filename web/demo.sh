#!/usr/bin/env bash
# demo.sh BUILD_DIR - the live price dashboard on 127.0.0.1: lighttpd serves
# web/ and spawns sse-fcgi; a simulator random-walks prices into a fresh
# database with sse-push. Ctrl-C stops everything this script started.
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
	pkill -f "$T/" 2>/dev/null	# the sse-fcgi lighttpd spawned
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
sed -e "s#@PORT@#$port#" -e "s#@T@#$T#g" -e "s#@WEB@#$TOP/web#" \
    -e "s#@BUILD@#$BUILD#" -e "s#@DB@#$DB#" \
    "$TOP/web/lighttpd-demo.conf.in" > "$T/lighttpd.conf"
lighttpd -D -f "$T/lighttpd.conf" &
PIDS+=($!)

# The simulator: every ~0.4 s one symbol moves by up to +-0.4 %, in cents.
simulate() {
	local -A cents=([AAPL]=18950 [META]=51230 [GOOGL]=14180)
	local syms=(AAPL META GOOGL) s c step
	while sleep 0.4; do
		s=${syms[RANDOM % 3]}
		c=${cents[$s]}
		step=$(( c * (RANDOM % 81 - 40) / 10000 ))
		c=$(( c + step > 100 ? c + step : 100 ))
		cents[$s]=$c
		"$BUILD/sse-push" -q -d "$DB" "$s" "$((c / 100)).$(printf %02d $((c % 100)))"
	done
}
simulate &
PIDS+=($!)

echo "demo: dashboard at http://127.0.0.1:$port/  (Ctrl-C to stop)"
echo "demo: raw stream:  curl -N http://127.0.0.1:$port/sse"
echo "demo: push a price: $BUILD/sse-push -d $DB AAPL 200"
wait

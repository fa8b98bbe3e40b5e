# lib.sh - shared helpers for the end-to-end tests. Each test sources this,
# gets its own temporary directory, and everything it starts is recorded
# there and killed by PID when the test exits, pass or fail.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/sse-e2e.XXXXXX")
chmod 755 "$T"
DB=$T/events.db
# Responders stop at once when a test ends; t-lifecycle tests the spread.
export SSE_STOP_SPREAD=0
FAILS=0
CHECKS=0
# Sanitizer builds: reports go to files here, or to the stderr the process
# has (lighttpd does not pass its environment to CGI programs); finish()
# looks in both. Leaks are reported at exit.
if [ -n "${SAN:-}" ]; then
	export ASAN_OPTIONS="log_path=$T/asan:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$T/ubsan:print_stacktrace=1:halt_on_error=1"
fi

cleanup_processes() {
	local pid f
	# PostgreSQL (pg.sh): an immediate shutdown ends its backends too,
	# which a plain kill of the postmaster would leave behind.
	for f in "$T"/*/postmaster.pid; do
		[ -f "$f" ] && kill -QUIT "$(head -1 "$f")" 2>/dev/null
	done
	if [ -f "$T/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null
		done < "$T/pids"
		# Up to 3 s to exit by themselves (a sanitizer build checks
		# for leaks on the way out), then no more waiting.
		local i
		for i in $(seq 60); do
			alive=0
			while read -r pid; do
				kill -0 "$pid" 2>/dev/null && alive=1
			done < "$T/pids"
			[ $alive = 0 ] && break
			sleep 0.05
		done
		while read -r pid; do
			kill -9 "$pid" 2>/dev/null
		done < "$T/pids"
	fi
	# lighttpd-spawned and CGI children are ours too.
	pkill -f "$T/" 2>/dev/null && sleep 0.3
	pkill -9 -f "$T/" 2>/dev/null
	: > "$T/pids"
}

cleanup() {
	cleanup_processes
	if [ "$FAILS" -gt 0 ] && [ -z "${KEEP:-}" ]; then
		for f in "$T"/*.log; do
			[ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

track() { echo "$1" >> "$T/pids"; }
port() { "$BUILD/sseload" -F; }
push() { "$BUILD/sse-push" -q -d "$DB" "$@"; }
pushid() { "$BUILD/sse-push" -d "$DB" "$@"; }

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok - $*"
}

not_ok() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: pass when the command succeeds.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; return 1; fi
}

# stop_pidfile FILE: stop the process named there and wait until it is gone.
stop_pidfile() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
}

# wait_for SECONDS COMMAND...: poll every 20 ms until the command succeeds.
wait_for() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# stream NAME URL [curl args]: follow an SSE URL in the background into
# $T/NAME.out; its PID is tracked.
stream() {
	local name=$1 url=$2; shift 2
	curl -sN --no-buffer "$@" "$url" > "$T/$name.out" 2> "$T/$name.err" &
	track $!
	echo $! > "$T/$name.pid"
}

stop_stream() {
	local pid
	pid=$(cat "$T/$1.pid")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

has() { grep -q -F -x -e "$2" "$T/$1.out" 2>/dev/null; }
ids_of() { sed -n 's/^id: //p' "$T/$1.out" | tr '\n' ' ' | sed 's/ $//'; }

# Start lighttpd with the three ways to run the responders:
#   /spawned/  sse-fcgi spawned by lighttpd (bin-path, socket on fd 0)
#   /external/ sse-fcgi started here with --listen unix:
#   /cgi/sse.cgi
# Extra SSE_* settings come from the environment of this function's caller
# through $SSE_ENV ("NAME=value NAME=value").
start_lighttpd() {
	HTTP_PORT=$(port)
	mkdir -p "$T/www" "$T/cgi"
	# A copy, replaced whole: CGI processes of an earlier start may still
	# be running the old one.
	cp "$BUILD/sse.cgi" "$T/cgi/sse.cgi.new" && mv "$T/cgi/sse.cgi.new" "$T/cgi/sse.cgi"
	local env_lighty="" env_cmd=() kv
	for kv in SSE_DB=$DB ${SSE_ENV:-}; do
		env_lighty="$env_lighty\"${kv%%=*}\" => \"${kv#*=}\", "
		env_cmd+=("$kv")
	done
	env "${env_cmd[@]}" "$BUILD/sse-fcgi" -l "unix:$T/ext.sock" \
	    2> "$T/external.log" &
	track $!
	EXT_PID=$!
	FCGI_PORT=$(port)
	env "${env_cmd[@]}" "$BUILD/sse-fcgi" -l "127.0.0.1:$FCGI_PORT" \
	    2> "$T/tcp.log" &
	track $!
	TCP_PID=$!
	wait_for 5 test -S "$T/ext.sock" || { not_ok "sse-fcgi --listen started"; return 1; }
	sed -e "s#@PORT@#$HTTP_PORT#g" -e "s#@T@#$T#g" -e "s#@BUILD@#$BUILD#g" \
	    -e "s#@FCGI_PORT@#$FCGI_PORT#g" \
	    -e "s#@ENV@#$env_lighty#g" \
	    "$TOP/tests/e2e/lighttpd.conf.in" > "$T/lighttpd.conf"
	lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd-stderr.log" &
	track $!
	LIGHTTPD_PID=$!
	wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" ||
	    { not_ok "lighttpd started"; return 1; }
	BASE=http://127.0.0.1:$HTTP_PORT
}

# Streams an sse-fcgi process holds: its descriptors at or above 1024.
fcgi_streams() {
	local n=0 fd
	for fd in /proc/"$1"/fd/*; do
		fd=${fd##*/}
		[ "$fd" -ge 1024 ] && n=$((n + 1))
	done
	echo "$n"
}

spawned_pid() { pgrep -f "^$BUILD/sse-fcgi$" | head -1; }
cgi_count() { pgrep -c -f "$T/cgi/sse.cgi" || true; }

# Any sanitizer report from the processes this test ran.
san_reports() {
	local f
	for f in "$T"/asan* "$T"/ubsan* "$T"/*.log; do
		[ -f "$f" ] && grep -q -e "ERROR: AddressSanitizer" \
		    -e "ERROR: LeakSanitizer" -e "runtime error:" "$f" &&
		    echo "$f"
	done
}

finish() {
	if [ -n "${SAN:-}" ]; then
		# Let the responders exit (and report leaks) before looking.
		cleanup_processes
		if [ -n "$(san_reports)" ]; then
			not_ok "sanitizers: no reports"
			san_reports | while read -r f; do
				echo "--- $f"; head -40 "$f"
			done
		else
			ok "sanitizers: no reports"
		fi
	fi
	echo "# $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

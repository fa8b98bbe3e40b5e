#!/usr/bin/env bash
# run.sh quick|full [BUILD_DIR] - the benchmarks: sse-fcgi and sse.cgi
# against the PHP polling loop (php-fpm and php-cgi, same lighttpd, same
# SQLite file) and nchan (nginx module, in memory), scenario by scenario.
# Every figure lands in $OUT/results.txt as "SCENARIO SYSTEM key=value...";
# bench/report.sh turns that into the table and the plots.
set -u
MODE=${1:-quick}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/${2:-build}
OUT=${OUT:-$TOP/build/bench-$MODE}
T=$(mktemp -d "${TMPDIR:-/tmp}/sse-bench.XXXXXX")
chmod 755 "$T"
DB=$T/events.db
PIDS=()
BENCH=$BUILD/ssebench
PUSH="$BUILD/sse-push -q -d $DB -e bench -m"
# Every process here may need thousands of descriptors.
ulimit -n "$(ulimit -Hn)"
MAXFDS=$(ulimit -n)

case $MODE in
quick)	RATE=10 PUBLISH=5 IDLE=5 FAN="100 1000" PHP_FAN=100 CGI_N=50
	CGI_IDLE=5 BACKLOG=100000 NCHAN_BACKLOG=2000 LAT_SECONDS=5 SPAWNS=20
	RESTART_N=500 BIG=1000000 TOPIC_N=1000 TOPIC_RATE=200 ;;
full)	RATE=10 PUBLISH=20 IDLE=60 FAN="1000 10000" PHP_FAN=1000 CGI_N=200
	CGI_IDLE=30 BACKLOG=1000000 NCHAN_BACKLOG=20000 LAT_SECONDS=20 SPAWNS=50
	RESTART_N=5000 BIG=10000000 TOPIC_N=10000 TOPIC_RATE=1000 ;;
*)	echo "usage: bench/run.sh quick|full [build-dir]" >&2; exit 64 ;;
esac

stop() {
	trap - INT TERM EXIT
	[ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null
	sleep 0.5
	pkill -9 -f "$T/" 2>/dev/null
	[ ${#PIDS[@]} -gt 0 ] && kill -9 "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "bench: kept $T" >&2 || rm -rf "$T"
}
trap stop EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
port() { "$BUILD/sseload" -F; }
up() { local i; for i in $(seq 250); do curl -s -o /dev/null "$1" && return 0; sleep 0.02; done; say "not up: $1"; exit 1; }
render() { # render TEMPLATE OUTPUT NAME=VALUE...
	local in=$1 out=$2 kv args=(); shift 2
	for kv in T=$T DB=$DB "$@"; do args+=(-e "s#@${kv%%=*}@#${kv#*=}#g"); done
	sed "${args[@]}" "$in" > "$out"
}

# record SCENARIO SYSTEM KEY=VALUE...: one line of results.
record() { echo "$*" >> "$OUT/results.txt"; echo "$*"; }

# The sse-fcgi under test, on $T/sse.sock; a new one takes the socket over
# from a running one (it unlinks and binds the path), as a deploy does.
start_ours() {
	SSE_DB=${OURS_DB:-$DB} SSE_LIFETIME=3600 SSE_MAX_STREAMS=30000 \
	    SSE_MAX_REPLAY=$((BACKLOG * 2)) SSE_STATUS_PATH=/sse/status \
	    "$BUILD/sse-fcgi" -l "unix:$T/sse.sock" 2>> "$T/sse-fcgi.log" &
	OURS_PID=$!
	PIDS+=($OURS_PID)
}

start_all() {
	"$BUILD/sse-push" -q -d "$DB" -e bench -m "0 0"
	mkdir -p "$T/www" "$T/cgi" "$T/php"
	cp "$BUILD/sse.cgi" "$T/cgi/sse.cgi"
	cp "$TOP/bench/peers/poll.php" "$T/php/poll.php"
	cp "$TOP/bench/peers/poll.php" "$T/cgi/poll.php"
	start_ours

	render "$TOP/bench/peers/php-fpm.conf.in" "$T/php-fpm.conf" MAX=$PHP_FAN
	php-fpm8.2 -R -F -n -y "$T/php-fpm.conf" -d extension=sqlite3 \
	    2> "$T/php-fpm.stderr" &
	PIDS+=($!)
	HTTP=$(port)
	render "$TOP/bench/peers/lighttpd.conf.in" "$T/lighttpd.conf" PORT=$HTTP \
	    MAXFDS=$MAXFDS MAXCONN=$((MAXFDS / 2 - 64))
	# With max-worker, lighttpd stops its workers by signalling its whole
	# process group: give it its own, or it takes this script down too.
	setsid lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd.stderr" &
	PIDS+=($!)
	up "http://127.0.0.1:$HTTP/"
}

# nchan starts fresh for each use: FIRST is where new subscribers begin.
start_nchan() {
	stop_nchan
	NCHAN=$(port)
	render "$TOP/bench/peers/nchan.conf.in" "$T/nchan.conf" PORT=$NCHAN FIRST=$1 \
	    MAXFDS=$MAXFDS
	nginx -c "$T/nchan.conf" -e "$T/nchan-error.log" 2> "$T/nchan.stderr" &
	NCHAN_PID=$!
	PIDS+=($NCHAN_PID)
	up "http://127.0.0.1:$NCHAN/pub"
}
stop_nchan() {
	[ -n "${NCHAN_PID:-}" ] || return 0
	kill "$NCHAN_PID" 2>/dev/null
	wait "$NCHAN_PID" 2>/dev/null
	NCHAN_PID=
}

OURS_URL() { echo "http://127.0.0.1:$HTTP/sse"; }
PHP_URL() { echo "http://127.0.0.1:$HTTP/php/poll.php"; }

# 1. latency: one client, RATE events/s, one publish per event.
s_latency() {
	say "1 latency: 1 client, $RATE events/s, $LAT_SECONDS s"
	record latency ours $("$BENCH" load -n 1 -r $RATE -d $LAT_SECONDS \
	    -s "$PUSH" -P sse-fcgi -o "$OUT/cdf-latency-ours.txt" "$(OURS_URL)")
	say "1 latency: the same through one running sse-push -f"
	record latency-follow ours $("$BENCH" load -n 1 -r $RATE \
	    -d $LAT_SECONDS -w "$BUILD/sse-push -q -d $DB -f" -P sse-fcgi \
	    -o "$OUT/cdf-latency-follow.txt" "$(OURS_URL)")
	record latency php $("$BENCH" load -n 1 -r $RATE -d $LAT_SECONDS \
	    -s "$PUSH" -P php-fpm8.2 -o "$OUT/cdf-latency-php.txt" "$(PHP_URL)")
	start_nchan newest
	record latency nchan $("$BENCH" load -n 1 -r $RATE -d $LAT_SECONDS \
	    -p /pub -P nginx -o "$OUT/cdf-latency-nchan.txt" \
	    "http://127.0.0.1:$NCHAN/sub")
	stop_nchan
}

# 2+3. fan-out, then idle: N clients, RATE events/s, then no events.
s_fanout() {
	local n idle
	for n in $FAN; do
		idle=0
		[ "$n" = "${FAN##* }" ] && idle=$IDLE
		say "2 fan-out: $n clients on sse-fcgi, then ${idle}s idle"
		record "fanout-$n" ours $("$BENCH" load -n "$n" -r $RATE \
		    -d $PUBLISH -i $idle -s "$PUSH" -P sse-fcgi -F lighttpd \
		    -o "$OUT/cdf-fanout-$n-ours.txt" "$(OURS_URL)")
		say "2 fan-out: $n clients on nchan, then ${idle}s idle"
		start_nchan newest
		record "fanout-$n" nchan $("$BENCH" load -n "$n" -r $RATE \
		    -d $PUBLISH -i $idle -p /pub -P nginx \
		    -o "$OUT/cdf-fanout-$n-nchan.txt" \
		    "http://127.0.0.1:$NCHAN/sub")
		stop_nchan
	done
	say "2 fan-out: $PHP_FAN clients on php-fpm, then ${IDLE}s idle"
	record "fanout-$PHP_FAN" php $("$BENCH" load -n $PHP_FAN -r $RATE \
	    -d $PUBLISH -i $IDLE -s "$PUSH" -P php-fpm8.2 -F lighttpd -t 600 \
	    -o "$OUT/cdf-fanout-$PHP_FAN-php.txt" "$(PHP_URL)")
}

# write_batch SYSTEM DB: time one sse-push -b of $BACKLOG price lines.
write_batch() {
	local start end
	[ -s "$T/batch.txt" ] || awk -v n=$BACKLOG 'BEGIN { for (i = 0; i < n; i++)
	    printf "SYM%d %d.%02d\n", i % 50, 100 + i % 7, i % 100 }' > "$T/batch.txt"
	start=$(date +%s%N)
	"$BUILD/sse-push" -q -d "$2" -b < "$T/batch.txt" || say "batch failed"
	end=$(date +%s%N)
	record writer "$1" rows=$BACKLOG seconds=$(awk -v ns=$((end - start)) \
	    'BEGIN { printf "%.3f", ns / 1e9 }') rows_per_s=$(awk -v n=$BACKLOG \
	    -v ns=$((end - start)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
}

# 5. writer: a batch from stdin, and single calls.
s_writer() {
	say "5 writer: sse-push batch of $BACKLOG rows"
	write_batch ours "$DB"
	say "5 writer: $SPAWNS single sse-push calls (a responder holds the db)"
	record single-push ours $("$BENCH" spawn -n $SPAWNS $PUSH "1 1")
	if [ -x "$TOP/build/static/sse-push" ]; then
		say "5 writer: $SPAWNS single calls of a static sse-push"
		record single-push-static ours $("$BENCH" spawn -n $SPAWNS \
		    "$TOP/build/static/sse-push" -q -d "$DB" -e bench -m "1 1")
	fi
	say "5 writer: $SPAWNS single nchan publishes (curl)"
	start_nchan newest
	record single-push nchan $("$BENCH" spawn -n $SPAWNS /usr/bin/curl -s \
	    -o /dev/null -d "1 1" "http://127.0.0.1:$NCHAN/pub")
	stop_nchan
}

# 4. backlog: one client replays everything from Last-Event-ID: 0.
s_backlog() {
	say "4 backlog: replay $BACKLOG rows"
	record backlog ours $("$BENCH" load -n 1 -L 0 -x $BACKLOG -t 120 \
	    "$(OURS_URL)")
	record backlog php $("$BENCH" load -n 1 -L 0 -x $BACKLOG -t 300 \
	    "$(PHP_URL)")
	start_nchan oldest
	say "4 backlog: nchan, $NCHAN_BACKLOG messages published first"
	"$BENCH" load -n 1 -r 2000 -d $((NCHAN_BACKLOG / 2000)) -p /pub \
	    "http://127.0.0.1:$NCHAN/sub" > /dev/null ||
	    say "nchan: some publishes failed"
	record backlog nchan $("$BENCH" load -n 1 -x $NCHAN_BACKLOG -t 60 \
	    "http://127.0.0.1:$NCHAN/sub")
	stop_nchan
}

# 6. CGI: N held streams, idle; each is a process.
s_cgi() {
	say "6 CGI: $CGI_N clients through sse.cgi, ${CGI_IDLE}s idle"
	record "cgi-$CGI_N" ours $("$BENCH" load -n $CGI_N -i $CGI_IDLE \
	    -P sse.cgi "http://127.0.0.1:$HTTP/cgi/sse.cgi")
	say "6 CGI: $CGI_N clients through php-cgi, ${CGI_IDLE}s idle"
	record "cgi-$CGI_N" php $("$BENCH" load -n $CGI_N -i $CGI_IDLE \
	    -P php-cgi "http://127.0.0.1:$HTTP/cgi/poll.php")
	# lighttpd sees that an idle client left only when it next writes to
	# it (the heartbeat), so the CGI processes outlive their clients by up
	# to 15 s; 100 of them polling beside the writer halved its rate.
	pkill -TERM -f "$T/cgi/" 2>/dev/null
	local i
	for i in $(seq 50); do
		pgrep -f "$T/cgi/" > /dev/null || break
		sleep 0.1
	done
}

# 7. restart: RESTART_N clients that resume with Last-Event-ID, events at
# RATE/s; a new sse-fcgi takes the socket, and the old one is stopped:
# with SIGINT (every stream at once) and with SIGTERM (spread over
# SSE_STOP_SPREAD, 10 s). The new process's status page, sampled every
# 100 ms, gives the reconnects per second; sseload, that none was lost.
s_restart() {
	local sig
	for sig in INT TERM; do restart_once $sig; done
}

restart_once() {
	local sig=$1 n=$RESTART_N from load pub old rc t0 t
	local ev=$((RATE * 30))	# 30 s of events
	say "7 restart: $n clients, the old sse-fcgi stopped with SIG$sig"
	from=$(sqlite3 "$DB" "SELECT max(id) FROM events")
	"$BUILD/sseload" -p "$HTTP" -u /sse -n $n -L "$from" -c $ev -t 120 -R \
	    > "$T/restart.out" &
	load=$!
	PIDS+=($load)
	for t in $(seq 600); do grep -q "^ready $n" "$T/restart.out" && break; sleep 0.1; done
	"$BUILD/sse-push" -q -d "$DB" --simulate RST=1.00 --rate $RATE \
	    --count $ev &
	pub=$!
	PIDS+=($pub)
	sleep 5
	old=$OURS_PID
	start_ours
	for t in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$HTTP/sse/status" && break
		sleep 0.02
	done
	t0=$(date +%s%N)
	echo "0 $(curl -s --max-time 1 "http://127.0.0.1:$HTTP/sse/status" |
	    awk '$1 == "streams_opened" { print $2 }')" > "$T/opened.tsv"
	kill -$sig "$old"
	for t in $(seq 200); do
		echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(curl -s --max-time 1 \
		    "http://127.0.0.1:$HTTP/sse/status" | awk '$1 == "streams_opened" { print $2 }')" \
		    >> "$T/opened.tsv"
		sleep 0.1
	done
	wait $pub
	wait $load
	rc=$?
	cp "$T/opened.tsv" "$OUT/restart-$sig.tsv"
	# The most reconnects in any 1 s, and when the last of n arrived.
	record "restart-$sig" ours clients=$n sig=$sig sseload_rc=$rc \
	    $(sed -n 's/^\(conns=.*\)/\1/p' "$T/restart.out" | tail -1) \
	    $(awk -v n=$n '{ t[NR] = $1; o[NR] = $2 } END {
		for (i = 1; i <= NR; i++) {
			for (j = i; j <= NR && t[j] - t[i] <= 1000; j++) ;
			if (o[j - 1] - o[i] > peak) peak = o[j - 1] - o[i]
			if (!all && o[i] >= n) all = t[i]
		}
		printf "peak_reconnects_per_s=%d seconds_to_all=%.1f\n", peak,
		    all / 1000 }' "$T/opened.tsv")
}

# 8. PostgreSQL: the same responder on a PostgreSQL database (a server
# started here, as in the tests, on a unix socket), beside the SQLite rows:
# latency at 1 and at the largest fan-out, replay, and the writer. The
# SQLite sse-fcgi hands its socket over and comes back at the end.
s_pg() {
	local n=${FAN##* } url
	# pg.sh's needs, from the tests' lib.sh.
	track() { PIDS+=("$1"); }
	not_ok() { say "not ok: $*"; }
	wait_for() { local i; for i in $(seq $(($1 * 50))); do "${@:2}" && return 0; sleep 0.02; done; return 1; }
	. "$TOP/tests/e2e/pg.sh"
	start_pg pg || { say "no PostgreSQL: skipped"; return 0; }
	url=$PGURL
	"$BUILD/sse-push" -q -d "$url" -e bench -m "0 0"
	kill "$OURS_PID"; wait "$OURS_PID" 2>/dev/null
	OURS_DB=$url start_ours
	sleep 1
	local pushpg="$BUILD/sse-push -q -d $url -e bench -m"
	say "8 PostgreSQL: latency, 1 client, $RATE events/s"
	record latency pg $("$BENCH" load -n 1 -r $RATE -d $LAT_SECONDS \
	    -s "$pushpg" -P sse-fcgi -o "$OUT/cdf-latency-pg.txt" "$(OURS_URL)")
	say "8 PostgreSQL: fan-out, $n clients"
	record "fanout-$n" pg $("$BENCH" load -n "$n" -r $RATE -d $PUBLISH \
	    -s "$pushpg" -P sse-fcgi -F lighttpd "$(OURS_URL)")
	say "8 PostgreSQL: sse-push batch of $BACKLOG rows"
	write_batch pg "$url"
	record single-push pg $("$BENCH" spawn -n $SPAWNS $pushpg "1 1")
	say "8 PostgreSQL: replay $BACKLOG rows"
	record backlog pg $("$BENCH" load -n 1 -L 0 -x $BACKLOG -t 300 "$(OURS_URL)")
	kill "$OURS_PID"; wait "$OURS_PID" 2>/dev/null
	stop_pg pg INT
	start_ours
}

# A table of $2 rows, 1,000 of them (spread evenly) under the topic resume/1.
topic_table() {
	local db=$1 size=$2
	"$BUILD/sse-push" -q -d "$db" -e bench -m "0 0"
	sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
	    FROM n WHERE i < $size) INSERT INTO events (event, data, topic)
	    SELECT 'bench', 'row ' || i, CASE WHEN i % ($size / 1000) = 0
	    THEN 'resume/1' END FROM n"
}
status_of() { curl -s "http://127.0.0.1:$HTTP/sse/status" | awk -v k="$1" '$1 == k { print $2 }'; }

# 9. topics: resume one topic of 1,000 rows in a small table and in one
# of BIG rows (the time and the rows read must not grow with the table);
# TOPIC_N streams on as many topics at TOPIC_RATE events/s (each event
# reaches one stream: the CPU per delivery beside fan-out's); the token
# stream, 100 topics at 50 events/s each through one writer.
s_topics() {
	local size db before
	for size in 10000 "$BIG"; do
		db=$T/resume-$size.db
		say "9 topics: a table of $size rows"
		topic_table "$db" "$size"
		kill "$OURS_PID"; wait "$OURS_PID" 2>/dev/null
		OURS_DB=$db start_ours
		up "http://127.0.0.1:$HTTP/sse/status"
		before=$(status_of replay_rows)
		say "9 topics: resume a topic of 1,000 rows among $size"
		record "topic-resume-$size" ours $("$BENCH" load -n 1 -L 0 -x 1000 \
		    -t 120 "$(OURS_URL)/resume/1") \
		    rows_read=$(( $(status_of replay_rows) - before ))
		rm -f "$db" "$db-wal" "$db-shm"
	done
	kill "$OURS_PID"; wait "$OURS_PID" 2>/dev/null
	start_ours
	up "http://127.0.0.1:$HTTP/sse/status"
	say "9 topics: 1 stream on 1 topic, $TOPIC_RATE events/s (the baseline)"
	record "topics-1" ours $("$BENCH" load -n 1 -T 1 -r "$TOPIC_RATE" \
	    -d "$PUBLISH" -w "$BUILD/sse-push -q -d $DB -f" -P sse-fcgi \
	    -F lighttpd "$(OURS_URL)/b/%d")
	say "9 topics: $TOPIC_N streams on $TOPIC_N topics, $TOPIC_RATE events/s"
	record "topics-$TOPIC_N" ours $("$BENCH" load -n "$TOPIC_N" -T "$TOPIC_N" \
	    -r "$TOPIC_RATE" -d "$PUBLISH" -w "$BUILD/sse-push -q -d $DB -f" \
	    -P sse-fcgi -F lighttpd "$(OURS_URL)/b/%d")
	say "9 topics: tokens, 100 topics x 50 events/s, one writer"
	record tokens ours $("$BENCH" load -n 100 -T 100 -r 5000 -d "$PUBLISH" \
	    -w "$BUILD/sse-push -q -d $DB -f" -P sse-fcgi -F lighttpd \
	    -o "$OUT/cdf-tokens.txt" "$(OURS_URL)/b/%d")
}

mkdir -p "$OUT"
: > "$OUT/results.txt"
{
	echo "mode=$MODE date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') cores=$(nproc) mem=$(free -g | awk '/Mem:/ {print $2}')GiB"
	echo "kernel=$(uname -r) sqlite=$(sqlite3 --version | cut -d' ' -f1) postgresql=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1) lighttpd=$(lighttpd -v 2>&1 | sed -n 's#.*lighttpd/\([^ ]*\).*#\1#p' | head -1) nginx=$(nginx -v 2>&1 | sed 's#.*/##') nchan=$(dpkg-query -W -f='${Version}' libnginx-mod-nchan) php=$(php-fpm8.2 -v | head -1 | cut -d' ' -f2)"
} > "$OUT/machine.txt"
start_all
for s in ${SCENARIOS:-latency fanout cgi writer backlog restart pg topics}; do s_$s; done
say "done: $OUT/results.txt"

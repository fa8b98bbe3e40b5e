#!/usr/bin/env bash
# soak.sh [MINUTES] [BUILD_DIR] - 1,000 clients on one sse-fcgi behind
# lighttpd, 10 events/s for MINUTES (30), sampling the responder's RSS,
# descriptors and threads every 10 s into bench/soak.tsv; the verdict and
# the figures go to bench/SOAK.md. "make soak" runs it.
set -u
MIN=${1:-30}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/${2:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/sse-soak.XXXXXX")
chmod 755 "$T"
DB=$T/events.db
PIDS=()
stop() {
	trap - INT TERM EXIT
	kill "${PIDS[@]}" 2>/dev/null
	sleep 0.5
	kill -9 "${PIDS[@]}" 2>/dev/null
	pkill -9 -f "$T/" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap stop EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)"

"$BUILD/sse-push" -q -d "$DB" -e bench -m "0 0"
mkdir -p "$T/www"
SSE_DB=$DB "$BUILD/sse-fcgi" -l "unix:$T/sse.sock" 2> "$T/sse-fcgi.log" &
FCGI=$!
PIDS+=($FCGI)
PORT=$("$BUILD/sseload" -F)
sed -e "s#@PORT@#$PORT#g" -e "s#@T@#$T#g" -e "s#@DB@#$DB#g" \
    -e "s#@MAXFDS@#$(ulimit -n)#g" -e "s#@MAXCONN@#$(( $(ulimit -n) / 2 - 64 ))#g" \
    "$TOP/bench/peers/lighttpd.conf.in" > "$T/lighttpd.conf"
setsid lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd.stderr" &
PIDS+=($!)
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done

# ssebench does not reconnect, so the load runs in rounds of 170 s, shorter
# than the default SSE_LIFETIME's shortest (192 s): between rounds all 1,000
# streams close and 1,000 new ones open, which is what lifetimes do anyway.
OUT=$TOP/bench/soak.tsv
echo -e "seconds\trss_kb\tfds\tthreads\tstreams" > "$OUT"
sample() {
	local fds streams=0 fd
	fds=$(ls "/proc/$FCGI/fd" | wc -l)
	for fd in /proc/$FCGI/fd/*; do fd=${fd##*/}; [ "$fd" -ge 1024 ] && streams=$((streams + 1)); done
	echo -e "$1\t$(awk '/^VmRSS/ {print $2}' "/proc/$FCGI/status")\t$fds\t$(awk '/^Threads/ {print $2}' "/proc/$FCGI/status")\t$streams" >> "$OUT"
}
start=$(date +%s)
end=$((start + MIN * 60))
: > "$TOP/bench/soak-rounds.txt"
(
	while [ "$(date +%s)" -lt $((end - 10)) ]; do
		left=$((end - $(date +%s) - 5))
		d=$((left < 170 ? left : 170))
		[ $d -gt 5 ] || break
		"$BUILD/ssebench" load -n 1000 -r 10 -d $d -t 60 \
		    -s "$BUILD/sse-push -q -d $DB -e bench -m" -P sse-fcgi \
		    "http://127.0.0.1:$PORT/sse" >> "$TOP/bench/soak-rounds.txt"
	done
) &
LOAD=$!
PIDS+=($LOAD)
while kill -0 $LOAD 2>/dev/null; do
	sample $(( $(date +%s) - start ))
	sleep 10
done
sample $(( $(date +%s) - start ))
rounds=$(wc -l < "$TOP/bench/soak-rounds.txt")
bad=$(grep -c -v 'failed=0 closed=0 .*push_failed=0 .*missing=0 dup=0 reorder=0' "$TOP/bench/soak-rounds.txt")
events=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^received=/) { sub("received=", "", $i); s += $i } } END { print s + 0 }' "$TOP/bench/soak-rounds.txt")
# field KEY: that figure of every round, one a line.
field() { awk -v k="$1=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$TOP/bench/soak-rounds.txt"; }
p50=$(field p50_ms | sort -n | sed -n '1p;$p' | tr '\n' ' ')
p99=$(field p99_ms | sort -n | sed -n '1p;$p' | tr '\n' ' ')
awk -v rounds="$rounds" -v bad="$bad" -v events="$events" -v min="$MIN" \
    -v p50="$p50" -v p99="$p99" '
NR == 1 { next }
{ n++; t[n] = $1; rss[n] = $2; fds[n] = $3; thr[n] = $4 }
END {
	# After the first round (warm-up), RSS and descriptors must stay flat.
	for (i = 1; i <= n; i++) if (t[i] >= 200) {
		if (!seen++) { r0 = rss[i]; rmin = rmax = rss[i]; fmin = fmax = fds[i] }
		if (rss[i] < rmin) rmin = rss[i]; if (rss[i] > rmax) rmax = rss[i]
		if (fds[i] < fmin) fmin = fds[i]; if (fds[i] > fmax) fmax = fds[i]
		last = rss[i]
	}
	printf "# Soak: %d minutes, 1,000 clients, 10 events/s\n\n", min
	printf "One sse-fcgi behind lighttpd; ssebench holds 1,000 streams in rounds of\n"
	printf "170 s, all closed and reopened between rounds; sse-push is spawned for\n"
	printf "every event. `make soak` wrote this; the samples (every 10 s) are in\n"
	printf "`soak.tsv`.\n\n"
	printf "| figure | value |\n|---|---:|\n"
	printf "| load rounds | %d |\n| rounds with a lost, duplicated or reordered event, or a failed stream | %d |\n", rounds, bad
	printf "| events delivered (all streams) | %d |\n", events
	split(p50, a, " "); split(p99, b, " ")
	printf "| delivery p50 per round: best / worst, ms | %s / %s |\n", a[1], a[2]
	printf "| delivery p99 per round: best / worst, ms | %s / %s |\n", b[1], b[2]
	printf "| RSS after warm-up (t >= 200 s): min / max / last, kB | %d / %d / %d |\n", rmin, rmax, last
	printf "| descriptors after warm-up: min / max | %d / %d |\n", fmin, fmax
	printf "| samples | %d |\n", n
}' "$OUT" > "$TOP/bench/SOAK.md"
cat "$TOP/bench/SOAK.md"
[ "$bad" -eq 0 ]

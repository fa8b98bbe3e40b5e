#!/usr/bin/env bash
# report.sh DIR - the markdown table and the plots for one bench run: reads
# DIR/results.txt and DIR/machine.txt (written by bench/run.sh), writes
# DIR/RESULTS.md and DIR/*.png (when gnuplot is there).
set -eu
DIR=$1
R=$DIR/results.txt
# get SCENARIO SYSTEM KEY: one figure, or "" when it was not measured.
get() {
	awk -v s="$1" -v y="$2" -v k="$3" '$1 == s && $2 == y {
	    for (i = 3; i <= NF; i++) { split($i, kv, "=");
	    if (kv[1] == k) print kv[2] } }' "$R" | tail -1
}
# ratio OURS PEER lower|higher: how many times better ours is (>1 = ours).
ratio() {
	awk -v a="$1" -v b="$2" -v dir="$3" 'BEGIN {
	    if (a == "" || b == "" || a + 0 <= 0 || b + 0 <= 0) { print "-"; exit }
	    r = dir == "lower" ? b / a : a / b
	    printf (r >= 10 ? "%.0f×" : r >= 1 ? "%.1f×" : "%.2f×"), r }'
}
fmt() { [ -n "$1" ] && printf "%s" "$1" || printf "-"; }
# row LABEL DIRECTION OURS PHP NCHAN
row() {
	printf "| %s | %s | %s | %s | %s | %s |\n" "$1" "$(fmt "$3")" \
	    "$(fmt "$4")" "$(ratio "$3" "$4" "$2")" "$(fmt "$5")" \
	    "$(ratio "$3" "$5" "$2")"
}
per_min() { awk -v c="$1" -v s="$2" 'BEGIN { if (c == "" || s + 0 <= 0) print ""; else printf "%.2f", c * 60 / s }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 <= 0) print ""; else printf "%.1f", a / b }'; }

fans=$(awk '$1 ~ /^fanout-/ && $2 == "ours" { sub("fanout-", "", $1); print $1 }' "$R" | sort -n | uniq)
big=$(echo "$fans" | tail -1)
phpn=$(awk '$1 ~ /^fanout-/ && $2 == "php" { sub("fanout-", "", $1); print $1 }' "$R" | tail -1)
cgin=$(awk '$1 ~ /^cgi-/ { sub("cgi-", "", $1); print $1 }' "$R" | tail -1)
{
echo "# Benchmark results"
echo
echo "\`make bench\` output: sse-fcgi / sse.cgi beside the PHP polling loop (same"
echo "lighttpd, same SQLite file) and nchan (in memory), in one run."
echo
sed 's/^/    /' "$DIR/machine.txt"
echo
echo "\"Advantage\" is how many times better ours is on that line (above 1: ours"
echo "is better; below 1: the peer is). Latency is measured from the moment"
echo "publishing began (sse-push spawned, or nchan's publish request sent) to"
echo "the event's arrival at the client; memory is the responder's proportional"
echo "set size (Pss) from /proc; CPU is the responder's user+system time."
echo
echo "| Figure | sse-fcgi | PHP loop | advantage | nchan | advantage |"
echo "|---|---:|---:|---:|---:|---:|"
row "1. latency, 1 client, 10 ev/s: p50 ms" lower "$(get latency ours p50_ms)" "$(get latency php p50_ms)" "$(get latency nchan p50_ms)"
row "1. latency: p99 ms" lower "$(get latency ours p99_ms)" "$(get latency php p99_ms)" "$(get latency nchan p99_ms)"
row "1. latency, one running sse-push -f: p50 ms" lower "$(get latency-follow ours p50_ms)" "$(get latency php p50_ms)" "$(get latency nchan p50_ms)"
row "1. latency, one running sse-push -f: p99 ms" lower "$(get latency-follow ours p99_ms)" "$(get latency php p99_ms)" "$(get latency nchan p99_ms)"
for n in $fans; do
	p=""; [ "$n" = "$phpn" ] && p=php
	row "2. $n clients: connect all, ms" lower "$(get fanout-$n ours connect_ms)" "$([ -n "$p" ] && get fanout-$n php connect_ms)" "$(get fanout-$n nchan connect_ms)"
	row "2. $n clients, 10 ev/s: delivery p50 ms" lower "$(get fanout-$n ours p50_ms)" "$([ -n "$p" ] && get fanout-$n php p50_ms)" "$(get fanout-$n nchan p50_ms)"
	row "2. $n clients: delivery p99 ms" lower "$(get fanout-$n ours p99_ms)" "$([ -n "$p" ] && get fanout-$n php p99_ms)" "$(get fanout-$n nchan p99_ms)"
	row "2. $n clients: memory per stream, KB" lower "$(get fanout-$n ours per_stream_kb)" "$([ -n "$p" ] && div "$(get fanout-$n php held_kb)" "$n")" "$(get fanout-$n nchan per_stream_kb)"
	row "2. $n clients: CPU per delivered event, µs" lower "$(get fanout-$n ours cpu_per_event_us)" "$([ -n "$p" ] && get fanout-$n php cpu_per_event_us)" "$(get fanout-$n nchan cpu_per_event_us)"
	row "2. $n clients: missing + dup + reordered" lower "$(( $(get fanout-$n ours missing) + $(get fanout-$n ours dup) + $(get fanout-$n ours reorder) ))" "$([ -n "$p" ] && echo $(( $(get fanout-$n php missing) + $(get fanout-$n php dup) + $(get fanout-$n php reorder) )))" "$(( $(get fanout-$n nchan missing) + $(get fanout-$n nchan dup) + $(get fanout-$n nchan reorder) ))"
done
row "3. idle $big clients: CPU s per minute" lower "$(per_min "$(get fanout-$big ours cpu_idle_s)" "$(get fanout-$big ours idle_s)")" "" "$(per_min "$(get fanout-$big nchan cpu_idle_s)" "$(get fanout-$big nchan idle_s)")"
[ -n "$phpn" ] && row "3. idle $phpn clients: CPU s per minute" lower "" "$(per_min "$(get fanout-$phpn php cpu_idle_s)" "$(get fanout-$phpn php idle_s)")" ""
row "4. backlog replay, events/s" higher "$(get backlog ours eps)" "$(get backlog php eps)" "$(get backlog nchan eps)"
row "5. sse-push batch from stdin, rows/s" higher "$(get writer ours rows_per_s)" "" ""
row "5. one sse-push / one publish (curl), ms p50" lower "$(get single-push ours p50_ms)" "" "$(get single-push nchan p50_ms)"
[ -n "$(get single-push-static ours p50_ms)" ] && row "5. one sse-push, static build, ms p50" lower "$(get single-push-static ours p50_ms)" "" ""
if [ -n "$cgin" ]; then
	row "6. CGI, $cgin clients: memory per stream, KB (sse.cgi / php-cgi)" lower "$(div "$(get cgi-$cgin ours held_kb)" "$cgin")" "$(div "$(get cgi-$cgin php held_kb)" "$cgin")" ""
	row "6. CGI, $cgin clients idle: CPU s per minute" lower "$(per_min "$(get cgi-$cgin ours cpu_idle_s)" "$(get cgi-$cgin ours idle_s)")" "$(per_min "$(get cgi-$cgin php cpu_idle_s)" "$(get cgi-$cgin php idle_s)")" ""
fi
echo
echo "Everything runs on one machine: the web server and the load client share"
echo "its cores with the responder. CPU seconds spent while publishing, per"
echo "fan-out run of ours:"
echo
echo "| clients | sse-fcgi | lighttpd | load client | delivery p99 ms |"
echo "|---:|---:|---:|---:|---:|"
for n in $fans; do
	echo "| $n | $(fmt "$(get fanout-$n ours cpu_pub_s)") | $(fmt "$(get fanout-$n ours front_cpu_pub_s)") | $(fmt "$(get fanout-$n ours client_cpu_pub_s)") | $(fmt "$(get fanout-$n ours p99_ms)") |"
done
if [ -n "$(get restart-TERM ours clients)" ]; then
	echo
	echo "A restart: a new sse-fcgi takes the socket, the old one is stopped, and"
	echo "$(get restart-TERM ours clients) clients (10 events/s) resume with Last-Event-ID. Reconnects per"
	echo "second are read off the new process's status page every 100 ms."
	echo
	echo "| old process stopped with | peak reconnects in 1 s | all back after, s | lost + dup + reordered |"
	echo "|---|---:|---:|---:|"
	for sig in INT TERM; do
		echo "| SIG$sig$([ $sig = TERM ] && echo " (spread over SSE_STOP_SPREAD, 10 s)" || echo " (every stream at once)") | $(fmt "$(get restart-$sig ours peak_reconnects_per_s)") | $(fmt "$(get restart-$sig ours seconds_to_all)") | $(( $(get restart-$sig ours short) + $(get restart-$sig ours dup) + $(get restart-$sig ours reorder) )) |"
	done
fi
if [ -n "$(get latency pg p50_ms)" ]; then
	echo
	echo "The same sse-fcgi on PostgreSQL (a local server on a unix socket, LISTEN/NOTIFY"
	echo "wake-ups) beside SQLite: what a site pays for the database that several web"
	echo "hosts can share."
	echo
	echo "| Figure | SQLite | PostgreSQL |"
	echo "|---|---:|---:|"
	pgrow() { echo "| $1 | $(fmt "$2") | $(fmt "$3") |"; }
	pgrow "1 client, 10 ev/s: latency p50 ms" "$(get latency ours p50_ms)" "$(get latency pg p50_ms)"
	pgrow "1 client: latency p99 ms" "$(get latency ours p99_ms)" "$(get latency pg p99_ms)"
	pgrow "$big clients, 10 ev/s: delivery p50 ms" "$(get fanout-$big ours p50_ms)" "$(get fanout-$big pg p50_ms)"
	pgrow "$big clients: delivery p99 ms" "$(get fanout-$big ours p99_ms)" "$(get fanout-$big pg p99_ms)"
	pgrow "$big clients: missing + dup + reordered" "$(( $(get fanout-$big ours missing) + $(get fanout-$big ours dup) + $(get fanout-$big ours reorder) ))" "$(( $(get fanout-$big pg missing) + $(get fanout-$big pg dup) + $(get fanout-$big pg reorder) ))"
	pgrow "backlog replay, events/s" "$(get backlog ours eps)" "$(get backlog pg eps)"
	pgrow "sse-push batch from stdin, rows/s" "$(get writer ours rows_per_s)" "$(get writer pg rows_per_s)"
	pgrow "one sse-push, ms p50" "$(get single-push ours p50_ms)" "$(get single-push pg p50_ms)"
fi
if [ -n "$(get tokens ours p50_ms)" ]; then
	small=$(awk '$1 ~ /^topic-resume-/ { sub("topic-resume-", "", $1); print $1 }' "$R" | sort -n | head -1)
	large=$(awk '$1 ~ /^topic-resume-/ { sub("topic-resume-", "", $1); print $1 }' "$R" | sort -n | tail -1)
	tn=$(awk '$1 ~ /^topics-/ { sub("topics-", "", $1); print $1 }' "$R" | tail -1)
	echo
	echo "Topics (issue 19): a client resuming one topic of 1,000 rows reads those rows"
	echo "through the (topic, id) index, whatever the size of the table; streams on"
	echo "distinct topics are found by topic, so an event costs what its own streams cost."
	echo
	echo "| Figure | value |"
	echo "|---|---:|"
	echo "| resume 1,000 rows of a topic in a table of $small rows: s | $(fmt "$(get topic-resume-$small ours seconds)") |"
	echo "| ... rows read | $(fmt "$(get topic-resume-$small ours rows_read)") |"
	echo "| resume 1,000 rows of a topic in a table of $large rows: s | $(fmt "$(get topic-resume-$large ours seconds)") |"
	echo "| ... rows read | $(fmt "$(get topic-resume-$large ours rows_read)") |"
	echo "| 1 stream on 1 topic: sse-fcgi CPU per event, µs | $(fmt "$(get topics-1 ours cpu_per_event_us)") |"
	echo "| $tn streams on $tn topics, each event to one: CPU per event, µs | $(fmt "$(get topics-$tn ours cpu_per_event_us)") |"
	echo "| ... delivery p50 / p99 ms | $(fmt "$(get topics-$tn ours p50_ms)") / $(fmt "$(get topics-$tn ours p99_ms)") |"
	echo "| ... missing + dup + reordered | $(( $(get topics-$tn ours missing) + $(get topics-$tn ours dup) + $(get topics-$tn ours reorder) )) |"
	echo "| tokens, 100 topics x 50 ev/s, one writer: p50 / p99 ms | $(fmt "$(get tokens ours p50_ms)") / $(fmt "$(get tokens ours p99_ms)") |"
	echo "| ... missing + dup + reordered | $(( $(get tokens ours missing) + $(get tokens ours dup) + $(get tokens ours reorder) )) |"
fi
echo
echo "Raw figures, one line per scenario and system:"
echo
sed 's/^/    /' "$R"
} > "$DIR/RESULTS.md"

# The headline rows for the README: the lines of the table that matter most.
{
	echo "| Figure | sse-fcgi | PHP loop | advantage | nchan | advantage |"
	echo "|---|---:|---:|---:|---:|---:|"
	grep -E '^\| (1\. latency|2\. [0-9]+ clients: (delivery p99|memory per stream)|3\. idle|4\. backlog|6\. CGI, [0-9]+ clients: memory)' "$DIR/RESULTS.md"
} > "$DIR/HEADLINE.md"

command -v gnuplot > /dev/null || { echo "report: no gnuplot, no plots" >&2; exit 0; }
cdfs=""
for f in "$DIR"/cdf-fanout-1000-*.txt; do [ -s "$f" ] && cdfs="$cdfs $f"; done
[ -n "$cdfs" ] || for f in "$DIR"/cdf-fanout-*-*.txt; do [ -s "$f" ] && cdfs="$cdfs $f"; done
plot=""
for f in $cdfs; do
	name=$(basename "$f" .txt | sed 's/^cdf-fanout-//; s/-ours$/ sse-fcgi/; s/-php$/ PHP loop/; s/-nchan$/ nchan/')
	plot="$plot${plot:+, }'$f' using 2:1 with lines lw 2 title '$name clients'"
done
gnuplot <<GP
set terminal pngcairo size 900,520 font ",11"
set output "$DIR/latency.png"
set title "Delivery latency, 10 events/s (from publish to arrival)"
set xlabel "latency, ms (log scale)"
set ylabel "percent of events delivered"
set logscale x
set grid
set key bottom right
plot $plot
GP
# Memory per stream and CPU per event against clients, ours and nchan.
: > "$DIR/scale.dat"
for n in $fans; do
	echo "$n $(get fanout-$n ours per_stream_kb) $(get fanout-$n nchan per_stream_kb) $(get fanout-$n ours cpu_per_event_us) $(get fanout-$n nchan cpu_per_event_us)" >> "$DIR/scale.dat"
done
[ -n "$phpn" ] && echo "php $phpn $(div "$(get fanout-$phpn php held_kb)" "$phpn") $(get fanout-$phpn php cpu_per_event_us)" > "$DIR/php.dat"
gnuplot <<GP
set terminal pngcairo size 900,520 font ",11"
set output "$DIR/scale.png"
set multiplot layout 1,2 title "Cost against clients (10 events/s)"
set logscale xy
set grid
set xlabel "clients"
set key top right
set ylabel "KB per stream (Pss)"
plot "$DIR/scale.dat" using 1:2 with linespoints lw 2 title "sse-fcgi", \
     "$DIR/scale.dat" using 1:3 with linespoints lw 2 title "nchan", \
     "$DIR/php.dat" using 2:3 with points pt 7 ps 1.5 title "PHP loop"
set ylabel "CPU µs per delivered event"
plot "$DIR/scale.dat" using 1:4 with linespoints lw 2 title "sse-fcgi", \
     "$DIR/scale.dat" using 1:5 with linespoints lw 2 title "nchan", \
     "$DIR/php.dat" using 2:4 with points pt 7 ps 1.5 title "PHP loop"
unset multiplot
GP

#!/usr/bin/env bash
# Topics through lighttpd and one sse-fcgi: live rows reach exactly the
# streams of their topics (found by topic, not by visiting every stream),
# a stream no row was for still ends on the newest id, the status page
# counts streams per topic, and 50 streams on 50 topics each get their
# own. The URL forms through every server in conf/ are t-servers.sh's.
. "$(dirname "$0")/lib.sh"

push AAPL 1
SSE_ENV="SSE_STATUS_PATH=/external/status SSE_HEARTBEAT=1 SSE_GZIP=1"
start_lighttpd || { finish; exit 1; }
# Issue 21: on SQLite, libpq is never loaded (src/pq_load.c).
check "sse-fcgi on SQLite has not loaded libpq" sh -c "! grep -q libpq /proc/$EXT_PID/maps"
U=$BASE/external/
tid() { "$BUILD/sse-push" -d "$DB" "$@"; }
data_of() { sed -n 's/^data: //p' "$T/$1.out" | tr '\n' ' ' | sed 's/ $//'; }
gone() { ! kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }
# ended_on S ID: stream S is over, and the last id it got was ID.
ended_on() { gone "$1" && [ "$(ids_of "$1" | awk '{ print $NF }')" = "$2" ]; }

stream a "$U?topic=jobs/1"
stream b "$U?topic=jobs/2"
stream c "$U?topic=jobs/*"
stream d "$U"
stream e "$U?topic=chat/1&topic=jobs/1"
stream f "$U?topic=other/9"
for s in a b c d e f; do wait_for 5 has $s ": ok"; done
x=$(tid --topic jobs/1 -e p -m x)
y=$(tid --topic jobs/2 -e p -m y)
z=$(tid --topic chat/1 -e t -m z)
w=$(tid -e n -m w)
p=$(tid AAPL 2)
check "no topic: every row, as before topics" wait_for 5 has d "id: $p"
check "jobs/1: its row alone, as published" wait_for 5 sh -c "[ \"\$(sed -n 's/^id: //p' '$T/a.out' | tail -n +2 | tr '\n' ' ')\" = '$x ' ] && [ \"\$(sed -n 's/^data: //p' '$T/a.out')\" = x ]"
check "jobs/2: its row alone" [ "$(ids_of b | cut -d' ' -f2-)" = "$y" ]
check "jobs/*: both, each saying its topic" [ "$(data_of c)" = "jobs/1 x jobs/2 y" ]
check "chat/1 and jobs/1: their two" [ "$(data_of e)" = "jobs/1 x chat/1 z" ]
check "no topic: all five" [ "$(ids_of d | cut -d' ' -f2-)" = "$x $y $z $w $p" ]
check "other/9: none" [ "$(ids_of f | wc -w)" = 1 ]

curl -s --max-time 3 "$BASE/external/status" > "$T/st.out"
check "status: streams per topic, most followed first" sh -c "grep -q '^topic:jobs/1  *2\$' '$T/st.out' && grep -q '^topic:jobs/\\*  *1\$' '$T/st.out' && grep -q '^streams_no_topic  *1\$' '$T/st.out'"
curl -s --max-time 3 "$BASE/external/status?openmetrics" > "$T/om.out"
check "status: OpenMetrics, a label per topic" grep -qx 'sse_topic_streams{topic="jobs/1"} 2' "$T/om.out"

# Ended by the server, each stream's last id is the newest: past the rows
# no one sent it, though no row of its topic moved its cursor.
kill -USR1 "$EXT_PID"
for s in a b c d e f; do wait_for 5 gone $s; done
last=$(for s in a b c d e f; do ids_of $s | awk '{ print $NF }'; done | sort -u | tr '\n' ' ')
check "SIGUSR1: every stream ends on the newest id ($last)" [ "$last" = "$p " ]

# 50 streams on 50 topics: each gets its own event, and only it.
for i in $(seq 1 50); do stream m$i "$U?topic=many/$i"; done
for i in $(seq 1 50); do wait_for 5 has m$i ": ok"; done
for i in $(seq 1 50); do
	printf '{"event":"m","data":"%d","topic":"many/%d"}\n' "$i" "$i"
done | "$BUILD/sse-push" -q -d "$DB" -b
bad=0
for i in $(seq 1 50); do
	wait_for 5 grep -qx "data: $i" "$T/m$i.out" || bad=$((bad + 1))
	[ "$(grep -c '^data:' "$T/m$i.out")" = 1 ] || bad=$((bad + 1))
done
check "50 topics: each stream its own event, once, and no other ($bad wrong)" [ $bad = 0 ]
for i in $(seq 1 50); do stop_stream m$i; done

# A topic closed while its stream is live (through the hub), and sse.cgi.
# With gzip (SSE_GZIP=1 here), both also end a whole gzip member.
stream l "$U?topic=done/1"
stream g "$BASE/cgi/sse.cgi?topic=done/1"
stream lz "$U?topic=done/1" -H "Accept-Encoding: gzip"
stream gz "$BASE/cgi/sse.cgi?topic=done/1" -H "Accept-Encoding: gzip"
wait_for 5 has l ": ok"; wait_for 5 has g ": ok"
wait_for 5 sh -c "[ -s '$T/lz.out' ] && [ -s '$T/gz.out' ]"
tid -q --topic done/1 -e p -m last
c=$(tid --topic done/1 --close)
check "sse-fcgi: the stream on a closed topic ends after it" wait_for 5 ended_on l "$c"
check "sse.cgi: the same" wait_for 5 ended_on g "$c"
for s in lz gz; do
	check "$s: gzip, ended whole, with every event" wait_for 5 sh -c \
	    "gzip -t < '$T/$s.out' 2>/dev/null && gzip -dc < '$T/$s.out' | grep -qx 'id: $c'"
done
curl -s --max-time 3 "$BASE/external/status" > "$T/st.out"
check "status: counted as ended by a close (two streams)" grep -q '^streams_ended_closed  *2$' "$T/st.out"
finish

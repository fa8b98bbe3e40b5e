#!/usr/bin/env bash
# The conf/ files, proven: each real server runs the file users include
# (rendered with loopback ports and temporary paths) and the same scenario
# runs through it. HTTP/2 too, several streams on one connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

prepare
push AAPL 1
sqlite3 "$DB" "INSERT INTO grants VALUES ('alice', 'group:ops')"

# served_by WHO: the open stream s is held by that responder: "cgi" (an
# sse.cgi process), "external" (our own sse-fcgi on the unix socket), or
# "spawned" (the one the web server started), and by no other.
served_by() {
	local cgi ext spawned=0 pid
	cgi=$(pgrep -c -f "$T/cgi/sse.cgi" || true)
	ext=$(fcgi_streams "$RESP_PID")
	for pid in $(pgrep -f "^$BUILD/sse-fcgi$"); do
		spawned=$((spawned + $(fcgi_streams "$pid")))
	done
	case $1 in
	cgi) [ "$cgi" -ge 1 ] && [ "$ext" = 0 ] && [ "$spawned" = 0 ] ;;
	external) [ "$ext" -ge 1 ] && [ "$cgi" = 0 ] && [ "$spawned" = 0 ] ;;
	spawned) [ "$spawned" -ge 1 ] && [ "$cgi" = 0 ] && [ "$ext" = 0 ] ;;
	esac
}

# scenario NAME URL [WHO]: what every setup must do; WHO, when given, is
# the responder that must hold the stream (served_by).
scenario() {
	local name=$1 url=$2 who=${3:-} path id from i inorder
	path=${url#$BASE}

	curl -s -N --max-time 1 -D "$T/h.txt" "$url" > "$T/b.txt"
	check "$name: 200 text/event-stream" grep -qi '^content-type: text/event-stream' "$T/h.txt"
	check "$name: the first comment arrives before any event" [ "$(head -1 "$T/b.txt")" = ": ok" ]

	stream s "$url"
	wait_for 5 has s ": ok"
	[ -z "$who" ] || check "$name: served by the $who responder" \
	    wait_for 3 served_by "$who"
	inorder=1
	for i in $(seq 1 20); do
		id=$(pushid AAPL "$i")
		wait_for 5 has s "id: $id" || { inorder=0; break; }
	done
	check "$name: 20 events arrive one by one" [ "$inorder" = 1 ]

	# SSE_GZIP=1 here: a client that takes gzip gets the stream compressed
	# once (curl decodes one layer), each event as it comes.
	stream g "$url" --compressed -D "$T/g.h"
	wait_for 5 has g ": ok"
	inorder=1
	for i in 1 2 3; do
		id=$(pushid AAPL "$i")
		wait_for 5 has g "id: $id" || { inorder=0; break; }
	done
	check "$name: gzip: 3 events arrive one by one, decoded" [ "$inorder" = 1 ]
	check "$name: gzip: Content-Encoding: gzip, once" [ "$(grep -ci '^content-encoding: gzip' "$T/g.h")" = 1 ]
	stop_stream g

	# The servers run with 3 s idle timeouts here; heartbeats are 1 s.
	sleep 4.5
	id=$(pushid AAPL 77)
	check "$name: a quiet stream outlives the 3 s idle timeout" wait_for 3 has s "id: $id"
	stop_stream s
	# Apache, lighttpd and Caddy notice a gone client only when they write
	# (Caddy after ~4 writes): a few heartbeats.
	check "$name: a client that leaves is released" wait_for 6 held_is 0

	from=$((id - 3))
	curl -s -N --max-time 1 -H "Last-Event-ID: $from" "$url" > "$T/r.out"
	check "$name: resume with Last-Event-ID" [ "$(ids_of r)" = "$((from + 1)) $((from + 2)) $id" ]

	"$BUILD/sseload" -p "$HTTP_PORT" -u "$path" -n 50 -c 1 -t 40 > "$T/l.out" &
	local load=$!
	track $load
	wait_for 30 grep -q '^ready 50' "$T/l.out"
	push AAPL 50
	wait $load
	check "$name: 50 concurrent streams each get the event" [ $? = 0 ]
	check "$name: all 50 released" wait_for 5 held_is 0
}

# topics NAME URL: both ways to ask for topics through this server: the
# path (/sse/jobs/N, which reaches the responder as PATH_INFO) resumes that
# topic alone; topic= twice and a pattern, where each event's data starts
# with its topic; and a topic's end: the open stream ends after the last
# row, and the client coming back with its id is told 204.
topics() {
	local name=$1 url=$2 t=t$RANDOM a b c d code
	a=$(pushid --topic "jobs/$t" -e progress -m 10)
	b=$(pushid --topic "chat/$t" -e token -m hi)
	c=$(pushid --topic "jobs/$t" -e progress -m 50)
	curl -s -N --max-time 1 -H "Last-Event-ID: $((a - 1))" "$url/jobs/$t" > "$T/tp.out"
	check "$name topics: the path resumes its topic alone" [ "$(ids_of tp)" = "$a $c" ]
	check "$name topics: one topic, the data as published" \
	    sh -c "[ \"\$(grep '^data:' '$T/tp.out' | tr '\n' ' ')\" = 'data: 10 data: 50 ' ]"
	curl -s -N --max-time 1 -H "Last-Event-ID: $((a - 1))" "$url?topic=jobs/$t&topic=chat/$t" > "$T/tq.out"
	check "$name topics: topic= twice resumes both" [ "$(ids_of tq)" = "$a $b $c" ]
	check "$name topics: each event's data starts with its topic" \
	    sh -c "grep -A1 -x 'data: chat/$t' '$T/tq.out' | grep -qx 'data: hi'"
	curl -s -N --max-time 1 -H "Last-Event-ID: $((a - 1))" "$url?topic=chat/*" > "$T/tw.out"
	check "$name topics: a pattern (chat/*)" [ "$(ids_of tw)" = "$b" ]
	stream ts "$url/jobs/$t" -H "Last-Event-ID: $c"
	wait_for 5 has ts ": ok"
	d=$(pushid --topic "jobs/$t" --close)
	check "$name topics: closing the topic ends its stream after the last row" \
	    wait_for 5 sh -c "! kill -0 $(cat "$T/ts.pid") 2>/dev/null && grep -qx 'id: $d' '$T/ts.out'"
	stop_stream ts
	code=$(curl -s --max-time 2 -o "$T/t204.out" -w '%{http_code}' -H "Last-Event-ID: $d" "$url/jobs/$t")
	check "$name topics: coming back to a finished topic gets 204 ($code)" \
	    sh -c "[ $code = 204 ] && [ ! -s '$T/t204.out' ]"
}

# status NAME URL: the status page answers this host, and refuses another
# address (127.0.0.2 is on lo too, but it is not one the files allow).
status() {
	local name=$1 url=$2 code
	code=$(curl -s --max-time 3 -o "$T/st.out" -w '%{http_code}' "$url")
	check "$name: status page from 127.0.0.1" sh -c "[ $code = 200 ] && grep -q '^database_ok  *1$' '$T/st.out'"
	code=$(curl -s --max-time 3 --interface 127.0.0.2 -o "$T/st.out" -w '%{http_code}' "$url")
	check "$name: status page refused from 127.0.0.2 ($code)" sh -c "[ $code = 403 ] && ! grep -q database_ok '$T/st.out'"
}

# private NAME URL: real Basic auth in front of a private endpoint: the
# server refuses strangers, and each user hears the public events, their
# own, and their grants', never another's.
private() {
	local name=$1 url=$2 code tag=$RANDOM id
	code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$url")
	check "$name private: no credentials, 401" [ "$code" = 401 ]
	code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' -u alice:wrong "$url")
	check "$name private: a wrong password, 401" [ "$code" = 401 ]
	stream pa "$url" -u alice:alice-pw
	stream pb "$url" -u bob:bob-pw
	wait_for 5 has pa ": ok"; wait_for 5 has pb ": ok"
	"$BUILD/sse-push" -q -d "$DB" -e note -m "all-$tag"
	"$BUILD/sse-push" -q -d "$DB" -e dm -m "alice-$tag" --to alice
	"$BUILD/sse-push" -q -d "$DB" -e dm -m "bob-$tag" --to bob
	id=$("$BUILD/sse-push" -d "$DB" -e page -m "ops-$tag" --to group:ops)
	check "$name private: alice hears hers, group:ops (granted) and the public one" \
	    wait_for 5 sh -c "grep -q '^data: all-$tag' '$T/pa.out' && grep -q '^data: alice-$tag' '$T/pa.out' && grep -q '^data: ops-$tag' '$T/pa.out'"
	check "$name private: bob hears his and the public one" \
	    wait_for 5 sh -c "grep -q '^data: all-$tag' '$T/pb.out' && grep -q '^data: bob-$tag' '$T/pb.out'"
	check "$name private: neither hears the other's" \
	    sh -c "! grep -q '^data: bob-$tag' '$T/pa.out' && ! grep -q '^data: alice-$tag' '$T/pb.out' && ! grep -q '^data: ops-$tag' '$T/pb.out'"
	stop_stream pa; stop_stream pb
	curl -s -N --max-time 2 -H "Last-Event-ID: $((id - 4))" "${url%-private}" > "$T/pub.out"
	check "$name private: the public endpoint carries the public one only" \
	    sh -c "grep -q '^data: all-$tag' '$T/pub.out' && ! grep -q -e '^data: alice-$tag' -e '^data: bob-$tag' -e '^data: ops-$tag' '$T/pub.out'"
	# A private topic: one path, each user's own rows of it.
	id=$(pushid --topic "inbox/$tag" -e dm -m "t-alice-$tag" --to alice)
	"$BUILD/sse-push" -q -d "$DB" --topic "inbox/$tag" -e dm -m "t-bob-$tag" --to bob
	"$BUILD/sse-push" -q -d "$DB" --topic "inbox/$tag" -e dm -m "t-all-$tag"
	curl -s -N --max-time 1 -u alice:alice-pw -H "Last-Event-ID: $((id - 1))" "$url/inbox/$tag" > "$T/pt.out"
	check "$name private: a topic in the path carries alice's rows of it and the public one, not bob's" \
	    sh -c "[ \"\$(grep '^data:' '$T/pt.out' | tr '\n' ' ')\" = 'data: t-alice-$tag data: t-all-$tag ' ]"
}

# h2 NAME N URL [URL...]: N streams of the first URL on one HTTP/2
# connection (h2c with prior knowledge for http:, ALPN for https:), after
# any further URLs; each of three events must reach every stream once
# before the next is pushed. nghttp prints all bodies, interleaved.
h2() {
	local name=$1 n=$2 url=$3 i id pid; shift 3
	local urls=("$@")
	# Distinct URLs (an ignored parameter): nghttp requests a URL once.
	for i in $(seq 1 "$n"); do urls+=("$url?s=$i"); done
	stdbuf -o0 nghttp "${urls[@]}" > "$T/h2.out" 2> "$T/h2.err" &
	pid=$!
	track $pid
	copies() { [ "$(grep -c -x -e "$1" "$T/h2.out")" = "$n" ]; }
	check "$name: $n streams open" wait_for 10 copies ": ok"
	check "$name: on one connection" [ "$(ss -tnp | grep -c "pid=$pid,")" = 1 ]
	for i in 1 2 3; do
		id=$(pushid AAPL "$i.25")
		check "$name: event $i reaches each of the $n streams" wait_for 5 copies "id: $id"
	done
	kill $pid; wait $pid 2>/dev/null
	check "$name: released" wait_for 5 held_is 0
}

# --- Apache -----------------------------------------------------------
start_responder
echo "# apache + mod_fcgid"
check "apache starts" start_apache apache-fcgid.conf &&
    scenario "apache fcgid" "$BASE/sse"
topics "apache fcgid" "$BASE/sse"
status "apache fcgid" "$BASE/sse/status"
h2 "apache fcgid h2c" 6 "$BASE/sse"
stop_apache

echo "# apache + mod_proxy_fcgi (unix)"
check "apache starts" start_apache apache-proxy-fcgi.conf &&
    scenario "apache proxy_fcgi unix" "$BASE/sse"
topics "apache proxy_fcgi unix" "$BASE/sse"
status "apache proxy_fcgi unix" "$BASE/sse/status"
check "apache proxy_fcgi: no worker sharing warning (AH01146)" sh -c "! grep -q AH01146 '$T/apache.log'"
private "apache proxy_fcgi unix" "$BASE/sse-private"
h2 "apache proxy_fcgi h2 TLS" 6 "$TLS/sse"
# Apache runs only 6 streams of a fresh connection at once and raises that
# as requests finish, on its own schedule: 6 is what a page can count on.
h2 "apache proxy_fcgi h2c" 6 "$BASE/sse"
stop_apache

echo "# apache + mod_proxy_fcgi (tcp)"
check "apache starts" start_apache apache-proxy-fcgi.conf '/unix:/s/^/#/; /fcgi:\/\/127/s/^#//' &&
    scenario "apache proxy_fcgi tcp" "$BASE/sse"
stop_apache

echo "# apache + mod_cgid"
check "apache starts" start_apache apache-cgi.conf &&
    scenario "apache cgid" "$BASE/sse"
topics "apache cgid" "$BASE/sse"
status "apache cgid" "$BASE/sse/status"
h2 "apache cgid h2c" 6 "$BASE/sse"
stop_apache

echo "# apache + .htaccess (shared hosting)"
mkdir -p "$T/live"
cp "$BUILD/sse.cgi" "$T/live/sse.cgi"
sed -e "s#/home/USER/sse-data/events.db#$DB#" "$TOP/conf/shared-hosting.htaccess" \
    > "$T/live/.htaccess"
printf "SetEnv SSE_HEARTBEAT 1\nSetEnv SSE_GZIP 1\n" >> "$T/live/.htaccess"
printf 'Alias /live %s\n<Directory %s>\n    AllowOverride All\n    Require all granted\n</Directory>\n' \
    "$T/live" "$T/live" > "$T/htaccess-site.conf"
check "apache starts" start_apache_raw "$T/htaccess-site.conf" &&
    scenario "apache .htaccess cgi" "$BASE/live/sse.cgi"
topics "apache .htaccess cgi" "$BASE/live/sse.cgi"
stop_apache

# --- lighttpd -----------------------------------------------------------
echo "# lighttpd"
check "lighttpd starts" start_lighttpd_conf
scenario "lighttpd fastcgi spawned" "$BASE/sse" spawned
topics "lighttpd fastcgi spawned" "$BASE/sse"
status "lighttpd fastcgi spawned" "$BASE/sse/status"
scenario "lighttpd fastcgi external" "$BASE/sse-external" external
topics "lighttpd fastcgi external" "$BASE/sse-external"
scenario "lighttpd cgi" "$BASE/sse-cgi" cgi
topics "lighttpd cgi" "$BASE/sse-cgi"
h2 "lighttpd h2c (8 per connection)" 8 "$BASE/sse"
h2 "lighttpd h2 TLS" 8 "$TLS/sse-external"

# --- nginx and Caddy, in front of the responders started above ------------
stop_pidfile "$T/lighttpd.pid"
echo "# nginx"
check "nginx starts" start_nginx && scenario "nginx" "$BASE/sse"
topics "nginx" "$BASE/sse"
status "nginx" "$BASE/sse/status"
private "nginx" "$BASE/sse-private"
h2 "nginx h2 TLS" 10 "$TLS/sse"
stop_pidfile "$T/nginx/nginx.pid"

echo "# caddy"
check "caddy starts" start_caddy && scenario "caddy" "$BASE/sse"
topics "caddy" "$BASE/sse"
status "caddy" "$BASE/sse/status"
h2 "caddy h2c" 10 "$BASE/sse"
h2 "caddy h2 TLS" 10 "$TLS/sse"
finish

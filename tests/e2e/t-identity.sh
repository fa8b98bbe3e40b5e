#!/usr/bin/env bash
# Who a stream runs as, decided once and fail-closed, at the responders
# themselves: both take REMOTE_USER and SSE_PRIVATE from one place and
# refuse a request that carries either twice; long OpenID names stream;
# every grant counts and is read again on an open stream; the replay limit
# bounds rows read; a client over capacity costs no query; a stream never
# stays on a descriptor libfcgi's select() could meet; a failed epoll_wait
# exits non-zero. t-auth.sh proves the same behind real web servers.
. "$(dirname "$0")/lib.sh"

push AAPL 1
FPORT=$(port)
SSE_DB=$DB SSE_HEARTBEAT=1 SSE_LIFETIME=0 "$BUILD/sse-fcgi" \
    -l "127.0.0.1:$FPORT" 2> "$T/fcgi.log" &
track $!
FCGI_PID=$!
wait_for 5 sh -c "ss -tln | grep -q ':$FPORT '"

# raw NAME ARGS...: one FastCGI request to sse-fcgi, its answer in
# $T/NAME.out; a stream is cut after 2 s.
raw() {
	local name=$1; shift
	timeout 2 "$BUILD/fcgiraw" -p "$FPORT" "$@" > "$T/$name.out" 2> /dev/null
}
# raw_stream NAME ARGS...: the same in the background, followed as it comes.
raw_stream() {
	local name=$1; shift
	"$BUILD/fcgiraw" -p "$FPORT" "$@" > "$T/$name.out" 2> /dev/null &
	track $!
	echo $! > "$T/$name.pid"
}
# cgi NAME NAME=VALUE...: sse.cgi with exactly that environment (duplicates
# kept, as fcgiwrap passes them), its answer in $T/NAME.out.
cgi() {
	local name=$1; shift
	timeout 2 "$BUILD/envexec" REQUEST_METHOD=GET "SSE_DB=$DB" \
	    SSE_HEARTBEAT=1 SSE_LIFETIME=0 "$@" -- "$BUILD/sse.cgi" \
	    > "$T/$name.out" 2> "$T/$name.err"
}
cgi_stream() {
	local name=$1; shift
	"$BUILD/envexec" REQUEST_METHOD=GET "SSE_DB=$DB" SSE_HEARTBEAT=1 \
	    SSE_LIFETIME=0 "$@" -- "$BUILD/sse.cgi" > "$T/$name.out" \
	    2> "$T/$name.err" &
	track $!
	echo $! > "$T/$name.pid"
}
status_is() { head -1 "$T/$1.out" | grep -q "^Status: $2 "; }
no_stream() { ! grep -q -e '^: ok' -e '^data:' "$T/$1.out"; }

# --- REMOTE_USER or SSE_PRIVATE twice: 500, a log line, never a stream ----
tag=$RANDOM
push -e dm -m "alice-$tag" --to alice
raw dup -x SSE_PRIVATE=1 -x REMOTE_USER=alice -x REMOTE_USER=bob -L 0
check "sse-fcgi: REMOTE_USER twice on a private endpoint: 500" status_is dup 500
check "... no stream, nothing of alice's" sh -c "! grep -q -e '^: ok' -e 'alice-$tag' '$T/dup.out'"
check "... a log line names REMOTE_USER" grep -q "refused a request (500).*REMOTE_USER" "$T/fcgi.log"
raw dup2 -x REMOTE_USER=bob -x SSE_PRIVATE=1 -x REMOTE_USER=alice -L 0
check "... in the other order too" status_is dup2 500
raw dup3 -x SSE_PRIVATE=0 -x REMOTE_USER=a -x REMOTE_USER=b -L 0
check "... and on a public endpoint" status_is dup3 500
raw dup4 -x SSE_PRIVATE=0 -x SSE_PRIVATE=1 -x REMOTE_USER=alice -L 0
check "sse-fcgi: SSE_PRIVATE twice: 500" status_is dup4 500
check "... a log line names SSE_PRIVATE" grep -q "refused a request (500).*SSE_PRIVATE" "$T/fcgi.log"
raw one -x SSE_PRIVATE=1 -x REMOTE_USER=alice -L 0
check "sse-fcgi: once each: alice's stream with her event" grep -q "^data: alice-$tag" "$T/one.out"

cgi cdup SSE_PRIVATE=1 REMOTE_USER=alice REMOTE_USER=bob HTTP_LAST_EVENT_ID=0
check "sse.cgi: REMOTE_USER twice in its environment: 500" status_is cdup 500
check "... no stream" no_stream cdup
check "... stderr names REMOTE_USER" grep -q "refused a request (500).*REMOTE_USER" "$T/cdup.err"
cgi cdup2 SSE_PRIVATE=1 SSE_PRIVATE=0 REMOTE_USER=alice HTTP_LAST_EVENT_ID=0
check "sse.cgi: SSE_PRIVATE twice: 500" status_is cdup2 500
cgi cone SSE_PRIVATE=1 REMOTE_USER=alice HTTP_LAST_EVENT_ID=0
check "sse.cgi: once each: alice's stream with her event" grep -q "^data: alice-$tag" "$T/cone.out"
cgi cgrp SSE_PRIVATE=1 REMOTE_USER=group:ops HTTP_LAST_EVENT_ID=0
check "sse.cgi: a user named group:ops: 403" status_is cgrp 403
raw fgrp -x SSE_PRIVATE=1 -x REMOTE_USER=group:ops -L 0
check "sse-fcgi: a user named group:ops: 403" status_is fgrp 403

# --- a 200-byte OpenID Connect sub@issuer streams ----------------------------
SUB="$(printf '%0150d' 42)@https://login.example.com/realms/staff/x"
SUB="$SUB$(printf '%0*d' $((200 - ${#SUB})) 0)"
push -e dm -m "sub-$tag" --to "$SUB"
raw long -x SSE_PRIVATE=1 -x "REMOTE_USER=$SUB" -L 0
check "sse-fcgi: a ${#SUB}-byte user streams and gets its event" grep -q "^data: sub-$tag" "$T/long.out"
cgi clong SSE_PRIVATE=1 "REMOTE_USER=$SUB" HTTP_LAST_EVENT_ID=0
check "sse.cgi: the same" grep -q "^data: sub-$tag" "$T/clong.out"

# --- 100 grants: an event for each of 100 groups arrives ---------------------
{ echo "BEGIN;"
  for i in $(seq 1 100); do echo "INSERT INTO grants VALUES ('carol', 'group:g$i');"; done
  echo "COMMIT;"; } | sqlite3 "$DB"
from=$(sqlite3 "$DB" "SELECT max(id) FROM events")
for i in $(seq 1 100); do echo "{\"event\":\"page\",\"data\":\"g$i-$tag\",\"to\":\"group:g$i\"}"; done |
    "$BUILD/sse-push" -q -d "$DB" -b
raw many -x SSE_PRIVATE=1 -x REMOTE_USER=carol -L "$from"
check "sse-fcgi: a user with 100 grants gets all 100 events" [ "$(grep -c "^data: g[0-9]*-$tag" "$T/many.out")" = 100 ]
cgi cmany SSE_PRIVATE=1 REMOTE_USER=carol HTTP_LAST_EVENT_ID=$from
check "sse.cgi: the same" [ "$(grep -c "^data: g[0-9]*-$tag" "$T/cmany.out")" = 100 ]

# --- a revoked grant stops delivery on an open stream (SSE_LIFETIME=0) ------
sqlite3 "$DB" "INSERT INTO grants VALUES ('dave', 'group:ops')"
raw_stream rv -x SSE_PRIVATE=1 -x REMOTE_USER=dave
cgi_stream crv SSE_PRIVATE=1 REMOTE_USER=dave
wait_for 5 has rv ": ok"; wait_for 5 has crv ": ok"
push -e page -m "ops-before-$tag" --to group:ops
check "sse-fcgi: the granted group's event arrives" wait_for 5 grep -q "^data: ops-before-$tag" "$T/rv.out"
check "sse.cgi: the same" wait_for 5 grep -q "^data: ops-before-$tag" "$T/crv.out"
sqlite3 "$DB" "DELETE FROM grants WHERE user = 'dave'"
sleep 1.5	# one heartbeat interval (SSE_HEARTBEAT=1) and a little
push -e page -m "ops-after-$tag" --to group:ops
push -e dm -m "dave-after-$tag" --to dave
check "sse-fcgi: the stream is still open" wait_for 5 grep -q "^data: dave-after-$tag" "$T/rv.out"
check "... and the revoked group's event did not arrive" sh -c "! grep -q 'ops-after-$tag' '$T/rv.out'"
check "sse.cgi: the stream is still open" wait_for 5 grep -q "^data: dave-after-$tag" "$T/crv.out"
check "... and the revoked group's event did not arrive" sh -c "! grep -q 'ops-after-$tag' '$T/crv.out'"
stop_stream rv; stop_stream crv

# --- SSE_MAX_REPLAY counts rows read, whatever the filter lets through -------
# 3,000 rows for zed only: neither stream below may carry one.
R=$T/replay.db
seq 1 3000 | sed 's/.*/{"event":"dm","data":"z&","to":"zed"}/' |
    "$BUILD/sse-push" -q -d "$R" -b
RPORT=$(port)
SSE_DB=$R SSE_MAX_REPLAY=1000 SSE_BATCH_ROWS=500 "$BUILD/sse-fcgi" \
    -l "127.0.0.1:$RPORT" 2>> "$T/fcgi.log" &
track $!
wait_for 5 sh -c "ss -tln | grep -q ':$RPORT '"
timeout 5 "$BUILD/fcgiraw" -p "$RPORT" -u "/sse?symbols=NOPE" -L 0 \
    > "$T/rp.out" 2> /dev/null
check "sse-fcgi: a public stream from 0 ends after 1,000 rows read (id $(ids_of rp))" [ "$(ids_of rp)" = 1000 ]
timeout 5 "$BUILD/fcgiraw" -p "$RPORT" -x SSE_PRIVATE=1 -x REMOTE_USER=erin \
    -L 0 > "$T/rp2.out" 2> /dev/null
check "... so does a private stream that hears none of them ($(ids_of rp2))" [ "$(ids_of rp2)" = 1000 ]
timeout 5 "$BUILD/envexec" REQUEST_METHOD=GET "SSE_DB=$R" SSE_MAX_REPLAY=1000 \
    SSE_BATCH_ROWS=500 QUERY_STRING=symbols=NOPE HTTP_LAST_EVENT_ID=0 -- \
    "$BUILD/sse.cgi" > "$T/crp.out" 2> /dev/null
check "sse.cgi: the same ($(ids_of crp))" [ "$(ids_of crp)" = 1000 ]

# --- over capacity: turned away before any query ----------------------------
# The busy answer must not touch the database: no grants, no bounds. strace
# sees each SQLite read as a file lock (fcntl) on the database or its -shm.
CPORT=$(port)
SSE_DB=$DB SSE_MAX_STREAMS=1 SSE_POLL_MS=600000 "$BUILD/sse-fcgi" \
    -l "127.0.0.1:$CPORT" 2>> "$T/fcgi.log" &
track $!
CAP_PID=$!
wait_for 5 sh -c "ss -tln | grep -q ':$CPORT '"
"$BUILD/fcgiraw" -p "$CPORT" > "$T/cap1.out" 2> /dev/null &
track $!
wait_for 5 grep -q "^: ok" "$T/cap1.out"
strace -f -qq -e trace=fcntl,pread64,openat -p "$CAP_PID" -o "$T/cap.trace" &
track $!
STRACE=$!
sleep 0.5	# strace attached
for i in 1 2 3; do
	timeout 2 "$BUILD/fcgiraw" -p "$CPORT" -x SSE_PRIVATE=1 -x REMOTE_USER=alice \
	    > "$T/cap-$i.out" 2> /dev/null
done
sleep 0.2
kill "$STRACE"; wait "$STRACE" 2> /dev/null
check "over capacity: turned away (server busy, retry:)" sh -c "grep -q '^: server busy' '$T/cap-3.out' && grep -q '^retry:' '$T/cap-3.out'"
check "... without a query: no lock on the database ($(grep -c 'F_SETLK\|pread64' "$T/cap.trace" 2> /dev/null))" sh -c "[ -s '$T/cap.trace' ] && ! grep -q -e F_SETLK -e pread64 '$T/cap.trace'"

# --- libfcgi never sees a descriptor >= 1024 --------------------------------
# Every descriptor below 1024 taken (inherited from this shell): a new
# connection can only land above, where libfcgi's select() would write past
# its fd_set (glibc's fortified FD_SET aborts). It is closed instead, and
# said; the process lives on.
LPORT=$(port)
(
	for fd in $(seq 3 1023); do eval "exec $fd< /dev/null"; done
	exec env SSE_DB=$DB "$BUILD/sse-fcgi" -l "127.0.0.1:$LPORT" 2> "$T/low.log"
) &
LOW_PID=$!
track $LOW_PID
wait_for 5 sh -c "ss -tln | grep -q ':$LPORT '"
timeout 2 "$BUILD/fcgiraw" -p "$LPORT" > "$T/low.out" 2> /dev/null
check "no descriptor below 1024 free: the connection is closed, not streamed" sh -c "! grep -q '^: ok' '$T/low.out'"
check "... said in the log" wait_for 3 grep -q "no descriptor below 1024 free" "$T/low.log"
check "... and sse-fcgi lives on" kill -0 "$LOW_PID"

# --- a failed epoll_wait exits 1, so Restart=on-failure restarts it ----------
if [ -z "${SAN:-}" ]; then
	EPORT=$(port)
	FAILEPOLL_AFTER=$T/fail-now LD_PRELOAD=$BUILD/failepoll.so SSE_DB=$DB \
	    "$BUILD/sse-fcgi" -l "127.0.0.1:$EPORT" 2> "$T/epoll.log" &
	EPID=$!
	track $EPID
	wait_for 5 sh -c "ss -tln | grep -q ':$EPORT '"
	touch "$T/fail-now"
	timeout 2 "$BUILD/fcgiraw" -p "$EPORT" > /dev/null 2>&1	# a wake
	wait_for 5 sh -c "! kill -0 $EPID 2> /dev/null"
	wait "$EPID"
	rc=$?
	check "epoll_wait failing: sse-fcgi exits 1 ($rc)" [ "$rc" = 1 ]
	check "... saying why" grep -q "epoll_wait: Invalid argument" "$T/epoll.log"
fi
finish

#!/usr/bin/env bash
# The permission model (README, Permissions): writers and the responder
# share one group, the database lives in a setgid directory of that group,
# and every file there is group read-write whatever the umask, so a writer
# can push before and after a responder (another user) made -wal and -shm.
# Real users: an unprivileged writer (nobody) and the responder as www-data,
# both in the group www-data stands in for here. Refusals name the file and
# the missing right; a reader never says "write".
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "skipped: needs root to run as other users"
	finish
	exit 0
fi
G=$(getent group www-data | cut -d: -f3)
# Copies the other users can run, whatever the checkout's permissions.
install -d -m 755 "$T/bin"
cp "$BUILD/sse-push" "$BUILD/sse-fcgi" "$BUILD/sse.cgi" "$BUILD/fcgiraw" "$T/bin/"
as_writer() { setpriv --reuid=nobody --regid=nogroup --groups="$G" -- "$@"; }
as_outsider() { setpriv --reuid=daemon --regid=daemon --clear-groups -- "$@"; }
as_web() { setpriv --reuid=www-data --regid=www-data --init-groups -- "$@"; }

install -d -o root -g www-data -m 2770 "$T/lib"
D=$T/lib/events.db
(umask 022; as_writer "$T/bin/sse-push" -q -d "$D" AAPL 1)
check "the writer creates the database under umask 022" [ -f "$D" ]
check "... group read-write, the directory's group ($(stat -c '%a %G' "$D"))" [ "$(stat -c '%a %G' "$D")" = "664 www-data" ]

# The responder, as www-data, holds the database open: it made -wal/-shm.
PORT=$(port)
(umask 022; exec setpriv --reuid=www-data --regid=www-data --init-groups -- \
    env SSE_DB="$D" "$T/bin/sse-fcgi" -l "127.0.0.1:$PORT" 2> "$T/fcgi.log") &
track $!
wait_for 5 sh -c "ss -tln | grep -q ':$PORT '"
"$T/bin/fcgiraw" -p "$PORT" > "$T/s.out" 2> /dev/null &
track $!
wait_for 5 grep -q "^: ok" "$T/s.out"
check "the responder made -shm, group read-write ($(stat -c '%U %a %G' "$D-shm" 2>&1))" [ "$(stat -c '%U %a %G' "$D-shm" 2>&1)" = "www-data 664 www-data" ]
id=$( (umask 022; as_writer "$T/bin/sse-push" -d "$D" AAPL 2) 2> "$T/push.err")
check "the writer still pushes after a client connected (id '$id')" [ "$id" = 2 ]
check "... and the client gets it" wait_for 5 grep -q "^id: 2$" "$T/s.out"

# Someone outside the group: the refusal names the file and the right.
as_outsider "$T/bin/sse-push" -q -d "$D" AAPL 3 2> "$T/out.err"
rc=$?
check "a writer outside the group: exit 73" [ $rc = 73 ]
check "... naming the directory that keeps it out" grep -q "the directory '$T/lib' (owner 0, group $G, mode 2770) does not let uid $(id -u daemon) in" "$T/out.err"
REQUEST_METHOD=GET SSE_DB=$D as_outsider "$T/bin/sse.cgi" > /dev/null 2> "$T/out-cgi.err"
check "... sse.cgi says the same" grep -q "the directory '$T/lib' .* does not let uid $(id -u daemon) in" "$T/out-cgi.err"

# Others as the umask says: 077 keeps them out (the group still writes).
install -d -o root -g root -m 755 "$T/own"
(umask 077; "$T/bin/sse-push" -q -d "$T/own/events.db" AAPL 1)
check "umask 077: 0660 ($(stat -c '%a' "$T/own/events.db"))" [ "$(stat -c '%a' "$T/own/events.db")" = 660 ]
REQUEST_METHOD=GET SSE_DB=$T/own/events.db as_web "$T/bin/sse.cgi" > /dev/null 2> "$T/own.err"
check "... a reader outside the group is told the file and the right" grep -q "'$T/own/events.db' (owner 0, group 0, mode 0660) is not readable by uid $(id -u www-data)" "$T/own.err"

# A reader that cannot create -shm (no -shm yet, directory not its to
# write): the message names the directory and the -shm file, not "write".
install -d -o root -g root -m 755 "$T/ro"
"$T/bin/sse-push" -q -d "$T/ro/events.db" AAPL 1
chmod 644 "$T/ro/events.db"	# as others can make it, readable by all
REQUEST_METHOD=GET SSE_DB=$T/ro/events.db as_web "$T/bin/sse.cgi" > "$T/cgi.out" 2> "$T/cgi.err"
check "sse.cgi without the directory's group: turned away" grep -q "^: database unavailable" "$T/cgi.out"
check "... its log names the directory and -shm" grep -q "the directory '$T/ro' .* does not let uid $(id -u www-data) create '$T/ro/events.db-shm'" "$T/cgi.err"
check "... and never says write a readonly database" sh -c "! grep -q 'readonly database' '$T/cgi.err'"
finish

#!/usr/bin/env bash
# The Debian package (debian/, "make deb") as people install it: lintian
# finds no error or warning; "apt-get install ./sse_*.deb" puts the files in
# place, makes the system user and group sse and /var/lib/sse sse:sse 2770;
# sse-fcgi, started as its systemd units would start it, streams through a
# private Apache, nginx and lighttpd that include the package's snippets
# as installed; a writer in group sse pushes before any client and after
# one connected; "apt-get purge" leaves none of the package's files. Runs
# on the machine's real paths, and leaves the machine as it found it, pass
# or fail.
#
# No systemd runs here, so its part is played by spawn-fcgi, with the
# values read from the installed units: the socket ListenStream= with
# SocketUser=, SocketGroup= and SocketMode=, handed over on fd 0
# (StandardInput=socket), and ExecStart= as User= and Group=, with the
# EnvironmentFile= settings. systemd-analyze verify checks the units.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

if [ "$(id -u)" != 0 ]; then
	ok "skipped: not root"
	finish; exit 0
fi
# This test installs and purges the package on the real paths: never over
# a deployment of this machine's own (purge would delete its database).
for f in /var/lib/sse /run/sse /etc/default/sse-fcgi; do
	if [ -e "$f" ]; then
		not_ok "$f exists before the test: not installing over it"
		finish; exit 1
	fi
done
if dpkg-query -W -f='${Status}' sse 2> /dev/null | grep -q installed; then
	not_ok "the package sse is installed before the test: not touching it"
	finish; exit 1
fi

W=ssedebw$$		# a writer: an unprivileged user in group sse
POLICY=/usr/sbin/policy-rc.d
APSTATE=/var/lib/apache2/conf
getent passwd sse > /dev/null && touch "$T/had-user"
getent group sse > /dev/null && touch "$T/had-group"
# What a2enconf and lighty-enable-mod change, to put back.
for d in "$APSTATE"/*/; do
	[ -e "$d/sse" ] && echo "$d" >> "$T/apache-state"
done
ls /etc/lighttpd/conf-enabled/ > "$T/lighty-before" 2> /dev/null

undo() {
	cleanup_processes
	if dpkg-query -W -f='${Status}' sse 2> /dev/null | grep -q installed ||
	    [ -e /var/lib/sse ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sse \
		    >> "$T/apt.log" 2>&1
	fi
	# Whatever a faulty purge left: none of it was there before the test.
	rm -rf /var/lib/sse /etc/default/sse-fcgi
	[ -e "$T/made-policy" ] && rm -f "$POLICY"
	rm -rf /run/sse
	rm -f /etc/apache2/conf-enabled/sse.conf
	for d in "$APSTATE"/*/; do
		if grep -qxF "$d" "$T/apache-state" 2> /dev/null; then
			touch "$d/sse"
		else
			rm -f "$d/sse"
		fi
	done
	for f in /etc/lighttpd/conf-enabled/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		grep -qxF "${f##*/}" "$T/lighty-before" || rm -f "$f"
	done
	userdel "$W" 2> /dev/null
	[ -e "$T/had-user" ] || userdel sse 2> /dev/null
	[ -e "$T/had-group" ] || groupdel sse 2> /dev/null
	cleanup
}
trap undo EXIT

# --- build and lintian --------------------------------------------------
(cd "$TOP" && make deb) > "$T/build.log" 2>&1
check "make deb builds the package" test $? = 0 || {
	tail -30 "$T/build.log"; finish; exit 1; }
DEB=$(ls "$TOP"/build/deb/sse_*_"$(dpkg --print-architecture)".deb)
check "... at build/deb/sse_VERSION_ARCH.deb (${DEB#"$TOP"/})" test -f "$DEB"
lintian -I "$DEB" > "$T/lintian.log" 2>&1
sed 's/^/# lintian: /' "$T/lintian.log"
check "lintian: no error, no warning" sh -c "! grep -q '^[EW]:' '$T/lintian.log'"

# --- install ------------------------------------------------------------
# No service may start during the install (there is no systemd to start
# one here anyway): the Debian way, unless the machine has its own policy.
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$POLICY"
	chmod 755 "$POLICY"
	touch "$T/made-policy"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" > "$T/apt.log" 2>&1
check "apt-get install ./sse_*.deb" test $? = 0 || {
	tail -20 "$T/apt.log"; finish; exit 1; }
dpkg -L sse > "$T/files"
while read -r f; do
	[ -d "$f" ] && continue
	echo "$f"
done < "$T/files" > "$T/plain-files"
# The directories no other package shares: purge must take them too.
while read -r f; do
	[ -d "$f" ] && [ "$(dpkg-query -S "$f" 2> /dev/null)" = "sse: $f" ] && echo "$f"
done < "$T/files" > "$T/own-dirs"

for f in /usr/sbin/sse-fcgi /usr/bin/sse-push /usr/lib/cgi-bin/sse.cgi; do
	check "$f, executable" test -x "$f"
done
for f in man1/sse-push.1.gz man8/sse-fcgi.8.gz man8/sse.cgi.8.gz; do
	check "man page /usr/share/man/$f" test -s "/usr/share/man/$f"
done
check "sse-fcgi links and runs (-V 0.1.0)" sh -c "/usr/sbin/sse-fcgi -V | grep -q 0.1.0"
check "... with /var/lib/sse/events.db compiled in" sh -c \
    "/usr/sbin/sse-fcgi --help | grep -q 'SSE_DB .*\[/var/lib/sse/events.db\]'"
check "/etc/default/sse-fcgi: SSE_DB" grep -qx 'SSE_DB=/var/lib/sse/events.db' /etc/default/sse-fcgi
check "... SSE_STATUS_PATH" grep -qx 'SSE_STATUS_PATH=/sse/status' /etc/default/sse-fcgi
for f in /etc/apache2/conf-available/sse.conf /etc/nginx/snippets/sse.conf \
    /etc/lighttpd/conf-available/50-sse.conf; do
	check "snippet $f" test -s "$f"
done
check "... none of them enabled" sh -c '! ls /etc/apache2/conf-enabled/sse.conf /etc/lighttpd/conf-enabled/50-sse.conf 2> /dev/null'
check "/etc files are conffiles" sh -c "[ \"\$(dpkg-query -W -f='\${Conffiles}' sse | grep -c /etc/)\" = 4 ]"
UNITS=/lib/systemd/system
check "units sse-fcgi.socket and .service" test -f $UNITS/sse-fcgi.socket -a -f $UNITS/sse-fcgi.service
systemd-analyze verify $UNITS/sse-fcgi.socket $UNITS/sse-fcgi.service > "$T/verify.log" 2>&1
rc=$?
check "... systemd-analyze verify: no complaint" sh -c "[ $rc = 0 ] && [ ! -s '$T/verify.log' ]" ||
    cat "$T/verify.log"
check "... the socket enabled (sockets.target.wants)" \
    test -L /etc/systemd/system/sockets.target.wants/sse-fcgi.socket
check "user sse: system, home /var/lib/sse, no shell" sh -c \
    "getent passwd sse | awk -F: '\$3 < 1000 && \$6 == \"/var/lib/sse\" && \$7 ~ /nologin\$/ { f = 1 } END { exit !f }'"
check "... its group sse" sh -c '[ "$(id -gn sse)" = sse ]'
check "/var/lib/sse sse:sse 2770" [ "$(stat -c '%U:%G %a' /var/lib/sse)" = "sse:sse 2770" ]

# --- the writer, before any client ----------------------------------------
useradd -M -s /usr/sbin/nologin -G sse "$W"
push_as() { runuser -u "$W" -- sse-push "$@" 2>> "$T/push.log"; }
id1=$(push_as AAPL 189.50)
check "a writer in group sse pushes first, making the database (id '$id1')" [ "$id1" = 1 ]
check "... events.db sse-group, 664" [ "$(stat -c '%G %a' /var/lib/sse/events.db)" = "sse 664" ]

# --- sse-fcgi as its units run it -----------------------------------------
unit() { sed -n "s/^$2=//p" "$UNITS/sse-fcgi.$1" | tail -1; }
LISTEN=$(unit socket ListenStream)
EXEC=$(unit service ExecStart)
ENVFILE=$(unit service EnvironmentFile)
ENVFILE=${ENVFILE#-}
check "the units: $LISTEN, $EXEC, $ENVFILE" \
    test "$LISTEN" = /run/sse/sse.sock -a "$EXEC" = /usr/sbin/sse-fcgi -a "$ENVFILE" = /etc/default/sse-fcgi
# EnvironmentFile=: NAME=value lines, quotes taken off.
mapfile -t settings < <(sed -n 's/^\([A-Z_][A-Z0-9_]*\)="\{0,1\}\([^"]*\)"\{0,1\}$/\1=\2/p' "$ENVFILE")
# systemd makes the socket's directory, root's, 0755.
install -d -m 0755 /run/sse
# Test-only settings on top (a drop-in would do the same): a stream ends
# at once on SIGTERM.
spawn-fcgi -n -s "$LISTEN" -M "$(unit socket SocketMode)" \
    -U "$(unit socket SocketUser)" -G "$(unit socket SocketGroup)" \
    -u "$(unit service User)" -g "$(unit service Group)" -- \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${settings[@]}" \
    SSE_STOP_SPREAD=0 "$EXEC" 2> "$T/responder.log" &
track $!
RESP=$!
wait_for 5 test -S "$LISTEN"
check "sse-fcgi listening on $LISTEN, sse:www-data 660" \
    [ "$(stat -c '%U:%G %a' "$LISTEN" 2> /dev/null)" = "sse:www-data 660" ]
check "... running as sse, group sse" \
    [ "$(ps -o user=,group= -p $RESP | tr -s ' ')" = "sse sse" ]

# --- the web servers, each with the package's snippet as installed ---------
mkdir -p "$T/www" "$T/apache" "$T/nginx"
# Apache: what a2enconf enabled, in a private Apache (workers www-data).
check "a2enconf sse enables the Apache snippet" sh -c \
    "a2enconf -q sse > '$T/a2enconf.log' 2>&1 && [ -L /etc/apache2/conf-enabled/sse.conf ]"
AP=$(port)
cat > "$T/apache/httpd.conf" <<EOF
ServerRoot $T/apache
ServerName 127.0.0.1
Listen 127.0.0.1:$AP
PidFile $T/apache/httpd.pid
DefaultRuntimeDir $T/apache
ErrorLog $T/apache.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule env_module /usr/lib/apache2/modules/mod_env.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so
DocumentRoot $T/www
<Directory $T/www>
    Require all granted
</Directory>
Include /etc/apache2/conf-enabled/sse.conf
EOF
apache2 -f "$T/apache/httpd.conf" -k start 2>> "$T/apache.log"
wait_for 5 test -s "$T/apache/httpd.pid" && track "$(cat "$T/apache/httpd.pid")"
# nginx: the snippet inside a server { }, fastcgi_params where the
# snippet's "include fastcgi_params" finds it (beside nginx.conf), and
# the workers www-data, as Debian's nginx runs them.
NG=$(port)
cp /etc/nginx/fastcgi_params "$T/nginx/"
cat > "$T/nginx/site.conf" <<EOF
server {
    listen 127.0.0.1:$NG;
    root $T/www;
    include /etc/nginx/snippets/sse.conf;
}
EOF
start_nginx_in "$T/nginx" "$T/nginx/site.conf"
# lighttpd: what lighty-enable-mod enabled (the snippet and the modules
# it depends on), in a private lighttpd (as www-data).
check "lighty-enable-mod sse enables the lighttpd snippet" sh -c \
    "lighty-enable-mod sse > '$T/lighty-enable.log' 2>&1; [ -L /etc/lighttpd/conf-enabled/50-sse.conf ]"
LI=$(port)
{
	printf 'server.bind = "127.0.0.1"\nserver.port = %s\n' "$LI"
	printf 'server.document-root = "%s/www"\n' "$T"
	printf 'server.username = "www-data"\nserver.groupname = "www-data"\n'
	printf 'server.modules = ( "mod_access" )\n'
	for f in $(ls /etc/lighttpd/conf-enabled/ | grep -vxF -f "$T/lighty-before"); do
		printf 'include "/etc/lighttpd/conf-enabled/%s"\n' "$f"
	done
} > "$T/lighttpd.conf"
lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd-stderr.log" &
track $!

SERVERS="apache:$AP nginx:$NG lighttpd:$LI"
for s in $SERVERS; do
	name=${s%%:*} p=${s#*:}
	check "$name started with the package's snippet" wait_for 5 \
	    curl -s -o /dev/null "http://127.0.0.1:$p/"
	stream "$name" "http://127.0.0.1:$p/sse" -H "Last-Event-ID: 0"
	check "... a stream through $name, replaying id 1" wait_for 5 has "$name" "id: 1"
	code=$(curl -s -o "$T/st.out" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$p/sse/status")
	check "... the status page answers this host ($code)" sh -c \
	    "[ $code = 200 ] && grep -q database_ok '$T/st.out'"
	code=$(curl -s -o "$T/st.out" -w '%{http_code}' --max-time 2 \
	    --interface 127.0.0.2 "http://127.0.0.1:$p/sse/status")
	check "... and refuses another (127.0.0.2: $code)" sh -c \
	    "[ $code = 403 ] && ! grep -q database_ok '$T/st.out'"
done

# --- the writer, after clients connected (-shm made by the responder) -----
check "the responder made -shm, sse-group, 664" \
    [ "$(stat -c '%G %a' /var/lib/sse/events.db-shm 2> /dev/null)" = "sse 664" ]
id2=$(push_as AAPL 189.60)
check "the writer pushes after clients connected (id '$id2')" [ "$id2" = 2 ]
check "... nothing refused (no 'readonly database')" test ! -s "$T/push.log" ||
    cat "$T/push.log"
for s in $SERVERS; do
	name=${s%%:*}
	check "... $name's client has both events" wait_for 5 sh -c \
	    "grep -q '^data: .*\"price\":189.50' '$T/$name.out' && grep -q '^data: .*\"price\":189.60' '$T/$name.out'"
	stop_stream "$name"
done
check "sse-fcgi logged no error" test ! -s "$T/responder.log" ||
    cat "$T/responder.log"

# --- purge ----------------------------------------------------------------
cleanup_processes
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sse >> "$T/apt.log" 2>&1
check "apt-get purge -y sse" test $? = 0
left=$(while read -r f; do
	[ -e "$f" ] || [ -L "$f" ] && echo "$f"
done < <(cat "$T/plain-files" "$T/own-dirs"; printf '%s\n' /var/lib/sse \
    /etc/default/sse-fcgi /etc/systemd/system/sockets.target.wants/sse-fcgi.socket \
    /etc/apache2/conf-enabled/sse.conf /etc/lighttpd/conf-enabled/50-sse.conf))
check "... none of its $(wc -l < "$T/plain-files") files left, nor /var/lib/sse, the enabled snippets or the socket's link ($left)" \
    [ -z "$left" ]
check "... the system user sse stays (Debian practice)" getent passwd sse > /dev/null

# A group sse made by hand (groupadd: not a system group), and no user: the
# install makes the system user sse in that group, and succeeds.
userdel sse 2> /dev/null
groupdel sse 2> /dev/null
groupadd sse
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" >> "$T/apt.log" 2>&1
check "with a group sse made by hand, the install succeeds" test $? = 0
check "... the system user sse is in it" sh -c '[ "$(id -gn sse 2> /dev/null)" = sse ]'
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sse >> "$T/apt.log" 2>&1

[ "$FAILS" = 0 ] || { echo "--- apt.log"; tail -20 "$T/apt.log"; }
finish

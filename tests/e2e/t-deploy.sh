#!/usr/bin/env bash
# The README's "Build from source" deploy and doc/deploy.md, run as
# written: their blocks marked <!-- t-deploy: NAME --> are run as root, on
# the machine's real paths (/usr/local, /var/lib/sse, /run/sse,
# /etc/apache2, /etc/nginx, /etc/sse, user and group sse). Only these are
# stood in for: the user "alice" is a throwaway account, htpasswd reads its
# password from stdin instead of a terminal, and "systemctl reload apache2"
# and "systemctl reload nginx" (no systemd here) restart a private Apache
# or nginx that includes what the steps enabled, its workers www-data. A
# machine with a deployment of its own is left alone (skipped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

if [ "$(id -u)" != 0 ]; then
	ok "skipped: the deploy steps run as root"
	finish; exit 0
fi
H=ssehost$$
for f in /var/lib/sse /run/sse /etc/sse /usr/local/sbin/sse-fcgi \
    /etc/apache2/conf-available/sse.conf /etc/nginx/snippets/sse.conf "/home/$H"; do
	if [ -e "$f" ]; then
		ok "skipped: $f exists (this machine has a deployment of its own)"
		finish; exit 0
	fi
done
if getent passwd sse > /dev/null || getent group sse > /dev/null; then
	ok "skipped: the user or group sse exists (a deployment of this machine's own)"
	finish; exit 0
fi

# block NAME: the README's block of that name, alice replaced.
block() {
	awk -v tag="<!-- t-deploy: $1 -->" '$0 == tag { on = 1; next }
	    on && /^```sh$/ { inside = 1; next }
	    inside && /^```$/ { exit } inside { print }' "$TOP/README.md" \
	    "$TOP/doc/deploy.md" |
	    sed -e "s/\balice\b/$W/g"
}
# run NAME: the block, as a root shell would, stopping at its first error.
run() {
	local text
	text=$(block "$1")
	[ -n "$text" ] || { not_ok "README has the block '$1'"; return 1; }
	echo "$text" > "$T/block-$1.sh"
	(cd "$TOP" && set -e && eval "$text") >> "$T/deploy.log" 2>&1
}
# Stand-ins, as functions the blocks call instead of the real commands.
htpasswd() { echo "$W-pw" | command htpasswd -i "$@"; }
systemctl() {
	case "$*" in
	"reload apache2") apache_reload ;;
	"reload nginx") nginx_reload ;;
	*) echo "systemctl $* (no systemd here)" >&2; return 1 ;;
	esac
}
# A private Apache whose site is what a2enconf enabled, on a free port.
apache_reload() {
	stop_apache
	: > "$T/apache/site.conf.in"
	[ -e /etc/apache2/conf-enabled/sse.conf ] &&
	    echo "Include /etc/apache2/conf-enabled/sse.conf" > "$T/apache/site.conf.in"
	[ -e /etc/apache2/mods-enabled/userdir.load ] &&
	    printf 'Include /etc/apache2/mods-enabled/userdir.load\nInclude /etc/apache2/mods-enabled/userdir.conf\n' \
	    >> "$T/apache/site.conf.in"
	start_apache_raw "$T/apache/site.conf.in"
}
# A private nginx with Debian's default site as the steps left it, on a
# free port; relative includes (snippets/, fastcgi_params) reach /etc/nginx.
nginx_reload() {
	stop_pidfile "$T/ngx/nginx.pid"
	mkdir -p "$T/ngx"
	ln -sfn /etc/nginx/snippets "$T/ngx/snippets"
	ln -sf /etc/nginx/fastcgi_params "$T/ngx/fastcgi_params"
	sed -e "s/^\tlisten 80 default_server;/\tlisten 127.0.0.1:$NGINX_PORT;/" \
	    -e '/^\tlisten \[::\]:80 default_server;/d' \
	    /etc/nginx/sites-available/default > "$T/ngx/site.conf"
	start_nginx_in "$T/ngx" "$T/ngx/site.conf"
}

W=ssedeploy$$
useradd -M -s /usr/sbin/nologin "$W"
# Apache modules the steps enable on the machine's own Apache: put back.
MODS_BEFORE=$(ls /etc/apache2/mods-enabled/)
cp /etc/apache2/mods-available/userdir.conf "$T/userdir.conf"
undo() {
	# Whatever the steps left when a check failed: the machine as it was.
	kill "$(cat /run/sse/sse-fcgi.pid 2>/dev/null)" 2>/dev/null
	pkill -f "^/usr/local/sbin/sse-fcgi" 2>/dev/null
	rm -f /etc/apache2/conf-enabled/sse.conf /etc/apache2/conf-available/sse.conf
	for m in $(ls /etc/apache2/mods-enabled/); do
		echo "$MODS_BEFORE" | grep -qx "$m" || rm -f "/etc/apache2/mods-enabled/$m"
	done
	(cd "$TOP" && make -s uninstall > /dev/null 2>&1)
	rm -rf /var/lib/sse /run/sse /etc/sse
	userdel "$W" 2>/dev/null
	userdel -r "$H" 2>/dev/null
	cp "$T/userdir.conf" /etc/apache2/mods-available/userdir.conf 2>/dev/null
	cp "$T/nginx-default" /etc/nginx/sites-available/default 2>/dev/null
	rm -f /etc/nginx/snippets/sse.conf
	stop_pidfile "$T/ngx/nginx.pid"
	getent passwd sse > /dev/null && deluser --quiet --system sse 2> /dev/null
	getent group sse > /dev/null && delgroup --quiet sse 2> /dev/null
	cleanup
}
cp /etc/nginx/sites-available/default "$T/nginx-default"
trap undo EXIT
prepare
NGINX_PORT=$(port)
umask 022	# the steps run as an administrator's shell would
mkdir -p "$T/apache"

check "install: the steps run" run install
check "... sse-fcgi, sse-push and sse.cgi in /usr/local" \
    test -x /usr/local/sbin/sse-fcgi -a -x /usr/local/bin/sse-push -a -x /usr/local/lib/cgi-bin/sse.cgi
check "... the system user sse, its group sse" sh -c 'getent passwd sse | awk -F: "\$3 < 1000 { f = 1 } END { exit !f }" && [ "$(id -gn sse)" = sse ]'
check "... /var/lib/sse sse:sse 2770" [ "$(stat -c '%U:%G %a' /var/lib/sse)" = "sse:sse 2770" ]
check "... the socket sse:www-data 0660" [ "$(stat -c '%U:%G %a' /run/sse/sse.sock)" = "sse:www-data 660" ]
check "... sse-fcgi runs as sse" [ "$(ps -o user=,group= -p "$(cat /run/sse/sse-fcgi.pid)" | tr -s ' ')" = "sse sse" ]
push_as() { runuser -u "$W" -- /usr/local/bin/sse-push "$@"; }
id1=$(push_as AAPL 189.50 2>> "$T/deploy.log")
check "the writer in group sse pushes first (id '$id1')" [ "$id1" = 1 ]
check "... the database is group sse, read-write" [ "$(stat -c '%G %a' /var/lib/sse/events.db)" = "sse 664" ]

check "apache: the steps run" run apache
check "... no worker sharing warning (AH01146)" sh -c "! grep -q AH01146 '$T/apache.log'"
stream s "$BASE/sse"
check "... a stream through Apache" wait_for 5 has s ": ok"
id2=$(push_as AAPL 189.60 2>> "$T/deploy.log")
check "the writer still pushes after a client connected (id '$id2')" [ "$id2" = 2 ]
check "... and the client gets it" wait_for 5 has s "id: 2"
check "... nobody outside the group reads the events" sh -c "! runuser -u nobody -- sqlite3 /var/lib/sse/events.db 'SELECT 1' 2> /dev/null"
code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$BASE/sse-private")
check "the private location asks for a password ($code)" [ "$code" = 401 ]
push_as -q -e dm -m "for-$W" --to "$W"
curl -s -N --max-time 2 -u "$W:$W-pw" -H "Last-Event-ID: 0" "$BASE/sse-private" > "$T/p.out"
check "... the password file from the steps lets the user in, to their event" grep -q "^data: for-$W" "$T/p.out"

check "nginx: the steps run" run nginx
curl -s -N --max-time 2 -H "Last-Event-ID: 0" "http://127.0.0.1:$NGINX_PORT/sse" > "$T/n.out"
check "... a stream through nginx, from the start" grep -q "^id: 2$" "$T/n.out"
code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/")
check "... the default site still serves ($code)" [ "$code" = 200 ]

old=$(cat /run/sse/sse-fcgi.pid)
check "redeploy: the steps run" run redeploy
check "... the old sse-fcgi ends its stream and exits" wait_for 15 sh -c "! kill -0 $old 2> /dev/null"
check "... the new one serves" sh -c "curl -s -N --max-time 1 '$BASE/sse' | grep -q '^: ok'"
check "... as sse" [ "$(ps -o user=,group= -p "$(cat /run/sse/sse-fcgi.pid)" | tr -s ' ')" = "sse sse" ]
check "... its socket sse:www-data, group read-write" [ "$(stat -c '%U:%G %a' /run/sse/sse.sock)" = "sse:www-data 664" ]
check "... nginx (www-data) reaches it" sh -c "curl -s -N --max-time 1 'http://127.0.0.1:$NGINX_PORT/sse' | grep -q '^: ok'"
stop_stream s

check "apache-remove: the steps run" run apache-remove
check "nginx-remove: the steps run" run nginx-remove
check "... Debian's default site as it was" cmp -s "$T/nginx-default" /etc/nginx/sites-available/default

check "uninstall: the steps run" run uninstall
left=$(ls -d /usr/local/sbin/sse-fcgi /usr/local/bin/sse-push /usr/local/lib/cgi-bin \
    /usr/local/share/man/man8/sse-fcgi.8 /var/lib/sse /run/sse /etc/sse \
    /etc/apache2/conf-available/sse.conf /etc/apache2/conf-enabled/sse.conf \
    /etc/nginx/snippets/sse.conf 2> /dev/null)
check "... nothing left behind ($left)" [ -z "$left" ]
check "... no user or group sse" sh -c '! getent passwd sse && ! getent group sse'
check "... no sse-fcgi running" sh -c "! pgrep -f '^/usr/local/sbin/sse-fcgi'"
# --- shared hosting, on Debian's own userdir -------------------------------
# The user's steps, as the user (the dynamic build stands in for the static
# one), then the administrator's. The CGI runs as www-data, as userdir's do.
useradd -m -d "/home/$H" -s /bin/bash "$H"
install -o "$H" -m 755 "$BUILD/sse.cgi" "$BUILD/sse-push" "/home/$H/"
install -o "$H" -m 644 "$TOP/conf/shared-hosting.htaccess" "/home/$H/"
run_user() {
	local text
	text=$(block "$1")
	[ -n "$text" ] || { not_ok "README has the block '$1'"; return 1; }
	runuser -u "$H" -- env HOME="/home/$H" bash -e -c "cd; $text" \
	    >> "$T/deploy.log" 2>&1
}
check "shared hosting: the user's steps run" run_user userdir
check "... the .htaccess names the database" grep -q "^SetEnv SSE_DB /home/$H/sse-data/events.db" "/home/$H/public_html/live/.htaccess"
check "... the ACL steps run" run_user userdir-acl
check "... the administrator's steps run" run userdir-admin
check "... userdir.conf allows Options=ExecCGI" grep -q "AllowOverride FileInfo AuthConfig Limit Indexes Options=ExecCGI" /etc/apache2/mods-available/userdir.conf
curl -s -N --max-time 2 -H "Last-Event-ID: 0" "$BASE/~$H/live/sse.cgi" > "$T/u.out"
check "... a stream from ~$H/live/sse.cgi, with the pushed price" grep -q '^data: .*189.50' "$T/u.out"
stream u "$BASE/~$H/live/sse.cgi"
wait_for 5 has u ": ok"
uid=$(runuser -u "$H" -- "/home/$H/bin/sse-push" -d "/home/$H/sse-data/events.db" AAPL 190 2>> "$T/deploy.log")
check "... the user still pushes while www-data holds -shm (id '$uid')" [ "$uid" = 2 ]
check "... and the stream gets it" wait_for 5 has u "id: 2"
stop_stream u
stop_apache

[ "$FAILS" = 0 ] || { echo "--- deploy.log"; tail -30 "$T/deploy.log"; }
finish

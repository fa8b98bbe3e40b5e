# servers.sh - start Apache, nginx, Caddy and lighttpd privately with the
# files from conf/, rendered for this test: the example paths, sockets and
# ports in conf/ are replaced by temporary ones. Sourced after lib.sh.

# render FILE: conf/FILE with test paths on stdout.
render() {
	sed -e "s#/var/lib/sse/events.db#$DB#g" \
	    -e "s#/run/sse/sse.sock#$T/sse.sock#g" \
	    -e "s#/run/lighttpd/sse-fcgi.sock#$T/spawn.sock#g" \
	    -e "s#/usr/local/sbin/sse-fcgi#$BUILD/sse-fcgi#g" \
	    -e "s#/usr/local/sbin#$BUILD#g" \
	    -e "s#/usr/local/lib/cgi-bin#$T/cgi#g" \
	    -e "s#/etc/ssl/sse/#$T/#g" \
	    -e "s#/etc/sse/htpasswd#$T/htpasswd#g" \
	    -e "s#127.0.0.1:9000#127.0.0.1:$FCGI_PORT#g" \
	    -e "s#127.0.0.1:4180#127.0.0.1:$SSO_PORT#g" \
	    -e "s#8080#$HTTP_PORT#g" -e "s#8443#$TLS_PORT#g" \
	    "$TOP/conf/$1"
}

# Short timeouts, so a quiet stream outlives them only by its heartbeats.
short_timeouts() {
	sed -e 's/^FcgidIOTimeout .*/FcgidIOTimeout 3/' \
	    -e 's/timeout=60/timeout=3/' \
	    -e 's/^CGIDScriptTimeout .*/CGIDScriptTimeout 3/' \
	    -e 's/fastcgi_read_timeout .*;/fastcgi_read_timeout 3s;/'
}

prepare() {
	umask 000	# Apache's workers run as www-data
	chmod 777 "$T"
	mkdir -p "$T/cgi" "$T/www"
	cp "$BUILD/sse.cgi" "$T/cgi/sse.cgi"
	HTTP_PORT=$(port)
	TLS_PORT=$(port)
	FCGI_PORT=$(port)
	SSO_PORT=$(port)	# nginx's stand-in single sign-on (nginx.conf.in)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	    -subj /CN=localhost \
	    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
	# Two users for the private streams, and a grant for one of them.
	htpasswd -bcm "$T/htpasswd" alice alice-pw 2> /dev/null
	htpasswd -bm "$T/htpasswd" bob bob-pw 2> /dev/null
	BASE=http://127.0.0.1:$HTTP_PORT
	TLS=https://127.0.0.1:$TLS_PORT
}

# An sse-fcgi of our own, for the servers that connect to one.
start_responder() {
	rm -f "$T/sse.sock"
	# As conf/sse-fcgi.service runs it.
	SSE_HEARTBEAT=1 SSE_GZIP=1 SSE_STATUS_PATH=/sse/status \
	    "$BUILD/sse-fcgi" -d "$DB" -l "unix:$T/sse.sock" 2>> "$T/responder.log" &
	track $!
	RESP_PID=$!
	SSE_HEARTBEAT=1 SSE_GZIP=1 SSE_STATUS_PATH=/sse/status \
	    "$BUILD/sse-fcgi" -d "$DB" -l "127.0.0.1:$FCGI_PORT" \
	    2>> "$T/responder.log" &
	track $!
	RESP_TCP_PID=$!
	wait_for 5 test -S "$T/sse.sock"
}

up() { curl -sk -o /dev/null --max-time 1 "$1"; }

# start_apache CONF [sed-script]: Apache with conf/CONF as its site.
start_apache() {
	mkdir -p "$T/apache"
	render "$1" | short_timeouts | sed -e "${2:-}" > "$T/apache/site.conf"
	start_apache_raw "$T/apache/site.conf"
}

# start_apache_raw FILE: Apache with FILE (already rendered) as its site.
start_apache_raw() {
	mkdir -p "$T/apache/fcgid"
	chown www-data "$T/apache/fcgid"
	[ "$1" = "$T/apache/site.conf" ] || cp "$1" "$T/apache/site.conf"
	render apache-http2.conf > "$T/apache/http2.conf"
	sed -e "s#@T@#$T#g" -e "s#@PORT@#$HTTP_PORT#g" \
	    -e "s#@TLS_PORT@#$TLS_PORT#g" \
	    "$TOP/tests/e2e/servers/apache.conf.in" > "$T/apache/httpd.conf"
	# SSE_HEARTBEAT and SSE_GZIP reach sse.cgi and mod_fcgid's sse-fcgi
	# like SSE_DB.
	sed -i -e 's#^SetEnv SSE_DB \(.*\)#SetEnv SSE_DB \1\nSetEnv SSE_HEARTBEAT 1\nSetEnv SSE_GZIP 1#' \
	    -e 's#^FcgidInitialEnv SSE_DB \(.*\)#FcgidInitialEnv SSE_DB \1\nFcgidInitialEnv SSE_HEARTBEAT 1\nFcgidInitialEnv SSE_GZIP 1#' \
	    "$T/apache/site.conf"
	apache2 -f "$T/apache/httpd.conf" -k start 2>> "$T/apache.log" ||
	    return 1
	wait_for 5 test -s "$T/apache/httpd.pid" && track "$(cat "$T/apache/httpd.pid")"
	wait_for 5 up "$BASE/"
}

stop_apache() {
	stop_pidfile "$T/apache/httpd.pid"
	pkill -9 -f "$BUILD/sse-fcgi$" 2>/dev/null	# mod_fcgid's children
	return 0
}

# Users the stand-in single sign-on (nginx.conf.in) signs in besides alice
# and bob (see its map): an OpenID Connect "sub@issuer" of 200 bytes, and
# one of 300.
LONG_USER="$(printf '%0150d' 7)@https://login.example.com/realms/staff"
LONG_USER="$LONG_USER$(printf '%0*d' $((200 - ${#LONG_USER})) 0)"
HUGE_USER="$LONG_USER$(printf '%0100d' 0)"

# start_nginx [sed-script]: nginx with conf/nginx.conf as its site (and
# conf/sse_fastcgi_params beside it), the script applied to the site.
start_nginx() {
	mkdir -p "$T/nginx"
	render sse_fastcgi_params > "$T/nginx/sse_fastcgi_params"
	render nginx.conf | short_timeouts |
	    sed -e "s#listen \([0-9]\)#listen 127.0.0.1:\1#" \
	        -e "s#include fastcgi_params#include /etc/nginx/fastcgi_params#" \
	        -e "s#include sse_fastcgi_params#include $T/nginx/sse_fastcgi_params#" \
	        -e "${1:-}" \
	    > "$T/nginx/site.conf"
	sed -e "s#@T@#$T#g" -e "s#@SSO_PORT@#$SSO_PORT#g" \
	    -e "s#@LONG_USER@#$LONG_USER#g" -e "s#@HUGE_USER@#$HUGE_USER#g" \
	    "$TOP/tests/e2e/servers/nginx.conf.in" > "$T/nginx/nginx.conf"
	nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>> "$T/nginx.log" ||
	    return 1
	wait_for 5 test -s "$T/nginx/nginx.pid" && track "$(cat "$T/nginx/nginx.pid")"
	wait_for 5 up "$BASE/"
}

# start_nginx_in DIR SITE: a private nginx in DIR whose http { } includes
# SITE (the caller's server { }), its workers www-data as Debian runs them;
# relative includes resolve in DIR.
start_nginx_in() {
	cat > "$1/nginx.conf" <<-EOF
	worker_processes 1;
	pid $1/nginx.pid;
	error_log $1/error.log warn;
	user www-data;
	events { worker_connections 64; }
	http {
	    access_log off;
	    client_body_temp_path $1/body;
	    fastcgi_temp_path $1/fastcgi;
	    proxy_temp_path $1/proxy;
	    scgi_temp_path $1/scgi;
	    uwsgi_temp_path $1/uwsgi;
	    include $2;
	}
	EOF
	nginx -p "$1" -c "$1/nginx.conf" 2>> "$1/error.log" || return 1
	wait_for 5 test -s "$1/nginx.pid" && track "$(cat "$1/nginx.pid")"
}

start_caddy() {
	mkdir -p "$T/caddy"
	render Caddyfile |
	    sed -e 's#^{#{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tskip_install_trust#' \
	    > "$T/caddy/Caddyfile"
	HOME=$T/caddy XDG_DATA_HOME=$T/caddy XDG_CONFIG_HOME=$T/caddy \
	    caddy run --config "$T/caddy/Caddyfile" --adapter caddyfile \
	    > "$T/caddy.log" 2>&1 &
	track $!
	CADDY_PID=$!
	wait_for 15 up "$BASE/probe" && kill -0 $CADDY_PID
}

start_lighttpd_conf() {
	render lighttpd.conf | sed -e "s#\"SSE_DB\" => \"\([^\"]*\)\"#\"SSE_DB\" => \"\1\", \"SSE_HEARTBEAT\" => \"1\", \"SSE_GZIP\" => \"1\"#g" \
	    > "$T/lighttpd-site.conf"
	sed -e "s#@T@#$T#g" -e "s#@PORT@#$HTTP_PORT#g" \
	    "$TOP/tests/e2e/servers/lighttpd.conf.in" > "$T/lighttpd.conf"
	lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd-stderr.log" &
	track $!
	wait_for 5 up "$BASE/"
}

# Streams held anywhere: sse-fcgi descriptors >= 1024, and sse.cgi processes.
held() {
	local n=0 pid
	for pid in $(pgrep -f "^$BUILD/sse-fcgi"); do
		n=$((n + $(fcgi_streams "$pid")))
	done
	echo $((n + $(pgrep -c -f "$T/cgi/sse.cgi" || true)))
}
held_is() { [ "$(held)" = "$1" ]; }

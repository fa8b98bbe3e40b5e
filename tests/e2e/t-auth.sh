#!/usr/bin/env bash
# Issue 17 behind the real servers, with the files from conf/: a stream's
# user is the one the web server signed in, never one a client's own
# "Authorization: Basic" header names. nginx auth_basic, nginx auth_request
# (single sign-on, faked in servers/nginx.conf.in), Apache Basic, lighttpd;
# sse-fcgi, and sse.cgi behind fcgiwrap. t-identity.sh proves the same at
# the responders themselves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

prepare
push AAPL 1
sqlite3 "$DB" "INSERT INTO grants VALUES ('alice', 'group:ops')"
# As conf/sse-fcgi.service runs it: public unless a location says otherwise.
start_responder
# And one private for the whole process, as issue 17's second case had it.
SSE_PRIVATE=1 SSE_HEARTBEAT=1 "$BUILD/sse-fcgi" -d "$DB" \
    -l "unix:$T/priv.sock" 2>> "$T/private.log" &
track $!
# sse.cgi behind fcgiwrap, as nginx runs CGI programs. Each worker serves
# one request at a time, and a stream holds one: four of them.
fcgiwrap -c 4 -s "unix:$T/fcgiwrap.sock" 2>> "$T/fcgiwrap.log" &
FW_PID=$!
track $FW_PID
check "sse-fcgi (SSE_PRIVATE=1) and fcgiwrap started" \
    wait_for 5 test -S "$T/priv.sock" -a -S "$T/fcgiwrap.sock"
for pid in $(pgrep -P $FW_PID); do track "$pid"; done

b64() { printf %s "$1" | base64 -w0; }
FORGED="Authorization: Basic $(b64 alice:x)"
BOB="Authorization: Basic $(b64 bob:bob-pw)"

# --- helpers ---------------------------------------------------------------
# open NAME PATH [curl args]: a request in the background, its headers in
# $T/NAME.hdr and its body in $T/NAME.out (a stream, once it is open).
OPEN=()
open() {
	local name=$1 path=$2; shift 2
	stream "$name" "$BASE$path" -D "$T/$name.hdr" "$@"
	OPEN+=("$name")
}
code() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T/$1.hdr" 2>/dev/null; }
gone() { ! kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }
settled() { has "$1" ": ok" || gone "$1"; }
# round: once every request of this round is streaming or answered, push
# one event of each kind with a fresh TAG, the public "end" last; wait
# until every open stream has "end" (so it was offered all the others).
round() {
	local n
	for n in "${OPEN[@]}"; do wait_for 5 settled "$n"; done
	TAG=$RANDOM$RANDOM
	FROM=$(sqlite3 "$DB" "SELECT max(id) FROM events")
	push -e dm -m "alice-$TAG" --to alice
	push -e dm -m "bob-$TAG" --to bob
	push -e dm -m "ops-user-$TAG" --to ops
	push -e page -m "ops-$TAG" --to group:ops
	push -e dm -m "long-$TAG" --to "$LONG_USER"
	push -e note -m "end-$TAG"
	for n in "${OPEN[@]}"; do
		has "$n" ": ok" && wait_for 5 has "$n" "data: end-$TAG"
	done
	for n in "${OPEN[@]}"; do stop_stream "$n"; done
	OPEN=()
}
heard() { has "$1" "data: $2-$TAG"; }
# hears NAME WHAT...: the stream got each of these events.
hears() {
	local n=$1 w; shift
	for w; do heard "$n" "$w" || return 1; done
}
# deaf NAME WHAT...: the request got none of these; if it streamed, it got
# the end marker too, so it was offered them all and left them out.
deaf() {
	local n=$1 w; shift
	for w; do ! heard "$n" "$w" || return 1; done
	! has "$n" ": ok" || heard "$n" end
}
# public_only NAME: a stream with the public event and nobody's private one.
public_only() {
	[ "$(code "$1")" = 200 ] && hears "$1" end &&
	    deaf "$1" alice bob ops-user ops long
}
# refused NAME CODE: that status and no stream at all.
refused() {
	[ "$(code "$1")" = "$2" ] && ! grep -q -e '^: ok' -e '^data:' "$T/$1.out"
}
# bob_or_refused NAME: two Authorization headers, bob's and a forged one:
# the server refuses them (nginx 1.22: 400; 401) or streams as bob.
bob_or_refused() {
	refused "$1" 400 || refused "$1" 401 ||
	    { [ "$(code "$1")" = 200 ] && hears "$1" bob end; }
}
log_lines() { grep -c "refused a request.*REMOTE_USER" "$1" 2>/dev/null; }

# --- nginx ---------------------------------------------------------------
# Besides conf/nginx.conf as it is, a few locations made from its own:
#   /trap-fcgi  its auth_request location with the stock fastcgi_params (the
#               config issue 17 found: REMOTE_USER goes twice);
#   /trap-cgi   the same to sse.cgi through fcgiwrap;
#   /cgi-sso    the auth_request location as shipped, to sse.cgi;
#   /pp         its public location, to the SSE_PRIVATE=1 sse-fcgi;
#   /pp-stock   the same without "fastcgi_param SSE_PRIVATE 0" (a control).
block() { render nginx.conf | sed -n "\\#^    location $1 {#,\\#^    }#p"; }
CGI="fastcgi_pass unix:$T/fcgiwrap.sock; fastcgi_param SCRIPT_FILENAME $T/cgi/sse.cgi;"
# fcgiwrap holds a CGI's output until 8 KB or its end: these streams end
# after a second (SSE_LIFETIME) and are read then.
CGI="$CGI fastcgi_param SSE_DB $DB; fastcgi_param SSE_HEARTBEAT 1;"
CGI="$CGI fastcgi_param SSE_LIFETIME 1;"
STOCK='s#include sse_fastcgi_params#include fastcgi_params#'
mkdir -p "$T/nginx"
{
	block /sse-sso | sed -e 's#/sse-sso#/trap-fcgi#' -e "$STOCK"
	block /sse-sso | sed -e 's#/sse-sso#/trap-cgi#' -e "$STOCK" \
	    -e "s#fastcgi_pass .*#$CGI#"
	block /sse-sso | sed -e 's#/sse-sso#/cgi-sso#' -e "s#fastcgi_pass .*#$CGI#"
	block /sse | sed -e 's#/sse {#/pp {#' -e "s#$T/sse.sock#$T/priv.sock#"
	block /sse | sed -e 's#/sse {#/pp-stock {#' -e "s#$T/sse.sock#$T/priv.sock#" \
	    -e '/SSE_PRIVATE 0/d'
} | sed -e "s#include fastcgi_params#include /etc/nginx/fastcgi_params#" \
    -e "s#include sse_fastcgi_params#include $T/nginx/sse_fastcgi_params#" \
    > "$T/nginx/extra.conf"
check "the extra nginx locations were made (5, one without SSE_PRIVATE 0)" \
    sh -c "[ \$(grep -c 'location /' '$T/nginx/extra.conf') = 5 ] && [ \$(grep -c 'SSE_PRIVATE 0' '$T/nginx/extra.conf') = 1 ]"

echo "# nginx"
check "nginx starts (conf/nginx.conf, the fake SSO, the extra locations)" \
    start_nginx "\$s#^}#    include $T/nginx/extra.conf;\\n}#"
sso_params() {
	sed -n '\#^    location /sse-sso {#,\#^    }#p' "$T/nginx/site.conf" |
	    grep -o 'include [^;]*'
}
check "the shipped auth_request location includes sse_fastcgi_params only" \
    [ "$(sso_params)" = "include $T/nginx/sse_fastcgi_params" ]

# auth_basic
open nb /sse-private -u bob:bob-pw
open na /sse-private -u alice:alice-pw
open nbf /sse-private -H "$BOB" -H "$FORGED"
open nfb /sse-private -H "$FORGED" -H "$BOB"
open nf /sse-private -H "$FORGED"
# auth_request (the fake SSO knows users by their cookie)
open sb /sse-sso -b sso=tok-bob -u alice:x
open sbh /sse-sso -b sso=tok-bob -H "$FORGED"
open sa /sse-sso -b sso=tok-alice
open so /sse-sso -b sso=tok-ops
open sl /sse-sso -b sso=tok-long
open shuge /sse-sso -b sso=tok-huge
open sg /sse-sso -b sso=tok-group
open sn /sse-sso -u alice:x
open sanon /sse-sso -b sso=tok-anon -u alice:x
# public: conf's /sse, and the same to the SSE_PRIVATE=1 sse-fcgi
open pf /sse -H "$FORGED"
open pu /sse -u alice:x
open pb /sse -u bob:bob-pw
open ppf /pp -H "$FORGED"
open ppu /pp -u alice:x
open ppsso /pp -b sso=tok-bob -u alice:x
open ctl /pp-stock -u alice:x
round
# sse.cgi behind fcgiwrap, with the shipped auth_request location: the
# round's events from its start (fcgiwrap passes the stream on at its end).
open cs /cgi-sso -b sso=tok-bob -u alice:x -H "Last-Event-ID: $FROM"
wait_for 5 gone cs

check "nginx auth_basic: bob hears his own and the public event ($(code nb))" hears nb bob end
check "... and not alice's, group:ops's or the user ops's" deaf nb alice ops ops-user long
check "nginx auth_basic: alice hears hers and group:ops (granted)" hears na alice ops end
check "... not bob's, nor the user ops's" deaf na bob ops-user long
check "nginx auth_basic: bob's login + a forged alice header: refused or bob's ($(code nbf))" \
    bob_or_refused nbf
check "... never alice's" deaf nbf alice ops
check "nginx auth_basic: the forged header first, bob's second: the same ($(code nfb))" \
    bob_or_refused nfb
check "... never alice's" deaf nfb alice ops
check "nginx auth_basic: a forged header alone: 401" refused nf 401

check "nginx auth_request: bob (SSO) + -u alice:x: bob's stream ($(code sb))" hears sb bob end
check "... never alice's or group:ops's" deaf sb alice ops ops-user long
check "nginx auth_request: bob (SSO) + a forged Basic header: bob's stream" hears sbh bob end
check "... never alice's" deaf sbh alice ops ops-user long
check "nginx auth_request: alice (SSO) hears hers and group:ops (granted)" hears sa alice ops end
check "... not bob's" deaf sa bob ops-user long
check "nginx auth_request: the user 'ops' hears its own, not group:ops" hears so ops-user end
check "... (nor alice's)" deaf so ops alice bob long
check "nginx auth_request: a 200-byte sub@issuer streams ($(code sl)) and gets its event" hears sl long end
check "... and only its own" deaf sl alice bob ops ops-user
check "nginx auth_request: a 300-byte user: 403 ($(code shuge))" refused shuge 403
check "nginx auth_request: a user named group:ops: 403 ($(code sg))" refused sg 403
check "nginx auth_request: no SSO session, -u alice:x: 401 ($(code sn))" refused sn 401
check "nginx auth_request: the SSO lets in a session it names no user for: 401 ($(code sanon))" \
    refused sanon 401
check "... from the responder (it says REMOTE_USER)" grep -q REMOTE_USER "$T/sanon.out"

check "nginx public /sse, a forged header: the public event only" public_only pf
check "nginx public /sse, -u alice:x: the public event only" public_only pu
check "nginx public /sse, bob's real login: the public event only" public_only pb
check "nginx public location, sse-fcgi SSE_PRIVATE=1, a forged header: public only" public_only ppf
check "... -u alice:x: public only" public_only ppu
check "... an SSO cookie and -u alice:x: public only" public_only ppsso
check "control: without SSE_PRIVATE 0 the same request gets alice's event (why conf/ passes it)" \
    hears ctl alice
check "nginx + fcgiwrap + sse.cgi, auth_request as shipped: bob's stream ($(code cs))" \
    hears cs bob end
check "... never alice's" deaf cs alice ops ops-user long

# The trap: fastcgi_params and a second REMOTE_USER.
before=$(log_lines "$T/responder.log")
cbefore=$(log_lines "$T/fcgiwrap.log")
open tf /trap-fcgi -b sso=tok-bob -u alice:x
open tf2 /trap-fcgi -b sso=tok-bob
open tc /trap-cgi -b sso=tok-bob -u alice:x
round
check "trap (fastcgi_params + a second REMOTE_USER), sse-fcgi: 500 ($(code tf))" refused tf 500
check "... the body names REMOTE_USER" grep -q REMOTE_USER "$T/tf.out"
check "... never alice's event" deaf tf alice
check "... without a forged header too: 500 ($(code tf2))" refused tf2 500
check "... sse-fcgi's log names REMOTE_USER, once a request" \
    [ "$(log_lines "$T/responder.log")" = $((before + 2)) ]
check "trap through fcgiwrap, sse.cgi: 500 ($(code tc))" refused tc 500
check "... the body names REMOTE_USER" grep -q REMOTE_USER "$T/tc.out"
check "... never alice's event" deaf tc alice
check "... sse.cgi's stderr names REMOTE_USER" \
    [ "$(log_lines "$T/fcgiwrap.log")" = $((cbefore + 1)) ]
stop_pidfile "$T/nginx/nginx.pid"

# --- Apache + mod_proxy_fcgi, to the SSE_PRIVATE=1 sse-fcgi -----------------
echo "# apache"
check "apache starts (conf/apache-proxy-fcgi.conf)" \
    start_apache apache-proxy-fcgi.conf "s#$T/sse.sock#$T/priv.sock#g"
open ab /sse-private -u bob:bob-pw
open aa /sse-private -u alice:alice-pw
open abf /sse-private -H "$BOB" -H "$FORGED"
open af /sse-private -H "$FORGED"
open apf /sse -H "$FORGED"
open apu /sse -u alice:x
open apb /sse -u bob:bob-pw
round
check "apache Basic: bob hears his own and the public event ($(code ab))" hears ab bob end
check "... not alice's or group:ops's" deaf ab alice ops ops-user long
check "apache Basic: alice hears hers and group:ops (granted)" hears aa alice ops end
check "... not bob's" deaf aa bob ops-user long
check "apache Basic: bob's login + a forged alice header: refused or bob's ($(code abf))" \
    bob_or_refused abf
check "... never alice's" deaf abf alice ops
check "apache Basic: a forged header alone: 401" refused af 401
check "apache public /sse (sse-fcgi SSE_PRIVATE=1), a forged header: public only" public_only apf
check "... -u alice:x: public only" public_only apu
check "... bob's real login: public only" public_only apb
stop_apache

# --- lighttpd, its environment (and so its spawned sse-fcgi's) private -----
echo "# lighttpd"
SSE_PRIVATE=1 start_lighttpd_conf
check "lighttpd starts (conf/lighttpd.conf) with SSE_PRIVATE=1 in its environment" [ $? = 0 ]
for p in sse sse-external sse-cgi; do open "l${p//-/}" "/$p" -H "$FORGED"; done
round
for p in sse sse-external sse-cgi; do
	check "lighttpd /$p, a forged header: public only ($(code "l${p//-/}"))" \
	    public_only "l${p//-/}"
done

finish

#!/usr/bin/env bash
# The demo's write endpoint (web/demo-api.cgi) behind the demo's own
# lighttpd config, rendered as web/demo.sh does: it takes the dashboard's
# requests and refuses the ones another site's page can make.
. "$(dirname "$0")/lib.sh"

push -b <<PRICES
AAPL 189.50
META 512.30
PRICES
"$BUILD/sse-fcgi" -d "$DB" -l "unix:$T/sse.sock" 2> "$T/sse-fcgi.log" &
track $!
echo $! > "$T/sse-fcgi.pid"
wait_for 5 test -S "$T/sse.sock" || { not_ok "sse-fcgi started"; finish; exit 1; }
P=$(port)
sed -e "s#@PORT@#$P#" -e "s#@T@#$T#g" -e "s#@WEB@#$TOP/web#" \
    -e "s#@BUILD@#$BUILD#" -e "s#@DB@#$DB#" \
    "$TOP/web/lighttpd-demo.conf.in" > "$T/lighttpd.conf"
lighttpd -D -f "$T/lighttpd.conf" 2> "$T/lighttpd-stderr.log" &
track $!
API=http://127.0.0.1:$P/demo-api.cgi
wait_for 5 curl -s -o /dev/null "$API" || { not_ok "lighttpd started"; finish; exit 1; }
rows() { sqlite3 "$DB" "SELECT count(*) FROM events"; }

# post NAME ACTION [curl args]: POST "AAPL 666" to ACTION; the status code
# on stdout, the answer in $T/NAME.out.
post() {
	local name=$1 action=$2; shift 2
	curl -s -o "$T/$name.out" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' \
	    --data-binary 'AAPL 666' "$@" "$API/$action"
}
# What the dashboard's fetch() sends from its own page.
PAGE=(-H "Origin: http://127.0.0.1:$P" -H "X-Requested-With: sse-demo"
    -H "Sec-Fetch-Site: same-origin")

check "GET: 405, as the page's probe for the buttons expects" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$API")" = 405 ]
n=$(rows)
check "a cross-site form post (Origin: http://evil.example): 403" \
    [ "$(post evil push -H 'Origin: http://evil.example')" = 403 ]
check "... saying why" grep -q "cross-site request refused" "$T/evil.out"
check "... no origin, no header (an old browser, a plain form): 403" \
    [ "$(post bare push)" = 403 ]
check "... the header with a foreign origin: 403" \
    [ "$(post xorigin push -H 'Origin: http://evil.example' -H 'X-Requested-With: x')" = 403 ]
check "... the header and Sec-Fetch-Site: cross-site: 403" \
    [ "$(post xsite push -H 'X-Requested-With: x' -H 'Sec-Fetch-Site: cross-site')" = 403 ]
check "... another name for 127.0.0.1 (DNS rebinding): 403" \
    [ "$(post rebind push "${PAGE[@]}" -H "Host: evil.example:$P" \
    -H "Origin: http://evil.example:$P")" = 403 ]
check "... and nothing was pushed" [ "$(rows)" = "$n" ]
check "a cross-site drop: 403" [ "$(post evildrop drop -H 'Origin: http://evil.example')" = 403 ]
check "... and sse-fcgi got no signal" sh -c "! grep -q signal '$T/sse-fcgi.log'"

check "the page's own push: 200" [ "$(post page push "${PAGE[@]}")" = 200 ]
check "... answered with its id, which holds the price" \
    [ "$(sqlite3 "$DB" "SELECT price FROM events WHERE id = $(cat "$T/page.out")")" = 666 ]
check "the page's own drop: 200" [ "$(post pagedrop drop "${PAGE[@]}")" = 200 ]
check "... and sse-fcgi ends its streams" wait_for 5 grep -q "signal 10" "$T/sse-fcgi.log"
finish

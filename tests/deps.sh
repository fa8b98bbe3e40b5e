#!/bin/sh
# deps.sh [bench] - install the Debian packages the build and the tests need,
# if any is missing. Called by "make deps" (and so by "make test" and "make
# demo"); "make bench" asks for the benchmark's peers too.
set -e
# php-* and python3-psycopg: the outbox examples t-outbox.sh runs.
need="gcc make pkg-config libsqlite3-dev zlib1g-dev sqlite3 libfcgi-dev libfcgi-bin check
      clang libclang-rt-14-dev valgrind curl procps iproute2 coreutils openssl
      util-linux apache2-utils postgresql libpq-dev
      nghttp2-client
      lighttpd lighttpd-mod-openssl apache2 libapache2-mod-fcgid nginx caddy
      fcgiwrap spawn-fcgi strace acl
      php-cgi php-sqlite3 php-pgsql python3 python3-psycopg
      debhelper dpkg-dev lintian systemd
      chromium"
# "deps.sh bench": also the benchmark peers (PHP, nchan) and gnuplot.
[ "${1:-}" = bench ] && need="$need php-fpm
      libnginx-mod-nchan gnuplot-nox libsqlite3-dev"
# Node for the browser tests: the machine's own if it has one, else Debian's.
command -v node >/dev/null && command -v npm >/dev/null || need="$need nodejs npm"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
browser_deps() {
	# playwright-core only drives /usr/bin/chromium; it downloads no browser.
	dir=$(dirname "$0")/browser
	[ -d "$dir/node_modules/playwright-core" ] && return 0
	echo "deps: npm ci in tests/browser"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}
if [ -z "$missing" ]; then
	browser_deps
	exit 0
fi
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
	command -v sudo >/dev/null || {
		echo "deps: run as root, or install:$missing" >&2
		exit 1
	}
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The web servers' packages would start system instances, all on port 80,
# and one failing to start fails the install. The tests never use them
# (they start their own on free loopback ports), so forbid service starts
# during the install the Debian way, unless the machine has its own policy.
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy > /dev/null
	$SUDO chmod 755 $policy
	trap '$SUDO rm -f $policy' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null
browser_deps

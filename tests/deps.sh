#!/bin/sh
# deps.sh - install the Debian packages the build and the tests need, if any
# is missing. Called by "make deps" (and so by "make test" and "make demo").
set -e
need="gcc make pkg-config libsqlite3-dev sqlite3 libfcgi-dev libfcgi-bin check
      curl lighttpd procps"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
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
# lighttpd's package starts a system instance on port 80; ours never use it.
$SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null

# pg.sh - PostgreSQL servers for the end-to-end tests, sourced after lib.sh.
# Each lives in $T, listens on a unix socket there only (no TCP), and is
# stopped by its PID when the test ends (lib.sh's cleanup finds every
# postmaster.pid under $T). initdb refuses to run as root: as root, the
# server runs as the postgres user the Debian package creates.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_SOCK=$T/pgsock

# The command prefix that runs a program as the server's user.
AS_PG=()
[ "$(id -u)" = 0 ] && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_pg() { "${AS_PG[@]}" "$@"; }

pg_dirs() {
	mkdir -p "$T/$1" "$PG_SOCK"
	chmod 700 "$T/$1"
	[ "$(id -u)" = 0 ] && chown postgres:postgres "$T/$1" "$PG_SOCK"
	return 0
}

# pg_run NAME PORT: start the server whose data directory is $T/NAME.
pg_run() {
	local name=$1 port=$2
	# fsync off: the tests stop PostgreSQL, never the machine.
	# Not through as_pg: $! must be the postmaster itself (setpriv execs).
	"${AS_PG[@]}" "$PG_BIN/postgres" -D "$T/$name" -k "$PG_SOCK" -p "$port" \
	    -c listen_addresses= -c fsync=off -c full_page_writes=off \
	    -c max_connections=200 -c log_min_messages=warning \
	    > "$T/$name.log" 2>&1 &
	track $!
	echo $! > "$T/$name.pidof"
	wait_for 20 as_pg "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$port"
}

# start_pg NAME: a new primary; sets PG_PORT and PGURL (database "sse").
start_pg() {
	local name=${1:-pg}
	[ -n "$PG_BIN" ] || { not_ok "PostgreSQL is installed"; return 1; }
	pg_dirs "$name"
	as_pg "$PG_BIN/initdb" -D "$T/$name" -U postgres -A trust -E UTF8 \
	    --locale=C --no-sync > "$T/$name-initdb.log" 2>&1 ||
	    { not_ok "initdb"; cat "$T/$name-initdb.log"; return 1; }
	PG_PORT=$(port)
	pg_run "$name" "$PG_PORT" || { not_ok "PostgreSQL started"; return 1; }
	psql_su -q -c "CREATE DATABASE sse" postgres
	PGURL="postgresql:///sse?host=$PG_SOCK&port=$PG_PORT&user=postgres"
}

# start_standby NAME: a streaming replica of the primary on PG_PORT; sets
# STANDBY_PORT and STANDBY_URL.
start_standby() {
	local name=${1:-standby}
	pg_dirs "$name"
	as_pg "$PG_BIN/pg_basebackup" -h "$PG_SOCK" -p "$PG_PORT" -U postgres \
	    -D "$T/$name" -R -X stream > "$T/$name-base.log" 2>&1 ||
	    { not_ok "pg_basebackup"; cat "$T/$name-base.log"; return 1; }
	STANDBY_PORT=$(port)
	pg_run "$name" "$STANDBY_PORT" || { not_ok "standby started"; return 1; }
	STANDBY_URL="postgresql:///sse?host=$PG_SOCK&port=$STANDBY_PORT&user=postgres"
}

# stop_pg NAME [SIGNAL]: INT is a fast shutdown, QUIT an immediate one (a
# crash, as far as the clients can tell).
stop_pg() {
	local pid
	pid=$(cat "$T/$1.pidof")
	kill -"${2:-INT}" "$pid" 2>/dev/null
	wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
}

# psql_su [psql args] DB: psql as the superuser, on PG_PORT.
psql_su() {
	psql -X -h "$PG_SOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"
}

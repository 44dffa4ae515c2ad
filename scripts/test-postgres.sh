# shellcheck shell=bash
# A throw-away PostgreSQL server for the tests: sourced by scripts/test, never executed.
#   pg_temp_start DIR   initdb a cluster under DIR (a fresh directory), start it on 127.0.0.1 on a
#                       free port, create the database, export PARLEY_TEST_POSTGRES_URL
#                       (postgres://parley:PASSWORD@127.0.0.1:PORT/parley_test?sslmode=disable)
#   pg_temp_stop        stop that server and delete DIR
# initdb and postgres refuse to run as root, so as root they run as the `postgres` system user
# (created by Debian's postgresql-common; created here if missing) through runuser.
# The server trusts nothing: password (SCRAM) authentication, loopback TCP only, its socket in DIR.
# Durability is off (fsync, synchronous_commit, full_page_writes): the data is thrown away.

PG_TEMP_DIR=""
PG_TEMP_BIN=""

# The directory of initdb/pg_ctl of the newest PostgreSQL installed (Debian: /usr/lib/postgresql/N/bin).
pg_bindir() {
    local dir best="" bestv=0 v
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || continue
        v="$(basename "$(dirname "$dir")")"
        v="${v%%.*}"
        [[ "$v" =~ ^[0-9]+$ ]] || continue
        if [ "$v" -gt "$bestv" ]; then best="$dir"; bestv="$v"; fi
    done
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [ -n "$best" ] || return 1
    printf '%s\n' "$best"
}

# Runs a command as the PostgreSQL user: ourselves when not root, else `postgres`; from the
# server's directory (the caller's may not be readable by `postgres`).
pg_as_owner() {
    (
        cd "${PG_TEMP_DIR:-/}" 2>/dev/null || cd /
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- "$@"
        else
            "$@"
        fi
    )
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
pg_free_port() {
    local py
    py="$(command -v python3 || true)"
    if [ -n "$py" ]; then
        "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        shuf -i 20000-60000 -n 1
    fi
}

pg_temp_start() {
    local dir="$1" attempt port password log
    PG_TEMP_BIN="$(pg_bindir)" || { echo "PostgreSQL not installed (no initdb/pg_ctl; run scripts/install-deps)" >&2; return 1; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres || return 1
    fi
    mkdir -p "$dir" || return 1
    PG_TEMP_DIR="$dir"
    password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$password" >"$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
    chmod 700 "$dir"
    log="$dir/server.log"
    if ! pg_as_owner "$PG_TEMP_BIN/initdb" -D "$dir/data" -U parley --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    fi
    rm -f "$dir/pwfile"
    for attempt in 1 2 3; do
        port="$(pg_free_port)"
        if pg_as_owner "$PG_TEMP_BIN/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 -s \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start; then
            break
        fi
        echo "PostgreSQL did not start on port $port (attempt $attempt):" >&2
        tail -n 20 "$log" >&2 || true
        port=""
    done
    [ -n "$port" ] || return 1
    if ! PGPASSWORD="$password" "$PG_TEMP_BIN/createdb" -h 127.0.0.1 -p "$port" -U parley parley_test; then
        echo "createdb failed" >&2
        return 1
    fi
    export PARLEY_TEST_POSTGRES_URL="postgres://parley:$password@127.0.0.1:$port/parley_test?sslmode=disable"
}

pg_temp_stop() {
    [ -n "$PG_TEMP_DIR" ] || return 0
    if [ -n "$PG_TEMP_BIN" ] && [ -f "$PG_TEMP_DIR/data/postmaster.pid" ]; then
        pg_as_owner "$PG_TEMP_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" -m immediate -w -t 30 -s stop || true
    fi
    rm -rf "$PG_TEMP_DIR"
    PG_TEMP_DIR=""
    unset PARLEY_TEST_POSTGRES_URL
}

# Before the first `apt-get install postgresql` on a machine: tell postgresql-common not to create
# and start its default cluster (15/main on port 5432); the tests make their own. Root only; no-op
# once postgresql-common is installed (an existing setup is never changed).
pg_prepare_install() {
    [ "$(id -u)" = 0 ] || return 0
    dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q 'install ok installed' && return 0
    mkdir -p /etc/postgresql-common/createcluster.d
    printf '%s\n' "# Written by Parley's scripts/install-deps: no default cluster (tests start their own)." \
        "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/parley.conf
}

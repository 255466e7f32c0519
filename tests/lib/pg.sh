# pg.sh -- a private PostgreSQL 15 for the tests of the PostgreSQL register,
# from Debian's postgresql-15: initdb into a temp directory, pg_ctl start on
# a loopback port the kernel picks, its unix socket in the same directory,
# stopped and removed by pg_stop.
#
#       . tests/lib/pg.sh
#       pg_start DIR || bail_out "no PostgreSQL"  # DIR: an empty directory it may own
#       trap pg_stop EXIT                          # (in an e2e test: harness_on_exit pg_stop)
#       pg_psql -c "SELECT 1"                      # as the cluster's superuser
#       database = "$PG_URI"                       # the breachd role's register
#
# After pg_start:
#   PG_PORT      the TCP port on 127.0.0.1
#   PG_SOCKDIR   the directory of its unix socket
#   PG_URI       postgresql://breachd@127.0.0.1:PORT/breachd -- the role of
#                least privilege breachd runs as, password in PG_PASSWORD_FILE
#   PG_PASSWORD_FILE  0600, for database_password_file
#   PG_TEST_URI  postgresql://breachd_test@127.0.0.1:PORT/breachd_test?... -- a
#                role that may also CREATE schemas in its database: the unit
#                fixture makes one schema per register (BREACHD_TEST_DATABASE)
#   pg_psql, pg_sql  psql as the superuser; SQL in the breachd schema
#
# The roles, as README.md's "PostgreSQL register" says to make them: breachd
# owns one schema, its register's, and may do nothing else in the cluster:
#
#   CREATE ROLE breachd LOGIN PASSWORD '...';     -- no CREATEDB, CREATEROLE, SUPERUSER
#   CREATE DATABASE breachd;
#   REVOKE ALL ON DATABASE breachd FROM PUBLIC;
#   GRANT CONNECT ON DATABASE breachd TO breachd;
#   \c breachd
#   REVOKE ALL ON SCHEMA public FROM PUBLIC;
#   CREATE SCHEMA breachd AUTHORIZATION breachd;   -- its tables, made by its migrations
#   ALTER ROLE breachd IN DATABASE breachd SET search_path = breachd;
#
# Readiness is waited for with pg_isready in a loop (TEST_WAIT_SECONDS,
# default 60), never a guessed delay.

[[ -n ${_PG_SH_LOADED:-} ]] && return 0
_PG_SH_LOADED=1

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_pg_as() {
        if ((EUID == 0)); then
                runuser -u postgres -- "$@"
        else
                "$@"
        fi
}

_pg_free_port() {
        python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# pg_start DIR -- see above.  1 (with a message on stderr) on failure.
pg_start() {
        local dir=$1 tries end
        [[ -x $PG_BIN/initdb ]] || { echo "pg.sh: no $PG_BIN/initdb (apt-get install postgresql-15)" >&2; return 1; }
        PG_DIR=$dir
        mkdir -p "$dir/data" "$dir/run" || return 1
        ((EUID == 0)) && chown -R postgres: "$dir"
        chmod 0700 "$dir"
        _pg_as "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --locale=C.UTF-8 -E UTF8 >"$dir/initdb.log" 2>&1 ||
                { echo "pg.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
        # The superuser only on the unix socket; the roles breachd uses by
        # password (SCRAM), over TCP on loopback as a service host would.
        cat >"$dir/data/pg_hba.conf" <<HBA
local all postgres trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
HBA
        for tries in 1 2 3 4 5; do
                PG_PORT=$(_pg_free_port) || return 1
                _pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
                        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir/run -c fsync=off" start \
                        >>"$dir/pg_ctl.log" 2>&1 && break
                PG_PORT=
        done
        [[ -n $PG_PORT ]] || { echo "pg.sh: PostgreSQL did not start:" >&2; tail -n 20 "$dir/server.log" >&2; return 1; }
        PG_SOCKDIR=$dir/run
        end=$((SECONDS + ${TEST_WAIT_SECONDS:-60}))
        until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
                ((SECONDS < end)) || { echo "pg.sh: not ready after ${TEST_WAIT_SECONDS:-60} s" >&2; return 1; }
                sleep 0.1
        done
        local pw
        pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
        PG_PASSWORD_FILE=$dir/breachd.password
        printf '%s\n' "$pw" >"$PG_PASSWORD_FILE"
        chmod 0600 "$PG_PASSWORD_FILE"
        ((EUID == 0)) && chown root: "$PG_PASSWORD_FILE"
        pg_psql -d postgres <<SQL || return 1
CREATE ROLE breachd LOGIN PASSWORD '$pw';
CREATE DATABASE breachd;
REVOKE ALL ON DATABASE breachd FROM PUBLIC;
GRANT CONNECT ON DATABASE breachd TO breachd;
CREATE ROLE breachd_test LOGIN PASSWORD '$pw';
CREATE DATABASE breachd_test;
REVOKE ALL ON DATABASE breachd_test FROM PUBLIC;
GRANT CONNECT, CREATE ON DATABASE breachd_test TO breachd_test;
SQL
        pg_psql -d breachd <<SQL || return 1
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA breachd AUTHORIZATION breachd;
ALTER ROLE breachd IN DATABASE breachd SET search_path = breachd;
SQL
        pg_psql -d breachd_test -c 'REVOKE ALL ON SCHEMA public FROM PUBLIC' || return 1
        PG_URI="postgresql://breachd@127.0.0.1:$PG_PORT/breachd"
        PG_TEST_URI="postgresql://breachd_test@127.0.0.1:$PG_PORT/breachd_test"
        export PG_PORT PG_SOCKDIR PG_URI PG_TEST_URI PG_PASSWORD_FILE
}

# pg_psql [PSQL ARGS...] -- psql as the superuser, on the unix socket.
pg_psql() {
        _pg_as env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres "$@"
}

# pg_sql SQL [SCHEMA] -- run SQL in the breachd database, in SCHEMA (default
# breachd), unaligned, no header: the rows as sqlite3 prints them ("a|b").
pg_sql() {
        _pg_as env PGOPTIONS="-c client_min_messages=warning" psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -d breachd \
                -c "SET search_path = ${2:-breachd}" -c "$1"
}

# pg_server_down -- stop the server (fast: its connections are cut), keep
# its data; pg_server_up starts it again on the same port and waits until
# it answers.  For a register lost and found (tests/e2e/test_pg_register.sh).
pg_server_down() {
        _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >>"$PG_DIR/pg_ctl.log" 2>&1
}

pg_server_up() {
        local end
        _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCKDIR -c fsync=off" start \
                >>"$PG_DIR/pg_ctl.log" 2>&1 || return 1
        end=$((SECONDS + ${TEST_WAIT_SECONDS:-60}))
        until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
                ((SECONDS < end)) || return 1
                sleep 0.1
        done
}

# pg_stop -- stop the server (fast) and remove its directory.
pg_stop() {
        [[ -n ${PG_DIR:-} && -d $PG_DIR/data ]] || return 0
        _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
                _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
        [[ ${KEEP_TEST_ROOT:-0} == 1 ]] || rm -rf "$PG_DIR"
        PG_DIR=
}

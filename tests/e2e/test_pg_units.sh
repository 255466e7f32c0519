#!/usr/bin/env bash
# test_pg_units.sh -- the register's unit tests on PostgreSQL: a private
# PostgreSQL 15 (tests/lib/pg.sh), and every unit test program that files
# into a register through the fixture run against it
# (BREACHD_TEST_DATABASE: one schema per register), with the password the
# libpq way (PGPASSFILE).  One check per program: all its checks passed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.." || exit 2
. tests/lib/tap.sh
. tests/lib/pg.sh

root=$(mktemp -d "${BREACHD_TEST_TMP:-/tmp}/pgunits.XXXXXX") || bail_out "no temp directory"
chmod 0755 "$root"
cleanup() {
        pg_stop
        rm -rf "$root"
}
trap cleanup EXIT
pg_start "$root/pg" || bail_out "the private PostgreSQL did not start"
export PGPASSFILE=$root/pgpass
# Any host: test_register_backends names the server as db.example.test too.
printf '*:%s:breachd_test:breachd_test:%s\n' "$PG_PORT" "$(cat "$PG_PASSWORD_FILE")" >"$PGPASSFILE"
chmod 0600 "$PGPASSFILE"
export BREACHD_TEST_DATABASE=$PG_TEST_URI
export TMPDIR=$root

# The programs whose register is the fixture's, and the backends' own.
progs=$(grep -l 'fixture_new' tests/unit/test_*.c | sed 's|^tests/unit/||; s|\.c$||')
for p in $progs; do
        bin=build/tests/$p
        [[ -x $bin ]] || { not_ok "$p on PostgreSQL" "no $bin (make unit)"; continue; }
        out=$("$bin" 2>&1)
        status=$?
        last=$(tail -n 1 <<<"$out")
        if [[ $status == 0 && $last =~ ^([0-9]+)\ passed,\ 0\ failed$ && ${BASH_REMATCH[1]} -gt 0 ]]; then
                ok "$p on PostgreSQL: $last"
        else
                not_ok "$p on PostgreSQL: ${last:-no result} (exit $status)"
                diag "$(grep -A3 '^not ok' <<<"$out" | head -n 40)"
        fi
done
# Nothing left behind: each fixture dropped its schema.
is "$(pg_psql -d breachd_test -A -t -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\_%'")" 0 \
        "every fixture's schema is dropped"
done_testing

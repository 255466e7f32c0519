#!/usr/bin/env bash
# breachctl migrate --to postgresql://...: an SQLite register that the
# daemon and the DPO have written to (reports, raw messages, mail, notes,
# actions, decisions, reminders' schedule) is copied into a private
# PostgreSQL 15 and verified row by row; breachctl reads the same register
# from both; a second copy into a register that is not empty is refused
# and writes nothing; the daemon, moved to PostgreSQL, files the next
# report with the next reference.  Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
pg_start "$TEST_ROOT/pg" || bail_out "the private PostgreSQL did not start"
harness_on_exit pg_stop

e2e_conf lite 'max_auto_replies_per_day = 100;'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
ok "the daemon starts on SQLite" e2e_daemon
for i in 1 2 3; do
        mkreport "$TEST_ROOT/m$i.eml" "mig-$i" "Report $i to migrate"
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/m$i.eml"
done
ok "three reports acknowledged" wait_for_mail reporter@example.test INBOX 3 120
ref1=$(refs_of "$CONF" | head -n 1)
ok "a decision" ctl decide "$ref1" not-notifiable --reason "Encrypted and wiped" >/dev/null
ok "a note" ctl note "$ref1" "Called the team" >/dev/null
ok "an action" ctl actions "$ref1" add "Remind the team" --owner "IT" --due 2026-12-31 >/dev/null
kill -TERM "$pid"
wait "$pid"

pg_psql -d breachd -c "CREATE SCHEMA migrated AUTHORIZATION breachd" >/dev/null
URI="$PG_URI?options=-csearch_path%3Dmigrated"
out=$(ctl migrate --to "$URI" --password-file "$PG_PASSWORD_FILE" 2>&1)
is "$?" 0 "breachctl migrate --to copies the register"
like "$out" "incidents +3 rows copied and verified" "... the three incidents, verified"
like "$out" "messages +3 rows copied and verified" "... their messages"
like "$out" "actions +1 rows copied and verified" "... the action"
like "$out" "every row read back the same" "... and says every row was read back the same"

PGCONF=$TEST_ROOT/pg.conf
sed "s|^database = .*|database = \"$URI\";\ndatabase_password_file = \"$PG_PASSWORD_FILE\";|" "$CONF" >"$PGCONF"
pctl() { "$BREACHCTL" -c "$PGCONF" "$@"; }
is "$(pctl export --format json)" "$(ctl export --format json)" "export: the same from both"
is "$(pctl list)" "$(ctl list)" "list: the same"
is "$(pctl show "$ref1")" "$(ctl show "$ref1")" "show: the same, notes and actions and mail"
for t in ref_counter incidents messages outbox audit reminders actions notes auto_mail; do
        is "$(pg_sql "SELECT count(*) FROM $t" migrated)" "$(sqlite3 "$DB" "SELECT count(*) FROM $t")" "$t: as many rows"
done
is "$(pg_sql "SELECT md5(string_agg(encode(raw, 'hex'), ',' ORDER BY id)) FROM messages" migrated)" \
   "$(sqlite3 "$DB" "SELECT hex(raw) FROM messages ORDER BY id" | tr 'A-F' 'a-f' | paste -sd, | tr -d '\n' | md5sum | cut -d' ' -f1)" \
   "the raw messages, byte for byte"

out=$(ctl migrate --to "$URI" --password-file "$PG_PASSWORD_FILE" 2>&1)
isnt "$?" 0 "a second copy is refused"
like "$out" "already holds incidents.*nothing was written" "... saying why"
is "$(pg_sql "SELECT count(*) FROM incidents" migrated)" 3 "... and nothing is written"

# The daemon moved to PostgreSQL: the next report gets the next reference.
CONF=$PGCONF
LOG=$TEST_ROOT/pg.log
ok "the daemon starts on the copy" e2e_daemon
mkreport "$TEST_ROOT/m4.eml" mig-4 "Report 4 after the move"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/m4.eml"
ok "it is acknowledged" wait_for_mail reporter@example.test INBOX 4 120
is "$(refs_of "$PGCONF" | sort -u | wc -l)" 4 "four incidents, four references"
is "$(pg_sql "SELECT count(DISTINCT id) FROM messages" migrated)" 4 "the new message has an id of its own"
kill -TERM "$pid"
wait "$pid"
done_testing

#!/usr/bin/env bash
# A reload of the running daemon (issue 12, defects 1 and 4), with the real
# Dovecot and Postfix:
#   1. a reload keeps the daemon's SQLite lock: reports filed after it are
#      seen by breachctl, survive kill -9, and get distinct references; the
#      daemon never writes to a deleted -wal;
#   4. `breachd --reload PID` (ExecReload=) fails when the daemon keeps its
#      running configuration, also for what --check-config cannot see.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open

# ---- 1. a reload keeps the register's lock -------------------------------------
e2e_conf reload 'max_auto_replies_per_day = 100;'
ok "the daemon starts" e2e_daemon
# Watch the daemon's descriptors the whole time for a deleted -wal or -shm.
DELETED=$TEST_ROOT/deleted-fds
# (a separate bash: a subshell of this one would run the harness's EXIT
# trap when it ends, stopping the servers)
: >"$DELETED"
bash -c 'while kill -0 "$0" 2>/dev/null; do
                 ls -l "/proc/$0/fd" 2>/dev/null | grep -E "\.db-(wal|shm) \(deleted\)" >>"$1"
                 sleep 0.05
         done' "$pid" "$DELETED" &
watcher=$!
harness_on_exit "kill $watcher 2>/dev/null"
mkreport "$TEST_ROOT/r1.eml" reload-1 "Before the reload"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "the first report is acknowledged" wait_for_mail reporter@example.test INBOX 1 120
kill -HUP "$pid"
ok "SIGHUP: the configuration is reloaded" wait_until 60 log_has "$LOG" "configuration reloaded"
is "$(refs_of "$CONF" | wc -l)" 1 "breachctl list after the reload sees the report"
"$BREACHCTL" -c "$CONF" status >/dev/null 2>&1
for i in 2 3 4; do
        mkreport "$TEST_ROOT/r$i.eml" "reload-$i" "After the reload $i"
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/r$i.eml"
done
ok "three more reports are acknowledged" wait_for_mail reporter@example.test INBOX 4 120
is "$(refs_of "$CONF" | wc -l)" 4 "breachctl sees all four while the daemon runs"
kill -9 "$pid"
wait "$pid" 2>/dev/null
wait "$watcher" 2>/dev/null
ok "restarted after kill -9" e2e_daemon
refs=$(refs_of "$CONF")
is "$(wc -l <<<"$refs")" 4 "all four incidents are in the register after kill -9"
is "$(uniq <<<"$refs" | wc -l)" 4 "with four distinct references"
is "$(cat "$DELETED" 2>/dev/null)" "" "the daemon never held a deleted -wal or -shm"
mkreport "$TEST_ROOT/r5.eml" reload-5 "After the restart"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r5.eml"
ok "a fifth report is acknowledged" wait_for_mail reporter@example.test INBOX 5 120
refs=$(refs_of "$CONF")
is "$(uniq <<<"$refs" | wc -l)" 5 "and gets a reference of its own"

# ---- 4. reload with an answer (ExecReload=) -----------------------------------------
out=$("$BREACHD" -c "$CONF" --reload "$pid" 2>&1)
is "$?" 0 "breachd --reload: the daemon took a valid configuration"
like "$out" "took the new configuration" "... and says so"
cp "$CONF" "$CONF.good"
echo 'this is not = valid' >>"$CONF"
out=$("$BREACHD" -c "$CONF" --reload "$pid" 2>&1)
is "$?" 1 "breachd --reload fails on a file with errors"
like "$out" "reload\\.conf:[0-9]+: " "... with file:line"
# What --check-config cannot see: a register the daemon cannot create (on
# PostgreSQL: a database it cannot connect to).
if [[ ${E2E_REGISTER:-sqlite} == postgresql ]]; then
        sed "s|^database = \"\(postgresql://[^/]*\)/[^?\"]*|database = \"\1/no_such_register|" "$CONF.good" >"$CONF"
        unopenable="cannot open the register .*/no_such_register"
else
        unopenable="cannot open the register .*/sub/breachd.db"
        mkdir -p "$TEST_ROOT/ro"
        chmod 0500 "$TEST_ROOT/ro"
        sed "s|^database = .*|database = \"$TEST_ROOT/ro/sub/breachd.db\";|" "$CONF.good" >"$CONF"
        # root ignores modes: make the directory immutable instead, where supported.
        chattr +i "$TEST_ROOT/ro" 2>/dev/null && harness_on_exit "chattr -i '$TEST_ROOT/ro'"
        if touch "$TEST_ROOT/ro/probe" 2>/dev/null; then
                rm -f "$TEST_ROOT/ro/probe"
                # No way to make a read-only place here: use a path under a file.
                sed -i "s|^database = .*|database = \"$TEST_ROOT/reload.conf.good/sub/breachd.db\";|" "$CONF"
        fi
fi
ok "--check-config accepts that file" "$BREACHD" -c "$CONF" --check-config
out=$("$BREACHD" -c "$CONF" --reload "$pid" 2>&1)
is "$?" 1 "breachd --reload fails when the daemon cannot open the new register"
like "$out" "reload refused" "... and says the daemon kept its configuration"
ok "the daemon logs why" wait_until 30 log_has "$LOG" "$unopenable"
ok "and is still running" kill -0 "$pid"
cp "$CONF.good" "$CONF"
mkreport "$TEST_ROOT/r6.eml" reload-6 "After the refused reload"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r6.eml"
ok "it files with the running configuration" wait_for_mail reporter@example.test INBOX 6 120
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM: exit status 0"


done_testing

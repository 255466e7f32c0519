#!/usr/bin/env bash
# The service's edges (issue 12, "also found"), with the real Dovecot and
# Postfix: files 0600/0700 whatever the umask, an existing open directory
# warned about; STATUS= during a mailbox outage says so; SIGTERM is prompt
# while the IMAP or SMTP server stalls.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open

# ---- 5. files 0600/0700 whatever the umask; STATUS= in an outage; prompt stop ----
e2e_conf perm "database = \"$TEST_ROOT/newdir/reg.db\";"
SOCK=$TEST_ROOT/notify.sock
NOTES=$TEST_ROOT/notify.out
python3 tests/lib/notify_listen.py "$SOCK" "$NOTES" &
listener=$!
harness_on_exit "kill $listener 2>/dev/null"
wait_until 30 test -S "$SOCK"
(umask 022 && NOTIFY_SOCKET=$SOCK exec "$BREACHD" -c "$CONF") >"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "umask 022: the daemon starts" wait_until 60 log_has "$LOG" "started: watching"
STATUS_FILE=$(e2e_status_file "$DB")
ok "umask 022: the state file is written" wait_until 60 test -e "$STATUS_FILE"
is "$(stat -c %a "$STATUS_FILE")" 600 "umask 022: the state file is 0600"
# The SQLite file, its journal and its directory (on PostgreSQL the
# register has no file here).
if [[ ${E2E_REGISTER:-sqlite} == sqlite ]]; then
        is "$(stat -c %a "$TEST_ROOT/newdir")" 700 "umask 022: the register's new directory is 0700"
        for f in reg.db reg.db-wal reg.db-shm; do
                is "$(stat -c %a "$TEST_ROOT/newdir/$f" 2>/dev/null)" 600 "umask 022: $f is 0600"
        done
fi
# A mailbox outage shows in STATUS=: failing, since when, the next try.
dovecot_stop
ok "STATUS= says the mailbox is failing, since when, and the next try" \
        wait_until 120 log_has "$NOTES" "STATUS=MAILBOX FAILING since [0-9T:-]+Z \([0-9]+ tries\): .*; next try in [0-9]+ s"
dovecot_start
ok "STATUS= is back to the last poll once the mailbox can be read" \
        wait_until 120 bash -c 'tail -n 1 "$0" | grep -q "STATUS=last poll [0-9]"' "$NOTES"
kill -TERM "$pid"
wait "$pid"
# An existing register directory others can list is warned about (a
# SQLite register's: skipped on PostgreSQL).
if [[ ${E2E_REGISTER:-sqlite} == sqlite ]]; then
        mkdir -m 0755 "$TEST_ROOT/open"
        sed -i "s|^database = .*|database = \"$TEST_ROOT/open/reg.db\";|" "$CONF"
        out=$(cd "$TEST_ROOT" && umask 022 && "$REPO_ROOT/$BREACHCTL" -c "$CONF" list 2>&1)
        like "$out" "directory .* can be listed by group or others" "an existing 0755 register directory is warned about"
        is "$(stat -c %a "$TEST_ROOT/open/reg.db")" 600 "... and the register breachctl created in it is 0600"
else
        diag "skipped on PostgreSQL: the SQLite file's directory and modes"
fi

# SIGTERM while the IMAP server has accepted the connection and says nothing.
STALL=$TEST_ROOT/stall.py
cat >"$STALL" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)             # accepted, never answered, never closed
    open(sys.argv[2], "a").write("accepted\n")
PY
python3 "$STALL" "$TEST_ROOT/stall.port" "$TEST_ROOT/stall.accepted" &
stall=$!
harness_on_exit "kill $stall 2>/dev/null"
wait_until 30 test -s "$TEST_ROOT/stall.port"
sport=$(cat "$TEST_ROOT/stall.port")
write_breachd_conf "$TEST_ROOT/stall.conf"
sed -i "s|^  port = $IMAP_PORT;|  port = $sport;|" "$TEST_ROOT/stall.conf"
LOG=$TEST_ROOT/stall.log
"$BREACHD" -c "$TEST_ROOT/stall.conf" >"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "stall: the daemon is connected to a server that says nothing" wait_until 60 test -s "$TEST_ROOT/stall.accepted"
kill -TERM "$pid"
ok "stall: SIGTERM stops it" wait_until 120 gone "$pid"
wait "$pid"
is "$?" 0 "stall: exit status 0"
unlike "$(cat "$LOG")" "did not answer within|no answer within" "stall: it did not wait for the network timeout"
like "$(cat "$LOG")" "stopping" "stall: the stop is logged"

# SIGTERM while the SMTP server stalls in the middle of sending.
write_breachd_conf "$TEST_ROOT/stall2.conf" 'max_auto_replies_per_day = 100;' "database = \"$TEST_ROOT/stall2.db\";"
sed -i "/^smtp = {/,/^};/ s|^  port = $SMTP_PORT;|  port = $sport;|" "$TEST_ROOT/stall2.conf"
: >"$TEST_ROOT/stall.accepted"
LOG=$TEST_ROOT/stall2.log
mkreport "$TEST_ROOT/s1.eml" stall-1 "While the mail server stalls"
append_mail breach@example.test INBOX "$TEST_ROOT/s1.eml" >/dev/null
"$BREACHD" -c "$TEST_ROOT/stall2.conf" >"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "stall: the report is filed" wait_until 120 log_has "$LOG" "filed DB"
ok "stall: the daemon is sending to an SMTP server that says nothing" wait_until 60 test -s "$TEST_ROOT/stall.accepted"
kill -TERM "$pid"
ok "stall: SIGTERM stops it while it sends" wait_until 120 gone "$pid"
wait "$pid"
is "$?" 0 "stall: exit status 0"
unlike "$(cat "$LOG")" "did not answer within|no answer within" "stall: it did not wait for the SMTP timeout"
is "$("$BREACHCTL" -c "$TEST_ROOT/stall2.conf" list 2>/dev/null | grep -c 'DB[0-9]')" 1 "stall: the report stays filed"


done_testing

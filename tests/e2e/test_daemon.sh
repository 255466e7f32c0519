#!/usr/bin/env bash
# breachd as a daemon (issue 2, item 7 and "Bad input"): files mail while
# running, SIGHUP reloads and keeps the old config when the new one is
# invalid, SIGTERM stops it cleanly; a wrong password and a refused SMTP
# recipient give one clear log line and no crash.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open plain
e2e_conf breachd   # $CONF is breachd.conf, on $DB = $TEST_ROOT/breachd.db
# in_log FILE ERE -- FILE has a line matching ERE (for wait_until).
in_log() { grep -Eq "$2" "$1"; }
# gone PID -- the process has exited, a child not yet waited for too (for
# wait_until; daemon.sh's gone would wait for the wait).
gone() { _srv_gone "$1"; }

e2e_daemon
ok "daemon is running" kill -0 $pid

mkreport "$TEST_ROOT/d1.eml" d1 "Report while running"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/d1.eml" >/dev/null
ok "filed and acknowledged while running" wait_for_mail reporter@example.test INBOX 1
like "$(cat "$LOG")" "filed DB20" "the filing is logged"

# SIGHUP with a broken file: keeps running with the old configuration.
cp "$CONF" "$CONF.good"
echo 'this is not = valid' >>"$CONF"
kill -HUP $pid
wait_until "$TEST_WAIT_SECONDS" in_log "$LOG" "keeping the running configuration"
ok "still running after a reload with a broken file" kill -0 $pid
like "$(cat "$LOG")" "keeping the running configuration" "the refused reload is logged"
like "$(cat "$LOG")" "breachd.conf:[0-9]+: " "the reason has file:line"
mkreport "$TEST_ROOT/d2.eml" d2 "Report after a bad reload"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/d2.eml" >/dev/null
ok "still filing with the old configuration" wait_for_mail reporter@example.test INBOX 2

# SIGHUP with a good file (a new poll interval) is applied.
cp "$CONF.good" "$CONF"
sed -i 's/poll_interval = 5;/poll_interval = 7;/' "$CONF"
kill -HUP $pid
wait_until "$TEST_WAIT_SECONDS" in_log "$LOG" "configuration reloaded"
like "$(cat "$LOG")" "configuration reloaded" "a valid reload is applied"

# SIGTERM: clean exit, status 0.
kill -TERM $pid
ok "stopped on SIGTERM" wait_until "$TEST_WAIT_SECONDS" gone $pid
wait $pid
is "$?" 0 "exit status 0 after SIGTERM"
like "$(cat "$LOG")" "stopping" "the stop is logged"

# Wrong password: one clear line, retry, no crash.
cp "$CONF.good" "$CONF.badpw"
echo "wrong" >"$TEST_ROOT/bad.secret"; chmod 600 "$TEST_ROOT/bad.secret"
sed -i "s|^  password_file = \"[^\"]*\"|  password_file = \"$TEST_ROOT/bad.secret\"|" "$CONF.badpw"   # the mailbox's
"$BREACHD" -c "$CONF.badpw" >"$TEST_ROOT/badpw.log" 2>&1 &
bpid=$!
# Its first attempt has failed and it has said when it tries again.
wait_until "$TEST_WAIT_SECONDS" in_log "$TEST_ROOT/badpw.log" "retrying the mailbox in [0-9]+ s"
ok "running despite a wrong password" kill -0 $bpid
like "$(cat "$TEST_ROOT/badpw.log")" "cannot connect to IMAP server .* as breach@example.test: .*(AUTHENTICATIONFAILED|[Aa]uthentication|refused)" "a clear line for the wrong password"
like "$(cat "$TEST_ROOT/badpw.log")" "retrying the mailbox in [0-9]+ s" "and when it retries"
unlike "$(cat "$TEST_ROOT/badpw.log")" "wrong" "the password itself is never logged"
kill -TERM $bpid; wait $bpid

# A password file others can read is refused.
chmod 644 "$TEST_ROOT/bad.secret"
"$BREACHD" -c "$CONF.badpw" --once >"$TEST_ROOT/perm.log" 2>&1
like "$(cat "$TEST_ROOT/perm.log")" "readable by others" "a world-readable password file is refused with the reason"

# A refused SMTP recipient: the acknowledgement fails permanently and the
# failure is recorded on the incident; the DPO notice still goes.
mkreport "$TEST_ROOT/d3.eml" d3 "Reporter without a mailbox" nobody@example.test
append_mail breach@example.test INBOX "$TEST_ROOT/d3.eml" >/dev/null
"$BREACHD" -c "$CONF.good" --once >"$TEST_ROOT/refused.log" 2>&1
like "$(cat "$TEST_ROOT/refused.log")" "1 failed" "the refused recipient is reported"
ref=$(./breachctl -c "$CONF.good" list | grep 'Reporter without' | grep -o '^DB[0-9]*')
show=$(./breachctl -c "$CONF.good" show "$ref")
like "$show" "ack +to nobody@example.test: failed" "show marks the acknowledgement failed"
like "$show" "delivery_failed" "the failure is in the incident's history"
like "$show" "dpo_notice +to dpo@example.test: sent" "the DPO notice still went"

# IDLE: with a five-minute poll interval, new mail is still picked up at
# once because the daemon waits in IMAP IDLE.
cp "$CONF.good" "$CONF.idle"
sed -i 's/poll_interval = [0-9]*;/poll_interval = 300;/' "$CONF.idle"
"$BREACHD" -c "$CONF.idle" >"$TEST_ROOT/idle.log" 2>&1 &
ipid=$!
harness_on_exit "kill $ipid 2>/dev/null"
# Its first poll is over and it waits in IDLE: its status file says so
# (the file of this daemon, not of one before it on the same register).
idling() { grep -qx "pid=$ipid" "$(e2e_status_file "$DB")" 2>/dev/null && grep -qx 'idle=1' "$(e2e_status_file "$DB")"; }
ok "the daemon waits in IDLE after its first poll" wait_until "$TEST_WAIT_SECONDS" idling
before=$(imap_count breach@example.test Processed)
mkreport "$TEST_ROOT/i1.eml" idle1 "Report picked up by IDLE"
t0=$(date +%s.%N)
send_mail reporter@example.test breach@example.test "$TEST_ROOT/i1.eml" >/dev/null
# Without IDLE the next poll would be 300 s away: well within that (100 s,
# however loaded the machine) is IDLE's doing.
ok "picked up long before the poll interval of 300 s (IDLE)" wait_for_mail breach@example.test Processed $((before + 1)) 100
t1=$(date +%s.%N)
diag "delivery to Processed took $(python3 -c "print(round($t1 - $t0, 2))") s"
# The IDLE session survives a Dovecot restart: the daemon reconnects.
dovecot_stop; dovecot_start
mkreport "$TEST_ROOT/i2.eml" idle2 "Report after an IMAP restart"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/i2.eml" >/dev/null
ok "after an IMAP server restart mail is still picked up" wait_for_mail breach@example.test Processed $((before + 2))
like "$(cat "$TEST_ROOT/idle.log")" "IDLE connection lost|reconnecting|cannot connect" "the lost connection is logged"
ok "daemon still running" kill -0 $ipid
kill -TERM $ipid; wait $ipid
is "$?" 0 "clean stop while in IDLE"

done_testing

#!/usr/bin/env bash
# The register under a held lock and a full disk (issue 12, defects 2 and
# 3), with the real Dovecot and Postfix:
#   2. a held lock: nothing is sent while the "sent" mark cannot be written,
#      every mail arrives exactly once afterwards, the admin is told once,
#      and it is said to be the register, not the mailbox;
#   3. a full disk: said as the register with its path and the system's
#      reason, its own backoff, filing resumes within a poll of the space
#      coming back, nothing lost or doubled; the same at start-up;
#   6. the per-address cap holds at sending, for every kind of mail; a row
#      handed over twice with no outcome is not handed over a third time.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open

# ---- 2 and 3: SQLite's own faults ------------------------------------------------
# Skipped on PostgreSQL: another process holding SQLite's write lock and the
# disk of the SQLite file filling up are faults of that file; the PostgreSQL
# register lost and found is tests/e2e/test_pg_register.sh.
if [[ ${E2E_REGISTER:-sqlite} == postgresql ]]; then
        diag "skipped on PostgreSQL: 2 (SQLite's write lock held) and 3 (the SQLite file's disk full)"
else
        # ---- 2. a held lock -----------------------------------------------------------------
        CLOCK=$TEST_ROOT/clock
        echo "+0" >"$CLOCK"
        e2e_conf lock 'max_auto_replies_per_day = 100;' 'alert_after_failures = 1;' "database = \"$TEST_ROOT/lock.db\";"
        sed -i 's/^  quarantine_folder = "Quarantine";/&\n  idle = false;/' "$CONF"
        ok "lock: the daemon starts" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
        r0=$(imap_count reporter2@example.test INBOX)
        a0=$(imap_count admin@example.test INBOX)
        postfix_stop
        mkreport "$TEST_ROOT/l1.eml" lock-1 "Filed while Postfix is down" reporter2@example.test
        append_mail breach@example.test INBOX "$TEST_ROOT/l1.eml" >/dev/null
        ok "lock: filed, its mail deferred (Postfix down)" wait_until 120 log_has "$LOG" "outbox: 0 sent, [1-9][0-9]* deferred"
        # Another process holds the register's write lock past the busy timeout.
        LOCKER=$TEST_ROOT/locker.py
        cat >"$LOCKER" <<'PY'
import os, sqlite3, sys, time
db, ready, release = sys.argv[1:4]
c = sqlite3.connect(db, isolation_level=None, timeout=60)
c.execute("BEGIN IMMEDIATE")
open(ready, "w").close()
while not os.path.exists(release):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
        python3 "$LOCKER" "$DB" "$TEST_ROOT/locked" "$TEST_ROOT/release" &
        locker=$!
        harness_on_exit "touch '$TEST_ROOT/release'; kill $locker 2>/dev/null"
        ok "lock: another process holds the register" wait_until 60 test -e "$TEST_ROOT/locked"
        postfix_start
        # The deferred mail is due again (the test clock moves on an hour).
        echo "+4000" >"$CLOCK"
        ok "lock: the outbox says the register cannot be written" \
                wait_until 120 log_has "$LOG" "outbox: the register .*lock.db cannot be written: database is locked"
        ok "lock: ... and retries it with its own backoff" \
                wait_until 60 log_has "$LOG" "the register .*lock\\.db cannot be written.*trying again in [0-9]+ s"
        ok "lock: the admin is told, directly" wait_until 60 log_has "$LOG" "told admin@example.test that the register cannot be written"
        ok "lock: the admin's mail arrives while the register is locked" wait_for_mail admin@example.test INBOX $((a0 + 1)) 120
        is "$(imap_count reporter2@example.test INBOX)" "$r0" "lock: nothing was sent to the reporter while the register was locked"
        # Hold it through a few more tries: still nothing sent, no second alert.
        n=$(count_in "$LOG" "cannot be written")
        ok "lock: it keeps trying" wait_until 120 count_at_least "$LOG" "cannot be written" $((n + 3))
        is "$(imap_count reporter2@example.test INBOX)" "$r0" "lock: still nothing sent"
        unlike "$(cat "$LOG")" "polling INBOX failed|retrying the mailbox" "lock: not taken for a mailbox failure"
        touch "$TEST_ROOT/release"
        wait "$locker"
        ok "lock: the register can be written again" wait_until 120 log_has "$LOG" "register .* can be written again"
        ok "lock: the acknowledgement arrives" wait_for_mail reporter2@example.test INBOX $((r0 + 1)) 120
        ok "lock: the admin is told it is over" wait_for_mail admin@example.test INBOX $((a0 + 2)) 120
        # Exactly once: the outbox is empty and Postfix has nothing left, then count.
        outbox_empty() { "$BREACHCTL" -c "$CONF" status 2>/dev/null | grep -Eq "Outbox: +0 queued"; }
        ok "lock: the outbox is empty" wait_until 120 outbox_empty
        ok "lock: Postfix has delivered everything" wait_until 120 bash -c "postqueue -c '$TEST_ROOT/postfix' -p 2>/dev/null | grep -q 'Mail queue is empty'"
        is "$(imap_count reporter2@example.test INBOX)" "$((r0 + 1))" "lock: the reporter got the acknowledgement exactly once"
        is "$(imap_count admin@example.test INBOX)" "$((a0 + 2))" "lock: the admin got one alert and one all-clear"
        kill -TERM "$pid"
        wait "$pid"

        # ---- 3. a full disk -----------------------------------------------------------------
        SMALL=$TEST_ROOT/small
        mkdir -p "$SMALL"
        if ! mount -t tmpfs -o size=4m,mode=0700 tmpfs "$SMALL" 2>/dev/null; then
                not_ok "a small tmpfs for the disk-full test" "mount -t tmpfs failed (not root, or no mount namespace rights)"
        else
                harness_on_exit "umount -l '$SMALL'"
                e2e_conf full 'max_auto_replies_per_day = 100;' 'alert_after_failures = 2;' "database = \"$SMALL/breachd.db\";"
                sed -i 's/^  quarantine_folder = "Quarantine";/&\n  idle = false;/' "$CONF"
                ok "full: the daemon starts" e2e_daemon
                r0=$(imap_count reporter@example.test INBOX)
                mkreport "$TEST_ROOT/f1.eml" full-1 "Before the disk fills"
                send_mail reporter@example.test breach@example.test "$TEST_ROOT/f1.eml"
                ok "full: the first report is acknowledged" wait_for_mail reporter@example.test INBOX $((r0 + 1)) 120
                # Fill every last block.
                dd if=/dev/zero of="$SMALL/filler" bs=4k 2>/dev/null
                dd if=/dev/zero of="$SMALL/filler2" bs=512 2>/dev/null
                i0=$(imap_count breach@example.test INBOX)
                for i in 2 3; do
                        mkreport "$TEST_ROOT/f$i.eml" "full-$i" "While the disk is full $i"
                        send_mail reporter@example.test breach@example.test "$TEST_ROOT/f$i.eml"
                done
                ok "full: the failure is said to be the register's, with its path and reason" \
                        wait_until 120 log_has "$LOG" "the register $SMALL/breachd\\.db cannot be written: (database or disk is full|disk I/O error).*"
                ok "full: ... retried on its own backoff" \
                        wait_until 60 log_has "$LOG" "filing: the register .* cannot be written: .*; trying again in [0-9]+ s"
                like "$(grep 'cannot be written' "$LOG" | head -n 1)" "full|No space left on device" "full: the reason names the full disk"
                unlike "$(cat "$LOG")" "polling INBOX failed|retrying the mailbox" "full: not taken for a mailbox failure"
                is "$(imap_count breach@example.test INBOX)" "$((i0 + 2))" "full: the two reports wait in the inbox"
                # At start-up too: a second register on the same full disk.
                sed "s|^database = .*|database = \"$SMALL/other/breachd.db\";|" "$CONF" >"$TEST_ROOT/full2.conf"
                out=$("$BREACHD" -c "$TEST_ROOT/full2.conf" --once 2>&1)
                like "$out" "cannot open the register $SMALL/other/breachd\\.db: .*(full|No space left on device)" \
                        "full: at start-up, the register, its path and the reason"
                unlike "$out" "Input/output error\$" "full: ... not a bare Input/output error"
                rm -f "$SMALL/filler" "$SMALL/filler2"
                ok "full: space again: the register can be written again" wait_until 120 log_has "$LOG" "register .* can be written again"
                ok "full: the two reports are filed and acknowledged" wait_for_mail reporter@example.test INBOX $((r0 + 3)) 120
                inbox_empty() { (($(imap_count breach@example.test INBOX) == 0)); }
                ok "full: the inbox is empty" wait_until 120 inbox_empty
                outbox_empty() { "$BREACHCTL" -c "$CONF" status 2>/dev/null | grep -Eq "Outbox: +0 queued"; }
                ok "full: the outbox is empty" wait_until 120 outbox_empty
                ok "full: Postfix has delivered everything" wait_until 120 bash -c "postqueue -c '$TEST_ROOT/postfix' -p 2>/dev/null | grep -q 'Mail queue is empty'"
                is "$(imap_count reporter@example.test INBOX)" "$((r0 + 3))" "full: each acknowledgement arrived exactly once"
                refs=$(refs_of "$CONF")
                is "$(uniq <<<"$refs" | wc -l)" 3 "full: three incidents, three references"
                kill -TERM "$pid"
                wait "$pid"
        fi
fi

# ---- 6. the per-address cap holds at sending, for every kind of mail ----------------
# Rows put straight into the outbox (as a resend or a bug could leave
# them), none of them a reply the queue-time cap saw: to a staff address
# only max_auto_replies_per_day go in 24 hours; the DPO is not capped.
e2e_conf cap 'max_auto_replies_per_day = 2;' "database = \"$TEST_ROOT/cap.db\";"
"$BREACHCTL" -c "$CONF" list >/dev/null 2>&1   # creates the register
sql() { e2e_sql "$TEST_ROOT/cap.db" "$1"; }
# blob TEXT -- TEXT (its \n as CRLF) as a BLOB literal: X'..' on SQLite,
# '\x..'::bytea on PostgreSQL.
blob() {
        local hex
        hex=$(printf '%s' "${1//$'\n'/$'\r\n'}" | od -An -v -tx1 | tr -d ' \n')
        if [[ ${E2E_REGISTER:-sqlite} == postgresql ]]; then
                printf '%s' "'\\x$hex'::bytea"
        else
                printf "X'%s'" "$hex"
        fi
}
r0=$(imap_count reporter2@example.test INBOX)
d0=$(imap_count dpo@example.test INBOX)
now=$(date +%s)
for i in 0 1 2 3 4; do
        for pair in reporter2@example.test:reminder dpo@example.test:dpo_notice; do
                to=${pair%%:*} kind=${pair#*:}
                mid="cap-$kind-$i@example.test"
                data=$(blob "From: breach@example.test
To: $to
Subject: cap test $kind $i
Message-ID: <$mid>
Auto-Submitted: auto-generated

body $i
")
                sql "INSERT INTO outbox(kind, envelope_from, rcpts, message_id, subject, data, next_attempt_at, created_at)
                     VALUES('$kind', 'breach@example.test', '$to', '<$mid>', 'cap test', $data, $now, $now)"
        done
done
out=$("$BREACHD" -c "$CONF" --once 2>&1)
like "$out" "outbox: 7 sent, 0 deferred, 0 failed, some held over the per-address cap" "cap: 2 to the reporter and 5 to the DPO sent, the rest held"
ok "cap: the DPO gets all five" wait_for_mail dpo@example.test INBOX $((d0 + 5)) 120
ok "cap: Postfix has delivered everything" postfix_wait_idle
is "$(imap_count reporter2@example.test INBOX)" $((r0 + 2)) "cap: the reporter gets max_auto_replies_per_day (2), whatever the kind"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE state = 'queued' AND last_error LIKE 'held:%'")" 3 "cap: the other three wait, with the reason"

# A row handed to the server twice with no outcome recorded (the process
# died or its "sent" mark failed each time) is not handed over a third time.
data=$(blob "From: breach@example.test
To: reporter@example.test
Subject: unconfirmed twice
Message-ID: <unconfirmed-2@example.test>
Auto-Submitted: auto-generated

body
")
sql "INSERT INTO outbox(kind, envelope_from, rcpts, message_id, subject, data, next_attempt_at, created_at, unconfirmed)
     VALUES('reminder', 'breach@example.test', 'reporter@example.test', '<unconfirmed-2@example.test>', 'unconfirmed twice',
            $data, $now, $now, 2)"
u0=$(imap_count reporter@example.test INBOX)
out=$("$BREACHD" -c "$CONF" --once 2>&1)
like "$out" "outbox: 0 sent, 0 deferred, 1 failed.*handed to the mail server 2 times" "unconfirmed: a row handed over twice is given up, with the reason"
is "$(sql "SELECT state FROM outbox WHERE message_id = '<unconfirmed-2@example.test>'")" failed "unconfirmed: the row is recorded as failed"
ok "unconfirmed: Postfix is idle" postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" "$u0" "unconfirmed: it was not sent a third time"

done_testing

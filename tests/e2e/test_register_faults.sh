#!/usr/bin/env bash
# The register under a reload, a full disk and a held lock (issue 12), with
# the real Dovecot and Postfix:
#   1. a reload keeps the daemon's SQLite lock: reports filed after it are
#      seen by breachctl, survive kill -9, and get distinct references; the
#      daemon never writes to a deleted -wal;
#   2. a held lock: nothing is sent while the "sent" mark cannot be written,
#      every mail arrives exactly once afterwards, the admin is told once,
#      and it is said to be the register, not the mailbox;
#   3. a full disk: said as the register with its path and the system's
#      reason, its own backoff, filing resumes within a poll of the space
#      coming back, nothing lost or doubled; the same at start-up;
#   4. `breachd --reload PID` (ExecReload=) fails when the daemon keeps its
#      running configuration, also for what --check-config cannot see;
#   5. STATUS= during a mailbox outage says so; files are 0600/0700 whatever
#      the umask; SIGTERM is prompt while a server stalls.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/servers.sh

BREACHD=${BREACHD_TEST_BIN:-build/testing/breachd}
BREACHCTL=${BREACHCTL_TEST_BIN:-build/testing/breachctl}
[[ -x $BREACHD && -x $BREACHCTL ]] || bail_out "no $BREACHD (make testing)"
servers_start || bail_out "servers did not start"

# wait_until SECONDS CMD... -- run CMD every 0.1 s until it succeeds.
wait_until() {
        local limit=$1 i
        shift
        for ((i = 0; i < limit * 10; i++)); do
                "$@" 2>/dev/null && return 0
                sleep 0.1
        done
        return 1
}
log_has() { grep -Eq "$2" "$1"; }
# count_in LOG PATTERN -- lines matching
count_in() { grep -Ec "$2" "$1"; }

mkreport() { # FILE ID SUBJECT [FROM]
        cat >"$1" <<MAIL
From: Test Reporter <${4:-reporter@example.test}>
To: breach@example.test
Subject: $3
Date: $(date -R)
Message-ID: <$2@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: $3
Date of incident: today
MAIL
}

refs_of() { # CONF -- the references breachctl lists, one a line
        "$BREACHCTL" -c "$1" list 2>/dev/null | grep -Eo 'DB[0-9]{7}' | sort
}

# ---- 1. a reload keeps the register's lock -------------------------------------
CONF=$TEST_ROOT/reload.conf
write_breachd_conf "$CONF" 'max_auto_replies_per_day = 100;'
LOG=$TEST_ROOT/reload.log
"$BREACHD" -c "$CONF" >"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "the daemon starts" wait_until 60 log_has "$LOG" "started: watching"
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
"$BREACHD" -c "$CONF" >>"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "restarted after kill -9" wait_until 60 log_has "$LOG" "started: watching.*" 
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
# What --check-config cannot see: a register the daemon cannot create.
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
ok "--check-config accepts that file" "$BREACHD" -c "$CONF" --check-config
out=$("$BREACHD" -c "$CONF" --reload "$pid" 2>&1)
is "$?" 1 "breachd --reload fails when the daemon cannot open the new register"
like "$out" "reload refused" "... and says the daemon kept its configuration"
ok "the daemon logs why" wait_until 30 log_has "$LOG" "cannot open the register .*/sub/breachd.db"
ok "and is still running" kill -0 "$pid"
cp "$CONF.good" "$CONF"
mkreport "$TEST_ROOT/r6.eml" reload-6 "After the refused reload"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r6.eml"
ok "it files with the running configuration" wait_for_mail reporter@example.test INBOX 6 120
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM: exit status 0"

# ---- 2. a held lock -----------------------------------------------------------------
CONF=$TEST_ROOT/lock.conf
DB=$TEST_ROOT/lock.db
CLOCK=$TEST_ROOT/clock
echo "+0" >"$CLOCK"
write_breachd_conf "$CONF" 'max_auto_replies_per_day = 100;' 'alert_after_failures = 1;'
sed -i "s|^database = .*|database = \"$DB\";|; s/^  quarantine_folder = \"Quarantine\";/&\n  idle = false;/" "$CONF"
LOG=$TEST_ROOT/lock.log
BREACHD_TEST_CLOCK=$CLOCK "$BREACHD" -c "$CONF" >"$LOG" 2>&1 &
pid=$!
harness_on_exit "kill -9 $pid 2>/dev/null"
ok "lock: the daemon starts" wait_until 60 log_has "$LOG" "started: watching"
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
count_at_least() { (($(count_in "$1" "$2") >= $3)); }
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
        CONF=$TEST_ROOT/full.conf
        write_breachd_conf "$CONF" 'max_auto_replies_per_day = 100;' 'alert_after_failures = 2;'
        sed -i "s|^database = .*|database = \"$SMALL/breachd.db\";|; s/^  quarantine_folder = \"Quarantine\";/&\n  idle = false;/" "$CONF"
        LOG=$TEST_ROOT/full.log
        "$BREACHD" -c "$CONF" >"$LOG" 2>&1 &
        pid=$!
        harness_on_exit "kill -9 $pid 2>/dev/null"
        ok "full: the daemon starts" wait_until 60 log_has "$LOG" "started: watching"
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

# ---- 5. files 0600/0700 whatever the umask; STATUS= in an outage; prompt stop ----
CONF=$TEST_ROOT/perm.conf
write_breachd_conf "$CONF"
sed -i "s|^database = .*|database = \"$TEST_ROOT/newdir/reg.db\";|" "$CONF"
LOG=$TEST_ROOT/perm.log
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
ok "umask 022: the state file is written" wait_until 60 test -e "$TEST_ROOT/newdir/reg.db.status"
is "$(stat -c %a "$TEST_ROOT/newdir")" 700 "umask 022: the register's new directory is 0700"
for f in reg.db reg.db-wal reg.db-shm reg.db.status; do
        is "$(stat -c %a "$TEST_ROOT/newdir/$f" 2>/dev/null)" 600 "umask 022: $f is 0600"
done
# A mailbox outage shows in STATUS=: failing, since when, the next try.
dovecot_stop
ok "STATUS= says the mailbox is failing, since when, and the next try" \
        wait_until 120 log_has "$NOTES" "STATUS=MAILBOX FAILING since [0-9T:-]+Z \([0-9]+ tries\): .*; next try in [0-9]+ s"
dovecot_start
ok "STATUS= is back to the last poll once the mailbox can be read" \
        wait_until 120 bash -c 'tail -n 1 "$0" | grep -q "STATUS=last poll [0-9]"' "$NOTES"
kill -TERM "$pid"
wait "$pid"
# An existing register directory others can list is warned about.
mkdir -m 0755 "$TEST_ROOT/open"
sed -i "s|^database = .*|database = \"$TEST_ROOT/open/reg.db\";|" "$CONF"
out=$(cd "$TEST_ROOT" && umask 022 && "$REPO_ROOT/$BREACHCTL" -c "$CONF" list 2>&1)
like "$out" "directory .* can be listed by group or others" "an existing 0755 register directory is warned about"
is "$(stat -c %a "$TEST_ROOT/open/reg.db")" 600 "... and the register breachctl created in it is 0600"

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
gone() { ! kill -0 "$1" 2>/dev/null; }
ok "stall: SIGTERM stops it" wait_until 120 gone "$pid"
wait "$pid"
is "$?" 0 "stall: exit status 0"
unlike "$(cat "$LOG")" "did not answer within|no answer within" "stall: it did not wait for the network timeout"
like "$(cat "$LOG")" "stopping" "stall: the stop is logged"

# SIGTERM while the SMTP server stalls in the middle of sending.
write_breachd_conf "$TEST_ROOT/stall2.conf" 'max_auto_replies_per_day = 100;'
sed -i "/^smtp = {/,/^};/ s|^  port = $SMTP_PORT;|  port = $sport;|" "$TEST_ROOT/stall2.conf"
sed -i "s|^database = .*|database = \"$TEST_ROOT/stall2.db\";|" "$TEST_ROOT/stall2.conf"
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

#!/usr/bin/env bash
# Two breachd hosts on one PostgreSQL register (issue 17, part 4), with the
# real Dovecot, Postfix and a private PostgreSQL 15: two daemons A and B on
# the same configuration, each with its own state directory, as two hosts.
#   - A takes the mailbox and the service's work (outbox, reminders); B is
#     standby for both, and says so (its log, breachctl status);
#   - a flood of N reports arrives: A files the first K, then its next
#     batch waits, inside its transaction, on a lock our own session holds
#     on the incidents (so the moment is known, not raced for: some filed,
#     the inbox not empty, a batch half done), and A is killed with -9;
#   - B takes the mailbox and the service over: the time from the kill to
#     its "took over" line, its first filing and its IDLE on the emptied
#     mailbox is measured (the bound is each wait's limit, TAKEOVER_LIMIT;
#     the figures go to stdout and, with FAILOVER_REPORT=FILE, to FILE);
#   - at the end every report is filed exactly once (one message row and
#     one incident per Message-ID, N in all), every acknowledgement and DPO
#     notice reached its mailbox through Postfix exactly once, the inbox is
#     empty and no mail is left unsent;
#   - A started again is standby: nothing is filed or sent twice;
#   - PostgreSQL stopped and started: the working host leaves the mailbox
#     (its lock went with its session), and one takes it again once the
#     server answers;
#   - organisations on mailboxes of their own: the two hosts split them
#     (C works ashgrove's, D birch's), and a kill of C moves ashgrove's to D.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
export E2E_REGISTER=postgresql
. tests/lib/e2e.sh
for u in ashgrove birch dpo-ash dpo-birch; do
        servers_add_user "$u@example.test" secret
done
e2e_open
N=${FAILOVER_MESSAGES:-60}
TAKEOVER_LIMIT=${TAKEOVER_LIMIT:-30}   # seconds: FAILOVER_INTERVAL (5 s) + a login, with room for load

e2e_conf failover 'batch_size = 3;' 'max_auto_replies_per_day = 10000;'
REG=$TEST_ROOT/breachd.db
sql() { e2e_sql "$REG" "$1"; }
e2e_private_copies

# start_host NAME [LOGNAME] -- a daemon on $CONF with its own state directory and
# log ($TEST_ROOT/NAME.log); its pid in pid_NAME.
start_host() {
        local name=$1
        mkdir -p "$TEST_ROOT/state-$name"
        LOG=$TEST_ROOT/${2:-$name}.log
        e2e_daemon STATE_DIRECTORY="$TEST_ROOT/state-$name" || return 1
        printf -v "pid_$name" '%s' "$pid"
}
# status_of NAME -- breachctl status as that host sees it.
status_of() { STATE_DIRECTORY=$TEST_ROOT/state-$1 "$BREACHCTL" -c "$CONF" status 2>&1; }
# idle_here NAME -- that host's daemon runs and waits in IDLE.
idle_here() {
        local st pidv=pid_$1
        st=$(status_of "$1") || return 1
        grep -Eq "Daemon: +running \(pid ${!pidv:-none}\)" <<<"$st" && grep -Eq "Waiting in IDLE: +yes" <<<"$st"
}
now_us() { printf '%s' "${EPOCHREALTIME/./}"; }

# ---- A works, B is standby ---------------------------------------------------------
ok "A starts" start_host A
ok "A works the mailbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/A.log" "this host works the mailbox INBOX"
ok "A sends the outbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/A.log" "this host sends the outbox"
ok "A is idle on the mailbox" wait_until "$TEST_WAIT_SECONDS" idle_here A
ok "B starts" start_host B
ok "B is standby for the mailbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/B.log" "standby for the mailbox INBOX: another host works it"
ok "B is standby for the outbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/B.log" "standby for the outbox"
st=$(status_of B)
like "$st" "INBOX: +another host: breachd@[^/]*/$pid_A " "breachctl status on B: A works the mailbox"
like "$st" "0 mailbox\(es\) worked here, 1 standby here" "breachctl status on B: standby here"
like "$(status_of A)" "INBOX: +here: breachd@[^/]*/$pid_A " "breachctl status on A: worked here"
like "$st" "Waiting in IDLE: +no" "B has no IMAP session (not in IDLE)"

# ---- the flood, and A killed in the middle of it ----------------------------------
MSGS=$TEST_ROOT/msgs
mkdir -p "$MSGS"
for ((i = 1; i <= N; i++)); do
        from=reporter@example.test
        ((i % 2)) && from=reporter2@example.test
        cat >"$MSGS/$i.eml" <<EOF
From: Reporter $i <$from>
To: Data Breach Reporting <breach@example.test>
Subject: Failover report $i
Date: $(date -R)
Message-ID: <failover-$i@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Reporter $i
Directorate: Corporate Services
The nature of the personal data breach: Failover report $i
When did this occur (Date)? today
How did the personal data breach occur? Test $i.
EOF
done
# append FIRST LAST -- one IMAP session appends those (a flood, not N logins).
append() {
        "$PYTHON" - "$1" "$2" "$MSGS" "$(user_password breach@example.test)" <<'PY'
import imaplib, os, sys
first, last, d, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
c.login("breach@example.test", pw)
for i in range(first, last + 1):
    with open(os.path.join(d, "%d.eml" % i), "rb") as f:
        data = f.read().replace(b"\n", b"\r\n")
    typ, resp = c.append("INBOX", None, None, data)
    if typ != "OK":
        sys.exit("APPEND failed: %r" % resp)
c.logout()
PY
}
filed() { sql "SELECT COUNT(*) FROM messages"; }
filed_all() { [[ $(filed) == "$1" ]]; }
# The moment of the kill is made known, not raced for: the first K reports
# are filed and their mail sent; then a session of ours locks the incidents
# table (as a long statement of another client could), the other N-K
# arrive, and A's next batch waits on that lock inside its transaction: A
# is in the middle of a batch, some filed, the inbox not empty.
K=6
append 1 "$K" || bail_out "appending failed"
ok "A files the first $K" wait_until "$TEST_WAIT_SECONDS" filed_all "$K"
first_sent() { [[ $(sql "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == $((2 * K)) ]]; }
ok "and sends their acknowledgements and notices" wait_until "$TEST_WAIT_SECONDS" first_sent
bash -c "runuser -u postgres -- psql -X -q -h '$PG_SOCKDIR' -p '$PG_PORT' -U postgres -d breachd \
        -c 'BEGIN' -c 'LOCK TABLE r_breachd_db.incidents IN SHARE ROW EXCLUSIVE MODE' -c 'SELECT pg_sleep(3600)' >/dev/null 2>&1" &
locker=$!
harness_on_exit "kill $locker 2>/dev/null"
locked() { [[ $(pg_sql "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'incidents' AND l.mode = 'ShareRowExclusiveLock' AND l.granted") == 1 ]]; }
ok "our session locks the incidents" wait_until "$TEST_WAIT_SECONDS" locked
append $((K + 1)) "$N" || bail_out "appending the flood failed"
a_waits() { [[ $(pg_sql "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name LIKE 'breachd@%/$pid_A' AND state = 'active' AND wait_event_type = 'Lock'") == 1 ]]; }
ok "A's batch waits on it, in its transaction" wait_until "$TEST_WAIT_SECONDS" a_waits
before_kill=$(filed)
inbox_left=$(imap_count breach@example.test INBOX)
diag "A killed in a batch with $before_kill of $N filed, $inbox_left in the inbox"
is "$before_kill" "$K" "A is in the middle of the flood (only the first $K filed)"
ok "the inbox is not empty" test "$inbox_left" -gt 0
t_kill=$(now_us)
kill -KILL "$pid_A"
wait "$pid_A" 2>/dev/null
# Our lock let go: the incidents are free for whoever works the mailbox.
pg_sql "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'incidents' AND l.mode = 'ShareRowExclusiveLock'" >/dev/null
wait "$locker" 2>/dev/null
took() { log_has "$TEST_ROOT/B.log" "took over the mailbox INBOX"; }
filed_by_B() { log_has "$TEST_ROOT/B.log" "filed DB"; }
ok "B takes the mailbox over within $TAKEOVER_LIMIT s" wait_until "$TAKEOVER_LIMIT" took
t_took=$(now_us)
ok "B files within $TAKEOVER_LIMIT s of the kill" wait_until "$TAKEOVER_LIMIT" filed_by_B
t_filed=$(now_us)
all_filed() { [[ $(filed) == "$N" && $(imap_count breach@example.test INBOX) == 0 ]]; }
ok "B files the rest and empties the inbox" wait_until $((3 * TEST_WAIT_SECONDS)) all_filed
ok "B is idle on the mailbox" wait_until "$TEST_WAIT_SECONDS" idle_here B
t_idle=$(now_us)
ok "B sends the outbox now" wait_until "$TAKEOVER_LIMIT" log_has "$TEST_ROOT/B.log" "this host sends the outbox"
ms() { printf '%d' $((($1 - t_kill) / 1000)); }
figures="takeover after kill -9: took over the mailbox $(ms "$t_took") ms, first filing $(ms "$t_filed") ms, idle on the emptied mailbox $(ms "$t_idle") ms ($before_kill of $N filed by A, $((N - before_kill)) by B)"
diag "$figures"
[[ -n ${FAILOVER_REPORT:-} ]] && echo "$figures" >>"$FAILOVER_REPORT"

# ---- nothing lost, nothing doubled ----------------------------------------------
is "$(sql "SELECT COUNT(*) FROM incidents")" "$N" "N incidents"
is "$(sql "SELECT COUNT(*) FROM (SELECT message_id FROM incidents GROUP BY message_id HAVING COUNT(*) = 1) x")" "$N" \
        "one incident per Message-ID"
is "$(sql "SELECT COUNT(DISTINCT key) || '/' || COUNT(*) FROM messages")" "$N/$N" "one message row per message"
is "$(imap_count breach@example.test Processed)" "$N" "the Processed folder holds each message once"
unsent() { sql "SELECT COUNT(*) FROM outbox WHERE state <> 'sent'"; }
# A mail A had claimed but not handed over is due again when the claim ends (30 s).
all_sent() { [[ $(unsent) == 0 ]]; }
ok "every mail is sent (nothing left claimed or queued)" wait_until $((3 * TEST_WAIT_SECONDS)) all_sent
ok "Postfix has delivered everything" postfix_wait_idle
# refs_in USER -- the references in the subjects of USER's INBOX, one a line.
refs_in() { imap_fetch_all "$1" INBOX | grep -i '^Subject:' | grep -Eo 'DB[0-9]{7}' | sort; }
half=$((N / 2))
ok "every reporter's acknowledgements arrived" wait_for_mail reporter@example.test INBOX "$half"
ok "and the other reporter's" wait_for_mail reporter2@example.test INBOX "$((N - half))"
is "$(imap_count reporter@example.test INBOX)/$(imap_count reporter2@example.test INBOX)" "$half/$((N - half))" \
        "no acknowledgement twice"
is "$( (refs_in reporter@example.test; refs_in reporter2@example.test) | uniq | wc -l)" "$N" \
        "one acknowledgement for each incident"
ok "the DPO's notices arrived" wait_for_mail dpo@example.test INBOX "$N"
is "$(imap_count dpo@example.test INBOX)" "$N" "no DPO notice twice"
is "$(refs_in dpo@example.test | uniq | wc -l)" "$N" "one DPO notice for each incident"

# ---- A again: standby -------------------------------------------------------------
ok "A starts again" start_host A A2
ok "A is standby for the mailbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/A2.log" "standby for the mailbox INBOX: another host works it"
ok "and for the outbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/A2.log" "standby for the outbox"
like "$(status_of A)" "INBOX: +another host: breachd@[^/]*/$pid_B " "breachctl status on A: B works the mailbox"
mkreport "$TEST_ROOT/late.eml" failover-late "A report after the handover"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/late.eml"
ok "B files a new report" wait_until "$TEST_WAIT_SECONDS" filed_all $((N + 1))
ok "and acknowledges it" wait_for_mail reporter@example.test INBOX $((half + 1))
ok "Postfix has delivered everything" postfix_wait_idle
is "$(sql "SELECT COUNT(*) FROM incidents")" $((N + 1)) "nothing doubled with A back"
is "$(imap_count reporter@example.test INBOX)" $((half + 1)) "no acknowledgement twice"
unlike "$(cat "$TEST_ROOT/A2.log")" "filed DB|outbox: " "A (standby) filed and sent nothing"

# ---- PostgreSQL itself goes away and comes back ---------------------------------
# (a restart, or a standby promoted behind the same address): every session
# and lock is gone; the working host leaves the mailbox, and once the server
# answers one of the two takes it again.
lost_B=$(count_in "$TEST_ROOT/B.log" "lost the register's lock on the mailbox INBOX")
took_before=$(($(count_in "$TEST_ROOT/A2.log" "took over the mailbox INBOX") + $(count_in "$TEST_ROOT/B.log" "took over the mailbox INBOX")))
ok "PostgreSQL stops" pg_server_down
ok "B leaves the mailbox" wait_until "$TEST_WAIT_SECONDS" count_at_least "$TEST_ROOT/B.log" "lost the register's lock on the mailbox INBOX" $((lost_B + 1))
retaken() { (($(count_in "$TEST_ROOT/A2.log" "took over the mailbox INBOX") + $(count_in "$TEST_ROOT/B.log" "took over the mailbox INBOX") > took_before)); }
t_up=$(now_us)
ok "PostgreSQL starts again" pg_server_up
ok "a host takes the mailbox again" wait_until "$TAKEOVER_LIMIT" retaken
diag "PostgreSQL back: the mailbox worked again $((($(now_us) - t_up) / 1000)) ms after the server was started"
mkreport "$TEST_ROOT/after-pg.eml" failover-after-pg "A report after PostgreSQL came back"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/after-pg.eml"
ok "it is filed" wait_until "$TEST_WAIT_SECONDS" filed_all $((N + 2))
ok "and acknowledged" wait_for_mail reporter@example.test INBOX $((half + 2))
ok "Postfix has delivered everything" postfix_wait_idle
is "$(sql "SELECT COUNT(*) || '/' || COUNT(DISTINCT message_id) FROM incidents")" "$((N + 2))/$((N + 2))" \
        "each report filed once"
is "$(imap_count reporter@example.test INBOX)" $((half + 2)) "each acknowledged once"
kill -TERM "$pid_A" "$pid_B"
wait "$pid_A" "$pid_B" 2>/dev/null

# ---- organisations on their own mailboxes: the hosts split them -------------------
e2e_org_file ashgrove "ashgrove school" dpo-ash@example.test
e2e_org_file birch "birch school" dpo-birch@example.test
REG=$TEST_ROOT/orgs.db
e2e_conf orgs 'organisations = "orgs";' 'max_auto_replies_per_day = 100;' \
        "database = \"$(e2e_database "$REG")\";" 'mailbox = {};'
# No shared mailbox: the main file's is left out (write_breachd_conf
# replaces a setting an extra line names; an empty group is none).
sed -i '/^mailbox = {};$/d' "$CONF"
# Who gets which is a race between the hosts; made a known split: birch's
# lock is held by a session of our own while C starts (C takes ashgrove's
# and the service), C is frozen while D starts, and the lock let go: D, the
# only host trying, takes birch's.
# (the holder: a psql session that takes the lock and sleeps; let go by
# ending its backend, as a host's death would)
bash -c "runuser -u postgres -- psql -X -q -h '$PG_SOCKDIR' -p '$PG_PORT' -U postgres -d breachd \
        -c \"SELECT pg_advisory_lock(1651663720, hashtext('mailbox:birch/INBOX'))\" -c 'SELECT pg_sleep(3600)' >/dev/null 2>&1" &
holder=$!
harness_on_exit "kill $holder 2>/dev/null"
held_by_us() { [[ $(pg_sql "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651663720 AND objid = hashtext('mailbox:birch/INBOX')::oid AND granted") == 1 ]]; }
ok "our session holds birch's lock" wait_until "$TEST_WAIT_SECONDS" held_by_us
ok "C starts" start_host C
ok "C works ashgrove's mailbox" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/C.log" "this host works the mailbox ashgrove/INBOX"
ok "C is standby for birch's" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/C.log" "standby for the mailbox birch/INBOX"
kill -STOP "$pid_C"
ok "D starts" start_host D
ok "D is standby for ashgrove's" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/D.log" "standby for the mailbox ashgrove/INBOX"
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651663720 AND objid = hashtext('mailbox:birch/INBOX')::oid" >/dev/null
wait "$holder"
ok "D takes birch's" wait_until "$TAKEOVER_LIMIT" log_has "$TEST_ROOT/D.log" "took over the mailbox birch/INBOX"
kill -CONT "$pid_C"
st=$(status_of D)
like "$st" "1 mailbox\(es\) worked here, 1 standby here" "breachctl status on D: one each"
like "$st" "birch/INBOX: +here: breachd@[^/]*/$pid_D " "D works birch's"
like "$st" "ashgrove/INBOX: +another host: breachd@[^/]*/$pid_C " "C works ashgrove's"
like "$st" "outbox, reminders: +another host: breachd@[^/]*/$pid_C " "C sends the outbox"
osql() { e2e_sql "$REG" "$1"; }
for u in ashgrove birch; do
        mkreport "$TEST_ROOT/$u-1.eml" "split-$u" "A report to $u" reporter2@example.test
        sed -i "s/^To: .*/To: $u@example.test/" "$TEST_ROOT/$u-1.eml"
        send_mail reporter2@example.test "$u@example.test" "$TEST_ROOT/$u-1.eml"
done
ok "C files ashgrove's report" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/C.log" "filed AG|filed DB"
ok "D files birch's report" wait_until "$TEST_WAIT_SECONDS" log_has "$TEST_ROOT/D.log" "filed AG|filed DB|filed BL"
ok "both are acknowledged (C sends for both)" wait_for_mail reporter2@example.test INBOX $((N - half + 2))
# C killed: D takes ashgrove's mailbox and the outbox.
t_kill=$(now_us)
kill -KILL "$pid_C"
wait "$pid_C" 2>/dev/null
ok "D takes ashgrove's over" wait_until "$TAKEOVER_LIMIT" log_has "$TEST_ROOT/D.log" "took over the mailbox ashgrove/INBOX"
split="organisations split: D took ashgrove's mailbox over $(ms "$(now_us)") ms after C's kill -9"
diag "$split"
[[ -n ${FAILOVER_REPORT:-} ]] && echo "$split" >>"$FAILOVER_REPORT"
ok "and the outbox" wait_until "$TAKEOVER_LIMIT" log_has "$TEST_ROOT/D.log" "this host sends the outbox"
mkreport "$TEST_ROOT/ashgrove-2.eml" "split-ashgrove-2" "A second report to ashgrove" reporter2@example.test
sed -i "s/^To: .*/To: ashgrove@example.test/" "$TEST_ROOT/ashgrove-2.eml"
send_mail reporter2@example.test ashgrove@example.test "$TEST_ROOT/ashgrove-2.eml"
ok "D files it and acknowledges it" wait_for_mail reporter2@example.test INBOX $((N - half + 3))
ok "C starts again" start_host C
ok "C is standby for both" wait_until "$TEST_WAIT_SECONDS" count_at_least "$TEST_ROOT/C.log" "standby for the mailbox (ashgrove|birch)/INBOX" 3
ok "Postfix has delivered everything" postfix_wait_idle
is "$(osql "SELECT COUNT(*) || '/' || COUNT(DISTINCT message_id) FROM incidents")" "3/3" "three reports, each filed once"
is "$(imap_count ashgrove@example.test INBOX)/$(imap_count birch@example.test INBOX)" "0/0" "both inboxes empty"
is "$(imap_count reporter2@example.test INBOX)" $((N - half + 3)) "each acknowledged once"
kill -TERM "$pid_C" "$pid_D"
wait "$pid_C" "$pid_D" 2>/dev/null
done_testing

#!/usr/bin/env bash
# kill_test.sh -- exactly-once under kill -9 (issue 5; notmuch's T380 is the
# model).  KILL_MESSAGES reports (default 500) reach the mailbox in
# KILL_COUNT rounds (default 50); in each round the daemon is started and
# killed with SIGKILL at a random moment while it ingests and sends, then
# started again in the next round.  At the end it runs until the inbox and
# the outbox are empty, and the checks are:
#
#   - every report is filed exactly once, none is left in the inbox, the
#     Processed folder holds each message once;
#   - every incident has exactly one acknowledgement and one DPO notice in
#     the outbox, all sent: no outbox row is lost;
#   - every acknowledgement and notice reached its mailbox.
#
# It reports how many acknowledgements (and notices) arrived twice: only
# possible when the kill fell between the SMTP server's 250 and the commit
# that marks the row sent (sender.h), a window of one row.  The figures go
# to stdout as "# kills: ..." lines and, with KILL_REPORT=FILE, to FILE.
#
#   make stress                         500 messages, 50 kills
#   KILL_MESSAGES=60 KILL_COUNT=8 bash tests/stress/kill_test.sh
#   (tests/e2e/test_kill.sh runs that bounded version in make check)
#
# BREACHD picks the binary (default ./breachd); KILL_SEED makes the random
# moments repeatable; E2E_REGISTER=postgresql runs it on a private
# PostgreSQL register (tests/lib/e2e.sh; tests/e2e/test_kill_pg.sh).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

N=${KILL_MESSAGES:-500}
K=${KILL_COUNT:-50}
SEED=${KILL_SEED:-$$}
RANDOM=$SEED
e2e_open plain
diag "kill test: $N messages, $K kills, seed $SEED, $BREACHD"

CONF=$TEST_ROOT/breachd.conf
# Small batches: more commits, more moments between them to die at.
write_breachd_conf "$CONF" 'batch_size = 7;' 'max_auto_replies_per_day = 10000;'
DB=$TEST_ROOT/breachd.db
sql() { e2e_sql "$DB" "$@"; }
REPORTERS=(reporter@example.test reporter2@example.test siro@example.test)

# Messages, written up front.
MSGS=$TEST_ROOT/msgs
mkdir -p "$MSGS"
for ((i = 1; i <= N; i++)); do
        from=${REPORTERS[i % ${#REPORTERS[@]}]}
        cat >"$MSGS/$i.eml" <<EOF
From: Reporter $i <$from>
To: Data Breach Reporting <breach@example.test>
Subject: Kill test report $i
Date: $(date -R)
Message-ID: <kill-$i-$SEED@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Reporter $i
Directorate: Corporate Services
The nature of the personal data breach: Kill test report $i
When did this occur (Date)? today
How did the personal data breach occur? Test $i.
EOF
done

# feed FIRST LAST -- IMAP APPEND of those messages in one session.
feed() {
        "$PYTHON" - "$1" "$2" "$MSGS" "$(user_password breach@example.test)" <<'PY'
import imaplib, os, sys
first, last, d, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
c.login("breach@example.test", pw)
for i in range(first, last + 1):
    with open(os.path.join(d, "%d.eml" % i), "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    typ, resp = c.append("INBOX", None, None, data)
    if typ != "OK":
        sys.exit("APPEND failed: %r" % resp)
c.logout()
PY
}

during_ingest=0 during_send=0 idle_kills=0
pid=
harness_on_exit '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null'
per_round=$(((N + K - 1) / K))
next=1
for ((k = 1; k <= K; k++)); do
        last=$((next + per_round - 1))
        ((last > N)) && last=$N
        ((next <= last)) && { feed "$next" "$last" || bail_out "feeding messages failed"; }
        next=$((last + 1))
        log=$TEST_ROOT/run-$k.log
        "$BREACHD" -c "$CONF" >"$log" 2>&1 &
        pid=$!
        # Most kills land once it has begun filing (the first "filed" line),
        # 0 to 0.3 s later: a round's 10 messages are filed in ~0.05-0.1 s
        # and their 20 mails sent in ~0.2-0.4 s more.  Every fifth lands
        # 0 to 0.6 s after the start instead: reading the configuration,
        # opening the register, logging in.
        if ((k % 5 == 0)); then
                sleep "0.$((RANDOM % 60))"
        else
                for ((w = 0; w < 500; w++)); do
                        grep -q "filed DB\|poll: " "$log" 2>/dev/null && break
                        sleep 0.01
                done
                sleep "$(printf '0.%02d' $((RANDOM % 30)))"
        fi
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
        # Where it died, as far as its log tells.
        if ! grep -q "poll: " "$log" && grep -q "filed DB" "$log"; then
                during_ingest=$((during_ingest + 1))
        elif grep -q "poll: " "$log" && ! grep -q "outbox: " "$log"; then
                during_send=$((during_send + 1))
        elif ! grep -q "filed DB" "$log"; then
                idle_kills=$((idle_kills + 1))
        fi
done
((next <= N)) && feed "$next" "$N"
is "$k" $((K + 1)) "the daemon was killed $K times"

# The last run, to the end.
"$BREACHD" -c "$CONF" >"$TEST_ROOT/final.log" 2>&1 &
pid=$!
drained() {
        [[ $(imap_count breach@example.test INBOX) == 0 ]] &&
                [[ $(sql "SELECT COUNT(*) FROM outbox WHERE state = 'queued'") == 0 ]] &&
                [[ $(sql "SELECT COUNT(*) FROM incidents") -ge $N ]]
}
# (the rest of the reports filed and every mail sent: minutes under load)
wait_until $((3 * TEST_WAIT_SECONDS)) drained
ok "the last run empties the inbox and the outbox" drained
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "and stops cleanly"
pid=

# --- exactly once ------------------------------------------------------------
is "$(sql "SELECT COUNT(*) FROM incidents")" "$N" "$N incidents filed"
is "$(sql "SELECT COUNT(DISTINCT message_id) FROM incidents WHERE message_id LIKE 'kill-%-$SEED@example.test'")" "$N" \
        "one for each report"
missing=0
for ((i = 1; i <= N; i++)); do
        echo "kill-$i-$SEED@example.test"
done | sort >"$TEST_ROOT/want"
sql "SELECT message_id FROM incidents ORDER BY 1" | sort >"$TEST_ROOT/have"
missing=$(comm -23 "$TEST_ROOT/want" "$TEST_ROOT/have" | wc -l)
is "$missing" 0 "no report is lost"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'report'")" "$N" "each message is recorded once as a report"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition != 'report'")" 0 "and as nothing else"
is "$(imap_count breach@example.test INBOX)" 0 "none is left in the inbox"
is "$(imap_count breach@example.test Processed)" "$N" "Processed holds each message once"

# --- no outbox row lost --------------------------------------------------------
is "$(sql "SELECT COUNT(*) FROM incidents i WHERE (SELECT COUNT(*) FROM outbox o WHERE o.incident_id = i.id AND o.kind = 'ack') != 1")" 0 \
        "every incident has exactly one acknowledgement queued"
is "$(sql "SELECT COUNT(*) FROM incidents i WHERE (SELECT COUNT(*) FROM outbox o WHERE o.incident_id = i.id AND o.kind = 'dpo_notice') != 1")" 0 \
        "and exactly one DPO notice"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE state != 'sent'")" 0 "every row was sent"

# --- what arrived ------------------------------------------------------------------
# subjects USER... -- the [REF] of every mail in the users' inboxes.
subjects() {
        local u
        for u in "$@"; do
                mailpy fetch "$u" INBOX --headers | sed -n 's/^Subject: \[\(DB[0-9]*\)\].*/\1/p'
        done
}
all_acks() { (($(subjects "${REPORTERS[@]}" | wc -l) >= N)); }
wait_until "$TEST_WAIT_SECONDS" all_acks
subjects "${REPORTERS[@]}" | sort >"$TEST_ROOT/acks"
ack_total=$(wc -l <"$TEST_ROOT/acks")
ack_distinct=$(uniq <"$TEST_ROOT/acks" | wc -l)
is "$ack_distinct" "$N" "every reporter got an acknowledgement"
ok "... and the DPO every notice" wait_for_mail dpo@example.test INBOX "$N"
subjects dpo@example.test | sort >"$TEST_ROOT/notices"
notice_total=$(wc -l <"$TEST_ROOT/notices")
notice_distinct=$(uniq <"$TEST_ROOT/notices" | wc -l)
is "$notice_distinct" "$N" "a notice for every incident"
ack_twice=$((ack_total - ack_distinct))
notice_twice=$((notice_total - notice_distinct))
# The window is one row per kill that lands in it: never more than the kills.
ok "acknowledgements sent twice ($ack_twice) are at most one per kill" test "$ack_twice" -le "$K"

summary="kills: $K survived ($during_ingest while ingesting, $during_send while sending, $idle_kills before any work);"
summary+=" messages: $N, lost $missing, filed twice $(($(sql "SELECT COUNT(*) FROM incidents") - N));"
summary+=" acknowledgements sent twice: $ack_twice of $ack_total; DPO notices sent twice: $notice_twice of $notice_total"
diag "$summary"
[[ -n ${KILL_REPORT:-} ]] && echo "$summary" >"$KILL_REPORT"

done_testing

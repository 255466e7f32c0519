#!/usr/bin/env bash
# Two breachd daemons on one mailbox and one PostgreSQL register, started at
# once, with no lock between them (what part 4 of issue 17 rests on, below
# the locks the watches will take): they race for every message and every
# mail, and still
#   - every report is filed once (the message key refuses the loser's
#     batch, which is read again: what the other filed is only moved),
#     with no polling failure said for it;
#   - every acknowledgement and DPO notice is sent once (the outbox claim
#     of the row as read: one sender per mail);
#   - the inbox ends empty, every message in Processed (twice when both
#     moved it at once: only the mailbox lock keeps two daemons apart in
#     IMAP).
# Real Dovecot, Postfix and a private PostgreSQL 15.  Every wait waits for
# the event it checks.
set -u
cd "$(dirname "$0")/../.."
export E2E_REGISTER=postgresql
. tests/lib/e2e.sh
e2e_open

N=${TWO_DAEMONS_MESSAGES:-60}
# Small batches: many transactions for the two to meet in.
e2e_conf two 'batch_size = 5;' 'max_auto_replies_per_day = 10000;'
REPORTERS=(reporter@example.test reporter2@example.test)
for ((i = 1; i <= N; i++)); do
        mkreport "$TEST_ROOT/m$i.eml" "two-$i" "Two daemons report $i" "${REPORTERS[i % 2]}"
        append_mail breach@example.test INBOX "$TEST_ROOT/m$i.eml" >/dev/null || bail_out "APPEND failed"
done
is "$(imap_count breach@example.test INBOX)" "$N" "$N reports wait in the mailbox"

# Both at once, each with its own status file and log.
start() {
        STATE_DIRECTORY=$TEST_ROOT/state-$1 "$BREACHD" -c "$CONF" ${TWO_DAEMONS_VERBOSE:+-v} >>"$TEST_ROOT/$1.log" 2>&1 &
        eval "pid_$1=$!"
        harness_on_exit "kill -9 $! 2>/dev/null"
}
mkdir -p "$TEST_ROOT/state-a" "$TEST_ROOT/state-b"
start a
start b
sql() { e2e_sql "$TEST_ROOT/breachd.db" "$1"; }
drained() {
        [[ $(imap_count breach@example.test INBOX) == 0 ]] &&
                [[ $(sql "SELECT COUNT(*) FROM incidents") -ge $N ]] &&
                [[ $(sql "SELECT COUNT(*) FROM outbox WHERE state = 'queued'") == 0 ]]
}
ok "together they empty the inbox and the outbox" wait_until $((3 * TEST_WAIT_SECONDS)) drained
ok "daemon a is running" kill -0 "$pid_a"
ok "daemon b is running" kill -0 "$pid_b"
kill -TERM "$pid_a" "$pid_b"
wait "$pid_a" "$pid_b"

filed_a=$(grep -c "filed DB" "$TEST_ROOT/a.log")
filed_b=$(grep -c "filed DB" "$TEST_ROOT/b.log")
again=$(cat "$TEST_ROOT/a.log" "$TEST_ROOT/b.log" | grep -c "filed by another breachd first")
diag "daemon a filed $filed_a, daemon b $filed_b (counting batches rolled back); batches read again: $again"

is "$(sql "SELECT COUNT(*) FROM incidents")" "$N" "$N incidents"
is "$(sql "SELECT COUNT(DISTINCT message_id) FROM incidents")" "$N" "one for each report"
is "$(sql "SELECT COUNT(*) FROM messages")" "$N" "one message row each"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'ack'")" "$N" "one acknowledgement queued each"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE state != 'sent'")" 0 "every mail sent"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE unconfirmed != 0")" 0 "none left claimed"
# Both may move the same message at once (nothing but the mailbox lock
# the watches will take keeps them apart), and the IMAP server may then
# copy it twice: each is there, and nothing is left in the inbox.
is "$(mailpy fetch breach@example.test Processed --headers | grep -i '^Message-ID: <two-' | sort -u | wc -l)" "$N" \
        "Processed holds every message"
is "$(imap_count breach@example.test INBOX)" 0 "the inbox is empty"
unlike "$(cat "$TEST_ROOT/a.log" "$TEST_ROOT/b.log")" "polling .* failed" "no polling failure from the race"

subjects() {
        local u
        for u in "$@"; do
                mailpy fetch "$u" INBOX --headers | sed -n 's/^Subject: \[\(DB[0-9]*\)\].*/\1/p'
        done
}
acks_in() { (($(subjects "${REPORTERS[@]}" | wc -l) >= N)); }
ok "every acknowledgement arrives" wait_until "$TEST_WAIT_SECONDS" acks_in
ok "every DPO notice arrives" wait_for_mail dpo@example.test INBOX "$N"
ok "Postfix has delivered everything" wait_until "$TEST_WAIT_SECONDS" postfix_idle
subjects "${REPORTERS[@]}" | sort >"$TEST_ROOT/acks"
is "$(wc -l <"$TEST_ROOT/acks")" "$N" "the reporters got $N acknowledgements"
is "$(uniq <"$TEST_ROOT/acks" | wc -l)" "$N" "... one for each incident: none twice"
subjects dpo@example.test | sort >"$TEST_ROOT/notices"
is "$(wc -l <"$TEST_ROOT/notices")" "$N" "the DPO got $N notices, none twice"
done_testing

#!/usr/bin/env bash
# The DPO's weekly digest (issue 16, item 2), through the real Dovecot and
# Postfix with the test build's clock (BREACHD_TEST_CLOCK):
#
#   - weekly_digest = "Mon 08:00": nothing on the Monday morning before
#     08:00; at 08:00 the DPO's mailbox gets one digest, listing the open
#     case with the commands that deal with it;
#   - restarts (the daemon, and breachd --once) in the same week send no
#     second one;
#   - after three weeks with the daemon down, one digest, not three.
# Every wait waits for the event it checks; a check that something did NOT
# arrive first lets the daemon go round its loop and Postfix deliver.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_private_copies
e2e_conf breachd 'weekly_digest = "Mon 08:00";'
CLOCK=$TEST_ROOT/clock
export BREACHD_TEST_CLOCK=$CLOCK
set_clock() { echo "@$1" >"$CLOCK"; }
MON=1796025600        # Monday 30 November 2026, 08:00 GMT
DEC21=1797840000      # Monday 21 December 2026, 08:00 GMT

digests() { imap_fetch_all dpo@example.test INBOX | grep -c '^Subject: breachd weekly digest'; }
digests_at_least() { (($(digests) >= $1)); }
# settle -- the daemon goes round its loop twice (a SIGHUP makes it poll at
# once and rewrite its status file; its reminder and digest check runs
# every second in a test build), then Postfix delivers what it was given.
settle() {
        local i
        for i in 1 2; do
                daemon_cycle_mark "$DB"
                kill -HUP "$pid"
                daemon_wait_cycle "$DB" || return 1
        done
        postfix_wait_idle
}
stop_daemon() { kill -TERM "$pid" && wait_until "$TEST_WAIT_SECONDS" gone "$pid"; }

set_clock $((MON - 2 * 3600))
ok "the daemon starts on the Monday at 06:00" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
mkreport "$TEST_ROOT/r1.eml" w1 "A lost laptop"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "a report is filed and the DPO told" wait_for_mail dpo@example.test INBOX 1
ref=$("$BREACHCTL" -c "$CONF" list | grep -o '^DB[0-9]*' | head -1)
isnt "$ref" "" "its reference ($ref)"
settle
is "$(digests)" 0 "no digest before 08:00 (nor for last week: it was not on then)"

set_clock $((MON + 60))
ok "at 08:01 the DPO gets the week's digest" wait_until "$TEST_WAIT_SECONDS" digests_at_least 1
body=$(imap_fetch_all dpo@example.test INBOX)
like "$body" "breachctl show $ref" "it lists the open case with the command that shows it"
like "$body" "breachctl decide $ref notify" "... and how to record its decision"
like "$body" 'Subject: breachd weekly digest: 1 open, 1 awaiting an ICO decision' "the subject gives the counts"
settle
is "$(digests)" 1 "one digest"

ok "the daemon stops" stop_daemon
"$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1
is "$?" 0 "breachd --once runs meanwhile"
ok "the daemon starts again" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
settle
set_clock $((MON + 2 * 86400))
settle
is "$(digests)" 1 "after restarts and two days: still one digest for the week"
is "$(count_in "$LOG" 'weekly digest queued')" 1 "the log says it was queued once"

ok "the daemon stops for three weeks" stop_daemon
set_clock $((DEC21 + 3600))
ok "it starts again on 21 December" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
ok "one digest comes" wait_until "$TEST_WAIT_SECONDS" digests_at_least 2
settle
is "$(digests)" 2 "one, not three, for the weeks it was down"
done_testing

#!/usr/bin/env bash
# Monitoring (issue 16, item 4), through the real Dovecot and Postfix with
# the test build's clock (BREACHD_TEST_CLOCK):
#
#   - the daemon writes metrics_file after each pass, whole (no temporary
#     file left), 0644, and breachctl metrics prints the same; both parse
#     with the Prometheus client's own parser (tests/lib/promparse.py),
#     every family with HELP and TYPE, every sample with the org label;
#   - they count filed reports, one gone overdue by the test clock, and a
#     mailbox that fails when Dovecot is stopped;
#   - breachctl check says OK (0), WARNING (1) on an overdue case, CRITICAL
#     (2) on the failing mailbox and on a daemon that stopped, UNKNOWN (3)
#     when it cannot read the configuration, on one line with perfdata.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_private_copies
PROM_DIR=$TEST_ROOT/textfile
PROM=$PROM_DIR/breachd.prom
mkdir -p "$PROM_DIR"
e2e_conf breachd 'organisation = "North \"Town\" Council";' "metrics_file = \"$PROM\";"
CLOCK=$TEST_ROOT/clock
export BREACHD_TEST_CLOCK=$CLOCK
echo "@$(date +%s)" >"$CLOCK"
ORG='org=North "Town" Council'

ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
# parsed FILE -- the samples of FILE as promparse.py reads them.
parsed() { "$PYTHON" tests/lib/promparse.py <"$1"; }
# value FILE NAME -- the value of NAME{org=...} in FILE, through the parser.
value() { parsed "$1" 2>/dev/null | awk -v n="$2" -v o="$ORG" '$1 == n { sub("^" n " [a-z]+ ", ""); v = $NF; sub(" [^ ]*$", ""); if ($0 == o) print v }'; }
file_says() { [[ $(value "$PROM" "$1") == "$2" ]]; }
file_at_least() { local v; v=$(value "$PROM" "$1"); [[ -n $v ]] && ((v >= $2)); }
check() { ctl check "$@" >"$TEST_ROOT/check.out"; echo $? >"$TEST_ROOT/check.rc"; }

ok "the daemon starts" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
ok "it writes the metrics file" wait_until "$TEST_WAIT_SECONDS" test -s "$PROM"
check
is "$(cat "$TEST_ROOT/check.rc")" 0 "check: OK (0) with nothing filed"
like "$(cat "$TEST_ROOT/check.out")" '^BREACHD OK - 0 open, 0 pending, 0 overdue\|open=0 ' "... one line, perfdata after the bar"

mkreport "$TEST_ROOT/r1.eml" m1 "A lost laptop"
mkreport "$TEST_ROOT/r2.eml" m2 "A misdirected letter"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r2.eml"
ok "both reports are acknowledged" wait_for_mail reporter@example.test INBOX 2
ok "the file counts two filed" wait_until "$TEST_WAIT_SECONDS" file_says breachd_incidents_filed_total 2
ok "... and the outbox emptied" wait_until "$TEST_WAIT_SECONDS" file_says breachd_outbox_queued 0
ok "the daemon's file parses, every family with HELP and TYPE" parsed "$PROM"
is "$(value "$PROM" breachd_incidents_open)" 2 "file: two open"
is "$(value "$PROM" breachd_decisions_pending)" 2 "file: two with the decision pending"
is "$(value "$PROM" breachd_incidents_overdue)" 0 "file: none overdue"
is "$(value "$PROM" breachd_up)" 1 "file: up"
is "$(parsed "$PROM" | grep -c "$ORG")" "$(parsed "$PROM" | wc -l)" "every sample has the org label, its quotes read back"
is "$(stat -c %a "$PROM")" 644 "the file is 0644, for the collector"
is "$(ls -A "$PROM_DIR")" breachd.prom "no temporary file is left beside it"
ctl metrics >"$TEST_ROOT/ctl.prom"
ok "breachctl metrics parses" parsed "$TEST_ROOT/ctl.prom"
is "$(value "$TEST_ROOT/ctl.prom" breachd_incidents_filed_total)" 2 "breachctl metrics: two filed"
is "$(grep -c '^# TYPE breachd_incidents_filed_total counter$' "$TEST_ROOT/ctl.prom")" 1 "filed_total is a counter"
is "$(diff <(parsed "$PROM" | grep -v timestamp) <(parsed "$TEST_ROOT/ctl.prom" | grep -v timestamp) && echo same)" same \
        "the daemon's file and breachctl say the same (times apart)"

# Four days on: both are past the 72-hour deadline, undecided.
echo "@$(($(date +%s) + 4 * 86400))" >"$CLOCK"
ok "the file shows two overdue" wait_until "$TEST_WAIT_SECONDS" file_says breachd_incidents_overdue 2
ok "... and the overdue notices sent" wait_until "$TEST_WAIT_SECONDS" file_says breachd_outbox_queued 0
ctl metrics >"$TEST_ROOT/ctl.prom"
is "$(value "$TEST_ROOT/ctl.prom" breachd_incidents_overdue)" 2 "breachctl metrics: two overdue"
check
is "$(cat "$TEST_ROOT/check.rc")" 1 "check: WARNING (1) on overdue cases"
like "$(cat "$TEST_ROOT/check.out")" '^BREACHD WARNING - 2 overdue\|.*overdue=2;1;' "... saying so, with the threshold in the perfdata"
check --overdue-warn 3
is "$(cat "$TEST_ROOT/check.rc")" 0 "check --overdue-warn 3: OK (0)"

dovecot_stop
ok "the file shows the mailbox failing" wait_until "$TEST_WAIT_SECONDS" file_at_least breachd_mailbox_failures 1
ctl metrics >"$TEST_ROOT/ctl.prom"
ok "breachctl metrics shows it too" test "$(value "$TEST_ROOT/ctl.prom" breachd_mailbox_failures)" -ge 1
check --overdue-warn 0 --mailbox-warn 1 --mailbox-crit 1
is "$(cat "$TEST_ROOT/check.rc")" 2 "check --mailbox-crit 1: CRITICAL (2) while Dovecot is down"
like "$(cat "$TEST_ROOT/check.out")" '^BREACHD CRITICAL - mailbox failing \([0-9]+ in a row\)\|' "... saying why"

kill -TERM "$pid"
ok "the daemon stops" wait_until "$TEST_WAIT_SECONDS" gone "$pid"
check --overdue-warn 0 --mailbox-warn 0
is "$(cat "$TEST_ROOT/check.rc")" 2 "check: CRITICAL (2) when the daemon is not running"
like "$(cat "$TEST_ROOT/check.out")" 'breachd is not running' "... saying so"
ctl metrics >"$TEST_ROOT/ctl.prom"
is "$(value "$TEST_ROOT/ctl.prom" breachd_up)" 0 "breachctl metrics: breachd_up 0"
is "$(value "$PROM" breachd_up)" 0 "the daemon's last metrics file, written as it stopped: breachd_up 0"

echo 'this is not a configuration' >"$TEST_ROOT/bad.conf"
"$BREACHCTL" -c "$TEST_ROOT/bad.conf" check >"$TEST_ROOT/check.out" 2>/dev/null
is "$?" 3 "check: UNKNOWN (3) when the configuration cannot be read"
like "$(cat "$TEST_ROOT/check.out")" '^BREACHD UNKNOWN - ' "... on one line"
done_testing

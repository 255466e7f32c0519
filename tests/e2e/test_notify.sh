#!/usr/bin/env bash
# The sd_notify protocol (issue 6), with a test notify socket: READY=1 only
# once config and database are open, STATUS= kept current, WATCHDOG=1 pings,
# RELOADING=1 + READY=1 on SIGHUP, STOPPING=1 on SIGTERM.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open plain
e2e_conf breachd
SOCK=$TEST_ROOT/notify.sock
OUT=$TEST_ROOT/notify.log
: >"$OUT"
python3 tests/lib/notify_listen.py "$SOCK" "$OUT" &
lpid=$!
harness_on_exit "kill $lpid 2>/dev/null"
# sent NAME ERE -- the listener has written a line matching ERE (for wait_until).
sent() { grep -Eq "$1" "$OUT"; }
sent_after_reload() { sed -n '/RELOADING=1/,$p' "$OUT" | grep -Eq "$1"; }
pings() { grep -c ' WATCHDOG=1$' "$OUT"; }
at_least_4_pings() { (($(pings) >= 4)); }
wait_until "$TEST_WAIT_SECONDS" test -S "$SOCK" || bail_out "the notify listener did not start"

# A database that cannot be opened: no READY=1.
mkdir -p "$TEST_ROOT/ro"
sed "s|database = \"[^\"]*\"|database = \"$TEST_ROOT/nodir/sub/x.db\"|" "$CONF" >"$TEST_ROOT/bad.conf"
NOTIFY_SOCKET=$SOCK "$BREACHD" -c "$TEST_ROOT/bad.conf" >"$TEST_ROOT/bad.log" 2>&1
is "$?" 1 "a database that cannot be opened stops the start"
unlike "$(cat "$OUT")" "READY=1" "and READY=1 is never sent"

NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 "$BREACHD" -c "$CONF" >"$TEST_ROOT/d.log" 2>&1 &
pid=$!
harness_on_exit "kill $pid 2>/dev/null"
wait_until "$TEST_WAIT_SECONDS" sent "READY=1"
like "$(cat "$OUT")" "READY=1" "READY=1 once running"
# The STATUS= of its first poll (the one before it says "last poll never").
# On PostgreSQL it also says whether this host sends the outbox (two hosts
# may share one register).
status_re="STATUS=last poll [0-9T:-]+Z( \\(idle\\))?(; (this|another) host sends the outbox)?; outbox [0-9]+ queued, [0-9]+ failed; next deadline [^;]+; [0-9]+ overdue; [0-9]+ quarantined"
wait_until "$TEST_WAIT_SECONDS" sent "$status_re"
like "$(cat "$OUT")" "$status_re" "STATUS= tells the last poll and the outbox"
# WATCHDOG_USEC=1 s: sd-event pings between a half and three quarters of
# it after the last ping.  The listener stamps each line with the time it
# came: the pings repeat, and the closest two are at most 0.8 s apart, well
# inside the second (a loaded machine may delay some pings; it does not
# bring any closer than the daemon schedules them, so the closest pair
# shows the schedule).
wait_until "$TEST_WAIT_SECONDS" at_least_4_pings
gap=$(awk '$2 == "WATCHDOG=1" { if (n++) { d = $1 - last; if (min == "" || d < min) min = d } last = $1 }
           END { printf "%.3f", min == "" ? 99 : min }' "$OUT")
is "$( (($(pings) >= 4)) && awk -v g="$gap" 'BEGIN { exit !(g <= 0.8) }' && echo yes)" yes \
        "WATCHDOG=1 pings at half the watchdog interval ($(pings) pings, closest ${gap} s apart)"

# (its status file, which breachctl reads, is written just after STATUS=)
wait_until "$TEST_WAIT_SECONDS" grep -q '^last_poll_ok=[1-9]' "$(e2e_status_file "$TEST_ROOT/breachd.db")"
st=$(./breachctl -c "$CONF" status)
like "$st" "Daemon: +running \\(pid $pid\\)" "breachctl status sees the running daemon"
like "$st" "Last successful poll: +20[0-9-]+ [0-9:]+ (GMT|BST)" "and its last poll"
like "$st" "Outbox: +0 queued, 0 failed" "and the outbox"
like "$st" "Next deadline: +none" "and the next deadline"

kill -HUP $pid
wait_until "$TEST_WAIT_SECONDS" sent_after_reload "MONOTONIC_USEC="
like "$(cat "$OUT")" "RELOADING=1" "RELOADING=1 on SIGHUP"
like "$(sed -n '/RELOADING=1/,$p' "$OUT")" "MONOTONIC_USEC=[0-9]+" "with MONOTONIC_USEC"
wait_until "$TEST_WAIT_SECONDS" sent_after_reload "READY=1"
like "$(sed -n '/RELOADING=1/,$p' "$OUT")" "READY=1" "READY=1 again after the reload"

kill -TERM $pid
wait $pid
is "$?" 0 "exit 0 on SIGTERM"
like "$(cat "$OUT")" "STOPPING=1" "STOPPING=1 on SIGTERM"

done_testing

#!/usr/bin/env bash
# The sd_notify protocol (issue 6), with a test notify socket: READY=1 only
# once config and database are open, STATUS= kept current, WATCHDOG=1 pings,
# RELOADING=1 + READY=1 on SIGHUP, STOPPING=1 on SIGTERM.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/servers.sh

BREACHD=${BREACHD:-./breachd}
servers_start || bail_out "servers did not start"
CONF=$TEST_ROOT/breachd.conf
write_breachd_conf "$CONF"
SOCK=$TEST_ROOT/notify.sock
OUT=$TEST_ROOT/notify.log
: >"$OUT"
python3 tests/lib/notify_listen.py "$SOCK" "$OUT" &
lpid=$!
harness_on_exit "kill $lpid 2>/dev/null"
for _ in $(seq 50); do [[ -S $SOCK ]] && break; sleep 0.05; done

# A database that cannot be opened: no READY=1.
mkdir -p "$TEST_ROOT/ro"
sed "s|database = \"[^\"]*\"|database = \"$TEST_ROOT/nodir/sub/x.db\"|" "$CONF" >"$TEST_ROOT/bad.conf"
NOTIFY_SOCKET=$SOCK "$BREACHD" -c "$TEST_ROOT/bad.conf" >"$TEST_ROOT/bad.log" 2>&1
is "$?" 1 "a database that cannot be opened stops the start"
unlike "$(cat "$OUT")" "READY=1" "and READY=1 is never sent"

NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 "$BREACHD" -c "$CONF" >"$TEST_ROOT/d.log" 2>&1 &
pid=$!
harness_on_exit "kill $pid 2>/dev/null"
for _ in $(seq 50); do grep -q READY=1 "$OUT" && break; sleep 0.1; done
like "$(cat "$OUT")" "READY=1" "READY=1 once running"
sleep 2.5
like "$(cat "$OUT")" "STATUS=last poll [0-9T:-]+Z( \\(idle\\))?; outbox [0-9]+ queued, [0-9]+ failed; next deadline [^;]+; [0-9]+ overdue; [0-9]+ quarantined" "STATUS= tells the last poll and the outbox"
is "$( [[ $(grep -c WATCHDOG=1 "$OUT") -ge 3 ]] && echo yes)" yes "WATCHDOG=1 pings at half the watchdog interval"

st=$(./breachctl -c "$CONF" status)
like "$st" "Daemon: +running \\(pid $pid\\)" "breachctl status sees the running daemon"
like "$st" "Last successful poll: +20[0-9-]+ [0-9:]+ (GMT|BST)" "and its last poll"
like "$st" "Outbox: +0 queued, 0 failed" "and the outbox"
like "$st" "Next deadline: +none" "and the next deadline"

kill -HUP $pid
for _ in $(seq 30); do grep -q RELOADING=1 "$OUT" && break; sleep 0.1; done
like "$(cat "$OUT")" "RELOADING=1" "RELOADING=1 on SIGHUP"
like "$(sed -n '/RELOADING=1/,$p' "$OUT")" "MONOTONIC_USEC=[0-9]+" "with MONOTONIC_USEC"
sleep 0.5
like "$(sed -n '/RELOADING=1/,$p' "$OUT")" "READY=1" "READY=1 again after the reload"

kill -TERM $pid
wait $pid
is "$?" 0 "exit 0 on SIGTERM"
like "$(cat "$OUT")" "STOPPING=1" "STOPPING=1 on SIGTERM"

done_testing

#!/usr/bin/env bash
# valgrind memcheck of the end-to-end path (issue 5): breachd --once over
# good, broken, automatic and oversized mail against the real servers, the
# daemon filing one report and stopping on SIGTERM, and breachctl's
# commands over the register they made.  Every process, the poison guard's
# worker included (its own log, %p), must report no memory error and no
# definitely lost block.  Skipped for an AddressSanitizer build (the two do
# not mix) and when valgrind is missing.  tests/run.sh's VALGRIND=1 covers
# the unit test programs.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

BREACHD=${BREACHD:-./breachd}   # (e2e_open plain below keeps it)
if ! command -v valgrind >/dev/null; then
        ok "# skip valgrind is not installed (make deps)"
        done_testing
        exit
fi
if ldd "$BREACHD" 2>/dev/null | grep -q libasan; then
        ok "# skip $BREACHD is built with AddressSanitizer"
        done_testing
        exit
fi

e2e_open plain
e2e_conf breachd 'max_message_size = "64K";'
VG=$TEST_ROOT/vg
mkdir -p "$VG"
vg() { # NAME CMD... -- run CMD under memcheck, a log per process
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
                --error-exitcode=99 --log-file="$VG/$1.%p.log" "${@:2}"
}

for f in tests/corpora/good/plain-basic.eml tests/corpora/good/outlook-table.eml \
         tests/corpora/good/attach-docx-table.eml tests/corpora/broken/no-sender.eml \
         tests/corpora/hostile/loop-auto-replied.eml tests/corpora/hostile/bounce-postfix-dsn.eml \
         tests/corpora/hostile/outsider.eml; do
        [[ -f $f ]] && append_mail breach@example.test INBOX "$f" >/dev/null
done
# Too large for max_message_size, from a member of staff: one reply.
{
        printf 'From: Pat <reporter@example.test>\nTo: breach@example.test\nSubject: Scans\n'
        printf 'Message-ID: <vg-big@example.test>\n\n'
        head -c 80000 /dev/zero | tr '\0' 'x' | fold -w 76
} >"$TEST_ROOT/big.eml"
append_mail breach@example.test INBOX "$TEST_ROOT/big.eml" >/dev/null

vg once "$BREACHD" -c "$CONF" --once >"$TEST_ROOT/once.log" 2>&1
is "$?" 0 "breachd --once under memcheck exits 0"
like "$(cat "$TEST_ROOT/once.log")" "filed DB20" "and filed the reports"
like "$(cat "$TEST_ROOT/once.log")" "larger than max_message_size" "and quarantined the oversized one"

sed -i 's/^poll_interval = 5;/poll_interval = 5;\nmax_auto_replies_per_day = 50;/' "$CONF"
# Not through vg(): in the background a function is a subshell, and $!
# would be the shell, not valgrind (which execs its tool in place).
valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 \
        --log-file="$VG/daemon.%p.log" "$BREACHD" -c "$CONF" >"$TEST_ROOT/daemon.log" 2>&1 &
pid=$!
harness_on_exit "kill -KILL $pid 2>/dev/null"
sed 's/plain-basic-0001/vg-daemon-1/' tests/corpora/good/plain-basic.eml >"$TEST_ROOT/d.eml"
append_mail breach@example.test INBOX "$TEST_ROOT/d.eml" >/dev/null
# Under memcheck everything is 20-50 times slower: twice the usual bound.
wait_until $((2 * TEST_WAIT_SECONDS)) grep -q "vg-daemon-1\|filed DB20" "$TEST_ROOT/daemon.log"
like "$(cat "$TEST_ROOT/daemon.log")" "filed DB20" "the daemon under memcheck files a report"
kill -TERM $pid
wait $pid
is "$?" 0 "and exits 0 on SIGTERM"

ref=$("$BREACHCTL" -c "$CONF" list | grep -o '^DB20[0-9]*' | head -n 1)
for cmd in "list" "show $ref" "export --format json" "export --format csv" "reprocess $ref --dry-run" \
           "reprocess --quarantined --dry-run" "purge"; do
        # shellcheck disable=SC2086 # the words of cmd
        vg ctl "$BREACHCTL" -c "$CONF" $cmd >/dev/null 2>>"$TEST_ROOT/ctl.log"
        is "$?" 0 "breachctl $cmd under memcheck"
done

n=$(ls "$VG" | wc -l)
ok "memcheck logs were written ($n processes)" test "$n" -ge 10
bad=$(grep -lE "Invalid (read|write|free)|uninitialised|definitely lost|Mismatched|overlap" "$VG"/*.log 2>/dev/null)
if [[ -z $bad ]]; then
        ok "no memory error and no definite leak in any process"
else
        not_ok "no memory error and no definite leak in any process" "$(head -n 60 $bad)"
fi
done_testing

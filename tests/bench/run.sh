#!/usr/bin/env bash
# run.sh -- make bench: breachd measured side by side with the server floor
# and mbsync on the same mailbox, plus latency, register scale and memory
# (issue 8; the figures and how to read them are in docs/PERFORMANCE.md).
#
#   make bench                      # via the Makefile: deps, build, this
#   bash tests/bench/run.sh         # the same, once breachd is built
#   BENCH_QUICK=1 bash tests/bench/run.sh   # small sizes: checks the harness
#
# It starts a private Dovecot and Postfix (tests/lib/servers.sh) and an SMTP
# sink (smtpsink.py), builds the helpers floor.c and regtick.c into
# $BENCH_OUT, and runs bench.py, which writes $BENCH_OUT/results.json and
# results.md and prints the latter.  Nothing outside $BENCH_OUT and the
# servers' temporary directory is written, except with BENCH_UPDATE_DOC=1,
# which puts results.md into docs/PERFORMANCE.md between its
# "<!-- bench results -->" markers.
#
# Settings (environment; defaults in brackets):
#   BENCH_SIZES             mailbox sizes for the ingest runs ["1000 10000"]
#   BENCH_RUNS              rounds per size [5]
#   BENCH_LATENCY_N         reports sent for the latency run [200]
#   BENCH_LATENCY_INTERVAL  seconds between them [0.25]
#   BENCH_REGISTER_N        incidents in the synthetic register [1000000]
#   BENCH_MEMORY_N          reports filed by the daemon in the memory run [100000]
#   BENCH_STAGES_N          reports timed stage by stage [1000]
#   BENCH_PARTS             which parts ["ingest stages latency register memory
#                           mailboxes"]; mailboxes is tests/bench/mailboxes.sh
#   BENCH_MAILBOXES         mailbox counts for the mailboxes part ["1 10 100 300"]
#   BENCH_SEED              generator seed [20250107]
#   BENCH_OUT               results directory [build/bench]
#   BREACHD, BREACHCTL      the programs measured [./breachd, ./breachctl]
#   BENCH_QUICK=1           sizes 200 1000, 3 rounds, 20 reports for latency,
#                           10,000 incidents, 5,000 reports for memory,
#                           200 reports stage by stage
#
# Takes about 10 minutes with the defaults on a 2-CPU machine (ingest
# rounds 5 min, the 100,000-report memory run 3 min, latency 1 min, the
# 1,000,000-incident register 1 min); about 2 minutes with BENCH_QUICK=1.
# Benchmarks never run in make check.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO_ROOT=$PWD
export REPO_ROOT

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
        : "${BENCH_SIZES:=200 1000}" "${BENCH_RUNS:=3}" "${BENCH_LATENCY_N:=20}"
        : "${BENCH_REGISTER_N:=10000}" "${BENCH_MEMORY_N:=5000}" "${BENCH_STAGES_N:=200}"
fi
BENCH_OUT=${BENCH_OUT:-$REPO_ROOT/build/bench}
BREACHD=${BREACHD:-$REPO_ROOT/breachd}
BREACHCTL=${BREACHCTL:-$REPO_ROOT/breachctl}
export BENCH_SIZES BENCH_RUNS BENCH_LATENCY_N BENCH_LATENCY_INTERVAL BENCH_REGISTER_N BENCH_MEMORY_N BENCH_STAGES_N \
        BENCH_PARTS BENCH_SEED BENCH_OUT BREACHD BREACHCTL

missing=()
for tool in mbsync /usr/bin/time sqlite3 python3 cc; do
        command -v "$tool" >/dev/null || missing+=("$tool")
done
for prog in "$BREACHD" "$BREACHCTL"; do
        [[ -x $prog ]] || missing+=("$prog (run make)")
done
if ((${#missing[@]})); then
        echo "bench: missing: ${missing[*]} (make bench installs them with make deps)" >&2
        exit 1
fi

mkdir -p "$BENCH_OUT"
# The helpers: floor needs nothing but libc; regtick links the library the
# measured breachd was built from.
PKGS=(libetpan gmime-3.0 sqlite3 libpq libconfig libsystemd libxml-2.0 libarchive gnutls poppler-glib libical)
cc -std=c17 -O2 -Wall -Wextra -o "$BENCH_OUT/floor" tests/bench/floor.c
# shellcheck disable=SC2046 # pkg-config output is a list of flags
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Wno-unused-parameter -Isrc $(pkg-config --cflags "${PKGS[@]}") \
        -o "$BENCH_OUT/regtick" tests/bench/regtick.c "$(dirname "$BREACHCTL")/build/libbreachd.a" \
        $(pkg-config --libs "${PKGS[@]}" | tr ' ' '\n' | grep -v '^-specs=' | tr '\n' ' ') -lm
# shellcheck disable=SC2046 # pkg-config output is a list of flags
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Wno-unused-parameter -Isrc $(pkg-config --cflags "${PKGS[@]}") \
        -o "$BENCH_OUT/stages" tests/bench/stages.c "$(dirname "$BREACHCTL")/build/libbreachd.a" \
        $(pkg-config --libs "${PKGS[@]}" | tr ' ' '\n' | grep -v '^-specs=' | tr '\n' ' ') -lm
export BENCH_FLOOR=$BENCH_OUT/floor BENCH_REGTICK=$BENCH_OUT/regtick BENCH_STAGES=$BENCH_OUT/stages
# bench.py imports genmail.py: no __pycache__ in the source tree.
export PYTHONDONTWRITEBYTECODE=1

# The servers' directory goes under a private parent rather than straight
# into /tmp, where a sweep of stale test directories could take it away in
# the middle of a long run.  Servers first, then the directory.
BENCH_TMP=$(mktemp -d /tmp/breachd-bench.XXXXXX)
chmod 0755 "$BENCH_TMP"
export BREACHD_TEST_TMP=$BENCH_TMP
# shellcheck source=tests/lib/servers.sh
. tests/lib/servers.sh
# shellcheck disable=SC2016 # expanded when the hook runs
[[ ${KEEP_TEST_ROOT:-0} == 1 ]] || harness_on_exit 'servers_stop; rm -rf "$BENCH_TMP"'
# Reporters with mailboxes of their own, for the latency run.
for i in $(seq -w 1 40); do
        servers_add_user "staff$i@example.test" secret
done
servers_start || exit 1
mkdir -p "$TEST_ROOT/bench"

"$PYTHON" tests/bench/smtpsink.py "$TEST_ROOT/bench/sink.port" >"$TEST_ROOT/bench/sink.out" 2>&1 &
sink_pid=$!
harness_on_exit "kill $sink_pid 2>/dev/null; wait $sink_pid 2>/dev/null"
for _ in $(seq 100); do
        [[ -s $TEST_ROOT/bench/sink.port ]] && break
        sleep 0.05
done
[[ -s $TEST_ROOT/bench/sink.port ]] || { echo "bench: the SMTP sink did not start" >&2; exit 1; }

start=$SECONDS
# "mailboxes" is tests/bench/mailboxes.sh, with servers of its own (300
# accounts); the other parts are bench.py's.
parts=${BENCH_PARTS:-ingest stages latency register memory mailboxes}
py_parts=$(tr ' ' '\n' <<<"$parts" | { grep -vx mailboxes || true; } | tr '\n' ' ' | sed 's/ *$//')
if [[ -n $py_parts ]]; then
        BENCH_PARTS=$py_parts "$PYTHON" tests/bench/bench.py run
fi
if [[ " $parts " == *" mailboxes "* ]]; then
        bash tests/bench/mailboxes.sh
fi
echo "bench: done in $((SECONDS - start)) s; results in $BENCH_OUT/results.md and mailboxes.md"

if [[ ${BENCH_UPDATE_DOC:-0} == 1 ]]; then
        "$PYTHON" - "$BENCH_OUT/results.md" docs/PERFORMANCE.md <<'EOF'
import sys
results, doc = sys.argv[1], sys.argv[2]
begin, end = "<!-- bench results -->", "<!-- end of bench results -->"
text = open(doc).read()
if begin not in text or end not in text:
    sys.exit("bench: %s has no %s ... %s markers" % (doc, begin, end))
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + begin + "\n" + open(results).read() + end + tail)
print("bench: results written into %s" % doc)
EOF
fi

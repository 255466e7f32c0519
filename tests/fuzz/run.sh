#!/usr/bin/env bash
# run.sh SECONDS [EXTRA LIBFUZZER ARGS] -- run the message fuzzer
# (build/fuzz/fuzz_message, made by `make fuzz-build`) for SECONDS over a
# corpus in build/fuzz/corpus (or $FUZZ_CORPUS) seeded from tests/corpora
# and tests/fuzz/regressions, with tests/fuzz/message.dict.  The corpus
# grows from run to run; libFuzzer replays all of it first, within the
# SECONDS.  Crashes, leaks and
# timeouts are written as build/fuzz/crash-*, leak-*, timeout-*: each one
# becomes a file in tests/fuzz/regressions/ and a fix.  The last lines say
# how many inputs were run and what was found.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
shift || true
bin=build/fuzz/fuzz_message
[[ -x $bin ]] || { echo "run.sh: no $bin (make fuzz-build)" >&2; exit 2; }
corpus=${FUZZ_CORPUS:-build/fuzz/corpus}
mkdir -p "$corpus"
find tests/corpora tests/fuzz/regressions -type f \( -name '*.eml' -o -path '*/regressions/*' \) \
        ! -name README -exec cp -n {} "$corpus/" \;
log=build/fuzz/last-run.log
before=$(ls build/fuzz | grep -cE '^(crash|leak|timeout|oom)-')
# One input may take at most 10 s and 2 GiB.
"$bin" -max_total_time="$seconds" -dict=tests/fuzz/message.dict -timeout=10 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
        "$@" "$corpus" >"$log" 2>&1
status=$?
after=$(ls build/fuzz | grep -cE '^(crash|leak|timeout|oom)-')
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "fuzz: ${execs:-?} inputs in ${seconds} s, corpus $(ls "$corpus" | wc -l) files, $((after - before)) new findings (exit $status)"
if ((status != 0 || after > before)); then
        grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -20
        exit 1
fi
exit 0

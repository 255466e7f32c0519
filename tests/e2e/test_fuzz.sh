#!/usr/bin/env bash
# The message fuzzer (tests/fuzz), bounded for make check: when clang and
# its libFuzzer runtime are installed, build the harness (make fuzz-build:
# every source with clang, ASan and UBSan), replay tests/fuzz/regressions
# with it, then fuzz for FUZZ_CHECK_SECONDS (default 30) from the corpora.
# Without clang only a skip is reported: the regressions are replayed in
# every build by the unit test test_fuzz_replay anyway.  `make fuzz` runs
# the fuzzer for longer (FUZZ_SECONDS, default 300).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

SECONDS_FUZZ=${FUZZ_CHECK_SECONDS:-30}
if ! command -v "${FUZZ_CC:-clang}" >/dev/null ||
   ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
        "${FUZZ_CC:-clang}" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
        ok "# skip no clang with libFuzzer (make deps installs clang and libclang-rt-14-dev)"
        done_testing
        exit
fi
log=$(mktemp "${BREACHD_TEST_TMP:-/tmp}/fuzzbuild.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! make --no-print-directory -j"$(nproc)" fuzz-build >"$log" 2>&1; then
        not_ok "the fuzz harness builds with clang" "$(tail -n 20 "$log")"
        done_testing
        exit
fi
ok "the fuzz harness builds with clang"
n=$(find tests/fuzz/regressions -type f | wc -l)
ok "there are regressions to replay ($n)" test "$n" -gt 0
out=$(build/fuzz/fuzz_message -timeout=30 tests/fuzz/regressions/* 2>&1)
status=$?
if ((status == 0)); then
        ok "every regression replays clean under ASan and UBSan"
else
        not_ok "every regression replays clean under ASan and UBSan" "$(grep -E 'ERROR|SUMMARY|runtime error' <<<"$out" | head -5)"
fi
if ((SECONDS_FUZZ == 0)); then
        ok "# skip fuzzing: FUZZ_CHECK_SECONDS=0"
        done_testing
        exit
fi
# From the seeds alone: a corpus grown by earlier runs would spend the time
# on replaying itself.
corpus=$(mktemp -d "${BREACHD_TEST_TMP:-/tmp}/fuzzcorpus.XXXXXX")
trap 'rm -f "$log"; rm -rf "$corpus"' EXIT
out=$(FUZZ_CORPUS=$corpus bash tests/fuzz/run.sh "$SECONDS_FUZZ" 2>&1)
status=$?
diag "$(head -n 1 <<<"$out")"
if ((status == 0)); then
        ok "$SECONDS_FUZZ s of fuzzing find nothing"
else
        not_ok "$SECONDS_FUZZ s of fuzzing find nothing" "$out" "(the input is in build/fuzz/: add it to tests/fuzz/regressions and fix)"
fi
done_testing

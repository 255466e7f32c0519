#!/usr/bin/env bash
# The fuzzers (tests/fuzz, docs/FUZZING.md), bounded for make check: when
# clang and its libFuzzer runtime are installed, build every harness (make
# fuzz-build: every source with clang, ASan and UBSan), replay each one's
# tests/fuzz/regressions/NAME with it, then fuzz from the seeds: the
# message harness for FUZZ_CHECK_SECONDS (default 30), each of the others
# for FUZZ_CHECK_SECONDS_EACH (default 6).  FUZZ_CHECK_SECONDS=0 fuzzes
# none.  Without clang only a skip is reported: the regressions are
# replayed in every build by the unit test test_fuzz_replay anyway.  `make
# fuzz` runs the fuzzers for longer (FUZZ_SECONDS each, default 300).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

HARNESSES=(message decision followup config breachlog docx)
SECONDS_FUZZ=${FUZZ_CHECK_SECONDS:-30}
SECONDS_EACH=${FUZZ_CHECK_SECONDS_EACH:-6}
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
        not_ok "the fuzz harnesses build with clang" "$(tail -n 20 "$log")"
        done_testing
        exit
fi
ok "the fuzz harnesses build with clang (${HARNESSES[*]})"
n=$(find tests/fuzz/regressions -type f | wc -l)
ok "there are regressions to replay ($n)" test "$n" -gt 0
for h in "${HARNESSES[@]}"; do
        inputs=(tests/fuzz/regressions/"$h"/*)
        [[ -e ${inputs[0]} ]] || inputs=()
        inputs+=(tests/fuzz/seeds/"$h"/*)
        [[ -e ${inputs[-1]} ]] || unset 'inputs[-1]'
        if ((${#inputs[@]} == 0)); then
                ok "# skip $h: no regressions or seeds to replay"
                continue
        fi
        out=$(build/fuzz/fuzz_"$h" -timeout=30 "${inputs[@]}" 2>&1)
        status=$?
        if ((status == 0)); then
                ok "$h: its ${#inputs[@]} regressions and seeds replay clean under ASan and UBSan"
        else
                not_ok "$h: its ${#inputs[@]} regressions and seeds replay clean under ASan and UBSan" \
                        "$(grep -E 'ERROR|SUMMARY|runtime error|Running:' <<<"$out" | tail -5)"
        fi
done
if ((SECONDS_FUZZ == 0)); then
        ok "# skip fuzzing: FUZZ_CHECK_SECONDS=0"
        done_testing
        exit
fi
# From the seeds alone: a corpus grown by earlier runs would spend the time
# on replaying itself.
corpus=$(mktemp -d "${BREACHD_TEST_TMP:-/tmp}/fuzzcorpus.XXXXXX")
trap 'rm -f "$log"; rm -rf "$corpus"' EXIT
for h in "${HARNESSES[@]}"; do
        s=$SECONDS_EACH
        [[ $h == message ]] && s=$SECONDS_FUZZ
        ((s > 0)) || continue
        out=$(FUZZ_TARGET=$h FUZZ_CORPUS=$corpus bash tests/fuzz/run.sh "$s" 2>&1)
        status=$?
        diag "$(head -n 1 <<<"$out")"
        if ((status == 0)); then
                ok "$h: $s s of fuzzing find nothing"
        else
                not_ok "$h: $s s of fuzzing find nothing" "$out" \
                        "(the input is in build/fuzz/findings/$h/: add it to tests/fuzz/regressions/$h and fix)"
        fi
done
done_testing

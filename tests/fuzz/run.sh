#!/usr/bin/env bash
# run.sh SECONDS [EXTRA LIBFUZZER ARGS] -- run the fuzzers (build/fuzz/fuzz_NAME,
# made by `make fuzz-build`) one after the other, each for SECONDS, over a
# corpus of its own in build/fuzz/corpora/NAME (or $FUZZ_CORPUS/NAME)
# seeded as listed below, with tests/fuzz/NAME.dict.  $FUZZ_TARGET names the
# harnesses to run (space- or comma-separated; default all of them):
#
#   message   raw message -> parsed record          tests/corpora (*.eml)
#   decision  a DPO's reply -> commands -> case      tests/fuzz/seeds/decision
#   followup  a reply merged into its incident       tests/fuzz/seeds/followup
#   config    breachd.conf -> Config                 conf/breachd.conf,
#                                                    tests/corpora/corpus.conf,
#                                                    tests/fuzz/seeds/config
#   breachlog a breach log (CSV, TSV, a report) -> incidents
#                                                    tests/corpora/logs,
#                                                    tests/fuzz/seeds/breachlog
#   docx      a .docx or its word/document.xml -> form rows and text
#                                                    tests/fuzz/seeds/docx
#
# and each from its own tests/fuzz/regressions/NAME.  A corpus grows from run
# to run; libFuzzer replays all of it first, within the SECONDS.  Crashes,
# leaks and timeouts are written as build/fuzz/findings/NAME/crash-*,
# leak-*, timeout-*: each one becomes a file in tests/fuzz/regressions/NAME/
# and a fix (docs/FUZZING.md).  One line per harness says how many inputs
# were run and what was found; the exit status is 1 when anything was.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
shift || true
all=(message decision followup config breachlog docx)
targets=(${FUZZ_TARGET:-})
targets=(${targets[@]//,/ })
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
        [[ " ${all[*]} " == *" $t "* ]] || { echo "run.sh: no fuzzer '$t' (one of: ${all[*]})" >&2; exit 2; }
        [[ -x build/fuzz/fuzz_$t ]] || { echo "run.sh: no build/fuzz/fuzz_$t (make fuzz-build)" >&2; exit 2; }
done

# Seeds: copied into the corpus, never over a file already there.
seed() {
        local corpus=$1 f
        shift
        for f in "$@"; do
                [[ -f $f && ${f##*/} != README* ]] && cp -n "$f" "$corpus/"
        done
        return 0
}

# The longest input each harness is given: enough for what it reads (a
# message with a small attachment, a reply, a config file, a log's header
# and a few rows, a document.xml), short enough to keep it fast.
max_len() {
        case $1 in
        message | docx) echo 16384 ;;
        config) echo 8192 ;;
        *) echo 4096 ;;
        esac
}

status_all=0
for t in "${targets[@]}"; do
        corpus=${FUZZ_CORPUS:-build/fuzz/corpora}/$t
        findings=build/fuzz/findings/$t
        mkdir -p "$corpus" "$findings"
        shopt -s nullglob globstar
        case $t in
        message) seed "$corpus" tests/corpora/**/*.eml ;;
        config) seed "$corpus" conf/breachd.conf tests/corpora/**/*.conf ;;
        breachlog) seed "$corpus" tests/corpora/logs/* ;;
        esac
        seed "$corpus" tests/fuzz/seeds/$t/* tests/fuzz/regressions/$t/*
        shopt -u nullglob globstar
        log=build/fuzz/$t.log
        before=$(ls "$findings" | wc -l)
        dict=()
        [[ -f tests/fuzz/$t.dict ]] && dict=(-dict=tests/fuzz/$t.dict)
        # One input may take at most 10 s and 2 GiB.
        start=$(date +%s)
        build/fuzz/fuzz_$t -max_total_time="$seconds" "${dict[@]}" -timeout=10 -rss_limit_mb=2048 \
                -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$findings/" \
                "$@" "$corpus" >"$log" 2>&1
        status=$?
        took=$(($(date +%s) - start))
        after=$(ls "$findings" | wc -l)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        echo "fuzz $t: ${execs:-?} inputs in ${took} s ($(( ${execs:-0} / (took ? took : 1) ))/s)," \
             "corpus $(ls "$corpus" | wc -l) files, $((after - before)) new findings (exit $status)"
        if ((status != 0 || after > before)); then
                grep -E "ERROR|SUMMARY|Test unit written|runtime error" "$log" | head -20
                status_all=1
        fi
done
exit $status_all

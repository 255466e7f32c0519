#!/usr/bin/env bash
# run.sh -- run the test suites and sum their results.
#
#   tests/run.sh            every check of the tree's shape (tests/lint/test_*.sh),
#                           every unit test program (build/tests/test_*) and
#                           every end-to-end script (tests/e2e/test_*.sh)
#   tests/run.sh lint       only the checks of the tree's shape
#   tests/run.sh unit       only the unit test programs
#   tests/run.sh e2e        only the end-to-end scripts
#   tests/run.sh PATH...    just these suites (a program or a .sh script)
#
# Each suite prints TAP lines and ends with "N passed, N failed"; this script
# prints one line per suite, the whole output of every suite that failed, and
# as its last line the totals "N passed, N failed".  A suite that exits
# non-zero, crashes or times out without such a line counts as 1 failed
# check; one that prints the line but still exits non-zero (a sanitizer or
# valgrind report after the tests, say) gets 1 failed added.
#
# Environment:
#   E2E_TIMEOUT   seconds per end-to-end suite (default 600)
#   UNIT_TIMEOUT  seconds per unit test program (default 300)
#   VALGRIND=1    run the unit test programs under valgrind (errors fail)
#   VERBOSE=1     show the output of passing suites too
#   KEEP_TEST_ROOT=1  keep each e2e suite's directory (its output and the
#                     servers' files, see servers.sh); the path is printed
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# Suites run in temp directories: they find the source tree here.
export BREACHD_SRCDIR=$PWD
E2E_TIMEOUT=${E2E_TIMEOUT:-600}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
SUMMARY_RE='^([0-9]+) passed, ([0-9]+) failed$'

suites=()
add_unit() {
        local f
        for f in build/tests/test_*; do
                [[ -f $f && -x $f ]] && suites+=("$f")
        done
}
add_lint() {
        local f
        for f in tests/lint/test_*.sh; do
                [[ -f $f ]] && suites+=("$f")
        done
}
add_e2e() {
        local f
        for f in tests/e2e/test_*.sh; do
                [[ -f $f ]] && suites+=("$f")
        done
}
if (($# == 0)); then
        add_lint
        add_unit
        add_e2e
fi
for arg in "$@"; do
        case $arg in
        lint) add_lint ;;
        unit) add_unit ;;
        e2e) add_e2e ;;
        *)
                if [[ ! -f $arg ]]; then
                        echo "run.sh: no such test suite: $arg" >&2
                        echo "0 passed, 1 failed"
                        exit 2
                fi
                suites+=("$arg")
                ;;
        esac
done

total_passed=0
total_failed=0
bad_suites=0

# Print a failing suite's output, but not megabytes of it.
show_output() {
        local out=$1 name=$2 n
        n=$(wc -l <"$out")
        echo "----- output of $name -----"
        if ((n > 1000)); then
                head -n 300 "$out"
                echo "[... $((n - 600)) lines left out ...]"
                tail -n 300 "$out"
        else
                cat "$out"
        fi
        echo "----- end of $name -----"
}

# A suite killed by its timeout cannot clean up: stop whatever it left
# running from its private temporary directory.  Returns 1 if there was any.
reap_strays() {
        local dir=$1 pids pid
        pids=$(pgrep -f -- "$dir/") || return 0
        for pid in $pids; do
                echo "run.sh: killing process $pid left behind: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
                kill -TERM "$pid" 2>/dev/null
        done
        sleep 1
        for pid in $pids; do
                kill -KILL "$pid" 2>/dev/null
        done
        return 1
}

run_suite() {
        local suite=$1 name kind limit out tmp status line passed failed result
        local cmd=()
        case $suite in
        tests/lint/*.sh)
                kind=lint
                limit=$UNIT_TIMEOUT
                cmd=(bash "$suite")
                ;;
        *.sh)
                kind=e2e
                limit=$E2E_TIMEOUT
                cmd=(bash "$suite")
                ;;
        *)
                kind=unit
                limit=$UNIT_TIMEOUT
                cmd=("./$suite")
                [[ $suite == /* ]] && cmd=("$suite")
                if [[ ${VALGRIND:-0} == 1 ]]; then
                        cmd=(valgrind -q --error-exitcode=99 --leak-check=full
                             --errors-for-leak-kinds=definite "${cmd[@]}")
                fi
                ;;
        esac
        name=${suite##*/}
        name="$kind/${name%.sh}"

        # Each suite gets its own directory for the servers' files (reachable
        # by the unprivileged server processes, hence 0755).
        tmp=$(mktemp -d /tmp/brt.XXXXXX) || exit 2
        current_tmp=$tmp
        chmod 0755 "$tmp"
        out=$tmp/output
        # (the subshell keeps bash's own "Aborted" and the like out of our output)
        (BREACHD_TEST_TMP=$tmp timeout -k 10 "$limit" "${cmd[@]}" </dev/null >"$out" 2>&1; exit $?) 2>/dev/null
        status=$?

        line=$(grep -E "$SUMMARY_RE" "$out" | tail -n 1)
        if [[ $line =~ $SUMMARY_RE ]]; then
                passed=${BASH_REMATCH[1]}
                failed=${BASH_REMATCH[2]}
        else
                passed=0
                failed=0
        fi
        if ((status == 124 || status == 137)); then
                result="TIMEOUT after ${limit}s"
                failed=$((failed + 1))
        elif [[ -z $line ]]; then
                if ((status > 128)); then
                        result="CRASHED (signal $((status - 128))), no summary line"
                else
                        result="FAILED (exit status $status), no summary line"
                fi
                failed=$((failed + 1))
        elif ((status != 0 && failed == 0)); then
                result="FAILED (exit status $status after $passed passed)"
                failed=1
        elif ((failed > 0)); then
                result="FAILED ($passed passed, $failed failed)"
        else
                result="ok ($passed passed)"
        fi
        if ! reap_strays "$tmp" >>"$out" 2>&1; then
                result="$result; LEFT PROCESSES RUNNING"
                failed=$((failed + 1))
        fi

        printf '%-40s %s\n' "$name" "$result"
        if ((failed > 0)) || [[ ${VERBOSE:-0} == 1 ]]; then
                show_output "$out" "$name"
        fi
        ((failed > 0)) && bad_suites=$((bad_suites + 1))
        total_passed=$((total_passed + passed))
        total_failed=$((total_failed + failed))
        # The servers' directory is inside $tmp: KEEP_TEST_ROOT=1 keeps both.
        if [[ ${KEEP_TEST_ROOT:-0} == 1 ]]; then
                echo "# $name: files kept in $tmp"
        else
                rm -rf "$tmp"
        fi
        current_tmp=
}

if ((${#suites[@]} == 0)); then
        echo "run.sh: no test suites found (build the unit tests with: make unit)"
        echo "0 passed, 1 failed"
        exit 1
fi

current_tmp=
trap '[[ -z $current_tmp ]] || { reap_strays "$current_tmp"; [[ ${KEEP_TEST_ROOT:-0} == 1 ]] || rm -rf "$current_tmp"; }' EXIT
trap 'echo "run.sh: interrupted"; exit 130' INT TERM
for s in "${suites[@]}"; do
        run_suite "$s"
done

echo "${#suites[@]} suites, $bad_suites failed"
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))

# tap.sh -- TAP output for the bash end-to-end tests, the shell twin of
# tests/unit/tap.h.  Source it, then:
#
#       ok "IMAP is up" imap_count breach@example.test INBOX   # passes if the command succeeds
#       ok "a passing check"                                   # no command: passes
#       not_ok "what went wrong" "optional diagnostic line"    # records a failure
#       is "$(imap_count dpo@example.test INBOX)" 1 "DPO got one mail"
#       isnt "$ref" "" "a reference was given"
#       like "$subject" '^\[DB[0-9]+\]' "subject carries the reference"   # bash ERE
#       unlike "$body" 'password' "no secret in the body"
#       diag "free text, printed as a # comment"
#       bail_out "servers did not start"                       # stops the script
#       done_testing                                           # last command
#
# done_testing prints "1..N" and then "N passed, N failed" -- the line
# tests/run.sh sums -- and returns 1 if anything failed, so ending the script
# with it gives the right exit status.  A command given to ok runs as is:
# its output goes where the script's goes; "ok DESC cmd >/dev/null" silences
# the command only, the TAP line still goes out.
# Each check returns 1 when it fails, which under "set -e" would end the
# script early: test scripts use "set -u" only (or "check || true").

[[ -n ${_TAP_SH_LOADED:-} ]] && return 0
_TAP_SH_LOADED=1

_tap_n=0
_tap_failed=0
# TAP lines go to the script's stdout as it was when this file was sourced,
# so "ok DESC cmd >/dev/null" silences cmd and not the result line.
exec {_TAP_FD}>&1

_tap_result() {
        local pass=$1 desc=$2
        _tap_n=$((_tap_n + 1))
        if [[ $pass == 1 ]]; then
                printf 'ok %d - %s\n' "$_tap_n" "$desc" >&"$_TAP_FD"
        else
                _tap_failed=$((_tap_failed + 1))
                printf 'not ok %d - %s\n' "$_tap_n" "$desc" >&"$_TAP_FD"
        fi
}

diag() {
        local line
        while IFS= read -r line; do
                printf '# %s\n' "$line" >&"$_TAP_FD"
        done <<<"$*"
}

# ok DESC [CMD ARGS...]
ok() {
        local desc=$1 status
        shift
        if (($# == 0)); then
                _tap_result 1 "$desc"
                return 0
        fi
        "$@"
        status=$?
        if ((status == 0)); then
                _tap_result 1 "$desc"
                return 0
        fi
        _tap_result 0 "$desc"
        diag "  command failed (status $status): $*"
        return 1
}

# not_ok DESC [DIAGNOSTIC...]
not_ok() {
        local desc=$1
        shift
        _tap_result 0 "$desc"
        (($# == 0)) || diag "  $*"
        return 1
}

# is GOT WANT DESC
is() {
        if [[ $1 == "$2" ]]; then
                _tap_result 1 "$3"
                return 0
        fi
        _tap_result 0 "$3"
        diag "  got:  '$1'"
        diag "  want: '$2'"
        return 1
}

# isnt GOT UNWANTED DESC
isnt() {
        if [[ $1 != "$2" ]]; then
                _tap_result 1 "$3"
                return 0
        fi
        _tap_result 0 "$3"
        diag "  got '$1', which it should not be"
        return 1
}

# like GOT ERE DESC
like() {
        if [[ $1 =~ $2 ]]; then
                _tap_result 1 "$3"
                return 0
        fi
        _tap_result 0 "$3"
        diag "  got:  '$1'"
        diag "  want match for: /$2/"
        return 1
}

# unlike GOT ERE DESC
unlike() {
        if ! [[ $1 =~ $2 ]]; then
                _tap_result 1 "$3"
                return 0
        fi
        _tap_result 0 "$3"
        diag "  got:  '$1'"
        diag "  want no match for: /$2/"
        return 1
}

# bail_out MSG -- give up: the bail-out counts as one more failure.
bail_out() {
        printf 'Bail out! %s\n' "$*" >&"$_TAP_FD"
        _tap_failed=$((_tap_failed + 1))
        printf '%d passed, %d failed\n' "$((_tap_n + 1 - _tap_failed))" "$_tap_failed" >&"$_TAP_FD"
        exit 1
}

done_testing() {
        printf '1..%d\n%d passed, %d failed\n' "$_tap_n" "$((_tap_n - _tap_failed))" "$_tap_failed" >&"$_TAP_FD"
        ((_tap_failed == 0))
}

# e2e.sh -- the opening an end-to-end test of breachd shares: the harness
# (tap.sh, servers.sh, daemon.sh), the programs, the servers, a standard
# breachd.conf and a daemon on it, waited for.  A whole test:
#
#       #!/usr/bin/env bash
#       # What this test shows.  Every wait waits for the event it checks.
#       set -u
#       cd "$(dirname "$0")/../.."
#       . tests/lib/e2e.sh
#       e2e_open                                     # programs checked, servers up
#       e2e_conf demo 'max_auto_replies_per_day = 100;'   # $CONF, $LOG, $DB
#       ok "the daemon starts" e2e_daemon            # $pid; waits for "started: watching"
#       mkreport "$TEST_ROOT/r1.eml" r1 "A lost laptop"
#       send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
#       ok "the report is acknowledged" wait_for_mail reporter@example.test INBOX 1
#       is "$(refs_of "$CONF" | wc -l)" 1 "breachctl lists it"
#       done_testing
#
# Then the helpers of servers.sh (send_mail, wait_for_mail, imap_count,
# wait_until, postfix_wait_idle, daemon_cycle_mark/daemon_wait_cycle,
# harness_on_exit ...; its header says how each waits for its event) and of
# daemon.sh (log_has, count_in, mkreport, refs_of ...).  Do not put a
# `( ... ) &` subshell in a test: it would run the harness's EXIT trap when
# it ends and stop the servers; use `bash -c '...' &` for a background job.

[[ -n ${_E2E_SH_LOADED:-} ]] && return 0
_E2E_SH_LOADED=1

# BREACHCTL as the environment gave it, before daemon.sh's default.
_E2E_BREACHCTL_ENV=${BREACHCTL:-}
_E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_E2E_LIB_DIR/tap.sh"
. "$_E2E_LIB_DIR/servers.sh"
. "$_E2E_LIB_DIR/daemon.sh"
. "$_E2E_LIB_DIR/pg.sh"

# e2e_open [plain] -- set BREACHD and BREACHCTL and start Dovecot and
# Postfix (servers_start: exports TEST_ROOT, IMAP_PORT, SMTP_PORT); bails
# out when a program is missing or the servers do not start.  The programs
# are the test build, whose clock a test may set (BREACHD_TEST_CLOCK):
# build/testing/breachd and breachctl, or $BREACHD_TEST_BIN and
# $BREACHCTL_TEST_BIN; with "plain", the production build: ./breachd and
# ./breachctl, or $BREACHD and $BREACHCTL.  Users a test needs besides the
# standard ones (servers.sh) are added before it with servers_add_user.
e2e_open() {
        if [[ ${1:-} == plain ]]; then
                BREACHD=${BREACHD:-./breachd}
                BREACHCTL=${_E2E_BREACHCTL_ENV:-./breachctl}
                [[ -x $BREACHD && -x $BREACHCTL ]] || bail_out "no $BREACHD or $BREACHCTL (make)"
        else
                BREACHD=${BREACHD_TEST_BIN:-build/testing/breachd}
                BREACHCTL=${BREACHCTL_TEST_BIN:-build/testing/breachctl}
                [[ -x $BREACHD && -x $BREACHCTL ]] || bail_out "no $BREACHD or $BREACHCTL (make testing)"
        fi
        servers_start || bail_out "servers did not start"
        if [[ ${E2E_REGISTER:-sqlite} == postgresql ]]; then
                pg_start "$TEST_ROOT/pg" || bail_out "the private PostgreSQL did not start"
                harness_on_exit pg_stop
                # The daemon's status file of a PostgreSQL register (state.h).
                export STATE_DIRECTORY=$TEST_ROOT/state
                mkdir -p "$STATE_DIRECTORY"
                diag "register: PostgreSQL 15 on 127.0.0.1:$PG_PORT"
        fi
}

# ---- the register: SQLite, or PostgreSQL with E2E_REGISTER=postgresql ----
#
# A suite names its registers by path ($TEST_ROOT/breachd.db, the default
# of write_breachd_conf).  With E2E_REGISTER=postgresql, e2e_open starts a
# private PostgreSQL (pg.sh) and each path is a schema of its own in it,
# owned by the role of least privilege breachd runs as; the generated
# config names it by URI, with database_password_file.  A suite that reads
# a register itself does it with e2e_sql, through sqlite3 or psql.

# e2e_database PATH -- the database setting for the register PATH.
e2e_database() {
        if [[ ${E2E_REGISTER:-sqlite} != postgresql || $1 == postgres*://* ]]; then
                printf '%s' "$1"
                return
        fi
        local name
        name=$(_e2e_schema "$1")
        pg_psql -d breachd -c "CREATE SCHEMA IF NOT EXISTS $name AUTHORIZATION breachd" >/dev/null || return 1
        printf '%s?options=-csearch_path%%3D%s' "$PG_URI" "$name"
}

# e2e_database_secret -- the line of breachd.conf that gives the register's
# password: none on SQLite.
e2e_database_secret() {
        [[ ${E2E_REGISTER:-sqlite} == postgresql ]] || return 0
        printf 'database_password_file = "%s";\n' "$PG_PASSWORD_FILE"
}

_e2e_schema() {
        local name=${1##*/}
        name=${name//[^A-Za-z0-9]/_}
        printf 'r_%s' "${name,,}"
}

# e2e_sql PATH SQL -- the rows of SQL on the register PATH (or the URI
# e2e_database gave for it: $DB) as sqlite3 prints them ("a|b"); on
# PostgreSQL through psql (group_concat is string_agg there).
e2e_sql() {
        if [[ ${E2E_REGISTER:-sqlite} == postgresql ]]; then
                local schema
                if [[ $1 == postgres*://*search_path%3D* ]]; then
                        schema=${1##*search_path%3D}
                        schema=${schema%%[&%]*}
                else
                        schema=$(_e2e_schema "$1")
                fi
                pg_sql "${2//group_concat(/string_agg(}" "$schema"
        else
                sqlite3 "$1" "$2"
        fi
}

# e2e_status_file PATH -- the daemon's status file for the register PATH (or
# its URI): PATH.status, or on PostgreSQL a file in $STATE_DIRECTORY.
e2e_status_file() {
        _srv_status_file "$1"
}

# e2e_private_copies -- run private copies of BREACHD and BREACHCTL (in
# $TEST_ROOT/bin): a rebuild of the tree while a long suite runs must not
# pull the programs from under it.
e2e_private_copies() {
        mkdir -p "$TEST_ROOT/bin" && cp "$BREACHD" "$BREACHCTL" "$TEST_ROOT/bin/" || bail_out "cannot copy the programs"
        BREACHD=$TEST_ROOT/bin/${BREACHD##*/}
        BREACHCTL=$TEST_ROOT/bin/${BREACHCTL##*/}
}

# e2e_org_file KEY NAME DPO [EXTRA_LINE...] -- an organisation's file,
# $TEST_ROOT/orgs/KEY.conf (organisations = "orgs"; in the main file), with
# a mailbox of its own: the test account KEY@example.test on the private
# Dovecot (add it with servers_add_user KEY@example.test secret), its
# password in $TEST_ROOT/KEY.secret, and mail from "NAME breach reports
# <KEY@example.test>".  Each extra line is added as it is.
e2e_org_file() {
        local key=$1 name=$2 dpo=$3 line
        shift 3
        mkdir -p "$TEST_ROOT/orgs"
        (umask 077 && echo secret >"$TEST_ROOT/$key.secret")
        {
                cat <<EOF
organisation = "$name";
dpo = [ "$dpo" ];
smtp = { from = "$name breach reports <$key@example.test>"; };
mailbox = {
  host = "127.0.0.1";
  port = $IMAP_PORT;
  tls = "none";
  user = "$key@example.test";
  password_file = "$TEST_ROOT/$key.secret";
  folder = "INBOX";
  processed_folder = "Processed";
  quarantine_folder = "Quarantine";
  automatic_folder = "Automatic";
};
EOF
                for line in "$@"; do
                        printf '%s\n' "$line"
                done
        } >"$TEST_ROOT/orgs/$key.conf"
}

# e2e_conf NAME [EXTRA_LINE...] -- write the standard breachd.conf for the
# servers (write_breachd_conf: an extra line is added, or replaces the
# standard setting of the same name) to CONF=$TEST_ROOT/NAME.conf; set
# LOG=$TEST_ROOT/NAME.log for e2e_daemon and DB to the register it names
# ($TEST_ROOT/breachd.db unless an extra line says otherwise).
e2e_conf() {
        local name=$1
        shift
        CONF=$TEST_ROOT/$name.conf
        LOG=$TEST_ROOT/$name.log
        write_breachd_conf "$CONF" "$@" || return 1
        DB=$(sed -n 's/^database = "\(.*\)";$/\1/p' "$CONF")
        if [[ ${E2E_REGISTER:-sqlite} == postgresql && $DB != postgresql://* ]]; then
                echo "e2e_conf: $CONF does not name the PostgreSQL register: $DB" >&2
                return 1
        fi
}

# e2e_daemon [VAR=VALUE...] -- start "$BREACHD" -c "$CONF" in the
# background, with VAR=VALUE in its environment (BREACHD_TEST_CLOCK=...,
# say), its output appended to $LOG; set pid to its PID (killed with -9 when
# the script exits, if still there); wait until it logs "started: watching"
# once more than $LOG said before.  Fails if it does not within
# TEST_WAIT_SECONDS: give it to ok.
e2e_daemon() {
        local before
        before=$(count_in "$LOG" "started: watching")
        env "$@" "$BREACHD" -c "$CONF" >>"$LOG" 2>&1 &
        pid=$!
        harness_on_exit "kill -9 $pid 2>/dev/null"
        wait_until "$TEST_WAIT_SECONDS" count_at_least "$LOG" "started: watching" $((before + 1))
}

# mail_n USER N [FOLDER] -- the Nth message (from 1) of USER's FOLDER
# (INBOX): its decoded Subject: on the first line, then its decoded text
# (the first text/plain part: a DPO's notice is multipart when it carries
# the calendar invitation).
mail_n() {
        imap_fetch_all "$1" "${3:-INBOX}" | python3 -c '
import sys, re, email
from email.header import decode_header, make_header
parts = re.split(r"^==== message [0-9]+ uid [0-9]+ ====\n", sys.stdin.read(), flags=re.M)[1:]
m = email.message_from_string(parts[int(sys.argv[1]) - 1])
print("Subject: " + " ".join(str(make_header(decode_header(m["Subject"] or ""))).split()))
body = next((p for p in m.walk() if p.get_content_type() == "text/plain"), m)
print((body.get_payload(decode=True) or b"").decode(body.get_content_charset() or "utf-8", "replace"))
' "$2"
}

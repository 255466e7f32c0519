#!/usr/bin/env bash
# mailboxes.sh -- make bench, the many-mailboxes part (issue 17): one daemon
# watching N organisations' own mailboxes on a private Dovecot (one
# passwd-file account each), at N = 1, 10, 100 and 300.  For each N it
# measures, with mailboxes.py:
#   start-up   breachd started -> every watch in IDLE (the state file says
#              idle=1 for this pid: each watch logged in, selected, read
#              its INBOX and entered IDLE);
#   memory     VmRSS, RssAnon and VmHWM, and the open descriptors, once
#              all are idle;
#   pick-up    IMAP APPEND of a report into the Nth (last) mailbox ->
#              its row in the register's messages table, keyed
#              orgNNN/INBOX (5 appends, one at a time; median and worst).
# Writes $BENCH_OUT/mailboxes.json and mailboxes.md and prints the latter
# (docs/PERFORMANCE.md, "Many mailboxes").
#
#   bash tests/bench/mailboxes.sh                 # once breachd is built
#   BENCH_MAILBOXES="1 10" bash tests/bench/mailboxes.sh
#
# Dovecot's own limits are raised in its private configuration for the 300
# connections (and their logins): one imap process per connection as by
# default, process_limit, mail_max_userip_connections and
# default_client_limit above 300; and fs.inotify.max_user_instances is
# raised for the run (put back after).  The outbox goes to the private
# Postfix.
# Takes about 1 minute on a 2-CPU machine.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO_ROOT=$PWD
export REPO_ROOT
BENCH_OUT=${BENCH_OUT:-$REPO_ROOT/build/bench}
BREACHD=${BREACHD:-$REPO_ROOT/breachd}
BENCH_MAILBOXES=${BENCH_MAILBOXES:-1 10 100 300}
export BENCH_OUT BREACHD BENCH_MAILBOXES PYTHONDONTWRITEBYTECODE=1
[[ -x $BREACHD ]] || { echo "bench: no $BREACHD (run make)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is needed (make deps)" >&2; exit 1; }
max=0
for n in $BENCH_MAILBOXES; do
        ((n > max)) && max=$n
done
mkdir -p "$BENCH_OUT"

BENCH_TMP=$(mktemp -d /tmp/breachd-bench.XXXXXX) || { echo "mailboxes.sh: no temp directory" >&2; exit 1; }
chmod 0755 "$BENCH_TMP"
export BREACHD_TEST_TMP=$BENCH_TMP
# 300 connections from one address, each its own imap process.
DOVECOT_EXTRA_CONF="
mail_max_userip_connections = 1000
default_client_limit = 4000
default_process_limit = 1000
service imap {
  process_limit = 1000
}
service anvil {
  client_limit = 4000
}
service auth {
  client_limit = 4000
}
"
# shellcheck source=tests/lib/servers.sh
. tests/lib/servers.sh
# shellcheck disable=SC2016 # expanded when the hook runs
[[ ${KEEP_TEST_ROOT:-0} == 1 ]] || harness_on_exit 'servers_stop; rm -rf "$BENCH_TMP"'
for i in $(seq 1 "$max"); do
        servers_add_user "$(printf 'org%03d' "$i")@example.test" secret
done
# Dovecot watches each session's INBOX with inotify; every test account is
# uid 65534, and the kernel's default of 128 inotify instances per user
# would leave the sessions past the 128th to Dovecot's 30-second check
# (mailbox_idle_check_interval) instead of an immediate EXISTS.  A real
# server with many accounts on one uid raises it the same way.
ino=/proc/sys/fs/inotify/max_user_instances
ino_was=$(cat "$ino")
if ((ino_was < 2 * max + 64)); then
        if echo $((2 * max + 64)) >"$ino" 2>/dev/null; then
                harness_on_exit "echo $ino_was >$ino"
        else
                echo "bench: cannot raise $ino ($ino_was): past the first 128 mailboxes, pick-up waits for Dovecot's 30 s check" >&2
        fi
fi
servers_start || exit 1
(umask 077 && echo secret >"$TEST_ROOT/org.secret")
export TEST_ROOT IMAP_PORT SMTP_PORT
"$PYTHON" tests/bench/mailboxes.py

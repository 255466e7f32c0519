#!/usr/bin/env bash
# The PostgreSQL register lost and found, with the real Dovecot, Postfix and
# a private PostgreSQL 15 (E2E_REGISTER=postgresql):
#   - the server stops under the running daemon: a report that arrives then
#     stays in the mailbox (the register commits before the move), and the
#     failure is said as the register's, with its own backoff, not as the
#     mailbox's; the admin is told;
#   - the server comes back: the daemon reconnects by itself, files the
#     report once and acknowledges it once.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
export E2E_REGISTER=postgresql
. tests/lib/e2e.sh
e2e_open

e2e_conf pg 'alert_after_failures = 1;'
ok "the daemon starts on the PostgreSQL register" e2e_daemon
r0=$(imap_count reporter@example.test INBOX)
a0=$(imap_count admin@example.test INBOX)
mkreport "$TEST_ROOT/p1.eml" pg-1 "Filed in PostgreSQL"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/p1.eml"
ok "a report is acknowledged" wait_for_mail reporter@example.test INBOX $((r0 + 1)) 120
is "$(refs_of "$CONF" | wc -l)" 1 "breachctl lists it from PostgreSQL"
is "$(e2e_sql "$TEST_ROOT/breachd.db" "SELECT count(*) FROM messages WHERE moved = 1")" 1 "its message is marked moved"

ok "PostgreSQL stops" pg_server_down
mkreport "$TEST_ROOT/p2.eml" pg-2 "Arrives while the register is away"
append_mail breach@example.test INBOX "$TEST_ROOT/p2.eml" >/dev/null
ok "the failure is said as the register's, with its backoff" \
        wait_until 120 log_has "$LOG" "the register postgresql://.* cannot be written: PostgreSQL: .*trying again in [0-9]+ s"
ok "the admin is told" wait_until 120 log_has "$LOG" "told admin@example.test that the register cannot be written"
is "$(imap_count breach@example.test INBOX)" 1 "the report stays in the mailbox"
unlike "$(cat "$LOG")" "polling INBOX failed|retrying the mailbox" "not taken for a mailbox failure"
n=$(count_in "$LOG" "cannot be written")
ok "it keeps trying" wait_until 120 count_at_least "$LOG" "cannot be written" $((n + 1))

ok "PostgreSQL is back" pg_server_up
ok "the register can be written again" wait_until 120 log_has "$LOG" "register .* can be written again"
ok "the report is acknowledged" wait_for_mail reporter@example.test INBOX $((r0 + 2)) 120
mailbox_empty() { [[ $(imap_count breach@example.test INBOX) == 0 ]]; }
ok "and moved out of the mailbox" wait_until 120 mailbox_empty
outbox_empty() { "$BREACHCTL" -c "$CONF" status 2>/dev/null | grep -Eq "Outbox: +0 queued"; }
ok "the outbox is empty" wait_until 120 outbox_empty
ok "Postfix has delivered everything" wait_until 120 bash -c "postqueue -c '$TEST_ROOT/postfix' -p 2>/dev/null | grep -q 'Mail queue is empty'"
is "$(refs_of "$CONF" | wc -l)" 2 "two incidents, the second filed once"
is "$(e2e_sql "$TEST_ROOT/breachd.db" "SELECT count(*) FROM messages")" 2 "one message row each"
is "$(imap_count reporter@example.test INBOX)" $((r0 + 2)) "the reporter got each acknowledgement once"
kill -TERM "$pid"
wait "$pid"
done_testing

#!/usr/bin/env bash
# Many mailboxes, one daemon (issue 17, part 2), with the real Dovecot and
# Postfix: a shared mailbox (breach@) and two organisations with mailboxes
# of their own (ashgrove@, birch@), three accounts watched at once.
#   - a report to an organisation's own mailbox is filed under that
#     organisation's Config: its DPO is told, the acknowledgement comes
#     from its address, the message goes to that account's Processed
#     folder; the other accounts are not touched;
#   - the register keys an organisation's UIDs as KEY/INBOX, the shared
#     mailbox's as INBOX;
#   - one account refused by the server: only its watch fails and alerts,
#     the others keep filing; once it is let in again it files what
#     waited and says so;
#   - a restart files nothing again.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
for u in ashgrove birch dpo-ash dpo-birch; do
        servers_add_user "$u@example.test" secret
done
e2e_open
command -v sqlite3 >/dev/null || bail_out "sqlite3 is needed (make deps)"

e2e_org_file ashgrove "Ashgrove Primary" dpo-ash@example.test 'reference_pattern = "AG%Y%03n";'
e2e_org_file birch "Birch Lane Academy" dpo-birch@example.test 'reference_pattern = "BL%Y%03n";'
# Mail for birch may also come through the shared mailbox, by its address.
echo 'addresses = [ "breach+birch@example.test" ];' >>"$TEST_ROOT/orgs/birch.conf"
e2e_conf mailboxes 'organisations = "orgs";' 'alert_after_failures = 2;' 'max_auto_replies_per_day = 100;'
sql() { e2e_sql "$DB" "$@"; }
# has_from USER ADDRESS -- USER's INBOX holds a message from ADDRESS.
has_from() { imap_search "$1" INBOX From "$2" >/dev/null; }
# all_idle -- the daemon now running ($pid) has every watch in IDLE.
all_idle() {
        local st
        st=$("$BREACHCTL" -c "$CONF" status 2>/dev/null) || return 1
        grep -Eq "Daemon: +running \(pid $pid\)" <<<"$st" && grep -Eq "Waiting in IDLE: +yes" <<<"$st"
}

# On a PostgreSQL register two hosts may share the work: STATUS= says how
# many mailboxes this one works (all three, here) before the idle ones.
HERE=
[[ ${E2E_REGISTER:-sqlite} == postgresql ]] && HERE='3 worked here, 0 standby \(another host works them\), '
# systemd's notify socket, stood in for: STATUS= counts the mailboxes.
SOCK=$TEST_ROOT/notify.sock
NOTES=$TEST_ROOT/notify.out
python3 tests/lib/notify_listen.py "$SOCK" "$NOTES" &
listener=$!
harness_on_exit "kill $listener 2>/dev/null"
wait_until 30 test -S "$SOCK" || bail_out "no notify socket"
ok "the daemon starts" e2e_daemon NOTIFY_SOCKET="$SOCK"
like "$(grep 'started: watching' "$LOG" | tail -1)" "watching 3 mailboxes" "it watches three mailboxes"
ok "STATUS= says all three are idle" wait_until "$TEST_WAIT_SECONDS" log_has "$NOTES" "STATUS=3 mailboxes, ${HERE}3 idle, 0 failing;"

# ---- a report to each organisation's own mailbox ---------------------------------
mkreport "$TEST_ROOT/a1.eml" mbox-a1 "Ashgrove laptop left on a bus"
sed -i 's/^To: .*/To: ashgrove@example.test/' "$TEST_ROOT/a1.eml"
send_mail reporter@example.test ashgrove@example.test "$TEST_ROOT/a1.eml"
ok "ashgrove's report goes to ashgrove's Processed folder" wait_for_mail ashgrove@example.test Processed 1
ok "ashgrove's DPO is told" wait_for_mail dpo-ash@example.test INBOX 1
ok "the reporter is acknowledged" wait_for_mail reporter@example.test INBOX 1
ok "... from ashgrove's address" has_from reporter@example.test ashgrove@example.test
is "$(imap_count ashgrove@example.test INBOX)" 0 "ashgrove's INBOX is empty"

mkreport "$TEST_ROOT/b1.eml" mbox-b1 "Birch Lane register sent to the wrong parent"
sed -i 's/^To: .*/To: birch@example.test/' "$TEST_ROOT/b1.eml"
# Straight into the account, as IMAP APPEND: no Postfix in between.
append_mail birch@example.test INBOX "$TEST_ROOT/b1.eml" >/dev/null
ok "birch's report goes to birch's Processed folder" wait_for_mail birch@example.test Processed 1
ok "birch's DPO is told" wait_for_mail dpo-birch@example.test INBOX 1
ok "the reporter gets a second acknowledgement" wait_for_mail reporter@example.test INBOX 2
ok "... from birch's address" has_from reporter@example.test birch@example.test

postfix_wait_idle
is "$(imap_count dpo-ash@example.test INBOX)" 1 "ashgrove's DPO got one notice (not birch's)"
is "$(imap_count dpo-birch@example.test INBOX)" 1 "birch's DPO got one notice (not ashgrove's)"
is "$(imap_count dpo@example.test INBOX)" 0 "the service's own DPO got none"
is "$(imap_count ashgrove@example.test Processed)" 1 "ashgrove's Processed holds only its own report"
is "$(imap_count breach@example.test Processed)" 0 "the shared mailbox's Processed folder is untouched"
like "$(mail_n dpo-ash@example.test 1)" "Ashgrove laptop" "ashgrove's DPO's notice is about ashgrove's report"
like "$(mail_n dpo-birch@example.test 1)" "Birch Lane register" "birch's DPO's notice is about birch's report"
like "$(sql "SELECT ref FROM incidents WHERE message_id LIKE '%mbox-a1%'")" "^AG[0-9]{7}$" \
        "ashgrove's incident has ashgrove's reference pattern"
like "$(sql "SELECT ref FROM incidents WHERE message_id LIKE '%mbox-b1%'")" "^BL[0-9]{7}$" \
        "birch's incident has birch's reference pattern"

# ---- the register keys -------------------------------------------------------------
is "$(sql "SELECT mailbox FROM messages WHERE message_id LIKE '%mbox-a1%'")" "ashgrove/INBOX" \
        "ashgrove's message is keyed ashgrove/INBOX"
is "$(sql "SELECT mailbox FROM messages WHERE message_id LIKE '%mbox-b1%'")" "birch/INBOX" \
        "birch's message is keyed birch/INBOX"
is "$(sql "SELECT count(*) FROM messages WHERE moved = 1 AND mailbox IN ('ashgrove/INBOX', 'birch/INBOX')")" 2 \
        "both are recorded as moved, under their own keys"

# The shared mailbox is watched as well: its report, to birch's address
# there, is routed to birch (case/orgs.c), filed under birch and moved to
# the shared mailbox's own Processed folder.
mkreport "$TEST_ROOT/s1.eml" mbox-s1 "Shared mailbox report"
sed -i 's/^To: .*/To: breach+birch@example.test/' "$TEST_ROOT/s1.eml"
send_mail reporter@example.test breach+birch@example.test "$TEST_ROOT/s1.eml"
ok "the shared mailbox's report goes to its own Processed folder" wait_for_mail breach@example.test Processed 1
is "$(sql "SELECT mailbox FROM messages WHERE message_id LIKE '%mbox-s1%'")" "INBOX" \
        "the shared mailbox keys by the bare folder, as a single organisation's does"
like "$(sql "SELECT org || ' ' || ref FROM incidents WHERE message_id LIKE '%mbox-s1%'")" "^birch BL[0-9]{7}$" \
        "filed under birch, with birch's reference pattern"
ok "birch's DPO is told of it" wait_for_mail dpo-birch@example.test INBOX 2
is "$(imap_count ashgrove@example.test Processed):$(imap_count birch@example.test Processed)" "1:1" \
        "the organisations' own folders are untouched by it"

# ---- one account refused: only its watch fails ---------------------------------------
# Dovecot is restarted with birch's password changed: every session drops,
# ashgrove and the shared mailbox log in again, birch cannot.
dovecot_stop
servers_add_user birch@example.test changed
dovecot_start || bail_out "dovecot did not start again"
ok "birch's watch fails" wait_until "$TEST_WAIT_SECONDS" log_has "$LOG" "retrying the mailbox birch/INBOX in"
ok "the admin is told birch's mailbox cannot be read" wait_for_mail admin@example.test INBOX 1
like "$(mail_n admin@example.test 1)" "birch@example.test" "... the alert names birch's account"
mkreport "$TEST_ROOT/a2.eml" mbox-a2 "Ashgrove second report while birch is down"
sed -i 's/^To: .*/To: ashgrove@example.test/' "$TEST_ROOT/a2.eml"
send_mail reporter@example.test ashgrove@example.test "$TEST_ROOT/a2.eml"
ok "ashgrove keeps filing while birch fails" wait_for_mail ashgrove@example.test Processed 2
mkreport "$TEST_ROOT/b2.eml" mbox-b2 "Birch Lane report while refused"
append_mail birch@example.test INBOX "$TEST_ROOT/b2.eml" >/dev/null
status=$("$BREACHCTL" -c "$CONF" status 2>&1)
like "$status" "Last error: +birch/INBOX: " "breachctl status names the failing mailbox"
# (its first login again may fall while Dovecot is still starting, under load)
is "$(grep -Ec "retrying the mailbox ashgrove/INBOX in [0-9]+ s \(([2-9]|[1-9][0-9]+) consecutive" "$LOG")" 0 \
        "ashgrove's watch never failed twice in a row"
ok "STATUS= says one of three is failing, and which" log_has "$NOTES" \
        "STATUS=3 mailboxes, ${HERE}2 idle, 1 failing \(birch/INBOX FAILING since [0-9T:-]+Z \([0-9]+ tries\): "
postfix_wait_idle
is "$(imap_count admin@example.test INBOX)" 1 "one alert, for birch alone"

# Let birch in again: its watch recovers, files what waited, says so.
(umask 077 && echo changed >"$TEST_ROOT/birch.secret")
ok "birch files the report that waited" wait_for_mail birch@example.test Processed 2
ok "the admin is told birch can be read again" wait_for_mail admin@example.test INBOX 2
like "$(mail_n admin@example.test 2)" "birch@example.test" "... naming birch's account"
ok "birch's watch says it is back" log_has "$LOG" "birch/INBOX: mailbox reachable again"

# ---- reload: every watch made again from the new files ----------------------------
sed -i 's/^organisation = .*/organisation = "Ashgrove Primary School";/' "$TEST_ROOT/orgs/ashgrove.conf"
kill -HUP "$pid"
ok "SIGHUP: the configuration is reloaded" wait_until "$TEST_WAIT_SECONDS" log_has "$LOG" "configuration reloaded"
mkreport "$TEST_ROOT/a3.eml" mbox-a3 "Ashgrove report after the reload"
sed -i 's/^To: .*/To: ashgrove@example.test/' "$TEST_ROOT/a3.eml"
send_mail reporter@example.test ashgrove@example.test "$TEST_ROOT/a3.eml"
ok "after the reload ashgrove's mailbox is still watched" wait_for_mail ashgrove@example.test Processed 3
ok "ashgrove's DPO is told of it" wait_for_mail dpo-ash@example.test INBOX 2
ack_names() { imap_fetch_all reporter@example.test INBOX | grep -q "Ashgrove Primary School"; }
ok "its acknowledgement names the organisation as the reloaded file does" wait_until "$TEST_WAIT_SECONDS" ack_names

# ---- restart: nothing filed again ------------------------------------------------------
n_incidents=$(sql "SELECT count(*) FROM incidents")
n_messages=$(sql "SELECT count(*) FROM messages")
postfix_wait_idle
n_acks=$(imap_count reporter@example.test INBOX)
kill -TERM "$pid"
ok "the daemon stops" wait_until "$TEST_WAIT_SECONDS" gone "$pid"
ok "it starts again" e2e_daemon
# Each watch has read its mailbox once more before it idles.
ok "all three watches idle again" wait_until "$TEST_WAIT_SECONDS" all_idle
is "$(sql "SELECT count(*) FROM incidents")" "$n_incidents" "no incident filed again"
is "$(sql "SELECT count(*) FROM messages")" "$n_messages" "no message recorded again"
postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" "$n_acks" "no acknowledgement sent again"

kill -TERM "$pid"
wait_until "$TEST_WAIT_SECONDS" gone "$pid"
done_testing

#!/usr/bin/env bash
# The whole path (issue 2): a report sent through a real MTA to a real IMAP
# server is filed by breachd --once, moved to Processed, acknowledged to the
# reporter and announced to the DPO; nothing is filed twice; a failed move
# does not lead to a second filing; a broken message is quarantined and the
# rest are still filed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
CORPUS=tests/corpora

servers_add_user jane.smith@example.test secret
e2e_open plain
e2e_conf breachd
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$TEST_ROOT/breachd.log" 2>&1; }

ok "configuration is valid" "$BREACHD" -c "$CONF" --check-config

# --- a report through the MTA ---------------------------------------------
ok "report accepted by Postfix" send_mail reporter@example.test breach@example.test "$CORPUS/good/plain-basic.eml"
# A broken message straight into the mailbox: no sender address.
ok "broken message appended" append_mail breach@example.test INBOX "$CORPUS/broken/no-sender.eml"
ok "both in the inbox" wait_for_mail breach@example.test INBOX 2

ok "breachd --once exits 0" once
is "$(imap_count breach@example.test INBOX)" 0 "inbox is empty afterwards"
is "$(imap_count breach@example.test Processed)" 1 "the report is in Processed"
is "$(imap_count breach@example.test Quarantine)" 1 "the broken message is in Quarantine"
like "$(cat "$TEST_ROOT/breachd.log")" "quarantined: no sender address" "the quarantine is logged with its reason"

list=$(ctl list)
like "$list" "DB20[0-9]{5}" "breachctl list shows a reference"
is "$(grep -c '^DB20' <<<"$list")" 1 "one incident filed"
ref=$(grep -o '^DB20[0-9]*' <<<"$list" | head -1)

ok "acknowledgement reaches the reporter" wait_for_mail jane.smith@example.test INBOX 1
ack=$(imap_fetch_all jane.smith@example.test INBOX)
like "$ack" "Subject: \[$ref\] Breach report received: Data breach - email sent to wrong" "ack subject carries the reference and their subject"
like "$ack" "In-Reply-To: <plain-basic-0001@example.test>" "ack answers their message"
like "$ack" "Auto-Submitted: auto-replied" "ack is marked auto-replied"
like "$ack" "Directorate: Adult Social Care" "ack lists what was captured"
like "$ack" "Reason for delay" "ack asks for what is missing (a late report needs a reason)"
like "$ack" "by[[:space:]]+[A-Z][a-z]+day [0-9]+ [A-Z][a-z]+ 20[0-9]{2}, [0-9]{2}:[0-9]{2} (GMT|BST)" "ack gives the deadline in local time"

ok "notice reaches the DPO" wait_for_mail dpo@example.test INBOX 1
notice=$(imap_fetch_all dpo@example.test INBOX)
# The breach happened in January 2025 and the report does not say when it
# was discovered: its 72 hours ran out long ago, so the DPO's notice is the
# overdue notice, to the SIRO as well.
like "$notice" "Subject: \[$ref\] OVERDUE: New breach report" "DPO notice carries the reference"
like "$notice" "Reply-To: breach\+$ref\.[a-z0-9]+@example.test" "DPO notice carries the reply token address"

show=$(ctl show "$ref")
like "$show" "Name of person making the report: Jane Smith" "show lists the fields"
like "$show" "ack +to jane.smith@example.test: sent" "show lists the acknowledgement as sent"
like "$show" "dpo_notice +to dpo@example.test,siro@example.test: sent" "show lists the DPO notice as sent"

json=$(ctl export --format json)
ok "export is valid JSON" python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==1' <<<"$json"
ok "export has the breach-form keys" python3 -c '
import json,sys
d=json.load(sys.stdin)[0]
need=["ref","received_at","deadline_at","message_id","missing","reporter_name","nature","directorate","occurred_at"]
missing=[k for k in need if k not in d]
assert not missing, missing
assert d["directorate"]=="Adult Social Care", d["directorate"]
assert d["occurred_at"]=="2025-01-06T15:39:00Z", d["occurred_at"]
assert "delay_reason" in d["missing"], d["missing"]
' <<<"$json"
csv=$(ctl export --format csv)
is "$(python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))' <<<"$csv")" 2 "CSV export: header and one row"

# --- a second run files nothing twice ------------------------------------
ok "second --once exits 0" once
is "$(ctl list | grep -c '^DB20')" 1 "still one incident after a second run"
postfix_wait_idle   # a second acknowledgement would be delivered by now
is "$(imap_count jane.smith@example.test INBOX)" 1 "no second acknowledgement"

# --- the same message delivered again (a copy under a new UID) ------------
ok "the same report sent again" send_mail reporter@example.test breach@example.test "$CORPUS/good/plain-basic.eml"
ok "duplicate processed" once
is "$(ctl list | grep -c '^DB20')" 1 "a copy with the same Message-ID is not filed again"
is "$(imap_count breach@example.test INBOX)" 0 "the copy is moved out of the inbox"

# --- a move that fails after the commit -----------------------------------
# Make Processed unwritable for Dovecot, so MOVE fails at the server.
pdir=$TEST_ROOT/mail/example.test/breach/Maildir/.Processed
sed 's/plain-basic-0001/move-fail-0002/; s/Subject: .*/Subject: Laptop left on a train/' \
        "$CORPUS/good/plain-basic.eml" >"$TEST_ROOT/second.eml"
ok "second report sent" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/second.eml"
chmod 0555 "$pdir/cur" "$pdir/new" "$pdir/tmp"
once
is "$(ctl list | grep -c '^DB20')" 2 "the second report is filed although its move failed"
is "$(imap_count breach@example.test INBOX)" 1 "it is still in the inbox"
like "$(cat "$TEST_ROOT/breachd.log")" "will be moved on the next pass, not filed again" "the failed move is logged"
chmod 0700 "$pdir/cur" "$pdir/new" "$pdir/tmp"
ok "next pass after the fault" once
is "$(ctl list | grep -c '^DB20')" 2 "not filed a second time"
is "$(imap_count breach@example.test INBOX)" 0 "and now moved out of the inbox"
is "$(imap_count breach@example.test Processed)" 3 "Processed holds the report, the copy and the second report"

# --- a burst in several batches -------------------------------------------
# With more than one batch, each filed batch is moved on a second IMAP
# session while the next is fetched (src/mail/mover.h): everything is filed
# once and moved; a move that fails there leaves its messages for the next
# pass, as on the first session.
BURST_CONF=$TEST_ROOT/burst.conf
write_breachd_conf "$BURST_CONF" 'batch_size = 4;' 'max_auto_replies_per_day = 1000;'
burst() { "$BREACHD" -c "$BURST_CONF" --once >>"$TEST_ROOT/burst.log" 2>&1; }
for i in $(seq -w 1 10); do
        sed "s/plain-basic-0001/burst-$i/; s/^Subject: .*/Subject: Burst report $i/" \
                "$CORPUS/good/plain-basic.eml" >"$TEST_ROOT/burst-$i.eml"
        append_mail breach@example.test INBOX "$TEST_ROOT/burst-$i.eml" || break
done
is "$(imap_count breach@example.test INBOX)" 10 "ten reports in the inbox"
ok "a pass of three batches" burst
is "$(ctl list | grep -c '^DB20')" 12 "all ten filed, once each"
is "$(imap_count breach@example.test INBOX)" 0 "all ten moved out of the inbox"
is "$(imap_count breach@example.test Processed)" 13 "and into Processed"
like "$(cat "$TEST_ROOT/burst.log")" "poll: 10 filed, 0 follow-ups, 0 quarantined, 0 already filed, 10 moved" \
        "the pass counts ten filed and ten moved"
# (but the warning that the register's directory is 0755: the servers need
# the test root open)
burst_problems() { grep -E "warning|error" "$TEST_ROOT/burst.log" | grep -v "register's directory .* can be listed"; }
is "$(burst_problems)" "" "and nothing went wrong"

for i in $(seq -w 11 19); do
        sed "s/plain-basic-0001/burst-$i/; s/^Subject: .*/Subject: Burst report $i/" \
                "$CORPUS/good/plain-basic.eml" >"$TEST_ROOT/burst-$i.eml"
        append_mail breach@example.test INBOX "$TEST_ROOT/burst-$i.eml" || break
done
chmod 0555 "$pdir/cur" "$pdir/new" "$pdir/tmp"
: >"$TEST_ROOT/burst.log"
burst
is "$(ctl list | grep -c '^DB20')" 21 "a burst whose moves fail is filed all the same"
is "$(imap_count breach@example.test INBOX)" 9 "and stays in the inbox"
like "$(cat "$TEST_ROOT/burst.log")" "moving 4 message\(s\) to Processed failed: .*will be moved on the next pass" \
        "each failed move is logged"
chmod 0700 "$pdir/cur" "$pdir/new" "$pdir/tmp"
ok "next pass after the fault" burst
is "$(ctl list | grep -c '^DB20')" 21 "none filed a second time"
is "$(imap_count breach@example.test INBOX)" 0 "all moved now"
is "$(imap_count breach@example.test Processed)" 22 "into Processed"

# A server that allows one session per user: the second session is
# refused, and the batches are moved on the first, in the same pass.
dovecot_stop
cp "$TEST_ROOT/dovecot/dovecot.conf" "$TEST_ROOT/dovecot/dovecot.conf.orig"
printf 'protocol imap {\n  mail_max_userip_connections = 1\n}\n' >>"$TEST_ROOT/dovecot/dovecot.conf"
dovecot_start || bail_out "dovecot did not restart"
for i in $(seq -w 20 29); do
        sed "s/plain-basic-0001/burst-$i/; s/^Subject: .*/Subject: Burst report $i/" \
                "$CORPUS/good/plain-basic.eml" >"$TEST_ROOT/burst-$i.eml"
        append_mail breach@example.test INBOX "$TEST_ROOT/burst-$i.eml" || break
done
: >"$TEST_ROOT/burst.log"
ok "a burst with no second session to be had" burst
is "$(ctl list | grep -c '^DB20')" 31 "all ten filed"
is "$(imap_count breach@example.test INBOX)" 0 "and moved out of the inbox in the same pass"
like "$(cat "$TEST_ROOT/burst.log")" "moving on the one IMAP session: second connection: " \
        "the refused second session is said once"
is "$(burst_problems)" "" "and nothing else went wrong"
dovecot_stop
mv "$TEST_ROOT/dovecot/dovecot.conf.orig" "$TEST_ROOT/dovecot/dovecot.conf"
dovecot_start || bail_out "dovecot did not restart"

# --- breachctl status reads the register's counts (SQLite or PostgreSQL) ---
st=$(ctl status)
like "$st" "Open incidents: +31" "status: the 31 open incidents"
like "$st" "Outbox: +0 queued, 0 failed" "status: every mail sent"
like "$st" "Database: +${DB//\?/\\?}" "status: names the register"

# --- servers down: a clear line, a retry, not a crash ---------------------
dovecot_stop
"$BREACHD" -c "$CONF" --once >"$TEST_ROOT/down.log" 2>&1
rc=$?
is "$rc" 1 "--once reports failure when the IMAP server is down"
like "$(cat "$TEST_ROOT/down.log")" "cannot connect to IMAP server 127.0.0.1:$IMAP_PORT" "one clear log line names the server"
dovecot_start

done_testing

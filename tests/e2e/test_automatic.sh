#!/usr/bin/env bash
# Automatic mail needs nobody (issue 15 item 11): an out-of-office reply, a
# newsletter and a read receipt sent through the real Postfix are filed
# quietly in the Automatic folder (created by breachd), never answered, kept
# with their reason; a hostile message still lands in Quarantine and alone
# in the admin's digest; breachctl status counts the two apart; reprocess
# --quarantined leaves automatic mail alone and --automatic reads it again.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
HOSTILE=tests/corpora/hostile

e2e_open
e2e_conf automatic 'max_auto_replies_per_day = 100;'   # $CONF, $LOG, $DB
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
sql() { e2e_sql "$DB" "$@"; }
has_folder() { imap_folders breach@example.test | grep -qx "$1"; }
inbox_empty() { (($(imap_count breach@example.test INBOX) == 0)); }

# msg FILE ID FROM SUBJECT HEADER... -- a plain message with extra headers.
msg() {
        local file=$1 id=$2 from=$3 subject=$4
        shift 4
        {
                echo "From: $from"
                echo "To: Data Breach Reporting <breach@example.test>"
                echo "Subject: $subject"
                echo "Date: $(date -R)"
                echo "Message-ID: <$id@example.test>"
                printf '%s\n' "$@"
                echo "MIME-Version: 1.0"
                echo "Content-Type: text/plain; charset=utf-8"
                echo
                echo "Thank you for your message."
                echo "The nature of the personal data breach: nothing, this is $id"
        } >"$file"
}
msg "$TEST_ROOT/ooo.eml" auto-ooo "Test Reporter <reporter@example.test>" \
        "Automatic reply: Breach report received" "Auto-Submitted: auto-replied" \
        "X-Auto-Response-Suppress: All"
msg "$TEST_ROOT/news.eml" auto-news "Council News <news@elsewhere.test>" "This week at the council" \
        "List-Unsubscribe: <mailto:leave@elsewhere.test>" "Precedence: bulk"
cat >"$TEST_ROOT/mdn.eml" <<EOF
From: Test Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: Read: Breach report received
Date: $(date -R)
Message-ID: <auto-mdn@example.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain; charset=us-ascii

Your message was read.

--mdn
Content-Type: message/disposition-notification

Reporting-UA: mail.example.test; Microsoft Exchange Server
Final-Recipient: rfc822;reporter@example.test
Original-Message-ID: <breachd.1736179510.K7MWQ2HXP9ZB3R4T5V6Y8A2C@example.test>
Disposition: manual-action/MDN-sent-manually; displayed

--mdn--
EOF

ok "the daemon starts" e2e_daemon
ok "breachd creates the Automatic folder" wait_until "$TEST_WAIT_SECONDS" has_folder Automatic ||
        diag "$(imap_folders breach@example.test)"
r0=$(imap_count reporter@example.test INBOX)
a0=$(imap_count admin@example.test INBOX)
ok "the out-of-office reply is accepted by Postfix" send_mail reporter@example.test breach@example.test "$TEST_ROOT/ooo.eml"
ok "the newsletter is accepted" send_mail news@elsewhere.test breach@example.test "$TEST_ROOT/news.eml"
ok "the read receipt is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/mdn.eml"
ok "a hostile message (40 levels of MIME) is accepted" \
        send_mail ian.walsh@example.test breach@example.test "$HOSTILE/deep-nesting.eml"

ok "the three automatic messages reach the Automatic folder" wait_for_mail breach@example.test Automatic 3 ||
        diag "$(tail -20 "$LOG")"
ok "the hostile one reaches Quarantine" wait_for_mail breach@example.test Quarantine 1
ok "the inbox is empty" wait_until "$TEST_WAIT_SECONDS" inbox_empty
is "$(imap_count breach@example.test Quarantine)" 1 "only the hostile message is in Quarantine"
is "$(imap_count breach@example.test Processed)" 0 "nothing in Processed"
automatic=$(imap_fetch_all breach@example.test Automatic)
for id in auto-ooo auto-news auto-mdn; do
        like "$automatic" "Message-ID: <$id@example.test>" "$id is in Automatic"
done

is "$(sql "SELECT disposition || ' ' || CASE WHEN raw IS NOT NULL THEN 1 ELSE 0 END FROM messages WHERE message_id LIKE '%auto-ooo@example.test%'")" \
        "automatic 1" "the out-of-office reply is recorded as automatic, its raw bytes kept"
like "$(sql "SELECT reason FROM messages WHERE message_id LIKE '%auto-ooo@example.test%'")" \
        "^automatic message, no reply sent: (Auto-Submitted|X-Auto-Response-Suppress)" "... with its reason"
like "$(sql "SELECT reason FROM messages WHERE message_id LIKE '%auto-news@example.test%'")" \
        "^automatic message, no reply sent: (List-Unsubscribe|Precedence: bulk)" "the newsletter's reason"
like "$(sql "SELECT reason FROM messages WHERE message_id LIKE '%auto-mdn@example.test%'")" \
        "^automatic message, no reply sent: .*(read receipt|multipart/report)" "the read receipt's reason"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'quarantine' AND reason LIKE 'MIME nesting%'")" 1 \
        "the hostile message is recorded as quarantined"
like "$(cat "$LOG")" "filed quietly in Automatic: automatic message" "the daemon says it filed them quietly"
like "$(cat "$LOG")" "quarantined: MIME nesting deeper than 20" "... and why it quarantined the other"
is "$(sql "SELECT COUNT(*) FROM incidents")" 0 "nothing is filed as an incident"

ok "the admin's digest comes" wait_for_mail admin@example.test INBOX $((a0 + 1))
digest=$(mail_n admin@example.test $((a0 + 1)))
like "$digest" "Subject: breachd quarantined 1 message" "it names one message"
unlike "$digest" "Automatic reply|This week at the council|Read: Breach" "... and none of the automatic mail"
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" "$r0" "no reply to the out-of-office reply or the read receipt"
is "$(imap_count outsider@elsewhere.test INBOX)" 0 "nor to anyone outside"

status=$(ctl status)
like "$status" "Quarantined messages: +1" "breachctl status: one quarantined"
like "$status" "Automatic mail: +3 in the last 7 days \(3 in all\), filed quietly in Automatic" \
        "... and three automatic, counted apart"

out=$(ctl reprocess --quarantined --dry-run)
like "$out" "1 quarantined message read again, 0 would be filed" "reprocess --quarantined reads only the quarantined one" ||
        diag "$out"
unlike "$out" "Automatic reply|This week|Read: Breach" "... not the automatic mail"
out=$(ctl reprocess --automatic)
like "$out" "3 automatic messages read again, 0 filed" "reprocess --automatic reads the three" || diag "$out"
is "$(grep -c 'automatic mail, filed quietly' <<<"$out")" 3 "... each still automatic mail"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'automatic'")" 3 "... and recorded so"
ok "reprocess refuses --quarantined and --automatic together" bash -c "! $BREACHCTL -c $CONF reprocess --quarantined --automatic 2>/dev/null"

ok "the daemon is still running" kill -0 "$pid"
done_testing

#!/usr/bin/env bash
# Honest words to people (issue 15, items 12-14), through the real Postfix
# and Dovecot: at the daily cap on automatic replies the log and the DPO's
# notice say that the acknowledgement and the blank form were withheld, not
# sent (12); an answer taken from the sender's address is called that in the
# DPO's notice and in breachctl show, not "your email" (13); the DPO's
# subject carries the directorate and the type of breach, not the first
# line of the nature (which may name a child), unless subject_summary is
# set (14).  A message from staff nothing of which can be decoded is filed,
# and the acknowledgement and the DPO's notice say it could not be read and
# that the raw message is kept (15, item 9); a reminder says the reporter
# was not asked when the acknowledgement was withheld (15, item 10).  Every wait waits for the
# event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

e2e_open
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }


# report FILE ID -- a report with no name of its own (the name is taken
# from the From: line) whose nature names a child.
report() {
        cat >"$1" <<MAIL
From: Test Reporter <reporter@example.test>
To: breach@example.test
Subject: Data breach report
Date: $(date -R)
Message-ID: <$2@example.test>

Directorate: Corporate Services
Type of breach: Disclosed in error
The nature of the personal data breach: Safeguarding notes about Tommy Example emailed to the wrong school
When did this occur: today
MAIL
}

# ==== 13 and 14: the wording of the notice and of show ======================
e2e_conf honest 'max_auto_replies_per_day = 1;'
report "$TEST_ROOT/r1.eml" honest-r1
ok "the first report is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "breachd --once files it" once
ref1=$(refs_of "$CONF" | head -1)
isnt "$ref1" "" "it is filed ($ref1)"
ok "its acknowledgement reaches the reporter" wait_for_mail reporter@example.test INBOX 1
ok "its notice reaches the DPO" wait_for_mail dpo@example.test INBOX 1
n1=$(mail_n dpo@example.test 1)
subj1=$(head -1 <<<"$n1")
is "$subj1" "Subject: [$ref1] New breach report: Corporate Services, Disclosed in error" \
        "the DPO's subject is the reference, the directorate and the type of breach"
unlike "$subj1" "Tommy|Safeguarding" "... with nothing of the nature in it"
like "$n1" "Name of person making the report: Test Reporter  \(taken from the sender's email address\)" \
        "the notice says the name was taken from the sender's email address"
unlike "$n1" "taken from your email" "... not from the DPO's (\"your\") email"
like "$n1" "Missing from the report \(the reporter has been asked for it\)" "an acknowledged reporter has been asked"
unlike "$n1" "not sent an acknowledgement" "... and the notice says nothing was withheld"
show1=$(ctl show "$ref1")
like "$show1" "Test Reporter  \(taken from the sender's email address\)" "breachctl show says the same"
unlike "$show1" "taken from your email" "... and not \"your email\""
like "$(mail_n reporter@example.test 1)" "Test Reporter" "the acknowledgement still lists the name"

# ==== 12: at the cap, the acknowledgement and the blank form are withheld ===
report "$TEST_ROOT/r2.eml" honest-r2
ok "a second report from the same address is accepted" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/r2.eml"
ok "breachd --once files it" once
ref2=$(refs_of "$CONF" | grep -v "^$ref1$" | head -1)
isnt "$ref2" "" "it is filed ($ref2)"
ok "its notice reaches the DPO" wait_for_mail dpo@example.test INBOX 2
like "$(cat "$LOG")" "acknowledgement of $ref2 to reporter@example.test withheld" "the log says the ack was withheld"
n2=$(mail_n dpo@example.test 2)
like "$n2" "The reporter was not sent an acknowledgement: reporter@example.test had 1 automatic" \
        "the DPO's notice says the reporter was not acknowledged"
like "$n2" "Missing from the report \(the reporter has not been asked for it" \
        "... and that nobody asked the reporter for what is missing"
unlike "$n2" "has been asked" "... nowhere that the reporter has been asked"

cat >"$TEST_ROOT/form.eml" <<MAIL
From: Test Reporter <reporter@example.test>
To: breach@example.test
Subject: form
Date: $(date -R)
Message-ID: <honest-form@example.test>

MAIL
ok "a request for the blank form from the same address is accepted" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/form.eml"
ok "breachd --once answers it" once
like "$(cat "$LOG")" "blank form for reporter@example.test withheld" "the log says the blank form was withheld"
unlike "$(cat "$LOG")" "blank form sent" "... and never that it was sent"
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" 1 "the reporter got only the first acknowledgement"

# A reminder a day later says the same as the notice did (15, item 10):
# the reporter whose acknowledgement was withheld was not asked.
CLOCK10=$TEST_ROOT/clock10
echo "@$(($(date +%s) + 25 * 3600))" >"$CLOCK10"
d10=$(imap_count dpo@example.test INBOX)
ok "a day later, a reminder pass" env BREACHD_TEST_CLOCK="$CLOCK10" "$BREACHD" -c "$CONF" --once
ok "the two reminders arrive" wait_for_mail dpo@example.test INBOX $((d10 + 2))
rem1="" rem2=""
for k in $((d10 + 1)) $((d10 + 2)); do
        t=$(mail_n dpo@example.test $k)
        case $(head -1 <<<"$t") in
        *"[$ref1] Reminder"*) rem1=$t ;;
        *"[$ref2] Reminder"*) rem2=$t ;;
        esac
done
like "$rem1" "Still missing from the report \(the reporter has been asked for it\)" \
        "the reminder of the acknowledged report says the reporter has been asked"
like "$(tr '\n' ' ' <<<"$rem2")" "Still missing from the report \(the reporter has not been asked for it: the acknowledgement was withheld at the daily cap" \
        "the reminder of the report whose acknowledgement was withheld says so"
unlike "$rem2" "has been asked" "... and nowhere that the reporter has been asked"

# ==== 14: subject_summary restores the summary in the subject ===============
e2e_conf summary 'max_auto_replies_per_day = 100;' "database = \"$TEST_ROOT/summary.db\";" \
        'subject_summary = true;'
report "$TEST_ROOT/r3.eml" honest-r3
d14=$(imap_count dpo@example.test INBOX)
ok "a report under subject_summary is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r3.eml"
ok "breachd --once files it" once
ref3=$(refs_of "$CONF" | head -1)
isnt "$ref3" "" "it is filed ($ref3)"
ok "its notice reaches the DPO" wait_for_mail dpo@example.test INBOX $((d14 + 1))
is "$(head -1 <<<"$(mail_n dpo@example.test $((d14 + 1)))")" \
        "Subject: [$ref3] New breach report: Safeguarding notes about Tommy Example emailed to the wrong school" \
        "with subject_summary the subject carries the first line of the nature"

# ==== 10: the admin's digest of what was quarantined ========================
# Each pass is a new process (breachd --once), so that every pass is also a
# restart; the test build's clock moves the hour on.
e2e_conf digest "database = \"$TEST_ROOT/digest.db\";"
CLOCK=$TEST_ROOT/clock
T0=$(date +%s)
echo "@$T0" >"$CLOCK"
pass() { BREACHD_TEST_CLOCK=$CLOCK "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
# odd FILE ID FROM SUBJECT [HEADER] -- a message breachd quarantines.
odd() {
        cat >"$1" <<MAIL
From: $3
To: breach@example.test
Subject: $4
Date: $(date -R)
Message-ID: <$2@example.test>
${5:-X-Test: $2}

Nothing for the register here.
MAIL
}
a0=$(imap_count admin@example.test INBOX)
odd "$TEST_ROOT/q1.eml" honest-q1 "Someone Outside <outsider@elsewhere.test>" "Hello from outside"
odd "$TEST_ROOT/q2.eml" honest-q2 "Other Outsider <other@elsewhere.test>" "Second from outside"
# An out-of-office reply needs nobody: filed quietly, not in the digest.
odd "$TEST_ROOT/q2b.eml" honest-q2b "Test Reporter <reporter@example.test>" "Out of office" "Auto-Submitted: auto-replied"
ok "a message from outside is accepted" send_mail outsider@elsewhere.test breach@example.test "$TEST_ROOT/q1.eml"
ok "a second one from outside is accepted" send_mail other@elsewhere.test breach@example.test "$TEST_ROOT/q2.eml"
ok "an out-of-office reply is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/q2b.eml"
ok "breachd --once handles all three" pass
is "$(imap_count breach@example.test Quarantine)" 2 "the two from outside are in Quarantine"
is "$(imap_count breach@example.test Automatic)" 1 "the out-of-office reply is in Automatic"
ok "the admin gets a digest" wait_for_mail admin@example.test INBOX $((a0 + 1))
d1=$(mail_n admin@example.test $((a0 + 1)))
like "$d1" "Subject: breachd quarantined 2 message" "it counts the two that need a person"
like "$d1" "From: +outsider@elsewhere.test" "... names the first one's sender"
like "$d1" "Subject: +Hello from outside" "... and its subject"
like "$d1" "From: +other@elsewhere.test" "... the second one's sender"
like "$d1" "Subject: +Second from outside" "... and its subject"
unlike "$d1" "Out of office" "... and leaves the out-of-office reply out"
is "$(grep -c '^  Reason: ' <<<"$d1")" 2 "... a reason for each"
is "$(grep -c '^  Reprocess: breachctl reprocess --quarantined' <<<"$d1")" 2 "... and how to read each again"
ok "a second pass with nothing new" pass
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count admin@example.test INBOX)" $((a0 + 1)) "... sends nothing"

echo "@$((T0 + 600))" >"$CLOCK"
odd "$TEST_ROOT/q3.eml" honest-q3 "Someone Outside <outsider@elsewhere.test>" "Third odd one"
ok "a third odd message is accepted" send_mail outsider@elsewhere.test breach@example.test "$TEST_ROOT/q3.eml"
ok "ten minutes later, breachd --once quarantines it" pass
is "$(imap_count breach@example.test Quarantine)" 3 "it is in Quarantine"
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count admin@example.test INBOX)" $((a0 + 1)) "... and no second digest within the hour"
echo "@$((T0 + 3601))" >"$CLOCK"
ok "an hour after the first digest, a pass" pass
ok "... sends the second digest" wait_for_mail admin@example.test INBOX $((a0 + 2))
d2=$(mail_n admin@example.test $((a0 + 2)))
like "$d2" "Subject: breachd quarantined 1 message" "with the one new message"
like "$d2" "Third odd one" "... the third"
unlike "$d2" "Hello from outside|Second from outside|Out of office" "... and none of those already told"
echo "@$((T0 + 9000))" >"$CLOCK"
ok "hours later, with nothing new, a pass" pass
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count admin@example.test INBOX)" $((a0 + 2)) "... sends nothing"
is "$(count_in "$LOG" "told admin@example.test what was quarantined")" 2 "the log tells of two digests"

# The running daemon does the same after its passes, and a restart sends
# nothing again.
echo "@$((T0 + 20000))" >"$CLOCK"
ok "the daemon starts" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
odd "$TEST_ROOT/q4.eml" honest-q4 "Someone Outside <outsider@elsewhere.test>" "Fourth odd one"
ok "a fourth odd message is accepted" send_mail outsider@elsewhere.test breach@example.test "$TEST_ROOT/q4.eml"
ok "the daemon's digest arrives" wait_for_mail admin@example.test INBOX $((a0 + 3))
like "$(mail_n admin@example.test $((a0 + 3)))" "Fourth odd one" "... with the fourth message"
kill "$pid" && wait "$pid" 2>/dev/null
echo "@$((T0 + 30000))" >"$CLOCK"
# Marked before the start: the daemon rewrites its status file after its
# first poll, which may come before e2e_daemon returns.
daemon_cycle_mark "$DB"
ok "the daemon starts again" e2e_daemon BREACHD_TEST_CLOCK="$CLOCK"
ok "it goes round its loop" daemon_wait_cycle "$DB"
ok "Postfix has delivered all it was given" postfix_wait_idle
is "$(imap_count admin@example.test INBOX)" $((a0 + 3)) "after the restart nothing is sent again"
kill "$pid" && wait "$pid" 2>/dev/null

# ==== 15.9: a message nothing of which can be decoded ======================
e2e_conf undecodable 'max_auto_replies_per_day = 100;' "database = \"$TEST_ROOT/undecodable.db\";"
r0=$(imap_count reporter@example.test INBOX)
d0=$(imap_count dpo@example.test INBOX)
p0=$(imap_count breach@example.test Processed)
# The corpus's message, from the test's reporter.
sed 's/^From: .*/From: Test Reporter <reporter@example.test>/' tests/corpora/broken/undecodable-base64.eml \
        >"$TEST_ROOT/undecodable.eml"
ok "a report whose base64 was mangled is accepted" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/undecodable.eml"
ok "breachd --once takes it" once
ref9=$(refs_of "$CONF" | head -1)
isnt "$ref9" "" "it is filed ($ref9), not taken for a request for the form"
ok "it is moved to Processed" wait_for_mail breach@example.test Processed $((p0 + 1))
is "$(e2e_sql "$TEST_ROOT/undecodable.db" "SELECT count(*) FROM messages m JOIN incidents i ON i.id = m.incident_id
        WHERE i.ref = '$ref9' AND length(m.raw) > 500")" 1 "its raw message is kept in the register"
ok "the DPO's notice arrives" wait_for_mail dpo@example.test INBOX $((d0 + 1))
n9=$(mail_n dpo@example.test $((d0 + 1)))
like "$n9" "THE MESSAGE COULD NOT BE READ: no part of it could be decoded" "the DPO's notice says it could not be read"
like "$(tr '\n' ' ' <<<"$n9")" "The raw message +is kept as it arrived" "... and that the raw message is kept"
like "$n9" "the text of the message: could not be decoded: its base64 is damaged" "... and why"
show9=$(ctl show "$ref9")
like "$show9" "Could not be read:" "breachctl show says so"
like "$show9" "the message itself: no part of it could be decoded" "... of the message itself"
unlike "$show9" "The nature of the personal data breach:" "... and shows no noise as the nature"
ok "the acknowledgement arrives" wait_for_mail reporter@example.test INBOX $((r0 + 1))
a9=$(tr '\n' ' ' <<<"$(mail_n reporter@example.test $((r0 + 1)))")
like "$a9" "YOUR MESSAGE COULD NOT BE READ: no part of it could be decoded" "the acknowledgement says it could not be read"
like "$a9" "It has +been kept exactly as it arrived" "... that it is kept"
like "$a9" "send the report again as plain text" "... and asks for it again"
done_testing

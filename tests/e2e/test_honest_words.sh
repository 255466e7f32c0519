#!/usr/bin/env bash
# Honest words to people (issue 15, items 12-14), through the real Postfix
# and Dovecot: at the daily cap on automatic replies the log and the DPO's
# notice say that the acknowledgement and the blank form were withheld, not
# sent (12); an answer taken from the sender's address is called that in the
# DPO's notice and in breachctl show, not "your email" (13); the DPO's
# subject carries the directorate and the type of breach, not the first
# line of the nature (which may name a child), unless subject_summary is
# set (14).  Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

e2e_open
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }

# mail_n USER N -- the Nth message (from 1) of USER's INBOX: its decoded
# Subject: on the first line, then its decoded body.
mail_n() {
        imap_fetch_all "$1" INBOX | python3 -c '
import sys, re, email
from email.header import decode_header, make_header
parts = re.split(r"^==== message [0-9]+ uid [0-9]+ ====\n", sys.stdin.read(), flags=re.M)[1:]
m = email.message_from_string(parts[int(sys.argv[1]) - 1])
print("Subject: " + " ".join(str(make_header(decode_header(m["Subject"]))).split()))
print(m.get_payload(decode=True).decode("utf-8", "replace"))
' "$2"
}

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

# ==== 14: subject_summary restores the summary in the subject ===============
e2e_conf summary 'max_auto_replies_per_day = 100;' "database = \"$TEST_ROOT/summary.db\";" \
        'subject_summary = true;'
report "$TEST_ROOT/r3.eml" honest-r3
ok "a report under subject_summary is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r3.eml"
ok "breachd --once files it" once
ref3=$(refs_of "$CONF" | head -1)
isnt "$ref3" "" "it is filed ($ref3)"
ok "its notice reaches the DPO" wait_for_mail dpo@example.test INBOX 3
is "$(head -1 <<<"$(mail_n dpo@example.test 3)")" \
        "Subject: [$ref3] New breach report: Safeguarding notes about Tommy Example emailed to the wrong school" \
        "with subject_summary the subject carries the first line of the nature"
done_testing

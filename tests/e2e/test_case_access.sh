#!/usr/bin/env bash
# Only the right people change a case or learn what it holds (issue 14,
# items 1, 2 and 5), through the real Dovecot and Postfix:
#
#   - a follow-up from a colleague who is not on the case (not the reporter,
#     the forwarder or a DPO) changes nothing: it reaches the DPO as a note
#     on the case (breachctl show, and a mail marked as from outside the
#     case), and the colleague gets only "passed to the DPO", with nothing
#     of the case in it and no earlier answer;
#   - the reporter's and the DPO's follow-ups still change answers, and so
#     do a forwarded report's forwarder's and original reporter's (whose
#     address is compared ignoring case); the reporter's confirmation lists
#     no earlier answer, the DPO's update does;
#   - a Reply-To outside the staff domains, on a report, a request for the
#     form, a follow-up and a message too large to read, is not used: the
#     reply goes to From, and outsider@elsewhere.test (a real mailbox) gets
#     nothing; a staff Reply-To is still used;
#   - mail from breachd's own address (From:, or the envelope sender that
#     Dovecot writes as Return-Path:) is quarantined with the reason, and
#     our own acknowledgement sent back with its loop headers stripped files
#     nothing and changes nothing;
#   - the same report twice (sent directly, then forwarded by a colleague
#     as an attachment) is one incident, one acknowledgement, one DPO
#     notice; the colleague is told it is already filed as its reference;
#   - a report that first came as a colleague's Outlook paste (no
#     Message-ID), then pasted again from Gmail by another, then forwarded
#     as an attachment by a third, is one incident and one DPO notice: each
#     later forwarder is told it is already filed (matched by the
#     original's sender, Date: to the minute and subject).
# Each pass is one `breachd --once` (fetch, file, send); every check of
# mail that must NOT arrive first waits for the one that must, and for
# Postfix to have delivered everything.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_conf access 'max_auto_replies_per_day = 100;' 'max_message_size = "64K";'

ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
count_incidents() { ctl list | grep -c '^DB20'; }
# field REF KEY -- the answer the register holds, as breachctl export gives it.
field() {
        ctl export --format json | python3 -c '
import json,sys
i=[i for i in json.load(sys.stdin) if i["ref"]==sys.argv[1]][0]
v=i.get(sys.argv[2])
print("" if v is None else v)' "$1" "$2"
}
# case_now -- the case as breachctl shows it, but for the time left.
case_now() { ctl show "$ref" | grep -v '^Time left'; }
# last_mail USER -- the newest message in USER's INBOX.
last_mail() { mailpy fetch "$1" INBOX --index -1; }

# --- a report with an outside Reply-To ------------------------------------
cat >"$TEST_ROOT/r1.eml" <<EOF
From: Test Reporter <reporter@example.test>
Reply-To: outsider@elsewhere.test
To: breach@example.test
Subject: A lost laptop
Date: $(date -R)
Message-ID: <access-r1@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: A laptop with the payroll spreadsheet was left on a train
Date of incident: today
EOF
ok "the report is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "breachd --once files it" once
ref=$(refs_of "$CONF" | head -1)
like "$ref" '^DB20[0-9]{5}$' "it has a reference"
ok "the acknowledgement goes to From, not to the outside Reply-To" wait_for_mail reporter@example.test INBOX 1
like "$(last_mail reporter@example.test)" "Subject: \[$ref\] Breach report received" "... and it is the ack"
ok "the DPO has the notice" wait_for_mail dpo@example.test INBOX 1

# --- a request for the blank form with an outside Reply-To ---------------
cat >"$TEST_ROOT/form.eml" <<EOF
From: Test Reporter <reporter@example.test>
Reply-To: outsider@elsewhere.test
To: breach@example.test
Subject: form
Date: $(date -R)
Message-ID: <access-form1@example.test>

EOF
ok "a request for the form is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/form.eml"
ok "breachd --once answers it" once
ok "the blank form goes to From, not to the outside Reply-To" wait_for_mail reporter@example.test INBOX 2
like "$(last_mail reporter@example.test)" "Subject: Personal data breach report form" "... and it is the form"

# --- a colleague's follow-up: a note for the DPO, nothing changed ---------
cat >"$TEST_ROOT/colleague.eml" <<EOF
From: Second Reporter <reporter2@example.test>
To: breach@example.test
Subject: [$ref] correction
Date: $(date -R)
Message-ID: <access-colleague1@example.test>

Directorate: Finance and Resources
What happened: Nothing was lost at all, close the case
EOF
ok "a colleague's follow-up is sent" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/colleague.eml"
ok "breachd --once takes it" once
is "$(field "$ref" directorate)" "Corporate Services" "the colleague's follow-up did not change the directorate"
like "$(field "$ref" nature)" "left on a train" "nor what happened"
is "$(count_incidents)" 1 "and filed no new incident"
ok "the colleague gets one reply" wait_for_mail reporter2@example.test INBOX 1
passed=$(last_mail reporter2@example.test)
like "$passed" "Subject: \[$ref\] Passed to the Data Protection Officer" "it says the message was passed to the DPO"
unlike "$passed" "Corporate Services|train|payroll|Test Reporter" "it holds nothing of the case"
unlike "$passed" "was:" "and no earlier answer"
ok "the DPO gets the note" wait_for_mail dpo@example.test INBOX 2
note=$(last_mail dpo@example.test)
like "$note" "Subject: \[$ref\] Message from outside the case" "marked as from outside the case"
like "$note" "reporter2@example.test" "naming who wrote"
like "$note" "Directorate: Finance and Resources" "with what the colleague wrote"
show=$(ctl show "$ref")
like "$show" "reporter2@example.test \(not on the case, by mail\): Directorate: Finance and Resources" \
        "breachctl show has it as a case note"
like "$show" "reporter2@example.test +note from outside the case" "and in the history"
unlike "$show" "field_changed|field_filled" "and no answer changed"

# A colleague answering our acknowledgement (passed on to them) by
# In-Reply-To, with no reference in the subject: the same rule.
ack_id=$(mailpy fetch reporter@example.test INBOX --index 1 --headers | grep -m1 -i '^Message-ID:' | grep -o '<[^>]*>')
isnt "$ack_id" "" "the ack has a Message-ID to answer"
cat >"$TEST_ROOT/colleague2.eml" <<EOF
From: Second Reporter <reporter2@example.test>
To: breach@example.test
Subject: Re: your laptop
Date: $(date -R)
Message-ID: <access-colleague2@example.test>
In-Reply-To: $ack_id
References: $ack_id

Team: Somebody Else's Team
EOF
ok "a colleague's reply to the ack is sent" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/colleague2.eml"
ok "breachd --once takes it" once
is "$(field "$ref" team)" "" "it did not fill the team"
is "$(count_incidents)" 1 "nor file an incident"
ok "the colleague gets 'passed to the DPO'" wait_for_mail reporter2@example.test INBOX 2
like "$(last_mail reporter2@example.test)" "Subject: \[$ref\] Passed to the Data Protection Officer" "... about the case"
ok "the DPO gets the note" wait_for_mail dpo@example.test INBOX 3
like "$(last_mail dpo@example.test)" "Team: Somebody Else's Team" "... with what was written"

# --- the reporter's follow-up, with an outside Reply-To --------------------
cat >"$TEST_ROOT/own.eml" <<EOF
From: Test Reporter <reporter@example.test>
Reply-To: outsider@elsewhere.test
To: breach@example.test
Subject: [$ref] directorate
Date: $(date -R)
Message-ID: <access-own1@example.test>

Directorate: Adult Social Care
EOF
ok "the reporter's follow-up is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/own.eml"
ok "breachd --once takes it" once
is "$(field "$ref" directorate)" "Adult Social Care" "the reporter's follow-up changed the directorate"
ok "the confirmation goes to From, not to the outside Reply-To" wait_for_mail reporter@example.test INBOX 3
confirm=$(last_mail reporter@example.test)
like "$confirm" "Subject: \[$ref\] Update received" "it is the confirmation"
like "$confirm" "Directorate: Adult Social Care" "listing the new answer"
unlike "$confirm" "was:|Corporate Services" "but not the earlier one"
ok "the DPO is told of the change" wait_for_mail dpo@example.test INBOX 4
update=$(last_mail dpo@example.test)
like "$update" "Subject: \[$ref\] Report changed" "in the DPO's update"
like "$update" "was: Corporate Services" "which alone gives the earlier answer"

# --- the DPO's follow-up ----------------------------------------------------
cat >"$TEST_ROOT/dpo.eml" <<EOF
From: Data Protection Officer <dpo@example.test>
To: breach@example.test
Subject: [$ref] team
Date: $(date -R)
Message-ID: <access-dpo1@example.test>

Team: Payroll
EOF
ok "the DPO's follow-up is sent" send_mail dpo@example.test breach@example.test "$TEST_ROOT/dpo.eml"
ok "breachd --once takes it" once
is "$(field "$ref" team)" "Payroll" "the DPO's follow-up filled the team"
ok "the DPO gets the confirmation" wait_for_mail dpo@example.test INBOX 5
like "$(last_mail dpo@example.test)" "Subject: \[$ref\] Update received" "... the follow-up's"

# --- a message too large to read, with an outside Reply-To ----------------
{
        cat <<EOF
From: Test Reporter <reporter@example.test>
Reply-To: outsider@elsewhere.test
To: breach@example.test
Subject: Scans of the letters
Date: $(date -R)
Message-ID: <access-big1@example.test>

EOF
        for ((i = 0; i < 1200; i++)); do
                echo "line $i of a scan pasted in as text, far more than sixty-four kilobytes in all"
        done
} >"$TEST_ROOT/big.eml"
ok "a message too large to read is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/big.eml"
ok "breachd --once quarantines it" once
ok "the too-large reply goes to From, not to the outside Reply-To" wait_for_mail reporter@example.test INBOX 4
like "$(last_mail reporter@example.test)" "Subject: Your message was too large to read" "... and it is that reply"

# --- a staff Reply-To is still used -----------------------------------------
sed -e 's/^Reply-To: .*/Reply-To: reporter2@example.test/' -e 's/access-form1/access-form2/' \
        "$TEST_ROOT/form.eml" >"$TEST_ROOT/form2.eml"
ok "a request for the form with a staff Reply-To is sent" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/form2.eml"
ok "breachd --once answers it" once
ok "the form goes to the staff Reply-To" wait_for_mail reporter2@example.test INBOX 3
like "$(last_mail reporter2@example.test)" "Subject: Personal data breach report form" "... and it is the form"

# --- mail from breachd's own address --------------------------------------
before=$(case_now)
q=$(imap_count breach@example.test Quarantine)
cat >"$TEST_ROOT/self.eml" <<EOF
From: Data Breach Reporting <breach@example.test>
To: breach@example.test
Subject: A report from ourselves
Date: $(date -R)
Message-ID: <access-self1@example.test>

Name of person making the report: Nobody
Directorate: Corporate Services
What happened: breachd wrote to itself
Date of incident: today
EOF
ok "a report From: breachd's own address is sent" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/self.eml"
sed -e 's/^From: .*/From: Second Reporter <reporter2@example.test>/' -e 's/access-self1/access-self2/' \
        "$TEST_ROOT/self.eml" >"$TEST_ROOT/self2.eml"
ok "a report whose envelope sender is breachd's own address is sent" \
        send_mail breach@example.test breach@example.test "$TEST_ROOT/self2.eml"
# Our acknowledgement, sent back with its loop headers stripped (a
# forwarding rule that drops them, say): its quoted answers would overwrite
# the case if it were taken as a follow-up.
mailpy fetch reporter@example.test INBOX --index 1 |
        sed -e '1d' -e '/^X-Breachd-Loop:/Id' -e '/^Auto-Submitted:/Id' -e '/^X-Auto-Response-Suppress:/Id' \
                -e '/^Return-Path:/Id' \
                -e 's/^\( *\)What happened: .*/\1What happened: overwritten by the loop/' \
                -e 's/^\( *\)Directorate: .*/\1Directorate: Children, Families and Education/' >"$TEST_ROOT/loop.eml"
like "$(cat "$TEST_ROOT/loop.eml")" "From: Data Breach Reporting <breach@example.test>" \
        "the ack to send back is From: breachd"
unlike "$(cat "$TEST_ROOT/loop.eml")" "X-Breachd-Loop|Auto-Submitted|X-Auto-Response-Suppress" \
        "with its loop headers stripped"
ok "our acknowledgement comes back" send_mail reporter@example.test breach@example.test "$TEST_ROOT/loop.eml"
ok "breachd --once reads the three" once
ok "all three are quarantined" wait_for_mail breach@example.test Quarantine $((q + 3))
ok "the From: one with the reason" \
        log_has "$LOG" "quarantined: sent from breachd's own address breach@example.test \(From:\)"
ok "the envelope one with the reason" \
        log_has "$LOG" "quarantined: sent from breachd's own address breach@example.test \(envelope sender\)"
is "$(count_in "$LOG" "quarantined: sent from breachd's own address")" 3 "each of the three"
is "$(count_incidents)" 1 "nothing was filed"
is "$(case_now)" "$before" "and nothing of the case changed"
is "$(field "$ref" directorate)" "Adult Social Care" "the directorate is the reporter's"

# --- nothing ever reached the outside address ------------------------------
ok "Postfix has delivered everything" postfix_wait_idle
is "$(imap_count outsider@elsewhere.test INBOX)" 0 "no mail reached the outside Reply-To"
is "$(imap_count breach@example.test INBOX)" 0 "breachd mailed itself nothing"
unlike "$(ctl show "$ref")" "elsewhere.test" "no mail of the case is addressed outside"
is "$(imap_count reporter@example.test INBOX)" 4 "the reporter got the ack, the form, the confirmation, the too-large reply"
is "$(imap_count reporter2@example.test INBOX)" 3 "the colleague got 'passed to the DPO' twice, and the form"

# --- a forwarded report: its forwarder and its reporter change it ---------
cat >"$TEST_ROOT/fwd.eml" <<EOF
From: Second Reporter <reporter2@example.test>
To: breach@example.test
Subject: Fwd: breach in payroll
Date: $(date -R)
Message-ID: <access-fwd1@example.test>

Passing this on.

Begin forwarded message:

From: Test Reporter <Reporter@Example.TEST>
Subject: breach in payroll
Date: $(date -R)
To: Second Reporter <reporter2@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: Payslips were sent to the wrong team
Date of incident: today
EOF
ok "a forwarded report is sent" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/fwd.eml"
ok "breachd --once files it" once
ref2=$(refs_of "$CONF" | tail -1)
isnt "$ref2" "$ref" "it is a new incident"
like "$(ctl show "$ref2")" "Passed on by: +Second Reporter <reporter2@example.test>" "forwarded by the colleague"
ok "the forwarder has the ack" wait_for_mail reporter2@example.test INBOX 4
printf 'From: Second Reporter <reporter2@example.test>\nTo: breach@example.test\nSubject: [%s] team\nMessage-ID: <access-fwd2@example.test>\n\nTeam: Payroll Office\n' \
        "$ref2" >"$TEST_ROOT/fwd2.eml"
ok "the forwarder's follow-up is sent" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/fwd2.eml"
ok "breachd --once takes it" once
is "$(field "$ref2" team)" "Payroll Office" "the forwarder's follow-up filled the team"
printf 'From: Test Reporter <reporter@example.test>\nTo: breach@example.test\nSubject: [%s] directorate\nMessage-ID: <access-fwd3@example.test>\n\nDirectorate: Finance and Resources\n' \
        "$ref2" >"$TEST_ROOT/fwd3.eml"
ok "the original reporter's follow-up is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/fwd3.eml"
ok "breachd --once takes it" once
is "$(field "$ref2" directorate)" "Finance and Resources" \
        "the reporter's follow-up changed the directorate (the address compared ignoring case)"
unlike "$(ctl show "$ref2")" "not on the case" "neither was taken for someone outside the case"

# --- the reporter asks the DPO something, answering nothing -----------------
dpo_before=$(imap_count dpo@example.test INBOX)
rep_before=$(imap_count reporter@example.test INBOX)
printf 'From: Test Reporter <reporter@example.test>\nTo: breach@example.test\nSubject: Re: [%s] question\nMessage-ID: <access-ask1@example.test>\n\nShould I write to the staff whose payslips went astray, or will your team do that?\n\nThanks\n' \
        "$ref2" >"$TEST_ROOT/ask.eml"
ok "the reporter's question is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/ask.eml"
ok "breachd --once takes it" once
ok "the DPO gets the question" wait_for_mail dpo@example.test INBOX $((dpo_before + 1))
ask=$(last_mail dpo@example.test)
like "$ask" "Subject: \[$ref2\] The reporter wrote about the case" "marked as the reporter's words"
like "$ask" "Should I write to the staff" "with the question"
ok "the reporter is told it was passed on" wait_for_mail reporter@example.test INBOX $((rep_before + 1))
like "$(last_mail reporter@example.test)" "Subject: \[$ref2\] Passed to the Data Protection Officer" "... in so many words"
like "$(ctl show "$ref2")" "reporter@example.test \(on the case, by mail\): Should I write" "kept as a note on the case"
printf 'From: Test Reporter <reporter@example.test>\nTo: breach@example.test\nSubject: Re: [%s] thanks\nMessage-ID: <access-ask2@example.test>\n\nThanks, will do.\n' \
        "$ref2" >"$TEST_ROOT/thanks.eml"
ok "a short thanks is sent" send_mail reporter@example.test breach@example.test "$TEST_ROOT/thanks.eml"
ok "breachd --once takes it" once
is "$(ctl show "$ref2" | grep -c 'dpo_reporter_note\|followup_noted')" 2 "a short thanks queues nothing for anyone"

# --- the same report twice: sent directly, then forwarded by a colleague ---
n_before=$(count_incidents)
rep_before=$(imap_count reporter@example.test INBOX)
col_before=$(imap_count reporter2@example.test INBOX)
dpo_before=$(imap_count dpo@example.test INBOX)
cat >"$TEST_ROOT/dup.eml" <<EOF
From: Test Reporter <reporter@example.test>
To: breach@example.test
Subject: Visitor list left at reception
Date: $(date -R)
Message-ID: <access-dup1@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: The visitor list with names and car registrations was left on the reception desk overnight
Date of incident: today
EOF
ok "the report is sent directly" send_mail reporter@example.test breach@example.test "$TEST_ROOT/dup.eml"
ok "breachd --once files it" once
ref3=$(refs_of "$CONF" | tail -1)
is "$(count_incidents)" $((n_before + 1)) "one incident"
ok "the reporter has the ack" wait_for_mail reporter@example.test INBOX $((rep_before + 1))
ok "the DPO has the notice" wait_for_mail dpo@example.test INBOX $((dpo_before + 1))
{
        printf 'From: Second Reporter <reporter2@example.test>\nTo: breach@example.test\n'
        printf 'Subject: Fwd: Visitor list left at reception\nDate: %s\n' "$(date -R)"
        printf 'Message-ID: <access-dup2@example.test>\nMIME-Version: 1.0\n'
        printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        printf 'Sending this on in case it did not reach you.\n\n--b\nContent-Type: message/rfc822\n\n'
        cat "$TEST_ROOT/dup.eml"
        printf '\n--b--\n'
} >"$TEST_ROOT/dup-fwd.eml"
ok "a colleague forwards the same report" send_mail reporter2@example.test breach@example.test "$TEST_ROOT/dup-fwd.eml"
ok "breachd --once takes it" once
is "$(count_incidents)" $((n_before + 1)) "still one incident: the copy is not filed again"
ok "the colleague gets one reply" wait_for_mail reporter2@example.test INBOX $((col_before + 1))
like "$(last_mail reporter2@example.test)" "Subject: \[$ref3\] Already filed as $ref3" \
        "... that it is already filed as the reference"
ok "Postfix has delivered everything" postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" $((rep_before + 1)) "the reporter got one acknowledgement, not two"
is "$(imap_count dpo@example.test INBOX)" $((dpo_before + 1)) "the DPO got one notice, not two"
is "$(imap_count reporter2@example.test INBOX)" $((col_before + 1)) "the colleague got nothing else (no acknowledgement)"

# --- one report pasted by one colleague, pasted and attached by others ----
n_before=$(count_incidents)
dpo_before=$(imap_count dpo@example.test INBOX)
orig_at=$(date +%s)
cat >"$TEST_ROOT/orig.eml" <<EOF
From: Test Reporter <reporter@example.test>
To: breach@example.test
Subject: Door code written on the whiteboard
Date: $(date -R -d "@$orig_at")
Message-ID: <access-orig1@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: A list of staff home phone numbers was pinned next to the door code on the open-plan whiteboard
Date of incident: today
EOF
body() { sed '1,/^$/d' "$TEST_ROOT/orig.eml"; }
{
        printf 'From: Second Reporter <reporter2@example.test>\nTo: breach@example.test\n'
        printf 'Subject: FW: Door code written on the whiteboard\nDate: %s\n' "$(date -R)"
        printf 'Message-ID: <access-paste1@example.test>\n\nFYI - passing this on.\n\n'
        printf 'From: Test Reporter [mailto:reporter@example.test]\nSent: %s\n' \
                "$(TZ=Europe/London date -d "@$orig_at" '+%A, %B %-d, %Y %-I:%M %p')"
        printf 'To: Breach Mailbox <breach@example.test>\nSubject: Door code written on the whiteboard\n\n'
        body
} >"$TEST_ROOT/paste-outlook.eml"
ok "a colleague pastes the report from Outlook" \
        send_mail reporter2@example.test breach@example.test "$TEST_ROOT/paste-outlook.eml"
ok "breachd --once files it" once
ref4=$(refs_of "$CONF" | tail -1)
is "$(count_incidents)" $((n_before + 1)) "one incident"
ok "the DPO has the notice" wait_for_mail dpo@example.test INBOX $((dpo_before + 1))
like "$(ctl show "$ref4")" "reporter@example.test" "filed as the original reporter's"
ok "Postfix has delivered the first filing's mail" postfix_wait_idle
rep_before=$(imap_count reporter@example.test INBOX)
col_before=$(imap_count reporter2@example.test INBOX)
siro_before=$(imap_count siro@example.test INBOX)
{
        printf 'From: Siro Officer <siro@example.test>\nTo: breach@example.test\n'
        printf 'Subject: Fwd: Door code written on the whiteboard\nDate: %s\n' "$(date -R)"
        printf 'Message-ID: <access-paste2@example.test>\n\nDid this reach you?\n\n'
        printf -- '---------- Forwarded message ---------\nFrom: Test Reporter <reporter@example.test>\n'
        printf 'Date: %s\n' "$(TZ=Europe/London date -d "@$orig_at" '+%a, %-d %b %Y at %H:%M')"
        printf 'Subject: Door code written on the whiteboard\nTo: <breach@example.test>\n\n\n'
        body
} >"$TEST_ROOT/paste-gmail.eml"
ok "another colleague pastes the same report from Gmail" \
        send_mail siro@example.test breach@example.test "$TEST_ROOT/paste-gmail.eml"
{
        printf 'From: Admin <admin@example.test>\nTo: breach@example.test\n'
        printf 'Subject: Fwd: Door code written on the whiteboard\nDate: %s\n' "$(date -R)"
        printf 'Message-ID: <access-attach1@example.test>\nMIME-Version: 1.0\n'
        printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        printf 'Forwarding as attachment.\n\n--b\nContent-Type: message/rfc822\n\n'
        cat "$TEST_ROOT/orig.eml"
        printf '\n--b--\n'
} >"$TEST_ROOT/attach.eml"
ok "a third forwards the original as an attachment" \
        send_mail admin@example.test breach@example.test "$TEST_ROOT/attach.eml"
ok "breachd --once takes both" once
is "$(count_incidents)" $((n_before + 1)) "still one incident: neither copy is filed again"
ok "the Gmail forwarder gets one reply" wait_for_mail siro@example.test INBOX $((siro_before + 1))
like "$(last_mail siro@example.test)" "Subject: \[$ref4\] Already filed as $ref4" \
        "... that it is already filed as the reference"
ok "the attaching forwarder is told it is already filed" \
        wait_until "$TEST_WAIT_SECONDS" mailpy search-header admin@example.test INBOX Subject "Already filed as $ref4"
ok "Postfix has delivered everything" postfix_wait_idle
is "$(imap_count dpo@example.test INBOX)" $((dpo_before + 1)) "the DPO got one notice, not two or three"
is "$(imap_count reporter@example.test INBOX)" "$rep_before" "the reporter got no second acknowledgement"
is "$(imap_count reporter2@example.test INBOX)" "$col_before" "nor did the first forwarder"
is "$(imap_count siro@example.test INBOX)" $((siro_before + 1)) "the Gmail forwarder got nothing else"

done_testing

#!/usr/bin/env bash
# What the ICO deadline counts from (issue 15, item 7), through the real
# Postfix and Dovecot.  A report that does not say when the breach was
# discovered has its 72 hours counted from when it happened (the start of
# that day when it gives no time), not from when the report arrived; the
# acknowledgement, the DPO's notice and breachctl show say the deadline is
# assumed and why, and the acknowledgement asks for the time it was
# discovered.  The reporter's answer moves the deadline and the reminders.
# A reply's one-line answer ends at a blank line: the comment and the name
# under it are not part of it (item 8).
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

e2e_open
e2e_conf basis 'max_auto_replies_per_day = 100;'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
H=3600
local_time() { TZ=Europe/London date -d "@$1" '+%d/%m/%Y %H:%M'; }
long_time() { TZ=Europe/London date -d "@$1" '+%A %-d %B %Y, %H:%M %Z'; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
re_quote() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }

# mail_about USER REGEX -- the last message of USER's INBOX whose decoded
# Subject: matches REGEX: its Subject: line, then its text/plain body.
mail_about() {
        imap_fetch_all "$1" INBOX | python3 -c '
import sys, re, email
from email import policy
parts = re.split(rb"^==== message [0-9]+ uid [0-9]+ ====\n", sys.stdin.buffer.read(), flags=re.M)[1:]
ms = [email.message_from_bytes(p, policy=policy.default) for p in parts]
ms = [m for m in ms if re.search(sys.argv[1], " ".join(str(m["subject"]).split()))]
if ms:
    print("Subject: " + " ".join(str(ms[-1]["subject"]).split()))
    print(ms[-1].get_body(("plain",)).get_content())
' "$2"
}
# has_subject USER TEXT -- USER's INBOX holds a message whose Subject:
# contains TEXT.
has_subject() { [[ -n $(imap_search "$1" INBOX Subject "$2") ]]; }
# flat TEXT -- TEXT on one line (the templates wrap sentences).
flat() { tr '\n' ' ' <<<"$1" | tr -s ' '; }

# report FILE ID WHEN -- a report from Outlook that says when the breach
# happened (WHEN as the form is filled in) but not when it was discovered.
report() {
        cat >"$1" <<MAIL
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: Data breach report $2
Date: $(date -R)
Message-ID: <$2@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Name of person making the report: Pat Reporter
Directorate: Corporate Services
Team: Payroll
The nature of the personal data breach: Payslips for March posted to the previous tenant of a flat ($2).
When did this occur (Date)? $3
How did the personal data breach occur? An old address on file.
Which individuals are affected? One member of staff

Pat
MAIL
}
deadline_of() { ctl export --format json | python3 -c '
import sys, json
for i in json.load(sys.stdin):
    if i["ref"] == sys.argv[1]: print(i["deadline_at"])' "$1"; }

# ==== A time of the breach, no time of discovery ==========================
NOW=$(date +%s)
OCC=$(((NOW - 30 * H) / 60 * 60))
report "$TEST_ROOT/r1.eml" basis-r1 "$(local_time "$OCC")"
ok "the report is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "breachd --once files it" once
ref1=$(refs_of "$CONF" | head -1)
isnt "$ref1" "" "it is filed ($ref1)"
is "$(deadline_of "$ref1")" "$(iso $((OCC + 72 * H)))" "the deadline is 72 hours after the breach, not after receipt"
ok "the acknowledgement arrives" wait_for_mail reporter@example.test INBOX 1
ack=$(flat "$(mail_n reporter@example.test 1)")
like "$ack" "This deadline is assumed: the 72 hours are counted from when the breach happened \($(re_quote "$(long_time "$OCC")")\), because the report does not say when it was discovered" \
        "the acknowledgement says the deadline is assumed, from when, and why"
like "$ack" "reply with the line When did you become aware: <date and time>" "... and asks for the time it was discovered"
unlike "$ack" "72 hours after the organisation became aware" "... and does not also say it counts from the discovery"
ok "the DPO's notice arrives" wait_for_mail dpo@example.test INBOX 1
dpo=$(flat "$(mail_n dpo@example.test 1)")
like "$dpo" "ICO deadline: +$(re_quote "$(long_time $((OCC + 72 * H)))")" "the DPO's notice gives that deadline"
like "$dpo" "This deadline is assumed: the 72 hours are counted from when the breach happened" "... says it is assumed"
like "$dpo" "When the breach was discovered is missing from the report \(the reporter has been asked for it\)" \
        "... and that the reporter has been asked when it was discovered"
show=$(ctl show "$ref1")
like "$show" "Deadline basis: assumed: the 72 hours are counted from when the breach happened" \
        "breachctl show says what the deadline counts from"
next1=$(grep -A2 '^Reminders:' <<<"$show" | grep -o 'next: .*')

# ==== The reporter's answer moves the deadline and the reminders ==========
AW=$(((NOW - 2 * H) / 60 * 60))
cat >"$TEST_ROOT/f1.eml" <<MAIL
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: RE: [$ref1] Breach report received: Data breach report basis-r1
Date: $(date -R)
Message-ID: <basis-f1@example.test>
In-Reply-To: <basis-r1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

When did you become aware: $(local_time "$AW")

Pat
MAIL
ok "the reply with the time of discovery is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/f1.eml"
ok "breachd --once takes it" once
is "$(deadline_of "$ref1")" "$(iso $((AW + 72 * H)))" "the deadline is now 72 hours after the discovery"
show=$(ctl show "$ref1")
like "$show" "Deadline basis: the 72 hours are counted from when the report says the breach was discovered \($(re_quote "$(long_time "$AW")")\)" \
        "breachctl show says it counts from the discovery, no longer assumed"
like "$show" "deadline_changed deadline_at" "the history records the move"
next2=$(grep -A2 '^Reminders:' <<<"$show" | grep -o 'next: .*')
isnt "$next2" "$next1" "the next reminder is worked out again ($next1 -> $next2)"
ok "the reporter's confirmation arrives" wait_for_mail reporter@example.test INBOX 2
like "$(mail_n reporter@example.test 2)" "When did you become aware: $(re_quote "$(local_time "$AW")")  \\(read as $(re_quote "$(long_time "$AW")")\\)" \
        "... and says how the answer was read, as the acknowledgement does"
ok "the DPO is told" wait_until "$TEST_WAIT_SECONDS" has_subject dpo@example.test "[$ref1] Report changed"
like "$(flat "$(mail_about dpo@example.test "\\[$ref1\\] Report changed")")" "ICO deadline: +$(re_quote "$(long_time $((AW + 72 * H)))")" \
        "... of the new deadline"

# ==== A day of the breach without a time ===================================
report "$TEST_ROOT/r2.eml" basis-r2 "$(TZ=Europe/London date -d "@$((NOW - 30 * H))" '+%d/%m/%Y')"
ok "a report giving only the day is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r2.eml"
ok "breachd --once files it" once
ref2=$(refs_of "$CONF" | grep -v "^$ref1$" | head -1)
isnt "$ref2" "" "it is filed ($ref2)"
DAY0=$(TZ=Europe/London date -d "$(TZ=Europe/London date -d "@$((NOW - 30 * H))" '+%Y-%m-%d') 00:00" +%s)
is "$(deadline_of "$ref2")" "$(iso $((DAY0 + 72 * H)))" "the deadline counts from the start of that day"
ok "its acknowledgement arrives" wait_for_mail reporter@example.test INBOX 3
like "$(flat "$(mail_n reporter@example.test 3)")" "counted from the start of the day the breach happened \($(re_quote "$(long_time "$DAY0")")\), because the report gives no time and does not say when it was discovered" \
        "the acknowledgement says so, and why"
like "$(ctl show "$ref2")" "Deadline basis: assumed: the 72 hours are counted from the start of the day" \
        "breachctl show too"
like "$(ctl ico-draft "$ref2")" "When did you discover it: \[GAP\] the report does not say; the 72 hours are counted from the start of the day the breach happened" \
        "the ICO draft says what the register counts from"

# ==== A reply's answer, a comment and a name under it (item 8) =============
cat >"$TEST_ROOT/f2.eml" <<MAIL
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: RE: [$ref2] Breach report received: Data breach report basis-r2
Date: $(date -R)
Message-ID: <basis-f2@example.test>
In-Reply-To: <basis-r2@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Team: Payroll and Pensions

(we merged last month, sorry)
Mark

-----Original Message-----
From: Data Breach Reporting <breach@example.test>
Subject: [$ref2] Breach report received

Team: Payroll
MAIL
ok "a reply changing the team is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/f2.eml"
ok "breachd --once takes it" once
team=$(ctl export --format json | python3 -c '
import sys, json
for i in json.load(sys.stdin):
    if i["ref"] == sys.argv[1]: print(json.dumps(i["team"]))' "$ref2")
is "$team" '"Payroll and Pensions"' "the team is the answer alone, without the comment and the name"
ok "the confirmation arrives" wait_for_mail reporter@example.test INBOX 4
conf=$(mail_n reporter@example.test 4)
like "$conf" "Team: Payroll and Pensions" "the confirmation gives the new team"
unlike "$conf" "we merged|Mark" "... and nothing of the comment or the name"
show=$(ctl show "$ref2")
like "$show" "field_changed team from \"Payroll\": Payroll and Pensions" "the history records the change"
unlike "$show" "we merged" "... and breachctl show has nothing of the comment"

# ==== An old breach, no time of discovery: overdue on an assumed deadline ===
# Nobody knows when it became known: neither mail may say the 72 hours ran
# from the discovery.  The reporter's answer puts the deadline in the future
# again; the DPO's notice carried no calendar event (it was overdue), so the
# calendar mail may not say it updates one.
OCC3=$(((NOW - 100 * H) / 60 * 60))
report "$TEST_ROOT/r3.eml" basis-r3 "$(local_time "$OCC3")"
ok "an old report is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r3.eml"
ok "breachd --once files it" once
ref3=$(refs_of "$CONF" | grep -v -e "^$ref1$" -e "^$ref2$" | head -1)
isnt "$ref3" "" "it is filed ($ref3)"
ok "its acknowledgement arrives" wait_for_mail reporter@example.test INBOX 5
ack=$(flat "$(mail_about reporter@example.test "\\[$ref3\\] Breach report received")")
like "$ack" "This deadline is assumed: the 72 hours are counted from when the breach happened" "the acknowledgement says the deadline is assumed"
unlike "$ack" "72 hours after the organisation became aware" "... and not that it counts from the discovery"
ok "the DPO's notice arrives" wait_until "$TEST_WAIT_SECONDS" has_subject dpo@example.test "[$ref3] OVERDUE"
dpo=$(flat "$(mail_about dpo@example.test "\\[$ref3\\] OVERDUE: New breach report")")
like "$dpo" "The ICO deadline has already passed: the report arrived more than 72 hours after the breach happened \(when it was discovered is not known" \
        "the overdue notice says the 72 hours ran from when the breach happened, not known when discovered"
unlike "$dpo" "after the breach became known" "... and not that they ran from when it became known"
AW3=$(((NOW - 10 * H) / 60 * 60))
cat >"$TEST_ROOT/f3.eml" <<MAIL
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: RE: [$ref3] Breach report received: Data breach report basis-r3
Date: $(date -R)
Message-ID: <basis-f3@example.test>
In-Reply-To: <basis-r3@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

When did you become aware: $(local_time "$AW3")

Pat
MAIL
ok "the reply with the time of discovery is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/f3.eml"
ok "breachd --once takes it" once
is "$(deadline_of "$ref3")" "$(iso $((AW3 + 72 * H)))" "the deadline is now 72 hours after the discovery"
ok "the DPO's calendar mail arrives" wait_until "$TEST_WAIT_SECONDS" has_subject dpo@example.test "[$ref3] ICO deadline moved"
cal=$(flat "$(mail_about dpo@example.test "\\[$ref3\\] ICO deadline moved")")
like "$cal" "This mail puts the new deadline in your calendar" "the calendar mail puts the deadline in the calendar"
unlike "$cal" "entry for it is updated" "... and does not claim to update an entry that was never sent"
# A second answer puts the discovery back 100 hours: the deadline has
# passed, and the calendar mail says so rather than announce a time to come.
AW4=$(((NOW - 100 * H) / 60 * 60))
sed -e "s/basis-f3@/basis-f4@/" -e "s|^When did you become aware: .*|When did you become aware: $(local_time "$AW4")|" \
        "$TEST_ROOT/f3.eml" >"$TEST_ROOT/f4.eml"
ok "the reply that moves it into the past is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/f4.eml"
ok "breachd --once takes it" once
is "$(deadline_of "$ref3")" "$(iso $((AW4 + 72 * H)))" "the deadline is 72 hours after the earlier discovery"
ok "the DPO's calendar mail arrives" wait_until "$TEST_WAIT_SECONDS" has_subject dpo@example.test "[$ref3] ICO deadline moved, already passed"
cal=$(flat "$(mail_about dpo@example.test "\\[$ref3\\] ICO deadline moved, already passed")")
like "$cal" "which has already passed: .* report it now and say why it is late" "the calendar mail says the deadline has passed"

# ==== A report in the reporter's own words says when it was found out =====
# No form at all, but "I realised at about 9.15 yesterday": the 72 hours
# run from then, not from when the report arrived, and the acknowledgement
# quotes the words so the reporter can put it right.
cat >"$TEST_ROOT/r5.eml" <<MAIL
From: Sam Lee <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: SEN report to the wrong school basis-r5
Date: $(date -R)
Message-ID: <basis-r5@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Hi,

I realised at about 9.15 yesterday that I had emailed the SEN report for a
pupil to the wrong school. I have asked them to delete it.

Sam
MAIL
ok "a free-text report is accepted" send_mail reporter@example.test breach@example.test "$TEST_ROOT/r5.eml"
ok "breachd --once files it" once
ref5=$(refs_of "$CONF" | grep -v -e "^$ref1$" -e "^$ref2$" -e "^$ref3$" | head -1)
isnt "$ref5" "" "it is filed ($ref5)"
RCV5=$(ctl export --format json | python3 -c '
import sys, json
for i in json.load(sys.stdin):
    if i["ref"] == sys.argv[1]: print(i["received_at"])' "$ref5")
DAY5=$(TZ=Europe/London date -d "$RCV5" +%Y-%m-%d)
AW5=$(TZ=Europe/London date -d "$DAY5 -1 day 09:15" +%s)
is "$(deadline_of "$ref5")" "$(iso $((AW5 + 72 * H)))" "the deadline is 72 hours after the time in their words, not after receipt"
ok "its acknowledgement arrives" wait_until "$TEST_WAIT_SECONDS" has_subject reporter@example.test "[$ref5] Breach report received"
ack=$(flat "$(mail_about reporter@example.test "\\[$ref5\\] Breach report received")")
like "$ack" "the 72 hours are counted from about $(re_quote "$(long_time "$AW5")"), the time read from the report's own words \\(\"I realised at about 9\\.15 yesterday that I had emailed" \
        "the acknowledgement says the deadline counts from the time read from their words, and quotes them"
like "$ack" "reply with the line When did you become aware: <date and time>" "... and asks them to correct it if it is wrong"
ok "the DPO's notice arrives" wait_until "$TEST_WAIT_SECONDS" has_subject dpo@example.test "[$ref5]"
dpo=$(flat "$(mail_about dpo@example.test "\\[$ref5\\]")")
like "$dpo" "ICO deadline: +$(re_quote "$(long_time $((AW5 + 72 * H)))")" "the DPO's notice gives that deadline"
like "$dpo" "the time read from the report's own words \\(\"I realised at about 9\\.15 yesterday" "... quotes the words it was read from"
like "$dpo" "the time was read from its own words, quoted above, for you to check" "... and asks the DPO to check them"
unlike "$dpo" "When the breach was discovered is missing from the report" "... and does not call the time missing"
like "$(ctl show "$ref5")" "Deadline basis: assumed: the 72 hours are counted from about .*the time read from the report's own words" \
        "breachctl show says so too"
like "$(ctl ico-draft "$ref5")" "When did you discover it: about $(re_quote "$(long_time "$AW5")"), read from the report's own words \\(\"I realised at about 9\\.15 yesterday" \
        "the ICO draft gives the time and the words, for the DPO to check"
done_testing

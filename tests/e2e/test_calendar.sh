#!/usr/bin/env bash
# The ICO deadline in the DPO's calendar (issue 16, item 1), through the
# real Dovecot and Postfix, read back as a mail client reads it: the DPO's
# mail fetched over IMAP, its text/calendar part and .ics attachment taken
# out with Python's email package and parsed by python3-icalendar and
# python3-vobject (tests/lib/ics_check.py), which share nothing with
# breachd's libical.
#
#   - a report filed: the DPO's notice is an invitation (multipart/mixed:
#     alternative of text and text/calendar; method=REQUEST, and the same
#     calendar as an .ics attachment) whose DTSTART, in UTC, is the
#     register's deadline_at, in Europe/London with its VTIMEZONE (vobject
#     reads it through that VTIMEZONE alone), with alarms at the reminder
#     points, DTSTAMP from the clock, the breach mailbox as ORGANIZER and
#     the DPO as ATTENDEE, and no word of the report's free text;
#   - a follow-up corrects the awareness time: a REQUEST with the same UID,
#     a higher SEQUENCE and the new start;
#   - the DPO's decision by reply: a CANCEL (STATUS:CANCELLED) with the
#     same UID and a higher SEQUENCE; closing the case sends none again;
#   - dpo_calendar = false: the notice is plain text.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_conf breachd
CLOCK=$TEST_ROOT/clock
export BREACHD_TEST_CLOCK=$CLOCK
H=3600
ICS_CHECK=tests/lib/ics_check.py

set_clock() { echo "@$1" >"$CLOCK"; }
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
local_time() { TZ=Europe/London date -d "@$1" '+%d/%m/%Y %H:%M'; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# deadline REF -- the register's deadline_at of REF (breachctl export).
deadline() {
        ctl export --format json | REF=$1 "$PYTHON" -c '
import json, os, sys
data = json.load(sys.stdin)
rows = data if isinstance(data, list) else data.get("incidents", [])
print("".join(r["deadline_at"] for r in rows if r.get("ref") == os.environ["REF"]))'
}
# mail_with USER ERE -- the whole of the last message whose Subject matches.
mail_with() {
        imap_fetch_all "$1" INBOX | RE=$2 awk '
                /^==== message / { if (hit) keep = cur; cur = ""; hit = 0; next }
                { cur = cur $0 "\n" }
                /^Subject:/ && $0 ~ ENVIRON["RE"] { hit = 1 }
                END { if (hit) keep = cur; printf "%s", keep }'
}
count_subj() { imap_fetch_all "$1" INBOX | grep -cE "^Subject: .*$2"; }
_subj_at_least() { (($(count_subj "$1" "$2") >= $3)); }
wait_subj() { wait_until "$TEST_WAIT_SECONDS" _subj_at_least "$@"; }
# cal FILE KEY -- a value ics_check.py read.
cal() { sed -n "s/^$2=//p" "$1"; }

NOW=$(date +%s)
NOW=$((NOW / 60 * 60))
A=$((NOW - 2 * H))            # awareness, to the minute as the form gives it
set_clock "$NOW"
cat >"$TEST_ROOT/r1.eml" <<EOF
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: Report about Alice Example, a child in care
Date: $(date -R)
Message-ID: <cal-r1@example.test>

Name of person making the report: Pat Reporter
Contact details: reporter@example.test
Directorate: Adult Social Care
The nature of the personal data breach: Report about Alice Example, a child in care, sent to the wrong parent
When did this occur (Date)? $(local_time "$A")
When did you become aware: $(local_time "$A")
How did the personal data breach occur? Emailed to the wrong address.
Which individuals are affected? One child.
EOF
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "breachd --once files the report" once
ref=$(ctl list | grep -o '^DB20[0-9]*' | head -1)
isnt "$ref" "" "filed as $ref"
ok "the DPO's notice arrives" wait_subj dpo@example.test "\[$ref\] New breach report" 1
mail_with dpo@example.test "\\[$ref\\] New breach report" >"$TEST_ROOT/notice.eml"
ok "the notice holds a calendar both parsers read" "$PYTHON" "$ICS_CHECK" <"$TEST_ROOT/notice.eml" >"$TEST_ROOT/notice.cal"
N=$TEST_ROOT/notice.cal
is "$(cal "$N" structure)" "multipart/mixed[multipart/alternative[text/plain,text/calendar],application/ics]" \
        "multipart/mixed: alternative of text and text/calendar, and the attachment"
is "$(cal "$N" part_method)" REQUEST "text/calendar; method=REQUEST"
is "$(cal "$N" same)" yes "the attachment is the same calendar"
like "$(cal "$N" attachment)" '\.ics$' "the attachment is an .ics file"
is "$(cal "$N" crlf)" yes "its lines end in CRLF"
is "$(cal "$N" method)" REQUEST "METHOD:REQUEST"
D1=$(deadline "$ref")
is "$D1" "$(iso $((A + 72 * H)))" "the register's deadline is awareness + 72 h"
is "$(iso "$(cal "$N" dtstart_utc)")" "$D1" "DTSTART (icalendar, in UTC) is the register's deadline_at"
is "$(iso "$(cal "$N" vobject_dtstart_utc)")" "$D1" "... and so through the event's own VTIMEZONE (vobject)"
is "$(cal "$N" tzid)" Europe/London "DTSTART in Europe/London"
is "$(cal "$N" vtimezones)" 1 "with its VTIMEZONE"
is "$(($(cal "$N" dtend_utc) - $(cal "$N" dtstart_utc)))" 1800 "30 minutes long"
is "$(cal "$N" dtstamp_utc)" "$NOW" "DTSTAMP from the clock"
# awareness + 24, 48, 60, 68 h: 48, 24, 12 and 4 hours before the deadline.
is "$(cal "$N" alarms)" "-172800,-86400,-43200,-14400" "a VALARM at each reminder point"
is "$(cal "$N" organizer)" "mailto:breach@example.test" "ORGANIZER: the breach mailbox"
is "$(cal "$N" attendees)" "mailto:dpo@example.test" "ATTENDEE: the DPO"
is "$(cal "$N" sequence)" 0 "SEQUENCE:0"
is "$(cal "$N" vobject_sequence)" 0 "... as vobject reads it"
uid=$(cal "$N" uid)
like "$uid" "^$ref\.[0-9a-f]{16}@example\.test$" "UID: $uid"
is "$(cal "$N" vobject_uid)" "$uid" "... as vobject reads it"
like "$(cal "$N" summary)" "^ICO deadline: $ref \(Adult Social Care, " "SUMMARY: the reference and the directorate"
unlike "$(cat "$TEST_ROOT/notice.cal")" "Alice" "no word of the nature in what the calendar says"
like "$(cat "$TEST_ROOT/notice.eml")" "ICO deadline: " "the notice's text is still there"

# ---- the DPO's calendar accepts (RSVP=FALSE, but a client may answer) -----
# As Thunderbird answers: to the ORGANIZER, the breach mailbox.  It must
# neither file a report nor change the case, nor make breachd write back.
before=$(ctl export --format json)
dpo_before=$(imap_count dpo@example.test INBOX)
cat >"$TEST_ROOT/accept.eml" <<EOF
From: Data Protection Officer <dpo@example.test>
To: breach@example.test
Subject: Accepted: ICO deadline: $ref (Adult Social Care, type of breach not given)
Date: $(date -R)
Message-ID: <cal-accept@example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=UTF-8

Data Protection Officer has accepted your event invitation.
--b2
Content-Type: text/calendar; charset=UTF-8; method=REPLY

BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VEVENT
UID:$uid
SEQUENCE:0
DTSTAMP:20261207T120000Z
SUMMARY:ICO deadline: $ref
DESCRIPTION:Nature of the breach: overwritten by a calendar
ORGANIZER:mailto:breach@example.test
ATTENDEE;PARTSTAT=ACCEPTED:mailto:dpo@example.test
END:VEVENT
END:VCALENDAR
--b2--
--b1--
EOF
send_mail dpo@example.test breach@example.test "$TEST_ROOT/accept.eml"
ok "breachd --once takes the acceptance" once
is "$(ctl list | grep -c '^DB20')" 1 "an acceptance files no report"
is "$(ctl export --format json)" "$before" "... and changes nothing of the case"
postfix_wait_idle
is "$(imap_count dpo@example.test INBOX)" "$dpo_before" "... and nobody is written to"

# ---- a follow-up corrects the awareness time ------------------------------
A2=$((A - 5 * H))
set_clock $((NOW + 600))
cat >"$TEST_ROOT/f1.eml" <<EOF
From: Pat Reporter <reporter@example.test>
To: breach@example.test
Subject: [$ref] when I knew
Date: $(date -R)
Message-ID: <cal-f1@example.test>

When did you become aware: $(local_time "$A2")
EOF
send_mail reporter@example.test breach@example.test "$TEST_ROOT/f1.eml"
ok "breachd --once takes the follow-up" once
D2=$(deadline "$ref")
is "$D2" "$(iso $((A2 + 72 * H)))" "the deadline moved 5 hours earlier"
ok "the calendar update arrives" wait_subj dpo@example.test "\[$ref\] ICO deadline moved" 1
mail_with dpo@example.test "\\[$ref\\] ICO deadline moved" >"$TEST_ROOT/update.eml"
ok "the update holds a calendar both parsers read" "$PYTHON" "$ICS_CHECK" <"$TEST_ROOT/update.eml" >"$TEST_ROOT/update.cal"
U=$TEST_ROOT/update.cal
is "$(cal "$U" part_method)" REQUEST "update: method=REQUEST"
is "$(cal "$U" method)" REQUEST "update: METHOD:REQUEST"
is "$(cal "$U" uid)" "$uid" "update: the same UID"
is "$(cal "$U" sequence)" 1 "update: SEQUENCE:1"
is "$(iso "$(cal "$U" dtstart_utc)")" "$D2" "update: DTSTART is the new deadline_at"
is "$(iso "$(cal "$U" vobject_dtstart_utc)")" "$D2" "update: ... through the VTIMEZONE"
is "$(cal "$U" dtstamp_utc)" $((NOW + 600)) "update: DTSTAMP from the clock"
is "$(cal "$U" alarms)" "-172800,-86400,-43200,-14400" "update: alarms at the new reminder points"

# ---- the DPO's decision by reply -----------------------------------------
reply=$(grep -o "breach+$ref\.[a-z0-9]*@example.test" "$TEST_ROOT/notice.eml" | head -1)
like "$reply" "^breach\+$ref\." "the notice's reply address carries the token"
set_clock $((NOW + 1200))
cat >"$TEST_ROOT/d1.eml" <<EOF
From: Data Protection Officer <dpo@example.test>
To: $reply
Subject: Re: [$ref] New breach report
Date: $(date -R)
Message-ID: <cal-d1@example.test>

decision: not notifiable
reason: sent to the child's other parent, who has parental responsibility
EOF
send_mail dpo@example.test "$reply" "$TEST_ROOT/d1.eml"
ok "breachd --once takes the decision" once
ok "the decision is confirmed" wait_subj dpo@example.test "\[$ref\] Recorded" 1
ok "the cancel arrives" wait_subj dpo@example.test "\[$ref\] ICO deadline off the calendar" 1
mail_with dpo@example.test "\\[$ref\\] ICO deadline off the calendar" >"$TEST_ROOT/cancel.eml"
ok "the cancel holds a calendar both parsers read" "$PYTHON" "$ICS_CHECK" <"$TEST_ROOT/cancel.eml" >"$TEST_ROOT/cancel.cal"
C=$TEST_ROOT/cancel.cal
is "$(cal "$C" part_method)" CANCEL "cancel: method=CANCEL"
is "$(cal "$C" method)" CANCEL "cancel: METHOD:CANCEL"
is "$(cal "$C" status)" CANCELLED "cancel: STATUS:CANCELLED"
is "$(cal "$C" uid)" "$uid" "cancel: the same UID"
is "$(cal "$C" sequence)" 2 "cancel: SEQUENCE:2"
is "$(cal "$C" alarms)" "" "cancel: no alarms"

ok "breachctl close" ctl close "$ref"
postfix_wait_idle
ok "breachd --once after the close" once
postfix_wait_idle
is "$(count_subj dpo@example.test "\[$ref\] ICO deadline off the calendar")" 1 "closing sends no second cancel"
like "$(ctl show "$ref")" "calendar_cancel" "breachctl show lists the calendar mail"

# ---- dpo_calendar = false --------------------------------------------------
e2e_conf nocal 'dpo_calendar = false;'
sed -e 's/cal-r1@/cal-r2@/' -e 's/Subject: Report about Alice/Subject: Second report about Alice/' \
        "$TEST_ROOT/r1.eml" >"$TEST_ROOT/r2.eml"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r2.eml"
ok "breachd --once files the second report" once
ref2=$(ctl list | grep -o '^DB20[0-9]*' | grep -vx "$ref" | head -1)
ok "its notice arrives" wait_subj dpo@example.test "\[$ref2\] New breach report" 1
plain=$(mail_with dpo@example.test "\\[$ref2\\] New breach report")
like "$plain" "Content-Type: text/plain" "with dpo_calendar = false the notice is plain text"
unlike "$plain" "text/calendar|BEGIN:VCALENDAR" "... with no calendar"

done_testing

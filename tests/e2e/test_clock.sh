#!/usr/bin/env bash
# The 72-hour clock (issue 4), through the real Dovecot and Postfix of
# tests/lib/servers.sh, with the test build's settable clock
# (BREACHD_TEST_CLOCK, build/testing/*; production binaries cannot have it):
#
#   - the daemon's timer sends a reminder when the clock reaches its point;
#   - reminders at each point, none twice, across restarts (--once runs);
#     after downtime only the latest due one; the overdue notice at the
#     deadline reaches the SIRO; daily overdue reminders;
#   - a late report's first notice is the overdue notice, and its decision
#     needs the reason for the delay;
#   - forged decisions (a non-DPO with the token, the DPO without it, the
#     DPO with another incident's token) are refused and quarantined, with
#     no reply to anyone, and nothing changes;
#   - a decision by reply stops the reminders and is confirmed by mail;
#   - breachctl decide / set / assign / note / actions / close, and show;
#   - a deadline across the BST→GMT change is exactly 72 hours.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_private_copies
# subject_summary: the subjects name each report by what happened, which
# the waits below look for (the default names the directorate and type).
e2e_conf breachd 'subject_summary = true;'
CLOCK=$TEST_ROOT/clock
export BREACHD_TEST_CLOCK=$CLOCK
H=3600
DAY=86400

set_clock() { echo "@$1" >"$CLOCK"; }
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
local_time() { TZ=Europe/London date -d "@$1" '+%d/%m/%Y %H:%M'; }

# report FILE ID SUBJECT [AWARE_EPOCH [HOW]] -- a breach report from the
# reporter; HOW "-" leaves out how it happened (a required answer).
report() {
        local aware="" how="How did the personal data breach occur? Left unattended."
        [[ -n ${4:-} ]] && aware="When did you become aware: $(local_time "$4")"
        [[ ${5:-} == - ]] && how=""
        cat >"$1" <<EOF
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: $3
Date: $(date -R)
Message-ID: <$2@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Pat Reporter
Contact details: reporter@example.test
Directorate: Adult Social Care
The nature of the personal data breach: $3
When did this occur (Date)? $(local_time "${4:-$(($(date +%s) - 2 * H))}")
$aware
$how
Which individuals are affected? Twelve service users.
EOF
}

# reply FILE ID FROM TO SUBJECT -- a reply whose body is on stdin.
reply() {
        {
                printf 'From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@example.test>\n' \
                        "$3" "$4" "$5" "$(date -R)" "$2"
                printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
                cat
        } >"$1"
}

# subjects USER -- the first line of every Subject: in USER's inbox.
subjects() { imap_fetch_all "$1" INBOX | grep '^Subject:'; }
count_subj() { subjects "$1" | grep -cE "$2"; }
# wait_subj USER ERE N -- wait until N subjects match (bound:
# TEST_WAIT_SECONDS, see tests/lib/servers.sh).
_subj_at_least() { (($(count_subj "$1" "$2") >= $3)); }
wait_subj() {
        wait_until "$TEST_WAIT_SECONDS" _subj_at_least "$@" && return 0
        echo "wait_subj: $1 has $(count_subj "$1" "$2") of $3 mails matching /$2/" >&2
        return 1
}
# mail_with USER ERE -- the whole of the last message whose Subject matches.
mail_with() {
        imap_fetch_all "$1" INBOX | RE=$2 awk '
                /^==== message / { if (hit) keep = cur; cur = ""; hit = 0 }
                { cur = cur $0 "\n" }
                /^Subject:/ && $0 ~ ENVIRON["RE"] { hit = 1 }
                END { if (hit) keep = cur; printf "%s", keep }'
}
# re_quote STRING -- STRING as an ERE that matches just it.
re_quote() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
ref_of() { ctl list | grep -F "$1" | grep -o '^DB20[0-9]*' | head -1; }
# mail_rows REF KIND -- how many outbox rows of KIND breachctl show lists.
mail_rows() { ctl show "$1" | sed -n '/^Mail:/,/^$/p' | grep -c "^  $2 "; }

# ==== 1. The daemon: its timer fires when the clock reaches a point =======
NOW=$(date +%s)
set_clock "$NOW"
"$BREACHD" -c "$CONF" >"$TEST_ROOT/daemon.log" 2>&1 &
dpid=$!
harness_on_exit "kill $dpid 2>/dev/null"
report "$TEST_ROOT/r0.eml" clock-r0 "Phone lost on a bus"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r0.eml"
ok "daemon: the new report is notified" wait_subj dpo@example.test '\] New breach report: Phone lost' 1
ref0=$(ref_of "Phone lost")
isnt "$ref0" "" "daemon: the report is filed ($ref0)"
like "$(ctl show "$ref0")" "Reminders:.*next: " "show plans the first reminder"
# A reminder due now would be queued by the reminder pass that follows the
# poll that filed the report, and sent right after it.  The daemon goes
# round its loop once more (a reload makes it poll at once, and the poll
# rewrites its status file), then Postfix delivers whatever it was given:
# then, not after a guessed pause, such a reminder would be in the mailbox.
daemon_cycle_mark "$TEST_ROOT/breachd.db"
kill -HUP $dpid
daemon_wait_cycle "$TEST_ROOT/breachd.db"
postfix_wait_idle
is "$(count_subj dpo@example.test "^Subject: \[$ref0\] Reminder")" 0 "no reminder before its time"
set_clock $((NOW + 24 * H + 300))
ok "daemon: moving the clock past 24 h brings the reminder" \
        wait_subj dpo@example.test "^Subject: \[$ref0\] Reminder" 1
like "$(cat "$TEST_ROOT/daemon.log")" "reminders: 1 queued" "the daemon logs the reminder"
kill -TERM $dpid
wait $dpid
is "$?" 0 "daemon stops cleanly"
is "$(mail_rows "$ref0" reminder)" 1 "one reminder for $ref0"
out=$(ctl decide "$ref0" not-notifiable --reason "The phone was encrypted and wiped remotely" 2>&1)
like "$out" "$ref0: ICO decision: not notifiable \(was pending\)" "breachctl decide prints the change"
like "$(ctl show "$ref0")" "none planned: the ICO decision is recorded" "no reminders after the decision"

# ==== 2. Reminders at each point, none twice, catch-up, overdue ==========
NOW=$(date +%s)
A=$(((NOW - H) / 60 * 60))     # awareness, as the form gives it (to the minute)
D=$((A + 72 * H))
set_clock "$NOW"
report "$TEST_ROOT/r1.eml" clock-r1 "Laptop stolen from a car" "$A" -
report "$TEST_ROOT/r2.eml" clock-r2 "Letters posted to the wrong family" $((NOW - 5 * DAY))
report "$TEST_ROOT/r3.eml" clock-r3 "Spreadsheet emailed to a supplier"
for r in r1 r2 r3; do
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/$r.eml"
done
ok "three reports in the inbox" wait_for_mail breach@example.test INBOX 3
ok "breachd --once files them" once
ref1=$(ref_of "Laptop stolen")
ref2=$(ref_of "Letters posted")
ref3=$(ref_of "Spreadsheet emailed")
ok "three incidents filed ($ref1 $ref2 $ref3)" test -n "$ref1" -a -n "$ref2" -a -n "$ref3"
ok "the DPO notice of $ref1 arrives" wait_subj dpo@example.test "^Subject: \[$ref1\] New breach report" 1
notice1=$(mail_with dpo@example.test "\\[$ref1\\] New breach report")
reply1=$(grep -o "breach+$ref1\.[a-z0-9]*@example.test" <<<"$notice1" | head -1)
token1=${reply1#*.}
token1=${token1%@*}
like "$reply1" "^breach\+$ref1\.[a-z0-9]{24}@example.test$" "the notice's Reply-To carries the token"
like "$notice1" "decision: not notifiable" "the notice says how to record the decision"
like "$(ctl export --format json)" "\"deadline_at\": \"$(date -u -d "@$D" +%Y-%m-%dT%H:%M:%SZ)\"" \
        "the deadline is awareness + 72 h"

# A late report: its first notice is the overdue notice, to the SIRO too.
ok "the late report's notice is the overdue notice" \
        wait_subj dpo@example.test "^Subject: \[$ref2\] OVERDUE: New breach report" 1
ok "... and reaches the SIRO" wait_subj siro@example.test "^Subject: \[$ref2\] OVERDUE: New breach report" 1
like "$(mail_with dpo@example.test "\\[$ref2\\] OVERDUE")" "delay-reason:" "... and asks for the reason for the delay"
is "$(mail_rows "$ref2" overdue)" 0 "no second overdue notice for the late report"
reply2=$(mail_with dpo@example.test "\\[$ref2\\] OVERDUE" | grep -o "breach+$ref2\.[a-z0-9]*@example.test" | head -1)
token2=${reply2#*.}
token2=${token2%@*}
postfix_wait_idle   # everything that pass sent is delivered
is "$(count_subj siro@example.test "^Subject: \[$ref1\]")" 0 "the SIRO hears nothing of an incident in time"

# Incident 3 is decided at once by breachctl: it must stay quiet.
ok "breachctl decide $ref3" ctl decide "$ref3" not-notifiable --reason "Supplier is a processor under contract" >/dev/null

set_clock $((A + 24 * H - 60))
once
is "$(mail_rows "$ref1" reminder)" 0 "no reminder a minute before 24 h"
set_clock $((A + 24 * H))
once
is "$(mail_rows "$ref1" reminder)" 1 "the 24-hour reminder at 24 h"
ok "... arrives" wait_subj dpo@example.test "^Subject: \[$ref1\] Reminder" 1
rem=$(mail_with dpo@example.test "\\[$ref1\\] Reminder")
like "$rem" "24 hours after the breach became known" "the reminder says which point"
like "$rem" "ICO deadline: .*\(2 days 0 hours left\)" "... the time left"
like "$rem" "Still missing from the report.*How did the personal data breach occur" "... what is still missing"
like "$rem" "Decide whether this breach must be reported to the ICO" "... what to decide"
like "$rem" "decision: notify" "... how to record the decision"
like "$rem" "Reply-To: $(re_quote "$reply1")" "... and can be answered with the token"
once
is "$(mail_rows "$ref1" reminder)" 1 "a second run at the same time sends none twice"
set_clock $((A + 48 * H + 30))
once
is "$(mail_rows "$ref1" reminder)" 2 "the 48-hour reminder after a restart"
set_clock $((A + 68 * H + 600))    # down over the 60-hour point
once
is "$(mail_rows "$ref1" reminder)" 3 "after downtime over 60 and 68 h: one reminder, not two"
show1=$(ctl show "$ref1")
like "$show1" "reminder +for $(TZ=Europe/London date -d "@$((A + 68 * H))" '+%Y-%m-%d %H:%M')" "... the 68-hour one"
unlike "$show1" "reminder +for $(TZ=Europe/London date -d "@$((A + 60 * H))" '+%Y-%m-%d %H:%M')" "... not the 60-hour one"
is "$(mail_rows "$ref3" reminder)" 0 "the decided incident got no reminder"
set_clock $((D - 1))
once
is "$(mail_rows "$ref1" overdue)" 0 "no overdue notice a second before the deadline"
set_clock "$D"
once
is "$(mail_rows "$ref1" overdue)" 1 "the overdue notice at the deadline"
ok "the overdue notice reaches the SIRO's mailbox" wait_subj siro@example.test "^Subject: \[$ref1\] OVERDUE: ICO deadline passed" 1
ok "... and the DPO's" wait_subj dpo@example.test "^Subject: \[$ref1\] OVERDUE: ICO deadline passed" 1
like "$(mail_with siro@example.test "\\[$ref1\\] OVERDUE")" "To: dpo@example.test, siro@example.test" \
        "... addressed to the DPO and the SIRO"
set_clock $((D + H))
once
is "$(mail_rows "$ref1" overdue)" 1 "an hour later: nothing new"
set_clock $((D + DAY))
once
is "$(mail_rows "$ref1" overdue_daily)" 1 "a day after the deadline: the daily overdue reminder"

# ==== 3. Forged decisions are refused, nothing changes, nobody is answered
set_clock $((D + DAY + 60))
q0=$(imap_count breach@example.test Quarantine)
rep0=$(imap_count reporter@example.test INBOX)
dpo0=$(imap_count dpo@example.test INBOX)
reply "$TEST_ROOT/f1.eml" forged-1 "Pat Reporter <reporter@example.test>" "$reply1" "Re: [$ref1] Reminder" <<EOF
decision: not notifiable
reason: nothing to see here
EOF
reply "$TEST_ROOT/f2.eml" forged-2 "Data Protection Officer <dpo@example.test>" "breach@example.test" \
        "Re: [$ref1] Reminder" <<EOF
decision: not notifiable
reason: written without the token
EOF
reply "$TEST_ROOT/f3.eml" forged-3 "Data Protection Officer <dpo@example.test>" \
        "breach+$ref1.$token2@example.test" "Re: [$ref1] Reminder" <<EOF
decision: not notifiable
reason: with the token of another incident
EOF
send_mail reporter@example.test "$reply1" "$TEST_ROOT/f1.eml"
send_mail dpo@example.test breach@example.test "$TEST_ROOT/f2.eml"
send_mail dpo@example.test "breach+$ref1.$token2@example.test" "$TEST_ROOT/f3.eml"
ok "the forged replies are in the inbox" wait_for_mail breach@example.test INBOX 3
once
is "$(imap_count breach@example.test Quarantine)" $((q0 + 3)) "all three are quarantined"
log=$(cat "$LOG")
like "$log" "reporter@example.test refused: not a configured DPO" "a non-DPO with the token: refused and logged"
like "$log" "dpo@example.test refused: it does not carry the incident's token" "the DPO without the token: refused"
like "$log" "the token given for $ref1 is not that incident's" "another incident's token: refused"
show1=$(ctl show "$ref1")
like "$show1" "ICO decision pending" "the decision is still pending"
unlike "$show1" "nothing to see here|without the token|another incident" "no forged value was recorded"
postfix_wait_idle   # a reply that pass sent would be delivered by now
is "$(imap_count reporter@example.test INBOX)" "$rep0" "no reply to the forger"
is "$(imap_count dpo@example.test INBOX)" "$dpo0" "no reply to the DPO's address either"

# ==== 4. Decisions by reply ===============================================
# The late report: notify without the reason for the delay is sent back.
reply "$TEST_ROOT/d2a.eml" dpo-2a "Data Protection Officer <dpo@example.test>" "$reply2" \
        "Re: [$ref2] OVERDUE: New breach report" <<EOF
Hello,

decision: notify
reason: letters show health details of children
ico-reference: IC-223344-ZZ9X

Thanks, the DPO

On Monday someone wrote:
> decision: not notifiable
EOF
send_mail dpo@example.test "$reply2" "$TEST_ROOT/d2a.eml"
ok "the DPO's reply is in the inbox" wait_for_mail breach@example.test INBOX 1
once
ok "a reply missing the delay reason is answered" wait_subj dpo@example.test "^Subject: \[$ref2\] Not recorded" 1
like "$(mail_with dpo@example.test "\\[$ref2\\] Not recorded")" "delay-reason" "... asking for delay-reason"
like "$(ctl show "$ref2")" "ICO decision pending" "... and nothing was recorded"
out=$(ctl decide "$ref2" notify --reason "health details" 2>&1)
is "$?" 1 "breachctl decide notify for a late report without --delay-reason fails"
like "$out" "delay-reason" "... and says it needs --delay-reason"
reply "$TEST_ROOT/d2b.eml" dpo-2b "Data Protection Officer <dpo@example.test>" "$reply2" \
        "Re: [$ref2] Not recorded" <<EOF
decision: notify
reason: letters show health details of children
delay-reason: the school reported it five days late
ico-reference: IC-223344-ZZ9X
EOF
send_mail dpo@example.test "$reply2" "$TEST_ROOT/d2b.eml"
ok "the corrected reply is in the inbox" wait_for_mail breach@example.test INBOX 1
once
ok "the decision is confirmed by mail" wait_subj dpo@example.test "^Subject: \[$ref2\] Recorded" 1
show2=$(ctl show "$ref2")
like "$show2" "ICO reference: IC-223344-ZZ9X" "the ICO reference is recorded"
like "$show2" "Reason the ICO is told late: the school reported it five days late" "the delay reason is recorded"

# Incident 1: notify without the reference keeps reminding; then the reference.
reply "$TEST_ROOT/d1a.eml" dpo-1a "Data Protection Officer <dpo@example.test>" "$reply1" \
        "Re: [$ref1] OVERDUE: ICO deadline passed" <<EOF
decision: notify
reason: the laptop held health records and was not encrypted
delay-reason: the DPO was on leave
assign: Sam Patel
outcome: reportable to the ICO
severity: 4
EOF
send_mail dpo@example.test "$reply1" "$TEST_ROOT/d1a.eml"
ok "the DPO's decision is in the inbox" wait_for_mail breach@example.test INBOX 1
once
ok "the decision is confirmed by mail" wait_subj dpo@example.test "^Subject: \[$ref1\] Recorded" 1
conf1=$(mail_with dpo@example.test "\\[$ref1\\] Recorded")
like "$conf1" "ICO decision: notify \(was pending\)" "the confirmation lists the change"
like "$conf1" "In-Reply-To: <dpo-1a@example.test>" "... answers the DPO's reply"
like "$conf1" "next reminder is due" "... and says reminders go on until the reference is in"
show1=$(ctl show "$ref1")
like "$show1" "Status:         assessing, ICO decision notify" "the decision is recorded"
like "$show1" "Allocated to: Sam Patel" "the assignment is recorded"
like "$show1" "Severity: 4 \(High\)" "the severity is recorded"
like "$show1" "dpo@example.test  set ico_decision from \"pending\": notify" "the audit trail has the decision"
set_clock $((D + 2 * DAY))
once
is "$(mail_rows "$ref1" overdue_daily)" 2 "notify without an ICO reference: the daily reminder goes on"
like "$(mail_with dpo@example.test "\\[$ref1\\] OVERDUE")" "ico-reference:" "... asking for the reference"
reply "$TEST_ROOT/d1b.eml" dpo-1b "Data Protection Officer <dpo@example.test>" "$reply1" \
        "Re: [$ref1] OVERDUE" <<EOF
ico-reference: IC-123456-AB1C
subjects-notified: yes
EOF
send_mail dpo@example.test "$reply1" "$TEST_ROOT/d1b.eml"
ok "the reference is in the inbox" wait_for_mail breach@example.test INBOX 1
once
ok "... and confirmed" wait_subj dpo@example.test "^Subject: \[$ref1\] Recorded" 2
show1=$(ctl show "$ref1")
like "$show1" "Status:         notified, ICO decision notify" "status is notified"
like "$show1" "none planned: the ICO decision is recorded" "no more reminders are planned"
set_clock $((D + 5 * DAY))
once
is "$(mail_rows "$ref1" overdue_daily)" 2 "the reminders stopped"
is "$(mail_rows "$ref1" reminder)" 3 "... all of them"

# ==== 5. The case by breachctl, closed only when everything is done =======
# (and one note by mail with the token in the subject, as for a mail
# program that will not reply to the Reply-To address)
reply3=$(mail_with dpo@example.test "\\[$ref3\\] New breach report" | grep -o "breach+$ref3\.[a-z0-9]*@example.test" | head -1)
tag3=${reply3#breach+}
tag3=${tag3%@*}
reply "$TEST_ROOT/n3.eml" dpo-n3 "Data Protection Officer <dpo@example.test>" breach@example.test \
        "Note for $tag3" <<EOF
note: The supplier's DPO phoned back.
EOF
send_mail dpo@example.test breach@example.test "$TEST_ROOT/n3.eml"
ok "the note by mail is in the inbox" wait_for_mail breach@example.test INBOX 1
once
ok "a token in the subject is accepted" wait_subj dpo@example.test "^Subject: \[$ref3\] Recorded" 1
like "$(ctl show "$ref3")" "dpo@example.test: The supplier's DPO phoned back" "... and the note is recorded"
ok "assign" ctl assign "$ref3" Jo Bloggs >/dev/null
ok "note" ctl note "$ref3" "Supplier confirmed deletion in writing" >/dev/null
ok "set outcome" ctl set "$ref3" outcome "non reportable" >/dev/null
out=$(ctl set "$ref3" outcome "rather bad" 2>&1)
like "$out" "the outcome is one of" "a bad value is refused with the allowed ones"
ok "actions add" ctl actions "$ref3" add "Remind the team to check recipients" --owner "Jo Bloggs" --due 31/12/2026 >/dev/null
out=$(ctl close "$ref3" 2>&1)
is "$?" 1 "close with an action open fails"
like "$out" "1 action is still to be done" "... and says why"
like "$(ctl actions "$ref3")" "1. \[open\] Remind the team to check recipients \(owner Jo Bloggs, due 2026-12-31\)" \
        "actions lists the action"
ok "actions done" ctl actions "$ref3" done 1 >/dev/null
out=$(ctl close "$ref3")
like "$out" "Status: closed" "close works once every action is done"
out=$(ctl assign "$ref3" Someone Else 2>&1)
is "$?" 1 "a closed case takes no more changes"
show3=$(ctl show "$ref3")
like "$show3" "Status:         closed" "show: closed"
like "$show3" "Outcome: non-reportable breach" "show: the outcome"
like "$show3" "Allocated to: Jo Bloggs" "show: the assignment"
like "$show3" "Supplier confirmed deletion in writing" "show: the note"
like "$show3" "1. \[done [0-9-]+\] Remind the team" "show: the action, done"
like "$show3" "Closed: .*\(not reported to the ICO\)" "show: when it was closed"
like "$show3" "History:.*set ico_decision.*note.*action added.*action done.*set status" "show: every step in the history"

# ==== 6. A deadline across the clock change (BST -> GMT) =================
# Awareness Friday 24 October 2025 10:00 BST; the clocks go back on Sunday
# 26 October: the deadline is Monday 27 October 09:00 GMT, 72 hours later.
sed "s|^database = .*|database = \"$(e2e_database "$TEST_ROOT/dst.db")\";|" "$CONF" >"$TEST_ROOT/dst.conf"
CLOCK2=$TEST_ROOT/clock2
AW=$(TZ=Europe/London date -d '2025-10-24 10:00' +%s)
DL=$((AW + 72 * H))
cat >"$TEST_ROOT/dst.eml" <<EOF
From: Pat Reporter <reporter@example.test>
To: breach@example.test
Subject: Files left in a meeting room
Date: $(TZ=Europe/London date -R -d "@$((AW + H))")
Message-ID: <clock-dst@example.test>

Name of person making the report: Pat Reporter
Directorate: Corporate Services
The nature of the personal data breach: Files left in a meeting room
When did this occur (Date)? 24/10/2025 09:30
When did you become aware: 24/10/2025 10:00
How did the personal data breach occur? Left after a meeting.
Which individuals are affected? Three staff.
EOF
# Into the mailbox as if it had arrived then (IMAP APPEND with INTERNALDATE).
ok "the October report is appended with its arrival time" "$PYTHON" - "$TEST_ROOT/dst.eml" $((AW + H)) \
        "$(user_password breach@example.test)" <<'PY'
import imaplib, os, sys
c = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]))
c.login("breach@example.test", sys.argv[3])
data = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
typ, _ = c.append("INBOX", None, imaplib.Time2Internaldate(int(sys.argv[2])), data)
sys.exit(0 if typ == "OK" else 1)
PY
dst() { BREACHD_TEST_CLOCK=$CLOCK2 "$@"; }
echo "@$((AW + H + 60))" >"$CLOCK2"
ok "filed with the clock at October 2025" dst "$BREACHD" -c "$TEST_ROOT/dst.conf" --once 2>>"$LOG"
dref=$(dst "$BREACHCTL" -c "$TEST_ROOT/dst.conf" list | grep -o '^DB2025[0-9]*' | head -1)
is "$dref" "DB2025001" "numbered in 2025"
json=$(dst "$BREACHCTL" -c "$TEST_ROOT/dst.conf" export --format json)
ok "deadline - awareness is exactly 72 h" "$PYTHON" -c '
import json, sys, datetime as dt
d = json.load(sys.stdin)[0]
p = lambda s: dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
assert d["deadline_at"] == "2025-10-27T09:00:00Z", d["deadline_at"]
assert (p(d["deadline_at"]) - p(d["aware_at"])).total_seconds() == 72 * 3600, (d["aware_at"], d["deadline_at"])
' <<<"$json"
ok "the acknowledgement arrives" wait_subj reporter@example.test "^Subject: \[$dref\]" 1
like "$(mail_with reporter@example.test "\\[$dref\\]")" "Monday 27 October 2025, 09:00 GMT" \
        "the deadline is shown in GMT, 72 h after 10:00 BST"
echo "@$((DL - 60))" >"$CLOCK2"
dst "$BREACHD" -c "$TEST_ROOT/dst.conf" --once 2>>"$LOG"
ok "a minute before the deadline: one catch-up reminder" wait_subj dpo@example.test "^Subject: \[$dref\] Reminder" 1
postfix_wait_idle   # a second one would be delivered by now
is "$(count_subj dpo@example.test "^Subject: \[$dref\] Reminder")" 1 "... only one"
like "$(mail_with dpo@example.test "\\[$dref\\] Reminder")" "68 hours after the breach became known" "... the 68-hour one"
is "$(count_subj siro@example.test "^Subject: \[$dref\]")" 0 "the SIRO is not told before the deadline"
echo "@$DL" >"$CLOCK2"
dst "$BREACHD" -c "$TEST_ROOT/dst.conf" --once 2>>"$LOG"
ok "at 09:00 GMT on the Monday the overdue notice reaches the SIRO" \
        wait_subj siro@example.test "^Subject: \[$dref\] OVERDUE: ICO deadline passed" 1
like "$(mail_with siro@example.test "\\[$dref\\] OVERDUE")" "ICO deadline: +Monday 27 October 2025, 09:00 GMT" \
        "... naming the deadline in local time"

done_testing

#!/usr/bin/env bash
# Hostile mail and what breachd says about it (issue 14, items 4, 6-9),
# through the real Dovecot and Postfix of tests/lib/servers.sh:
#
#   - an out-of-office reply marked only "Precedence: auto_reply" is
#     quarantined: nothing filed, nothing sent back;
#   - a display name with an encoded CR LF ("Pat\r\nBcc: x@y") is one line
#     in the DPO's notice: no forged "Bcc:" line;
#   - escape sequences and bidirectional overrides in a report (clear
#     screen, window title, hidden text, a reversed file name) are shown as
#     visible escapes by breachctl show, list and report --format text, and
#     only there: the JSON export keeps its own \u escapes;
#   - a cell starting ";=" is neutralised in the CSV export, for a
#     spreadsheet splitting on ',' and on ';';
#   - a report with a zip-bomb .docx and an encrypted .docx is filed from
#     its text, and the DPO's notice and breachctl show name both
#     attachments and say why they could not be read.
# Each check waits for the event it is about (a pass of breachd --once, a
# mail delivered, Postfix idle), never for a guessed delay.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

command -v sqlite3 >/dev/null || bail_out "sqlite3 is needed (make deps)"
e2e_open
# The register in a directory breachd makes (0700), which breachctl does
# not warn about.
e2e_conf breachd 'max_auto_replies_per_day = 100;' "database = \"$TEST_ROOT/register/breachd.db\";"
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
sql() { e2e_sql "$DB" "$@"; }
ESC=$'\x1b'
RLO=$'\xe2\x80\xae'   # U+202E RIGHT-TO-LEFT OVERRIDE

# mail_about USER REF -- the decoded text of the mail in USER's INBOX whose
# subject names [REF]; fails if there is none.
mail_about() {
        mailpy fetch "$1" INBOX --raw | "$PYTHON" -c '
import email, email.policy, re, sys
data = sys.stdin.buffer.read()
for raw in re.split(rb"(?m)^==== message \d+ uid \d+ ====\r?\n", data):
    if not raw.strip():
        continue
    m = email.message_from_bytes(raw, policy=email.policy.default)
    if "[" + sys.argv[1] + "]" in str(m["Subject"]):
        sys.stdout.write(m.get_body(preferencelist=("plain",)).get_content())
        sys.exit(0)
sys.exit(1)' "$2"
}
has_mail_about() { mail_about "$1" "$2" >/dev/null; }

# --- item 4: an out-of-office reply with only Precedence: auto_reply -------
cat >"$TEST_ROOT/oof.eml" <<EOF
From: Pat Reporter <reporter@example.test>
To: breach@example.test
Subject: Away from my desk
Date: $(date -R)
Message-ID: <oof-1@example.test>
Precedence: auto_reply
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I am away until Monday with no access to email.
For anything urgent please ring the office.
EOF
ok "the out-of-office reply is delivered to the mailbox" \
        send_mail reporter@example.test breach@example.test "$TEST_ROOT/oof.eml"
ok "a pass over it" once
like "$(cat "$LOG")" "filed quietly in Automatic: automatic message, no reply sent: Precedence: auto_reply" \
        "it is filed quietly as automatic mail"
is "$(ctl list | grep -c '^DB20')" 0 "nothing is filed"
is "$(sql "SELECT COUNT(*) FROM outbox")" 0 "nothing is queued for anyone"
postfix_wait_idle   # an acknowledgement would be delivered by now
is "$(imap_count reporter@example.test INBOX)" 0 "the autoresponder gets no acknowledgement"

# --- item 6: a display name with a line break in it ------------------------
cat >"$TEST_ROOT/name.eml" <<EOF
From: =?utf-8?q?Pat=0D=0ABcc=3A_x=40y.example?= <reporter2@example.test>
To: breach@example.test
Subject: =?utf-8?q?Lost_laptop=0D=0ABcc=3A_evil=40x.example?=
Date: $(date -R)
Message-ID: <name-1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Pat Reporter
Directorate: Adult Social Care
The nature of the personal data breach: A laptop left on a train.
EOF
send_mail reporter2@example.test breach@example.test "$TEST_ROOT/name.eml"
ok "a pass files the report" once
name_ref=$(sql "SELECT ref FROM incidents WHERE message_id = 'name-1@example.test'")
like "$name_ref" '^DB20[0-9]+' "the report is filed ($name_ref)"
ok "the DPO's notice arrives" wait_until "$TEST_WAIT_SECONDS" has_mail_about dpo@example.test "$name_ref"
notice=$(mail_about dpo@example.test "$name_ref")
like "$notice" "Reported by: +Pat Bcc: x@y.example <reporter2@example.test>" \
        "the display name stands on the \"Reported by:\" line, as one line"
is "$(grep -Ec '^ *Bcc:' <<<"$notice")" 0 "no forged Bcc: line in the notice" ||
        diag "$(grep -n -B1 -A1 'Bcc' <<<"$notice")"
ok "the acknowledgement arrives" wait_until "$TEST_WAIT_SECONDS" has_mail_about reporter2@example.test "$name_ref"
is "$(mail_about reporter2@example.test "$name_ref" | grep -Ec '^ *Bcc:')" 0 \
        "no forged Bcc: line in the acknowledgement"
is "$(sql "SELECT from_name FROM incidents WHERE ref = '$name_ref'")" "Pat Bcc: x@y.example" \
        "the register holds the name as one line"

# --- item 7: escape sequences and bidi overrides in a report ---------------
# The subject carries a right-to-left override (kept: it is not a control
# character, and show makes it visible); the form's answers carry a clear
# screen, a window title and hidden text.
"$PYTHON" - "$TEST_ROOT/esc.eml" <<'EOF'
import sys, email.utils
rlo = "\u202e"
body = ("Name of person making the report: Pat \x1b[8mhidden\x1b[0m Reporter\n"
        "Directorate: Adult Social Care\n"
        "The nature of the personal data breach: Invoice\x1b[2J\x1b]0;owned\x07 sent to the wrong school "
        + rlo + "fdp.exe\n"
        "Team: \x1b[31mred\x1b[0m team\n")
subject = "=?utf-8?b?" + __import__("base64").b64encode(("Invoice " + rlo + "fdp.exe").encode()).decode() + "?="
msg = ("From: Pat Reporter <reporter2@example.test>\n"
       "To: breach@example.test\n"
       "Subject: " + subject + "\n"
       "Date: " + email.utils.formatdate(localtime=True) + "\n"
       "Message-ID: <esc-1@example.test>\n"
       "MIME-Version: 1.0\n"
       "Content-Type: text/plain; charset=utf-8\n"
       "Content-Transfer-Encoding: 8bit\n\n" + body)
open(sys.argv[1], "wb").write(msg.encode())
EOF
send_mail reporter2@example.test breach@example.test "$TEST_ROOT/esc.eml"
ok "a pass files the report with escape sequences" once
esc_ref=$(sql "SELECT ref FROM incidents WHERE message_id = 'esc-1@example.test'")
like "$esc_ref" '^DB20[0-9]+' "it is filed ($esc_ref)"
like "$(sql "SELECT nature FROM incidents WHERE ref = '$esc_ref'" | od -An -v -tx1 | tr -d ' \n')" "1b5b324a" \
        "the register keeps the answer as it came (ESC [2J)"
show=$(ctl show "$esc_ref")
is "$(grep -c "$ESC" <<<"$show")" 0 "breachctl show prints no ESC" ||
        diag "$(grep "$ESC" <<<"$show" | cat -v)"
like "$show" 'Invoice\\x1b\[2J\\x1b\]0;owned\\x07 sent to the wrong school \\u202efdp\.exe' \
        "show shows the clear screen, the window title and the override as escapes"
like "$show" 'Subject: +Invoice \\u202efdp\.exe' "show shows the override in the subject"
like "$show" 'Pat \\x1b\[8mhidden\\x1b\[0m Reporter' "show shows the hidden text's escapes"
is "$(grep -c "$RLO" <<<"$show")" 0 "show prints no bidi override"
list=$(ctl list)
is "$(grep -c "$ESC" <<<"$list")" 0 "breachctl list prints no ESC"
like "$list" 'Invoice\\x1b\[2J' "list shows them as escapes"
is "$(grep -c "$RLO" <<<"$list")" 0 "list prints no bidi override"
report=$(ctl report --format text)
is "$(grep -c "$ESC" <<<"$report")" 0 "breachctl report --format text prints no ESC"
like "$report" 'Invoice\\x1b\[2J' "report shows them as escapes"
ok "report -o FILE in text" ctl report --format text -o "$TEST_ROOT/report.txt"
is "$(grep -c "$ESC" "$TEST_ROOT/report.txt")" 0 "... writes no ESC to the file either"
json=$(ctl export --format json)
ok "the JSON export is valid JSON with the answer as it came" "$PYTHON" -c '
import json, sys
d = [i for i in json.load(sys.stdin) if i["ref"] == sys.argv[1]][0]
assert "\x1b[2J" in d["nature"], d["nature"]' "$esc_ref" <<<"$json"
is "$(grep -c "$ESC" <<<"$json")" 0 "... escaped its own way (\\u001b)"
is "$(grep -c "$RLO" <<<"$json")" 0 "... the override too (\\u202e)"

# --- item 8: a CSV cell starting ";=" ---------------------------------------
cat >"$TEST_ROOT/csv.eml" <<EOF
From: Pat Reporter <reporter2@example.test>
To: breach@example.test
Subject: Formula
Date: $(date -R)
Message-ID: <csv-1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Pat Reporter
Directorate: Adult Social Care
The nature of the personal data breach: ;=HYPERLINK("http://evil.example","click")
How did the personal data breach occur? Sent to a list; =1+1 came back
EOF
send_mail reporter2@example.test breach@example.test "$TEST_ROOT/csv.eml"
ok "a pass files the report with formulas" once
csv_ref=$(sql "SELECT ref FROM incidents WHERE message_id = 'csv-1@example.test'")
like "$csv_ref" '^DB20[0-9]+' "it is filed ($csv_ref)"
ctl export --format csv >"$TEST_ROOT/export.csv"
ctl export --format log-csv >"$TEST_ROOT/log.csv"
for f in export log; do
        like "$(cat "$TEST_ROOT/$f.csv")" "\"';'=HYPERLINK\(\"\"http://evil" "$f CSV: the ;= cell is guarded"
        ok "$f CSV: no cell a spreadsheet reads with ',' or ';' is a formula" "$PYTHON" -c '
import csv, io, sys
text = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
bad = []
for delim in ",;":
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
        for cell in row:
            if cell.lstrip(" ")[:1] in ("=", "+", "-", "@") and ("HYPERLINK" in cell or "1+1" in cell):
                bad.append((delim, cell))
assert not bad, bad' "$TEST_ROOT/$f.csv"
done

# --- item 9: attachments that cannot be read ---------------------------------
"$PYTHON" - "$TEST_ROOT/bomb.eml" tests/corpora/hostile/docx-zip-bomb.eml <<'EOF'
import sys, email, email.policy, email.utils
from email.message import EmailMessage
src = email.message_from_bytes(open(sys.argv[2], "rb").read(), policy=email.policy.default)
bomb = next(p for p in src.walk() if p.get_filename() == "form.docx").get_content()
ole = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)   # Word's encrypted package
m = EmailMessage()
m["From"] = "Pat Reporter <reporter2@example.test>"
m["To"] = "breach@example.test"
m["Subject"] = "Breach report, form attached"
m["Date"] = email.utils.formatdate(localtime=True)
m["Message-ID"] = "<bomb-1@example.test>"
m.set_content("Name of person making the report: Pat Reporter\n"
              "Directorate: Adult Social Care\n"
              "The nature of the personal data breach: see the attached form\n")
docx = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
m.add_attachment(bomb, maintype=docx[0], subtype=docx[1], filename="form.docx")
m.add_attachment(ole, maintype=docx[0], subtype=docx[1], filename="locked.docx")
open(sys.argv[1], "wb").write(m.as_bytes())
EOF
send_mail reporter2@example.test breach@example.test "$TEST_ROOT/bomb.eml"
ok "a pass files the report with unreadable attachments" once
bomb_ref=$(sql "SELECT ref FROM incidents WHERE message_id = 'bomb-1@example.test'")
like "$bomb_ref" '^DB20[0-9]+' "it is filed from its text ($bomb_ref)"
ok "its DPO notice arrives" wait_until "$TEST_WAIT_SECONDS" has_mail_about dpo@example.test "$bomb_ref"
notice=$(mail_about dpo@example.test "$bomb_ref")
like "$notice" "could not be read" "the notice says attachments could not be read"
like "$notice" "- form\.docx: word/document\.xml inflates to more than 50 MiB \(a zip bomb\?\)" \
        "... names the zip bomb and why"
like "$notice" "- locked\.docx: encrypted \(password-protected\)" "... names the encrypted .docx and why"
show=$(ctl show "$bomb_ref")
like "$show" "Could not be read:" "breachctl show lists what could not be read"
like "$show" "form\.docx: word/document\.xml inflates to more than 50 MiB" "... the zip bomb"
like "$show" "locked\.docx: encrypted" "... the encrypted .docx"

done_testing

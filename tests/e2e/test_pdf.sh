#!/usr/bin/env bash
# A report sent as a file reaches the DPO, through the real servers (issue
# 15, items 1 and 2): a PDF form attached to a mail with an empty body and
# the subject "Data breach report", with "see attached" under the subject
# "Breach form", or with no subject and no text at all, a photo of the form
# and the form as an .odt are filed and told to the DPO, and their sender
# is acknowledged -- never answered with the blank form.  The form saved as
# PDF (its text) and the fillable PDF (its AcroForm fields) are read: the
# register and the DPO notice hold their answers.  The scan, the photo and
# the .odt are named, in the acknowledgement and in the DPO notice, as
# needing reading by a person.  A request for the form with an Outlook
# signature logo, or signed with S/MIME, still gets the form.  The messages
# are those of tests/corpora/good (tools/make-pdf.py).  Then two PDFs made
# by the tools staff use (tools/make-real-pdf.py), each with an empty body:
# the council's fillable form filled with pdftk, its answers in text
# fields, a check box and radio groups, and the form typed into a
# LibreOffice Writer table and saved as PDF; the register and the DPO's
# notices hold their answers, the radio buttons' among them.  Every wait
# waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
CORPUS=tests/corpora/good
PDFS=(pdf-empty-body-report pdf-see-attached pdf-no-subject-scan pdf-photo-instead pdf-odt-instead)

servers_add_user hannah.price@example.test secret
servers_add_user tom.hill@example.test secret
servers_add_user priya.shah@example.test secret
e2e_open plain
e2e_conf breachd 'max_auto_replies_per_day = 100;'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$TEST_ROOT/breachd.log" 2>&1; }

for f in "${PDFS[@]}"; do
        ok "$f sent" send_mail hannah.price@example.test breach@example.test "$CORPUS/$f.eml"
done
ok "all five in the inbox" wait_for_mail breach@example.test INBOX 5
ok "breachd --once reads them" once
is "$(ctl list | grep -c '^DB20')" 5 "each is filed as an incident"
ctl export --format json >"$TEST_ROOT/export.json"
for f in "${PDFS[@]}"; do
        ok "$f is in the register" grep -q "\"$f-0001@example.test\"" "$TEST_ROOT/export.json"
done
# The answers of the two readable PDFs, in the register.
answers=$(python3 - "$TEST_ROOT/export.json" <<'PY'
import json, sys
for i in sorted(json.load(open(sys.argv[1])), key=lambda i: i["message_id"]):
    print(i["message_id"], "|", i.get("nature"), "|", i.get("directorate"), "|", i.get("individuals_count"))
PY
)
like "$answers" "pdf-empty-body-report-0001@example.test \| A case file was emailed to the wrong foster carer. \| Children's Services \| 3" \
        "the form saved as PDF is read from its text"
like "$answers" "pdf-see-attached-0001@example.test \| A case file was emailed to the wrong foster carer. \| Children's Services \| 3" \
        "the fillable PDF is read from its fields"
ok "the DPO is told of all five" wait_for_mail dpo@example.test INBOX 5
dpo=$(imap_fetch_all dpo@example.test INBOX)
is "$(grep -c '^Subject: \[' <<<"$dpo")" 5 "five notices"
is "$(grep -c 'A case file was emailed to the wrong foster carer' <<<"$dpo")" 2 \
        "two carry the nature read from the PDFs"
like "$dpo" "scan0001.pdf: a scanned PDF with no text: needs reading by a person" "the notice names the scan"
like "$dpo" "IMG_0412.png: a picture: needs reading by a person" "and the photo"
like "$dpo" "breach-form.odt: a kind of file breachd does not read: needs opening by a person" "and the .odt"
ok "Hannah is acknowledged five times" wait_for_mail hannah.price@example.test INBOX 5
mail=$(imap_fetch_all hannah.price@example.test INBOX)
is "$(grep -c '^Subject: \[[^]]*\] Breach report received' <<<"$mail")" 5 "five acknowledgements"
unlike "$mail" "Subject: Personal data breach report form" "and never the blank form"
like "$mail" "scan0001.pdf: a scanned PDF with no text: needs reading by a person" "an ack names the scan"

# Requests for the form: with the signature logo Outlook shows in its body,
# and signed with S/MIME (smime.p7s).
ok "a request with a logo sent" send_mail tom.hill@example.test breach@example.test "$CORPUS/blank-form-outlook-logo.eml"
ok "a signed request sent" send_mail tom.hill@example.test breach@example.test "$CORPUS/blank-form-smime-signed.eml"
ok "both in the inbox" wait_for_mail breach@example.test INBOX 2
ok "breachd --once answers them" once
is "$(ctl list | grep -c '^DB20')" 5 "nothing more is filed"
ok "the blank form arrives twice" wait_for_mail tom.hill@example.test INBOX 2
is "$(grep -c '^Subject: Personal data breach report form' <<<"$(imap_fetch_all tom.hill@example.test INBOX)")" 2 \
        "the form is sent for each"

# PDFs made by real tools: a pdftk-filled AcroForm and a Writer table.
REAL=(pdf-acroform-pdftk pdf-libreoffice-table)
for f in "${REAL[@]}"; do
        ok "$f sent" send_mail priya.shah@example.test breach@example.test "$CORPUS/$f.eml"
done
ok "both in the inbox" wait_for_mail breach@example.test INBOX 2
ok "breachd --once reads them" once
is "$(ctl list | grep -c '^DB20')" 7 "each is filed as an incident"
ctl export --format json >"$TEST_ROOT/export2.json"
real=$(python3 - "$TEST_ROOT/export2.json" <<'PY'
import json, sys
for i in sorted(json.load(open(sys.argv[1])), key=lambda i: i["message_id"]):
    if i["message_id"].startswith("pdf-acroform") or i["message_id"].startswith("pdf-libreoffice"):
        print(i["message_id"], "|", " | ".join(str(i.get(k)) for k in (
            "reporter_name", "directorate", "nature", "how_occurred", "individuals_count",
            "special_category", "ongoing", "cyber_incident", "medium", "vulnerable_subjects")))
PY
)
for f in "${REAL[@]}"; do
        like "$real" "$f-0001@example.test \| Priya Shah \| Adult Social Care \| A care plan was posted to the wrong address. \| Two letters were put in each other's envelopes.
The envelopes were not checked before posting. \| 2 \| yes \| no \| no \| Paper \| yes" \
                "$f: the register holds its answers, the radio buttons' and the check box's among them"
done
ok "the DPO is told of both" wait_for_mail dpo@example.test INBOX 7
dpo=$(imap_fetch_all dpo@example.test INBOX)
is "$(grep -c 'Does it include special category data: Yes' <<<"$dpo")" 2 "both notices say special category data: Yes"
is "$(grep -c 'Is the incident on-going: No' <<<"$dpo")" 2 "on-going: No"
is "$(grep -c 'Was the breach caused by a cyber incident: No' <<<"$dpo")" 2 "cyber incident: No"
is "$(grep -c 'Format: Paper' <<<"$dpo")" 2 "and the format chosen, Paper"
ok "Priya is acknowledged twice" wait_for_mail priya.shah@example.test INBOX 2
mail=$(imap_fetch_all priya.shah@example.test INBOX)
is "$(grep -c '^Subject: \[[^]]*\] Breach report received' <<<"$mail")" 2 "two acknowledgements"

done_testing

#!/usr/bin/env bash
# A report sent as a PDF reaches the DPO, through the real servers (issue 15,
# item 1): a form attached to a mail with an empty body and the subject
# "Data breach report", with "see attached" under the subject "Breach form",
# or with no subject and no text at all, is filed and told to the DPO, and
# its sender is acknowledged -- never answered with the blank form.  A
# request for the form with an Outlook signature logo still gets the form.
# The messages are those of tests/corpora/good (tools/make-pdf.py).  Every
# wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
CORPUS=tests/corpora/good
PDFS=(pdf-empty-body-report pdf-see-attached pdf-no-subject-scan)

servers_add_user hannah.price@example.test secret
servers_add_user tom.hill@example.test secret
e2e_open plain
e2e_conf breachd 'max_auto_replies_per_day = 100;'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$TEST_ROOT/breachd.log" 2>&1; }

for f in "${PDFS[@]}"; do
        ok "$f sent" send_mail hannah.price@example.test breach@example.test "$CORPUS/$f.eml"
done
ok "all three in the inbox" wait_for_mail breach@example.test INBOX 3
ok "breachd --once reads them" once
is "$(ctl list | grep -c '^DB20')" 3 "each is filed as an incident"
ctl export --format json >"$TEST_ROOT/export.json"
for f in "${PDFS[@]}"; do
        ok "$f is in the register" grep -q "\"$f-0001@example.test\"" "$TEST_ROOT/export.json"
done
ok "the DPO is told of all three" wait_for_mail dpo@example.test INBOX 3
ok "Hannah is acknowledged three times" wait_for_mail hannah.price@example.test INBOX 3
mail=$(imap_fetch_all hannah.price@example.test INBOX)
is "$(grep -c '^Subject: \[[^]]*\] Breach report received' <<<"$mail")" 3 "three acknowledgements"
unlike "$mail" "Subject: Personal data breach report form" "and never the blank form"

# A request for the form, with the signature logo Outlook shows in its body.
ok "a request with a logo sent" send_mail tom.hill@example.test breach@example.test "$CORPUS/blank-form-outlook-logo.eml"
ok "breachd --once answers it" once
is "$(ctl list | grep -c '^DB20')" 3 "nothing more is filed"
ok "the blank form arrives" wait_for_mail tom.hill@example.test INBOX 1
like "$(imap_fetch_all tom.hill@example.test INBOX)" "Subject: Personal data breach report form" "the form is sent"

done_testing

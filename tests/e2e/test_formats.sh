#!/usr/bin/env bash
# Every format of issue 3 through the real path: the messages of
# tests/corpora are sent through Postfix (or, when their bytes must arrive
# exactly as they are, appended over IMAP), breachd --once files them, and
# `breachctl export --format json` must hold what each message's .expect
# says (its field.KEY lines, from and forwarded_by).  Then a follow-up by
# reply fills a missing field and changes another (audit trail, the DPO
# told, a confirmation, no second acknowledgement), and a request for the
# blank form is answered with it and files nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
CORPUS=tests/corpora

# Sent through the MTA, as a mail client would.
SENT=(good/plain-basic good/plain-aliases good/plain-reworded good/plain-label-alone good/plain-any-order
      good/plain-duplicate-label good/plain-dates-relative good/plain-dates-unclear good/plain-date-unknown
      good/plain-free-text good/plain-values-mixed good/plain-late-bst good/plain-aligned-columns
      good/plain-dot-leaders good/plain-own-questions
      good/outlook-table good/outlook-full-form good/outlook-word-tabs good/outlook-table-checkboxes
      good/html-only-paragraphs good/html-only-br-divs good/html-form-numbered good/html-table-sections
      good/attach-docx-table good/attach-docx-paragraphs good/attach-docx-one-column good/attach-text-rfc2231
      good/fwd-gmail-inline good/fwd-outlook-original-message good/fwd-apple-begin-forwarded
      good/reply-quoted-gt good/reply-outlook-block good/reply-gmail-wrote-wrapped
      good/enc-latin1-qp good/enc-cp1252-qp good/enc-utf8-base64
      good/thunderbird-flowed good/mobile-iphone-terse good/gmail-alternative good/apple-mail-alternative
      good/enc-snail-adjacent-words good/enc-mutt-name-subject good/enc-gmail-split-character good/enc-outlook-quoted-name good/apple-text-photo-text
      good/html-indented-blockquote good/text-bare-content-type good/text-named-body)
# Appended byte for byte: mislabelled charsets and damaged MIME.
# Beth Collins's two reports, each forwarded a second way (Outlook's HTML
# table after its plain text; as an attachment after Gmail's paste): the
# same original (sender, minute, subject), so each second copy is added to
# the first's incident, not filed again, and its forwarder is told so.
COPIES=(good/fwd-outlook-html-table good/fwd-rfc822-attachment)
APPENDED=(broken/utf8-labelled-latin1 broken/cp1252-labelled-utf8 broken/missing-boundary
          broken/wrong-boundary-content-description
          broken/truncated-mime broken/bad-base64)

# Every sender gets a mailbox, so that acknowledgements are delivered.
declare -A users=()
for f in "${SENT[@]}" "${COPIES[@]}" "${APPENDED[@]}" good/followups/incomplete-report good/blank-subject-form; do
        a=$(grep -m1 -i '^From:' "$CORPUS/$f.eml" | grep -o '[A-Za-z0-9._-]*@[A-Za-z0-9.-]*' | head -1)
        [[ -n $a ]] && users[${a,,}]=1
done
for a in "${!users[@]}"; do
        servers_add_user "$a" secret
done
e2e_open plain
e2e_conf breachd
# The directorates, abbreviations and staff domains the corpus is read with.
python3 - "$CONF" "$CORPUS/corpus.conf" <<'PY'
import re, sys
conf, corpus = sys.argv[1], sys.argv[2]
c = open(conf).read()
k = open(corpus).read()
for key in ("directorates", "staff_domains"):
    want = re.search(r"^%s = .*?;\s*$" % key, k, re.S | re.M).group(0)
    c = re.sub(r"^%s = .*?;\s*$" % key, lambda m: want, c, flags=re.S | re.M)
open(conf, "w").write(c)
PY
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$TEST_ROOT/breachd.log" 2>&1; }
count_incidents() { ctl list | grep -c '^DB20'; }

ok "configuration is valid" "$BREACHD" -c "$CONF" --check-config

# --- every format -----------------------------------------------------------
failed_sends=0
for f in "${SENT[@]}" "${COPIES[@]}"; do
        from=$(grep -m1 -i '^From:' "$CORPUS/$f.eml" | grep -o '[A-Za-z0-9._-]*@[A-Za-z0-9.-]*' | head -1)
        send_mail "$from" breach@example.test "$CORPUS/$f.eml" || { failed_sends=$((failed_sends + 1)); diag "not sent: $f"; }
done
is "$failed_sends" 0 "$((${#SENT[@]} + ${#COPIES[@]})) reports accepted by Postfix"
for f in "${APPENDED[@]}"; do
        append_mail breach@example.test INBOX "$CORPUS/$f.eml" >/dev/null || diag "not appended: $f"
done
total=$((${#SENT[@]} + ${#COPIES[@]} + ${#APPENDED[@]}))
ok "all $total in the inbox" wait_for_mail breach@example.test INBOX "$total"
ok "breachd --once files them" once
is "$(imap_count breach@example.test INBOX)" 0 "the inbox is empty afterwards"
is "$(imap_count breach@example.test Processed)" "$total" "every message is in Processed"
is "$(count_incidents)" "$((total - ${#COPIES[@]}))" "one incident each, the second copies none"
for f in "${COPIES[@]}"; do
        mid=$(grep -m1 -i '^Message-ID:' "$CORPUS/$f.eml" | grep -o '<[^>]*>' | tr -d '<>')
        is "$(e2e_sql "$DB" "SELECT COUNT(*) FROM messages m JOIN incidents i ON i.id = m.incident_id
                             WHERE m.key LIKE '%$mid%' AND i.message_id NOT LIKE '%$mid%'")" 1 \
                "$f: added to the incident its first copy made"
done
# Paul forwarded the first of the "data breach" copies and both second
# copies: one acknowledgement, then two "Already filed as".
ok "the forwarder's mail arrives" wait_for_mail paul.harris@example.test INBOX 3
is "$(imap_fetch_all paul.harris@example.test INBOX | grep -c 'Already filed as')" 2 \
        "... twice saying the report was filed already"

ctl export --format json >"$TEST_ROOT/export.json"
# One line per message: "ok NAME" or "not ok NAME: what differs".
python3 - "$TEST_ROOT/export.json" "$CORPUS" "${SENT[@]}" "${APPENDED[@]}" >"$TEST_ROOT/compare.txt" <<'PY'
import json, re, sys
export, corpus, names = sys.argv[1], sys.argv[2], sys.argv[3:]
by_id = {i["message_id"]: i for i in json.load(open(export))}
def unescape(v):
    return re.sub(r"\\(n|t|\\)", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], v)
for name in names:
    raw = open("%s/%s.eml" % (corpus, name), "rb").read()
    mid = re.search(rb"^Message-I[Dd]:\s*<([^>]*)>", raw, re.M | re.I).group(1).decode()
    inc = by_id.get(mid)
    if inc is None:
        print("not ok %s: no incident with Message-ID %s" % (name, mid))
        continue
    bad, n = [], 0
    for line in open("%s/%s.expect" % (corpus, name), encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        value = unescape(value)
        if key.startswith("field."):
            k = key[6:]
        elif key in ("from", "forwarded_by"):
            k = key
        else:
            continue
        n += 1
        got = inc.get(k)
        want = value or None
        if got != want:
            bad.append("%s: got %r, want %r" % (k, got, want))
    print(("ok %s (%d values)" % (name, n)) if not bad else "not ok %s: %s" % (name, "; ".join(bad)))
PY
while IFS= read -r line; do
        if [[ $line == ok* ]]; then
                ok "export: ${line#ok }"
        else
                not_ok "export: ${line#not ok }"
        fi
done <"$TEST_ROOT/compare.txt"

ok "the acknowledgements reach the reporters" wait_for_mail sam.okafor@example.test INBOX 1
ack=$(imap_fetch_all sam.okafor@example.test INBOX)
like "$ack" "answered twice; the first answer was kept" "an ack says a label was given twice and which answer counts"
ok "free-text reporter acknowledged" wait_for_mail jo.baker@example.test INBOX 1
ack=$(imap_fetch_all jo.baker@example.test INBOX)
like "$ack" "Which individuals are affected: " "an ack carries the blank lines to fill in"
ok "forward acknowledged to the forwarder" wait_for_mail tariq.aziz@example.test INBOX 1
like "$(imap_fetch_all tariq.aziz@example.test INBOX)" "passed on to us by Tariq Aziz" \
        "the ack of a forward names who passed it on"

# Names and subjects in adjacent encoded words (GMime 3.2.13 cut them,
# jstedfast/gmime#133): the ack, read back and decoded as a mail reader
# would, greets the whole name and repeats the whole subject.
decoded() {
        python3 -c '
import email, sys
from email import policy
# imap_fetch_all prints a marker line before the message.
m = email.message_from_bytes(sys.stdin.buffer.read().split(b"\n", 1)[1], policy=policy.default)
print("Subject:", m["subject"])
b = m.get_body(("plain",))
print(b.get_content() if b else "")'
}
for who in "s.obriain@example.test|Siân Ó Briain|Laptop stolen from car with pupil data — Siân Ó Briain" \
           "sian.obriain@example.test|Siân Ó Briain|Laptop stolen – Siân Ó Briain, pupil data" \
           "caoimhe.nimhaolain@example.test|Caoimhe Ní Mhaoláin|Laptop stolen from car — pupil data, Ní Mhaoláin" \
           "nuala.oconnor@example.test|Nuala Ó Conchúir|Laptop stolen from car – pupil data (“urgent”)"; do
        IFS='|' read -r addr name subj <<<"$who"
        ok "$addr acknowledged" wait_for_mail "$addr" INBOX 1
        ack=$(imap_fetch_all "$addr" INBOX | decoded)
        ok "the ack to $addr greets $name" grep -qF -- "Dear $name" <<<"$ack"
        ok "and repeats the whole subject" grep -qF -- "Breach report received: $subj" <<<"$ack"
done
ok "the register keeps the whole subjects" python3 -c '
import json, sys
subjects = {i.get("subject") for i in json.load(open(sys.argv[1]))}
for s in sys.argv[2:]:
    assert s in subjects, (s, sorted(x for x in subjects if x and "Laptop" in x))
' "$TEST_ROOT/export.json" "Laptop stolen from car with pupil data — Siân Ó Briain" \
        "Laptop stolen – Siân Ó Briain, pupil data" "Laptop stolen from car – pupil data (“urgent”)"

# Apple Mail's text, inline photo, more text: the words after the photo
# reach the register and the DPO's notice.
ok "the register keeps the text after the photo" python3 -c '
import json, sys
i = [i for i in json.load(open(sys.argv[1])) if i["message_id"] == "apple-text-photo-text-0001@example.test"][0]
assert "I found out at 09:15 when I got to the office." in i["nature"], i["nature"]
assert i["nature"].startswith("I left a folder of case papers"), i["nature"]
' "$TEST_ROOT/export.json"
ok "the DPO has a notice for every report" wait_for_mail dpo@example.test INBOX "$((total - ${#COPIES[@]}))"
ok "the DPO notice of the Apple Mail report has the text after the photo" python3 -c '
import email, re, sys
from email import policy
raw = sys.stdin.buffer.read()
for part in re.split(rb"^==== message \d+ uid \d+ ====\n", raw, flags=re.M)[1:]:
    m = email.message_from_bytes(part, policy=policy.default)
    b = m.get_body(("plain",))
    text = " ".join((b.get_content() if b else "").split())
    if "I left a folder of case papers" in text:
        assert "care plans of four adults we support" in text, text
        assert "I found out at 09:15 when I got to the office." in text, text
        sys.exit(0)
sys.exit("no notice about the Apple Mail report")
' < <(imap_fetch_all dpo@example.test INBOX)

# --- a follow-up by reply ---------------------------------------------------
ok "incomplete report sent" send_mail alan.reed@example.test breach@example.test "$CORPUS/good/followups/incomplete-report.eml"
ok "breachd --once files it" once
ref=$(ctl export --format json | python3 -c '
import json,sys
print([i["ref"] for i in json.load(sys.stdin) if i["message_id"]=="incomplete-0001@example.test"][0])')
like "$ref" '^DB20[0-9]{5}$' "the incomplete report has a reference"
ok "its acknowledgement arrives" wait_for_mail alan.reed@example.test INBOX 1
ack=$(imap_fetch_all alan.reed@example.test INBOX)
like "$ack" "Reason for delay: " "the ack asks for the reason for the delay"
ack_id=$(grep -m1 -i '^Message-ID:' <<<"$ack" | grep -o '<[^>]*>')
isnt "$ack_id" "" "the ack has a Message-ID to reply to"
incidents_before=$(count_incidents)
# One notice per incident so far: wait for them all, so that the count
# below is not short by one still on its way.
ok "the DPO has every notice so far" wait_for_mail dpo@example.test INBOX "$incidents_before"
dpo_before=$(imap_count dpo@example.test INBOX)

# Alan answers the ack from his mail client: the missing directorate, and a
# corrected date; the quoted ack below must not count.
cat >"$TEST_ROOT/reply.eml" <<EOF
From: Alan Reed <alan.reed@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: RE: [$ref] Breach report received: Breach - refund letter sent to wrong address
Date: $(date -R)
Message-ID: <e2e-reply-0001@example.test>
In-Reply-To: $ack_id
References: $ack_id
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Directorate: Finance and Resources
When did this occur (Date)? 21/01/2025

Alan

-----Original Message-----
From: Data Breach Reporting <breach@example.test>
Subject: [$ref] Breach report received

> Team: Quoted Team
Team: Also quoted
EOF
ok "reply sent" send_mail alan.reed@example.test breach@example.test "$TEST_ROOT/reply.eml"
ok "breachd --once takes the follow-up" once
is "$(count_incidents)" "$incidents_before" "the reply filed no new incident"
json=$(ctl export --format json)
ok "the reply filled the missing directorate and changed the date" python3 -c '
import json,sys
i=[i for i in json.load(sys.stdin) if i["ref"]==sys.argv[1]][0]
assert i["directorate"]=="Finance and Resources", i["directorate"]
assert i["occurred_at"]=="2025-01-21", i["occurred_at"]
assert i["team"] is None, i["team"]
assert "directorate" not in i["missing"], i["missing"]
' "$ref" <<<"$json"
show=$(ctl show "$ref")
like "$show" "field_changed occurred_at from \"20/01/2025\": 21/01/2025" "the audit trail has the old and the new value"
like "$show" "alan.reed@example.test +field_changed" "and who changed it"
like "$show" "field_filled directorate" "the filled field is in the audit trail too"
like "$show" "Follow-ups:" "show lists the follow-ups"
ok "the DPO is told of the change" wait_for_mail dpo@example.test INBOX $((dpo_before + 1))
dpo=$(imap_fetch_all dpo@example.test INBOX)
like "$dpo" "Subject: \[$ref\] Report changed" "the DPO's mail names the incident"
like "$dpo" "was: 20/01/2025" "and gives the earlier answer"
ok "the confirmation arrives" wait_for_mail alan.reed@example.test INBOX 2
mail=$(imap_fetch_all alan.reed@example.test INBOX)
like "$mail" "Subject: \[$ref\] Update received: Breach - refund letter" \
        "Alan gets a confirmation, under the subject of his report"
like "$mail" "When did this occur: 21/01/2025" "listing what changed"
postfix_wait_idle   # a second one from that pass would be delivered by now
is "$(grep -c '^Subject: \[[^]]*\] Breach report received' <<<"$(imap_fetch_all alan.reed@example.test INBOX)")" 1 \
        "no second acknowledgement"

# --- a request for the blank form ------------------------------------------
incidents_before=$(count_incidents)
ok "request sent" send_mail tom.hill@example.test breach@example.test "$CORPUS/good/blank-subject-form.eml"
ok "breachd --once answers it" once
is "$(count_incidents)" "$incidents_before" "nothing filed for a blank-form request"
is "$(imap_count breach@example.test INBOX)" 0 "the request is moved out of the inbox"
ok "the blank form arrives" wait_for_mail tom.hill@example.test INBOX 1
form=$(imap_fetch_all tom.hill@example.test INBOX)
like "$form" "Subject: Personal data breach report form" "with its subject"
missing_labels=$(python3 - "$form" <<'PY'
import re, sys
form = sys.argv[1]
src = open("src/base/fields.c").read()
labels = re.findall(r'\{F_[A-Z_]+, "[a-z_]+", "([^"]+)"', src)
print(",".join(l for l in labels if l + ":" not in form) if labels else "no labels found")
PY
)
is "$missing_labels" "" "the blank form lists every field label"

# --- automatic mail that carries other messages ----------------------------
# A list's digest and a bounce signed "Mail Delivery Subsystem", both from
# staff-domain addresses and both holding message/rfc822 parts, are
# automatic mail and not staff forwards: nothing is filed.
incidents_before=$(count_incidents)
for f in good/auto-list-digest good/auto-mail-delivery-subsystem; do
        from=$(grep -m1 -i '^From:' "$CORPUS/$f.eml" | grep -o '[A-Za-z0-9._-]*@[A-Za-z0-9.-]*' | head -1)
        ok "$f sent" send_mail "$from" breach@example.test "$CORPUS/$f.eml"
done
ok "both in the inbox" wait_for_mail breach@example.test INBOX 2
ok "breachd --once takes them" once
is "$(count_incidents)" "$incidents_before" "neither is filed as a report"
is "$(imap_count breach@example.test INBOX)" 0 "both are moved out of the inbox"
ok "the digest is told as a digest" grep -q "filed quietly in Automatic: .*mailing-list digest" "$TEST_ROOT/breachd.log"
ok "the bounce is told by its signature" grep -q 'filed quietly in Automatic: .*Mail Delivery Subsystem' "$TEST_ROOT/breachd.log"
is "$(imap_count breach@example.test Automatic)" 2 "both are filed quietly in Automatic"

done_testing

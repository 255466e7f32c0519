#!/usr/bin/env bash
# breachctl subject-letter through the real servers: a report is filed from
# mail; the letter to the people affected is refused until the DPO records,
# by replying to the notice, that they must be told (--draft gives a
# marked draft meanwhile); then it is drafted as text and as HTML with the
# nature of the breach, the DPO's contact details, the measures and the
# gaps marked, nobody else's personal data, every value escaped, and the
# HTML parses.  Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
e2e_open
e2e_conf letter 'organisation = "Example District Council";' \
        'dpo_contact = { name = "Jane Smith, Data Protection Officer"; phone = "01632 960000"; address = "Town Hall, Anytown AN1 1AA"; };'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
ok "the daemon starts" e2e_daemon

# subjects USER -- every Subject: line in USER's inbox.
subjects() { imap_fetch_all "$1" INBOX | grep '^Subject:'; }
_subj_at_least() { (($(subjects "$1" | grep -cE "$2") >= $3)); }
wait_subj() { wait_until "$TEST_WAIT_SECONDS" _subj_at_least "$@"; }
# mail_with USER ERE -- the whole of the last message whose Subject matches.
mail_with() {
        imap_fetch_all "$1" INBOX | RE=$2 awk '
                /^==== message / { if (hit) keep = cur; cur = ""; hit = 0 }
                { cur = cur $0 "\n" }
                /^Subject:/ && $0 ~ ENVIRON["RE"] { hit = 1 }
                END { if (hit) keep = cur; printf "%s", keep }'
}

cat >"$TEST_ROOT/r1.eml" <<EOF
From: Pat Reporter <reporter@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: Class list sent to the wrong parent
Date: $(date -R)
Message-ID: <letter-r1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Pat Reporter
Contact details: 01632 123456
Directorate: Children, Families and Education
The nature of the personal data breach: A class list with <script>alert(1)</script> & medical notes was emailed to the wrong parent.
When did this occur (Date)? today
How did the personal data breach occur? Wrong address chosen from the autocomplete.
Which individuals are affected? Alice Example and Bob Example, pupils in year 5
Categories of data subjects: pupils
Categories of personal data: basic personal identifiers, health
Who has the information been sent to or seen it? Carol Recipient
Measures taken or proposed to deal with the breach: The parent was asked to delete the email and confirmed that they had.
EOF
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "the report is acknowledged" wait_for_mail reporter@example.test INBOX 1
ref=$(refs_of "$CONF" | head -1)
ok "it is filed ($ref)" test -n "$ref"
ok "the DPO is told" wait_subj dpo@example.test "^Subject: \[$ref\] New breach report" 1
reply_to=$(mail_with dpo@example.test "\\[$ref\\] New breach report" | grep -o "breach+$ref\.[a-z0-9]*@example.test" | head -1)
like "$reply_to" "^breach\+$ref\.[a-z0-9]{24}@example.test$" "the notice's Reply-To carries the token"

# ==== Before the decision: refused, or a marked draft ======================
out=$(ctl subject-letter "$ref" 2>&1)
is "$?" 1 "no decision recorded: subject-letter fails"
like "$out" "$ref: the DPO has not recorded that the people affected must be told" "... saying why"
like "$out" "subjects-notified: planned" "... and how to record it"
unlike "$out" "Dear" "... with no letter"
draft=$(ctl subject-letter "$ref" --draft 2>/dev/null)
is "$?" 0 "--draft drafts it anyway"
like "$(head -3 <<<"$draft")" "DRAFT, NOT TO BE SENT: the DPO has not recorded" "... saying at its top it is a draft"

# ==== The DPO records by reply that the people must be told ================
cat >"$TEST_ROOT/d1.eml" <<EOF
From: Data Protection Officer <dpo@example.test>
To: $reply_to
Subject: Re: [$ref] New breach report
Date: $(date -R)
Message-ID: <letter-d1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

decision: notify
reason: health information of children
subjects-notified: planned
action: Turn off address autocomplete for pupil data; owner: Dan Owner
EOF
send_mail dpo@example.test "$reply_to" "$TEST_ROOT/d1.eml"
ok "the decision is confirmed by mail" wait_subj dpo@example.test "^Subject: \[$ref\] Recorded" 1
like "$(ctl show "$ref")" "Data subjects notified: planned" "the register records subjects-notified: planned"

# ==== The letter as text ===================================================
text=$(ctl subject-letter "$ref" 2>"$TEST_ROOT/text.err")
is "$?" 0 "subject-letter REF drafts the letter"
unlike "$text" "DRAFT" "... not as a draft"
like "$text" "^Subject: A personal data breach involving your child's information \(our reference $ref\)" "its subject"
like "$text" "Dear parent or carer," "pupils: addressed to a parent or carer"
like "$text" "A class list with <script>alert\(1\)</script> & medical notes was emailed to the wrong parent\." \
        "the nature of the breach"
like "$text" "health information" "the information involved"
like "$text" "\[TO COMPLETE: likely consequences — the register has no answer\]" "the gap: likely consequences"
like "$text" "The parent was asked to delete the email and confirmed that they had\." "the measures taken"
like "$text" "Turn off address autocomplete for pupil data" "the DPO's remedial action"
like "$text" "Jane Smith, Data Protection Officer" "the DPO's name"
like "$text" "Email: dpo@example.test" "... email"
like "$text" "Telephone: 01632 960000" "... telephone"
like "$text" "ico.org.uk" "the ICO's website"
like "$text" "0303 123 1113" "... and telephone"
like "$text" "The information was sensitive" "health: advice for sensitive information"
unlike "$text" "Pat Reporter|01632 123456|reporter@example.test" "not the reporter"
unlike "$text" "Alice Example|Bob Example" "not the individuals affected"
unlike "$text" "Carol Recipient" "not who received it"
unlike "$text" "Dan Owner" "not the owner of an action"
like "$(cat "$TEST_ROOT/text.err")" "likely consequences: the register has no answer" \
        "the gaps are listed on stderr for the DPO"
ctl subject-letter "$ref" --format text -o "$TEST_ROOT/letter.txt" 2>/dev/null
is "$(cat "$TEST_ROOT/letter.txt")" "$text" "--format text -o FILE writes the same letter"

# ==== The letter as HTML ===================================================
ok "subject-letter --html -o FILE" ctl subject-letter "$ref" --html -o "$TEST_ROOT/letter.html"
html=$(cat "$TEST_ROOT/letter.html")
like "$html" "^<!DOCTYPE html>" "an HTML document"
like "$html" "A class list with &lt;script&gt;alert\(1\)&lt;/script&gt; &amp; medical notes" "the nature, escaped"
unlike "$html" "<script" "no script element"
like "$html" "<mark class=\"gap\">\[TO COMPLETE: likely consequences — the register has no answer\]</mark>" \
        "the gap, marked"
like "$html" "Jane Smith, Data Protection Officer" "the DPO"
like "$html" "The parent was asked to delete the email" "the measures"
like "$html" "0303 123 1113" "the ICO"
unlike "$html" "Pat Reporter|Alice Example|Carol Recipient|Dan Owner" "nobody else's personal data"
is "$(ctl subject-letter "$ref" --format html 2>/dev/null)" "$html" "--format html to the standard output: the same"
# Parsed: every element that is opened is closed in order (void elements
# aside), no script, and the nature comes back as its text.
parsed=$("$PYTHON" - "$TEST_ROOT/letter.html" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "img", "link", "input"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.bad, self.text = [], [], []
    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.bad.append("script")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append("</%s>" % tag)
    def handle_data(self, d):
        self.text.append(d)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
print("unclosed: %s" % p.stack if p.stack else "balanced", "; ".join(p.bad) or "clean")
print("".join(p.text))
PY
)
like "$(head -1 <<<"$parsed")" "^balanced clean$" "the HTML parses: balanced, no script"
like "$parsed" "A class list with <script>alert\(1\)</script> & medical notes" "... and gives back the nature as text"

done_testing

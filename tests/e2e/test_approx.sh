#!/usr/bin/env bash
# Issue 15 item 6: approximate answers stay approximate through the real
# path.  Two reports of tests/corpora ("about 30", "c. 200", "approx.
# March", "around 7 April 2025 about 2pm"; "10,000+", "TBC") are sent
# through Postfix and filed by breachd --once; the acknowledgement, the
# DPO's notice, `breachctl show`, and the CSV and JSON exports must each
# say "about 30" and "at least 10,000" (JSON: the reading with
# <key>_approx and <key>_at_least beside it), and "TBC" must stay no
# number.  A follow-up that corrects the counts clears or sets the flags.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
CORPUS=tests/corpora/good

servers_add_user owen.price@example.test secret
servers_add_user grace.holt@example.test secret
e2e_open plain
e2e_conf breachd
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$TEST_ROOT/breachd.log" 2>&1; }

# The plain text of every message of a mailbox, decoded as a mail reader
# would (quoted-printable lines joined), one message after another.
bodies() {
        imap_fetch_all "$1" INBOX | python3 -c '
import email, re, sys
from email import policy
raw = sys.stdin.buffer.read()
for part in re.split(rb"^==== message \d+ uid \d+ ====\n", raw, flags=re.M)[1:]:
    m = email.message_from_bytes(part, policy=policy.default)
    b = m.get_body(("plain",))
    print("Subject:", m["subject"])
    print(b.get_content() if b else "")'
}
# The one incident whose Message-ID is $1, from the JSON export on stdin,
# as "key=value" lines (JSON values as JSON).
incident() {
        python3 -c '
import json, sys
i = [i for i in json.load(sys.stdin) if i["message_id"] == sys.argv[1]][0]
for k, v in i.items():
    print("%s=%s" % (k, json.dumps(v)))' "$1"
}
# The CSV export's column $2 of the row whose message_id is $1.
csv_cell() {
        python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print([r for r in rows if r["message_id"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}

ok "configuration is valid" "$BREACHD" -c "$CONF" --check-config
ok "the \"about\" report is sent" send_mail owen.price@example.test breach@example.test "$CORPUS/plain-approx-about.eml"
ok "the lower-bound report is sent" send_mail grace.holt@example.test breach@example.test \
        "$CORPUS/plain-approx-lower-bound.eml"
ok "both are in the inbox" wait_for_mail breach@example.test INBOX 2
ok "breachd --once files them" once
refs=$(ctl export --format json | python3 -c '
import json, sys
by = {i["message_id"]: i["ref"] for i in json.load(sys.stdin)}
print(by["approx-about-0001@example.test"], by["approx-lower-0001@example.test"])')
read -r about lower <<<"$refs"
like "$about" '^DB20[0-9]{5}$' "the \"about\" report has a reference"
like "$lower" '^DB20[0-9]{5}$' "the lower-bound report has a reference"

# --- the acknowledgements --------------------------------------------------
ok "Owen's acknowledgement arrives" wait_for_mail owen.price@example.test INBOX 1
ack=$(bodies owen.price@example.test)
ok "the ack reads \"about 30\" as about 30" grep -qF "Number of individuals affected: about 30  (read as about 30)" <<<"$ack"
ok "the ack reads \"c. 200\" as about 200" \
        grep -qF "How many personal data records are concerned: c. 200  (read as about 200)" <<<"$ack"
ok "the ack reads \"approx. March\" as about the 1st" \
        grep -qF "When did this occur: approx. March  (read as about Saturday 1 March 2025)" <<<"$ack"
ok "Grace's acknowledgement arrives" wait_for_mail grace.holt@example.test INBOX 1
ack=$(bodies grace.holt@example.test)
ok "the ack reads \"10,000+\" as at least 10,000" \
        grep -qF "How many personal data records are concerned: 10,000+  (read as at least 10,000)" <<<"$ack"
ok "the ack reads no number into \"TBC\"" grep -qxF "  Number of individuals affected: TBC" <<<"$ack"

# --- the DPO's notices -------------------------------------------------------
ok "the DPO has both notices" wait_for_mail dpo@example.test INBOX 2
dpo=$(bodies dpo@example.test)
ok "the notice says about 30" grep -qF "Number of individuals affected: about 30  (read as about 30)" <<<"$dpo"
ok "the notice says about 200" grep -qF "(read as about 200)" <<<"$dpo"
ok "the notice says about 1 March" grep -qF "(read as about Saturday 1 March 2025)" <<<"$dpo"
ok "the notice says at least 10,000" grep -qF "10,000+  (read as at least 10,000)" <<<"$dpo"
unlike "$dpo" "read as at least (30|200)" "no notice calls an approximate count a lower bound"

# --- breachctl show ----------------------------------------------------------
show=$(ctl show "$about")
ok "show says about 30" grep -qF "about 30  (read as about 30)" <<<"$show"
ok "show says about 200" grep -qF "c. 200  (read as about 200)" <<<"$show"
ok "show says about 1 March" grep -qF "approx. March  (read as about Saturday 1 March 2025)" <<<"$show"
show=$(ctl show "$lower")
ok "show says at least 10,000" grep -qF "10,000+  (read as at least 10,000)" <<<"$show"
unlike "$show" "individuals_count" "show lists TBC neither as unclear nor as missing"

# --- the exports ---------------------------------------------------------------
json=$(ctl export --format json)
a=$(incident approx-about-0001@example.test <<<"$json")
l=$(incident approx-lower-0001@example.test <<<"$json")
for want in 'individuals_count="30"' 'individuals_count_approx=true' 'individuals_count_at_least=false' \
            'records_count="200"' 'records_count_approx=true' 'records_count_at_least=false' \
            'occurred_at="2025-03-01"' 'occurred_at_approx=true' 'aware_at_approx=true'; do
        ok "JSON, about: $want" grep -qxF "$want" <<<"$a"
done
for want in 'records_count="10000"' 'records_count_approx=true' 'records_count_at_least=true' \
            'individuals_count="unknown"' 'individuals_count_approx=false' 'individuals_count_at_least=false' \
            'occurred_at_approx=false'; do
        ok "JSON, lower bound: $want" grep -qxF "$want" <<<"$l"
done
unlike "$(grep '^unclear=\|^missing=' <<<"$l")" "individuals_count" "JSON: TBC is neither unclear nor missing"
ok "the JSON export is valid JSON" python3 -c 'import json, sys; json.load(sys.stdin)' <<<"$json"
csv=$(ctl export --format csv)
is "$(csv_cell approx-about-0001@example.test individuals_count <<<"$csv")" "about 30" "CSV: about 30"
is "$(csv_cell approx-about-0001@example.test records_count <<<"$csv")" "about 200" "CSV: about 200"
is "$(csv_cell approx-about-0001@example.test occurred_at <<<"$csv")" "about 2025-03-01" "CSV: about 2025-03-01"
is "$(csv_cell approx-about-0001@example.test aware_at <<<"$csv")" "about 2025-04-07T13:00:00Z" \
        "CSV: an approximate time"
is "$(csv_cell approx-lower-0001@example.test records_count <<<"$csv")" "at least 10,000" "CSV: at least 10,000"
is "$(csv_cell approx-lower-0001@example.test individuals_count <<<"$csv")" "unknown" "CSV: TBC stays no number"
is "$(csv_cell approx-lower-0001@example.test occurred_at <<<"$csv")" "2025-04-09T15:10:00Z" \
        "CSV: an exact time stays as it was"

# --- a follow-up corrects the counts --------------------------------------------
cat >"$TEST_ROOT/reply.eml" <<EOF
From: Owen Price <owen.price@example.test>
To: Data Breach Reporting <breach@example.test>
Subject: RE: [$about] Breach report received: Breach - letters sent to old addresses
Date: $(date -R)
Message-ID: <e2e-approx-reply-0001@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Number of individuals affected: 34
How many personal data records are concerned? over 250

Owen
EOF
ok "Owen's correction is sent" send_mail owen.price@example.test breach@example.test "$TEST_ROOT/reply.eml"
ok "breachd --once takes it" once
a=$(ctl export --format json | incident approx-about-0001@example.test)
for want in 'individuals_count="34"' 'individuals_count_approx=false' 'individuals_count_at_least=false' \
            'records_count="250"' 'records_count_approx=true' 'records_count_at_least=true'; do
        ok "after the correction, JSON: $want" grep -qxF "$want" <<<"$a"
done
csv=$(ctl export --format csv)
is "$(csv_cell approx-about-0001@example.test individuals_count <<<"$csv")" "34" "CSV: an exact count is the number"
is "$(csv_cell approx-about-0001@example.test records_count <<<"$csv")" "at least 250" "CSV: at least 250"
show=$(ctl show "$about")
ok "show reads \"over 250\" as at least 250" grep -qF "over 250  (read as at least 250)" <<<"$show"
ok "and the exact 34 as it is" grep -qxF "  Number of individuals affected: 34" <<<"$show"
ok "the confirmation arrives" wait_for_mail owen.price@example.test INBOX 2
ok "it repeats the new answers as given" grep -qF "How many personal data records are concerned: over 250" \
        <<<"$(bodies owen.price@example.test)"
done_testing

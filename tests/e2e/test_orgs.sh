#!/usr/bin/env bash
# A shared service (issue 17): one breachd, one shared mailbox, two
# organisations in organisations.d.  Reports to each organisation's
# address (or from its staff domain) are filed under it with its own
# reference sequence (both DB…001), acknowledged from its address, told to
# its DPO and not the other's; a report to an address of no organisation is
# quarantined with the reason; a DPO's decision by reply changes its own
# case only; breachctl --org list/show/report and report --all-orgs give
# each organisation's figures; --check-config checks each organisation's
# templates.  Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

for u in teacher@ashgrove.test teacher@birchlane.test head@birchlane.test dpo-ash@example.test \
        dpo-birch@example.test; do
        servers_add_user "$u" secret
done
e2e_open plain
ORGS=$TEST_ROOT/organisations.d
mkdir -p "$ORGS"
cat >"$ORGS/ashgrove.conf" <<'EOF'
organisation = "Ashgrove Primary School";
addresses = [ "breach+ashgrove@example.test" ];
staff_domains = [ "ashgrove.test" ];
dpo = [ "dpo-ash@example.test" ];
escalation = [ ];
smtp = { from = "Ashgrove breach reports <breach+ashgrove@example.test>"; };
labels = { nature = [ "Tell us what went wrong" ]; };
EOF
cat >"$ORGS/birch.conf" <<'EOF'
key = "birch";
organisation = "Birch Lane Academy";
addresses = [ "breach+birch@example.test" ];
staff_domains = [ "birchlane.test" ];
dpo = [ "dpo-birch@example.test" ];
escalation = [ ];
smtp = { from = "Birch Lane breach reports <breach+birch@example.test>"; };
EOF
e2e_conf service 'organisations = "organisations.d";' 'staff_domains = [ ];' 'max_auto_replies_per_day = 100;' \
        'max_message_size = "16K";'
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
year=$(date +%Y)

ok "the service's configuration and both organisations' are valid" "$BREACHD" -c "$CONF" --check-config

# report FILE ID FROM TO SUBJECT
report() {
        cat >"$1" <<MAIL
From: Teacher <$3>
To: $4
Subject: $5
Date: $(date -R)
Message-ID: <$2@example.test>

Name of person making the report: A Teacher
${6:-What happened}: $5
Date of incident: today
MAIL
}
report "$TEST_ROOT/a1.eml" org-a1 teacher@ashgrove.test breach+ashgrove@example.test "Class list left on the bus" \
        "Tell us what went wrong"
report "$TEST_ROOT/b1.eml" org-b1 teacher@birchlane.test breach+birch@example.test "Reports sent to the wrong parent"
report "$TEST_ROOT/b2.eml" org-b2 head@birchlane.test breach@example.test "Laptop stolen from the staff room" \
        "Tell us what went wrong"
report "$TEST_ROOT/x1.eml" org-x1 outsider@elsewhere.test breach+unknown@example.test "Not for anyone here"
ok "Ashgrove's report sent to its address" send_mail teacher@ashgrove.test breach+ashgrove@example.test "$TEST_ROOT/a1.eml"
ok "Birch Lane's to its address" send_mail teacher@birchlane.test breach+birch@example.test "$TEST_ROOT/b1.eml"
ok "Birch Lane's to the shared address, from its staff domain" send_mail head@birchlane.test breach@example.test "$TEST_ROOT/b2.eml"
ok "one to an address of no organisation" send_mail outsider@elsewhere.test breach+unknown@example.test "$TEST_ROOT/x1.eml"
ok "all four in the shared mailbox" wait_for_mail breach@example.test INBOX 4
ok "breachd --once files them" once

# ---- each organisation's register and sequence ----------------------------
alist=$(ctl --org ashgrove list)
blist=$(ctl list --org birch)
is "$(grep -Eo "DB$year[0-9]{3}" <<<"$alist" | tr '\n' ' ')" "DB${year}001 " "Ashgrove's register: its one case, DB${year}001"
is "$(grep -Eo "DB$year[0-9]{3}" <<<"$blist" | tr '\n' ' ')" "DB${year}001 DB${year}002 " \
        "Birch Lane's: its two, numbered from DB${year}001 too"
like "$(ctl --org ashgrove show "DB${year}001")" "Class list left on the bus" "Ashgrove's DB${year}001 is its report"
like "$(ctl --org birch show "DB${year}001")" "Reports sent to the wrong parent" "Birch Lane's DB${year}001 is its own"
like "$(ctl --org birch show "DB${year}002")" "Laptop stolen" "the report to the shared address is Birch Lane's (staff domain)"
like "$(ctl --org ashgrove show "DB${year}001")" "The nature of the personal data breach: Class list left on the bus" \
        "Ashgrove's form is read with its own labels"
like "$(ctl --org birch show "DB${year}002")" "The nature of the personal data breach \(nature\)" \
        "Birch Lane's with its own, which have not that wording"
out=$(ctl list 2>&1)
is "$?" 1 "list without --org fails with organisations configured"
like "$out" "several organisations: say which with --org KEY \(ashgrove, birch\)" "... and names the keys"
out=$(ctl show "DB${year}001" 2>&1)
is "$?" 1 "show of a reference two organisations have fails without --org"
like "$out" "DB${year}001 is a reference of several organisations \(ashgrove, birch\)" "... and says whose"
like "$(ctl show "DB${year}002")" "Laptop stolen" "a reference one organisation has needs no --org"
out=$(ctl --org cedar list 2>&1)
like "$out" "--org cedar: no such organisation; the organisations are: ashgrove, birch" "an unknown key is named"

# ---- the quarantine -------------------------------------------------------
is "$(imap_count breach@example.test Quarantine)" 1 "the report to no organisation's address is quarantined"
like "$(cat "$LOG")" "quarantined: no organisation for breach\+unknown@example.test" "with the reason, naming the address"
is "$(imap_count breach@example.test Processed)" 3 "the three others are filed"

# ---- acknowledgements and the DPOs' notices --------------------------------
ok "Ashgrove's teacher is acknowledged" wait_for_mail teacher@ashgrove.test INBOX 1
like "$(imap_fetch_all teacher@ashgrove.test INBOX)" "From: Ashgrove breach reports <breach\+ashgrove@example.test>" \
        "from Ashgrove's address"
ok "Birch Lane's teacher is acknowledged" wait_for_mail teacher@birchlane.test INBOX 1
like "$(imap_fetch_all teacher@birchlane.test INBOX)" "From: Birch Lane breach reports <breach\+birch@example.test>" \
        "from Birch Lane's address"
ok "Ashgrove's DPO is told of its case" wait_for_mail dpo-ash@example.test INBOX 1
ok "Birch Lane's DPO of its two" wait_for_mail dpo-birch@example.test INBOX 2
postfix_wait_idle   # any other notice would be delivered by now
is "$(imap_count dpo-ash@example.test INBOX)" 1 "Ashgrove's DPO is not told of Birch Lane's cases"
is "$(imap_count dpo@example.test INBOX)" 0 "nor is the service's own DPO address told of either"
anotice=$(imap_fetch_all dpo-ash@example.test INBOX)
like "$anotice" "Class list left on the bus" "Ashgrove's notice is of Ashgrove's case"
unlike "$anotice" "wrong parent|Laptop stolen" "and of none of Birch Lane's"

# ---- a DPO's decision by reply changes its own case only ------------------
bnotice=$(imap_fetch_all dpo-birch@example.test INBOX)
replyto=$(grep -o "breach+birch+DB${year}001\.[a-z0-9]*@example.test" <<<"$bnotice" | head -1)
like "$replyto" "^breach\+birch\+DB${year}001\.[a-z0-9]{24}@example.test$" \
        "Birch Lane's notice is answered at its own address with the case's token"
cat >"$TEST_ROOT/d1.eml" <<MAIL
From: Birch Lane DPO <dpo-birch@example.test>
To: $replyto
Subject: Re: [DB${year}001] New breach report
Date: $(date -R)
Message-ID: <org-d1@example.test>

decision: not notifiable
reason: one parent, reports recalled the same day
MAIL
ok "Birch Lane's DPO replies with a decision" send_mail dpo-birch@example.test "$replyto" "$TEST_ROOT/d1.eml"
ok "the reply is in the shared mailbox" wait_for_mail breach@example.test INBOX 1
ok "breachd --once handles it" once
like "$(ctl --org birch show "DB${year}001")" "ICO decision: not notifiable" "Birch Lane's DB${year}001 is decided"
like "$(ctl --org ashgrove show "DB${year}001")" "ICO decision pending" "Ashgrove's DB${year}001 is not"
ok "the decision is confirmed to Birch Lane's DPO" wait_for_mail dpo-birch@example.test INBOX 3

# ---- a message too large to read is its organisation's too -----------------
report "$TEST_ROOT/big.eml" org-big teacher@ashgrove.test breach+ashgrove@example.test "Scanned letters"
head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70 >>"$TEST_ROOT/big.eml"
ok "a report too large to read, to Ashgrove's address" send_mail teacher@ashgrove.test breach+ashgrove@example.test \
        "$TEST_ROOT/big.eml"
ok "it is in the shared mailbox" wait_for_mail breach@example.test INBOX 1
ok "breachd --once handles it" once
is "$(imap_count breach@example.test Quarantine)" 2 "it is kept in quarantine"
ok "the sender is told, once" wait_for_mail teacher@ashgrove.test INBOX 2
like "$(mail_n teacher@ashgrove.test 2)" "too large" "that it was too large to read"
like "$(imap_fetch_all teacher@ashgrove.test INBOX | grep '^From:' | tail -1)" "breach\+ashgrove@example.test" \
        "from Ashgrove's address"

# ---- the service's overview --------------------------------------------------
ok "Ashgrove's DPO records a report to the ICO" ctl --org ashgrove decide "DB${year}001" notify \
        --reason "class list with health notes" --ico-ref IC-1
all=$(ctl report --all-orgs)
like "$all" "ashgrove +1 +1 +0 +1 +1" "report --all-orgs: Ashgrove received 1, open 1, overdue 0, ICO 1, within 72 h 1"
like "$all" "birch +2 +2 +0 +0 +0" "Birch Lane received 2, open 2, none overdue or reported"
like "$all" "total +3 +3 +0 +1 +1" "and the service's totals"
csv=$(ctl report --all-orgs --format csv)
like "$csv" "birch,Birch Lane Academy,2,2,0,0,0" "the same as CSV"
like "$(ctl report --all-orgs --format html)" "<td>ashgrove</td><td>Ashgrove Primary School</td><td>1</td>" "and as HTML"
like "$(ctl --org birch report)" "Birch Lane Academy" "report --org birch is Birch Lane's committee report"
metrics=$(ctl metrics)
like "$metrics" 'breachd_incidents_filed_total\{org="ashgrove"\} 1' "metrics: Ashgrove's series"
like "$metrics" 'breachd_incidents_filed_total\{org="birch"\} 2' "and Birch Lane's"
like "$metrics" 'breachd_messages_quarantined\{org=""\} 1' "the service's quarantine under org \"\""

# ---- --check-config checks each organisation's templates ------------------
cp -r conf/templates "$TEST_ROOT/birch-templates"
echo '{{no_such_variable}}' >>"$TEST_ROOT/birch-templates/ack.txt"
echo "templates_dir = \"$TEST_ROOT/birch-templates\";" >>"$ORGS/birch.conf"
out=$("$BREACHD" -c "$CONF" --check-config 2>&1)
isnt "$?" 0 "a broken template of one organisation fails --check-config"
like "$out" "birch.conf \(organisation birch\): .*no_such_variable" "naming the organisation's file and the variable"

# ---- one organisation: --org is refused ------------------------------------
e2e_conf single 'database = "'"$(e2e_database "$TEST_ROOT/single.db")"'";'
out=$(ctl --org ashgrove list 2>&1)
is "$?" 1 "--org with a single-organisation configuration fails"
like "$out" "serves one organisation" "... and says why"
ok "without it, list works as before" ctl list
done_testing

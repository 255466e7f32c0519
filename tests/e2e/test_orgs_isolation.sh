#!/usr/bin/env bash
# A shared service tried as an attacker and as its users would (issue 17):
# two schools on one shared mailbox, both with a DB…001, a third with
# staff_domains only, and a trust domain that is staff of two.  Nobody of
# one organisation learns or changes another's case; no mail of one goes
# out under another's name or to another's DPO.  Every wait waits for the
# event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

for u in teacher@ashgrove.test teacher@birchlane.test clerk@cedar.test head@trust.test \
        dpo-ash@example.test dpo-birch@example.test dpo-cedar@example.test admin-ash@example.test \
        admin-birch@example.test admin-cedar@example.test; do
        servers_add_user "$u" secret
done
e2e_open
ORGS=$TEST_ROOT/organisations.d
mkdir -p "$ORGS"
cat >"$ORGS/ashgrove.conf" <<'EOF'
organisation = "Ashgrove Primary School";
addresses = [ "breach+ashgrove@example.test" ];
staff_domains = [ "ashgrove.test", "trust.test" ];
dpo = [ "dpo-ash@example.test" ];
escalation = [ ];
admin = "admin-ash@example.test";
smtp = { from = "Ashgrove breach reports <breach+ashgrove@example.test>"; };
dpo_calendar = true;
EOF
cat >"$ORGS/birch.conf" <<'EOF'
organisation = "Birch Lane Academy";
addresses = [ "breach+birch@example.test" ];
staff_domains = [ "birchlane.test", "trust.test" ];
dpo = [ "dpo-birch@example.test" ];
escalation = [ ];
admin = "admin-birch@example.test";
smtp = { from = "Birch Lane breach reports <breach+birch@example.test>"; };
dpo_calendar = true;
EOF
cat >"$ORGS/cedar.conf" <<'EOF'
organisation = "Cedar Nursery";
staff_domains = [ "cedar.test" ];
dpo = [ "dpo-cedar@example.test" ];
escalation = [ ];
admin = "admin-cedar@example.test";
EOF
e2e_conf service 'organisations = "organisations.d";' 'staff_domains = [ ];' 'max_auto_replies_per_day = 100;' \
        "smtp = { host = \"127.0.0.1\"; port = $SMTP_PORT; tls = \"none\";
  from = \"Data Breach Reporting <breach@example.test>\"; reply_to = \"Service desk <desk@example.test>\"; };"
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "$CONF" --once >>"$LOG" 2>&1; }
year=$(date +%Y)
R=DB${year}001
ok "the configuration is valid" "$BREACHD" -c "$CONF" --check-config

# mail FILE ID FROM TO SUBJECT BODY [EXTRA-HEADER...]
mail() {
        local f=$1 id=$2 from=$3 to=$4 subj=$5 body=$6
        shift 6
        {
                printf 'From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@example.test>\n' \
                        "$from" "$to" "$subj" "$(date -R)" "$id"
                for h in "$@"; do printf '%s\n' "$h"; done
                printf '\n%s\n' "$body"
        } >"$f"
}
form() { printf 'Name of person making the report: A Teacher\nWhat happened: %s\nDate of incident: today\n' "$1"; }
# deliver FILE ENVELOPE-FROM RCPTS...: through Postfix, then breachd --once
deliver() {
        local f=$1 from=$2 rcpts=$3 before
        before=$(imap_count breach@example.test INBOX)
        send_mail "$from" "$rcpts" "$f" && wait_for_mail breach@example.test INBOX $((before + 1)) && once
}

mail "$TEST_ROOT/a1.eml" iso-a1 teacher@ashgrove.test breach+ashgrove@example.test "Ashgrove class list on the bus" \
        "$(form "Ashgrove class list on the bus")"
mail "$TEST_ROOT/b1.eml" iso-b1 teacher@birchlane.test breach+birch@example.test "Birch pupil reports to wrong parent" \
        "$(form "Birch pupil reports to wrong parent")"
ok "Ashgrove's report is filed" deliver "$TEST_ROOT/a1.eml" teacher@ashgrove.test breach+ashgrove@example.test
ok "Birch Lane's report is filed" deliver "$TEST_ROOT/b1.eml" teacher@birchlane.test breach+birch@example.test
like "$(ctl --org ashgrove show "$R")" "Ashgrove class list" "Ashgrove's $R"
like "$(ctl --org birch show "$R")" "Birch pupil reports" "Birch Lane's $R"
ok "Birch Lane's DPO has its notice" wait_for_mail dpo-birch@example.test INBOX 1
ok "Ashgrove's DPO has its notice" wait_for_mail dpo-ash@example.test INBOX 1
ok "Birch Lane's teacher has the acknowledgement" wait_for_mail teacher@birchlane.test INBOX 1
bnotice=$(imap_fetch_all dpo-birch@example.test INBOX)
btoken=$(grep -o "$R\.[a-z0-9]\{24\}" <<<"$bnotice" | head -1 | cut -d. -f2)
like "$btoken" '^[a-z0-9]{24}$' "Birch Lane's token read from its notice"
back() { ctl --org birch show "$R" | grep -i "ICO decision"; }
like "$bnotice" "Full details: breachctl --org birch show $R" "the notice's command names Birch Lane (both have $R)"

# ---- acknowledgement and invitation are the organisation's -----------------
back_ack=$(imap_fetch_all teacher@birchlane.test INBOX)
like "$back_ack" "From: Birch Lane breach reports <breach\+birch@example.test>" "Birch Lane's ack is from its address"
unlike "$back_ack" "ashgrove|Ashgrove" "and names nothing of Ashgrove"
like "$bnotice" "ORGANIZER[^:]*:mailto:breach\+birch@example.test" "the invitation's ORGANIZER is Birch Lane's"
unlike "$bnotice" "ORGANIZER[^:]*:mailto:breach@example.test|Ashgrove" "not the service's nor Ashgrove's"

unlike "$back_ack" "desk@example.test" "nor the service's Reply-To"
mail "$TEST_ROOT/k1.eml" iso-k1 clerk@cedar.test breach@example.test "Cedar register photographed" \
        "$(form "Cedar register photographed")"
ok "Cedar's clerk reports to the shared address" deliver "$TEST_ROOT/k1.eml" clerk@cedar.test breach@example.test
ok "and is acknowledged" wait_for_mail clerk@cedar.test INBOX 1
cack=$(imap_fetch_all clerk@cedar.test INBOX)
like "$cack" 'From: "?Cedar Nursery"? <breach@example.test>' \
        "Cedar, which gave no sender of its own, writes under its own name at the service's address"
unlike "$cack" "Reply-To: .*desk@example.test|Data Breach Reporting" "not under the service's name nor its Reply-To"
like "$(ctl --org cedar list)" "Cedar register" "filed under Cedar"

# ---- A's DPO decides with B's token ----------------------------------------
mail "$TEST_ROOT/d1.eml" iso-d1 dpo-ash@example.test "breach+ashgrove+$R.$btoken@example.test" "Re: [$R] New breach report" \
        "decision: not notifiable
reason: A's DPO tries B's case"
ok "Ashgrove's DPO replies to its own address with Birch Lane's token" \
        deliver "$TEST_ROOT/d1.eml" dpo-ash@example.test "breach+ashgrove+$R.$btoken@example.test"
like "$(back)" "pending" "Birch Lane's case is not decided"
like "$(ctl --org ashgrove show "$R" | grep -i 'ICO decision')" "pending" "nor Ashgrove's"
mail "$TEST_ROOT/d2.eml" iso-d2 dpo-ash@example.test breach+ashgrove@example.test "Re: [$R.$btoken] New breach report" \
        "decision: not notifiable
reason: token in the subject"
ok "... and with it in the subject to Ashgrove's address" \
        deliver "$TEST_ROOT/d2.eml" dpo-ash@example.test breach+ashgrove@example.test
like "$(back)" "pending" "Birch Lane's case is not decided"
like "$(ctl --org ashgrove show "$R" | grep -i 'ICO decision')" "pending" "nor Ashgrove's"
mail "$TEST_ROOT/d3.eml" iso-d3 "Birch Lane DPO <dpo-birch@example.test>" breach+birch@example.test "Re: [$R] New breach report" \
        "decision: not notifiable
reason: forged From, no token"
ok "a forged From: of Birch Lane's DPO, no token, no DMARC" \
        deliver "$TEST_ROOT/d3.eml" dpo-ash@example.test breach+birch@example.test
like "$(back)" "pending" "Birch Lane's case is not decided"

# ---- A's staff on B's case ----------------------------------------------------
mail "$TEST_ROOT/f1.eml" iso-f1 teacher@ashgrove.test "breach+birch+$R.$btoken@example.test" "Re: [$R] New breach report" \
        "$(form "Ashgrove teacher rewrites Birch case")"
ok "Ashgrove's teacher writes to Birch Lane's case with its token" \
        deliver "$TEST_ROOT/f1.eml" teacher@ashgrove.test "breach+birch+$R.$btoken@example.test"
unlike "$(ctl --org birch show "$R")" "rewrites" "Birch Lane's answers are unchanged"
mail "$TEST_ROOT/f2.eml" iso-f2 teacher@ashgrove.test breach@example.test "Re: [$R] more on it" \
        "$(form "Ashgrove guesses the reference")"
ok "Ashgrove's teacher guesses $R to the shared address" \
        deliver "$TEST_ROOT/f2.eml" teacher@ashgrove.test breach@example.test
unlike "$(ctl --org birch show "$R")" "guesses" "Birch Lane's $R is untouched"
bmid=$(grep -m1 -io '^Message-ID: *<[^>]*>' <<<"$back_ack" | grep -o '<.*>')
mail "$TEST_ROOT/f3.eml" iso-f3 teacher@ashgrove.test breach+ashgrove@example.test "Re: your report" \
        "$(form "In-Reply-To of Birch ack")" "In-Reply-To: $bmid" "References: $bmid"
ok "a reply naming Birch Lane's acknowledgement, to Ashgrove's address" \
        deliver "$TEST_ROOT/f3.eml" teacher@ashgrove.test breach+ashgrove@example.test
unlike "$(ctl --org birch show "$R")" "In-Reply-To of Birch" "Birch Lane's case is untouched"
unlike "$(ctl --org ashgrove list)" "your report" "nor is it filed under Ashgrove"
like "$(cat "$LOG")" "quarantined: sent to an address of ashgrove, but a reply to mail about a case of birch: neither" \
        "it is neither's: quarantined for the service's admin, with the reason"

# ---- To: A, Cc: B -------------------------------------------------------------
mail "$TEST_ROOT/c1.eml" iso-c1 head@trust.test breach+ashgrove@example.test "Trust laptop stolen" \
        "$(form "Trust laptop stolen")" "Cc: breach+birch@example.test"
ok "a report To: Ashgrove, Cc: Birch Lane" \
        deliver "$TEST_ROOT/c1.eml" head@trust.test breach+ashgrove@example.test,breach+birch@example.test
once
like "$(ctl --org ashgrove list)" "Trust laptop" "filed under Ashgrove"
unlike "$(ctl --org birch list)" "Trust laptop" "not under Birch Lane: the To: address comes before the Cc:"
is "$(e2e_sql "$TEST_ROOT/breachd.db" "SELECT org || ' ' || disposition FROM messages WHERE key = '<iso-c1@example.test>' ORDER BY id" |
        tr '\n' ' ')" "ashgrove report ashgrove duplicate " "the copy delivered for Birch Lane's address is Ashgrove's duplicate"
unlike "$(imap_fetch_all dpo-birch@example.test INBOX)" "Trust laptop" "Birch Lane's DPO is not told of it"

# ---- the shared trust domain to the common address ----------------------------
mail "$TEST_ROOT/t1.eml" iso-t1 head@trust.test breach@example.test "Trust USB lost" "$(form "Trust USB lost")"
ok "a report from a domain staff of both, to the common address" \
        deliver "$TEST_ROOT/t1.eml" head@trust.test breach@example.test
unlike "$(ctl --org ashgrove list; ctl --org birch list)" "USB" "filed under neither"
like "$(cat "$LOG")" "staff of several \(ashgrove, birch\)" "quarantined, naming both"

# ---- a delivery report about B's mail -------------------------------------------
dsn() {
        cat >"$1" <<MAIL
From: Mail Delivery System <MAILER-DAEMON@example.test>
To: $2
Subject: Undelivered Mail Returned to Sender
Date: $(date -R)
Message-ID: <$3@example.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; teacher@birchlane.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 no such user

--B
Content-Type: text/rfc822-headers

From: Birch Lane breach reports <breach+birch@example.test>
To: teacher@birchlane.test
Subject: Your breach report
Message-ID: $bmid

--B--
MAIL
}
dsn "$TEST_ROOT/bn1.eml" breach+ashgrove@example.test iso-bn1
nash=$(imap_count dpo-ash@example.test INBOX)
nbirch=$(imap_count dpo-birch@example.test INBOX)
ok "a bounce of Birch Lane's acknowledgement, sent to Ashgrove's address" \
        deliver "$TEST_ROOT/bn1.eml" "" breach+ashgrove@example.test
like "$(ctl --org birch show "$R")" "bounced" "is recorded on Birch Lane's $R"
ok "and told to Birch Lane's DPO" wait_for_mail dpo-birch@example.test INBOX $((nbirch + 1))
like "$(mail_n dpo-birch@example.test $((nbirch + 1)))" "Birch pupil|teacher@birchlane.test" "about its case"
postfix_wait_idle
is "$(imap_count dpo-ash@example.test INBOX)" "$nash" "Ashgrove's DPO is told nothing of it"
unlike "$(ctl --org ashgrove show "$R")" "bounced|teacher@birchlane" "nor is it on Ashgrove's $R"
dsn "$TEST_ROOT/bn2.eml" breach@example.test iso-bn2
ok "the same bounce to the shared address" deliver "$TEST_ROOT/bn2.eml" "" breach@example.test
postfix_wait_idle
is "$(imap_count dpo-birch@example.test INBOX)" "$((nbirch + 1))" "is known already: Birch Lane's DPO is not told twice"
is "$(imap_count dpo-ash@example.test INBOX)" "$nash" "Ashgrove's still nothing"

# ---- breachctl --org A cannot reach B's case --------------------------------------
bid=$(ctl --org birch export --format json | grep -o '"id": *[0-9]*' | head -1 | grep -o '[0-9]*$')
out=$(ctl --org ashgrove show "$btoken" 2>&1)
unlike "$out" "Birch pupil" "show by B's token under --org ashgrove shows nothing of B"
R2=DB${year}002   # Ashgrove's alone: the report To: Ashgrove, Cc: Birch Lane
out=$(ctl --org cedar show "$R2" 2>&1)
isnt "$?" 0 "show $R2 (Ashgrove's) under --org cedar fails"
unlike "$out" "Birch pupil|Ashgrove|Trust laptop" "and shows nothing of it"
out=$(ctl --org cedar show "$R" 2>&1)
like "$out" "Cedar register" "show $R under --org cedar is Cedar's own $R"
unlike "$out" "Birch pupil|Ashgrove class" "and neither of the others'"
out=$(ctl --org cedar decide "$R2" notify --reason x 2>&1)
isnt "$?" 0 "decide $R2 under --org cedar fails"
like "$(ctl --org ashgrove show "$R2" | grep -i 'ICO decision')" "pending" "Ashgrove's $R2 is not decided"
ok "decide $R under --org cedar" ctl --org cedar decide "$R" not-notifiable --reason "one page, recovered"
like "$(ctl --org cedar show "$R" | grep -i 'ICO decision')" "not notifiable" "decides Cedar's $R"
like "$(back)" "pending" "not Birch Lane's"
like "$(ctl --org ashgrove show "$R" | grep -i 'ICO decision')" "pending" "nor Ashgrove's"
out=$(ctl --org cedar reprocess "$R2" 2>&1)
isnt "$?" 0 "reprocess $R2 under --org cedar fails"
out=$(ctl --org cedar subject-letter "$R2" 2>&1)
isnt "$?" 0 "subject-letter $R2 under --org cedar fails"
out=$(ctl --org cedar ico-draft "$R2" 2>&1)
isnt "$?" 0 "ico-draft $R2 under --org cedar fails"
unlike "$out" "Ashgrove|Trust laptop" "and shows nothing of it"
out=$(ctl --org cedar export --format json 2>&1)
like "$out" "Cedar register" "export under --org cedar has its own case"
unlike "$out" "Birch pupil|Ashgrove class" "and neither of the others'"

# ---- digests, status, metrics ---------------------------------------------------
st=$(ctl status)
like "$st" "Organisations:" "status without --org: a line for each organisation"
like "$st" "ashgrove +2 open, 2 awaiting decision \(0 overdue\), [0-9]+ quarantined" "Ashgrove's"
like "$st" "birch +1 open, 1 awaiting decision \(0 overdue\)" "Birch Lane's"
like "$st" "cedar +1 open, 0 awaiting decision" "Cedar's (staff domains only)"
like "$st" "\(service\) +0 open, 0 awaiting decision \(0 overdue\), 2 quarantined" \
        "the service's own: the mail no organisation took"
like "$st" "Service totals:" "then the service's totals"
like "$st" "Open incidents: +4" "... of every organisation"
like "$st" "Next deadline: +DB$year[0-9]+ \((ashgrove|birch)\)" "the next deadline says whose reference it is"
bst=$(ctl --org birch status)
unlike "$bst" "Organisations:|ashgrove" "status --org birch: Birch Lane's alone"
like "$bst" "Open incidents: +1" "... its one case"
all="$st$bst$(ctl metrics)$(ctl check)$(ctl --org birch check)"
unlike "$all" "Birch pupil|Ashgrove class|Trust|teacher@|head@|$btoken" \
        "status, metrics and check carry no case content, no address, no token"
# ---- B's DPO answers with reply-all, Ashgrove's address in Cc ----------------------
nash=$(imap_count dpo-ash@example.test INBOX)
nbirch=$(imap_count dpo-birch@example.test INBOX)
mail "$TEST_ROOT/d4.eml" iso-d4 "Birch Lane DPO <dpo-birch@example.test>" "breach+birch+$R.$btoken@example.test" \
        "Re: [$R] New breach report" "decision: not notifiable
reason: reports recalled the same day" "Cc: breach+ashgrove@example.test"
ok "Birch Lane's DPO decides at its case's token address, Ashgrove's address in Cc" \
        deliver "$TEST_ROOT/d4.eml" dpo-birch@example.test "breach+birch+$R.$btoken@example.test,breach+ashgrove@example.test"
once
like "$(back)" "not notifiable" "Birch Lane's case is decided: the token's case comes before the Cc'd address"
like "$(ctl --org ashgrove show "$R" | grep -i 'ICO decision')" "pending" "Ashgrove's is not"
ok "the decision is confirmed to Birch Lane's DPO" wait_for_mail dpo-birch@example.test INBOX $((nbirch + 1))
postfix_wait_idle
is "$(imap_count dpo-ash@example.test INBOX)" "$nash" "Ashgrove's DPO is told nothing"
unlike "$(ctl --org ashgrove list)" "New breach report" "nor is anything filed under Ashgrove"

# ---- what each organisation's people received ------------------------------------
ashmail=$(for u in dpo-ash@example.test teacher@ashgrove.test admin-ash@example.test; do imap_fetch_all "$u" INBOX; done)
unlike "$ashmail" "Birch pupil|teacher@birchlane|Birch Lane|breach\+birch|$btoken" \
        "Ashgrove's DPO, teacher and admin received nothing of Birch Lane's case, address or token"
birchmail=$(for u in dpo-birch@example.test teacher@birchlane.test admin-birch@example.test; do imap_fetch_all "$u" INBOX; done)
unlike "$birchmail" "Ashgrove class|breach\+ashgrove" "Birch Lane's nothing of Ashgrove's"
like "$(imap_fetch_all admin-ash@example.test INBOX)" "quarantined" "Ashgrove's admin has its quarantine digest"
like "$(imap_fetch_all admin-ash@example.test INBOX)" "DB$year[0-9]*\.\(token hidden\)" \
        "the token its DPO tried is hidden in it"
like "$(imap_fetch_all admin-ash@example.test INBOX)" "Reprocess: breachctl --org ashgrove reprocess --quarantined" \
        "with the command that reads its quarantine again"
service=$(imap_fetch_all admin@example.test INBOX)
like "$service" "Re: your report" "the service's admin is told of the mail no organisation took"
like "$service" "neither organisation's" "... with the reason"
like "$service" "Reprocess: breachctl --org '' reprocess --quarantined" "with the command for the service's own"
unlike "$service" "Birch pupil|Ashgrove class|$btoken" "and of no organisation's case"
is "$(imap_count dpo@example.test INBOX)" 0 "the main file's DPO is told nothing"
like "$(ctl --org '' reprocess --quarantined --dry-run 2>&1)" "Trust USB lost" \
        "breachctl --org '' reprocess --quarantined reads the service's own quarantine"
unlike "$(ctl --org '' reprocess --quarantined --dry-run 2>&1)" "Birch|Ashgrove" "and no organisation's"
done_testing

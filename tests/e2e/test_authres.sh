#!/usr/bin/env bash
# A forged From: is not trusted (issue 14, item 3), through a real Postfix
# with OpenDKIM signing and OpenDKIM + OpenDMARC verifying on loopback, the
# DNS records from a private dnsmasq (tests/lib/servers.sh, milters_prepare):
#   1. whatever the settings, a DPO's reply with the right token decides
#      nothing when its From: holds two addresses, its Sender: is someone
#      else, or its envelope sender is outside the organisation;
#   2. with mailbox.trusted_authserv_ids naming the MX: a report signed by
#      the organisation's server passes DMARC and is filed; the same From:
#      sent unsigned from outside is quarantined as possibly forged, and so
#      is one carrying a forged Authentication-Results: that claims the
#      MX's authserv-id and dmarc=pass; a forged DPO decision with the
#      right token is refused; the DPO's own signed decision is recorded.
# breachd runs with --once after each batch; every wait waits for the
# event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh
for p in opendkim opendkim-genkey opendmarc dnsmasq unshare; do
        command -v "$p" >/dev/null || bail_out "$p is missing (bash scripts/deps.sh)"
done
milters_prepare
e2e_open
ok "OpenDKIM, OpenDMARC and their DNS start" milters_start || bail_out "the milters did not start"

e2e_conf plain
PLAIN=$CONF
e2e_conf trusted "mailbox = {
  host = \"127.0.0.1\"; port = $IMAP_PORT; tls = \"none\";
  user = \"breach@example.test\"; password_file = \"$TEST_ROOT/imap.secret\";
  trusted_authserv_ids = [ \"$MILTER_AUTHSERV_ID\" ];
};"
TRUSTED=$CONF
LOG=$TEST_ROOT/breachd.log
ctl() { "$BREACHCTL" -c "$PLAIN" "$@" 2>/dev/null; }
once() { "$BREACHD" -c "$1" --once >>"$LOG" 2>&1; }
quarantined() { imap_count breach@example.test Quarantine; }

# mail FILE ID FROM TO SUBJECT [EXTRA_HEADER...] -- a message; the body on stdin.
mail() {
        local file=$1 id=$2 from=$3 to=$4 subject=$5 h
        shift 5
        {
                for h in "$@"; do
                        printf '%s\n' "$h"
                done
                printf 'From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@example.test>\n' \
                        "$from" "$to" "$subject" "$(date -R)" "$id"
                printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
                cat
        } >"$file"
}
report_body() {
        cat <<EOF
Name of person making the report: Pat Reporter
Directorate: Corporate Services
What happened: $1
Date of incident: today
EOF
}
decision_body() {
        printf 'decision: not notifiable\nreason: %s\n' "$1"
}
DPO="Data Protection Officer <dpo@example.test>"

# ==== 1. Whatever the settings: one author, no other Sender:, an envelope inside
mkreport "$TEST_ROOT/r1.eml" authres-r1 "A laptop left on a train"
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml"
ok "the first report is in the inbox" wait_for_mail breach@example.test INBOX 1
once "$PLAIN"
ref1=$(refs_of "$PLAIN" | head -n 1)
ok "it is filed ($ref1)" test -n "$ref1"
ok "the DPO's notice arrives" wait_for_mail dpo@example.test INBOX 1
reply1=$(imap_fetch_all dpo@example.test INBOX | grep -o "breach+$ref1\.[a-z0-9]*@example.test" | head -n 1)
like "$reply1" "^breach\+$ref1\.[a-z0-9]{24}@example.test$" "the notice's Reply-To carries the token"

q0=$(quarantined)
decision_body "two authors" | mail "$TEST_ROOT/d1.eml" authres-d1 "$DPO, Mallory <mallory@elsewhere.test>" "$reply1" \
        "Re: [$ref1] New breach report"
decision_body "another Sender" | mail "$TEST_ROOT/d2.eml" authres-d2 "$DPO" "$reply1" "Re: [$ref1] New breach report" \
        "Sender: Mallory <mallory@elsewhere.test>"
decision_body "an envelope from outside" | mail "$TEST_ROOT/d3.eml" authres-d3 "$DPO" "$reply1" \
        "Re: [$ref1] New breach report"
send_mail dpo@example.test "$reply1" "$TEST_ROOT/d1.eml"
send_mail dpo@example.test "$reply1" "$TEST_ROOT/d2.eml"
send_mail mallory@elsewhere.test "$reply1" "$TEST_ROOT/d3.eml"
ok "the three replies are in the inbox" wait_for_mail breach@example.test INBOX 3
once "$PLAIN"
is "$(quarantined)" $((q0 + 3)) "all three are quarantined"
log=$(cat "$LOG")
like "$log" "refused: possibly forged: From: holds 2 addresses" "a From: with two addresses decides nothing"
like "$log" "refused: possibly forged: Sender: mallory@elsewhere.test is not From: dpo@example.test" \
        "a Sender: that is not From: decides nothing"
like "$log" "refused: possibly forged: the envelope sender \(Return-Path\) mallory@elsewhere.test is outside" \
        "an envelope sender outside the organisation decides nothing"
show1=$(ctl show "$ref1")
like "$show1" "ICO decision pending" "the decision is still pending"
unlike "$show1" "two authors|another Sender|an envelope from outside" "no forged reason was recorded"

# ==== 2. With trusted_authserv_ids: the MX's verdict decides ==================
report_body "Letters sent to the wrong family" |
        mail "$TEST_ROOT/r2.eml" authres-r2 "Pat Reporter <reporter@example.test>" breach@example.test \
                "Letters sent to the wrong family"
send_mail_via "$SUBMIT_PORT" reporter@example.test breach@example.test "$TEST_ROOT/r2.eml"
ok "a report through the organisation's server is in the inbox" wait_for_mail breach@example.test INBOX 1
r2=$(imap_fetch_all breach@example.test INBOX)
like "$r2" "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.test; s=s1" "OpenDKIM signed it"
like "$r2" "Authentication-Results: $MILTER_AUTHSERV_ID;[[:space:]]+dkim=pass" "OpenDKIM at the MX verified the signature"
like "$r2" "Authentication-Results: $MILTER_AUTHSERV_ID; dmarc=pass" "OpenDMARC at the MX says DMARC passes"
once "$TRUSTED"
is "$(refs_of "$PLAIN" | wc -l)" 2 "the signed report is filed"
ok "and acknowledged" wait_for_mail reporter@example.test INBOX 2

q0=$(quarantined)
report_body "A forged report" |
        mail "$TEST_ROOT/r3.eml" authres-r3 "Pat Reporter <reporter@example.test>" breach@example.test "A forged report"
send_mail_via "$MX_PORT" reporter@example.test breach@example.test "$TEST_ROOT/r3.eml"
report_body "A forged verdict" |
        mail "$TEST_ROOT/r4.eml" authres-r4 "Pat Reporter <reporter@example.test>" breach@example.test \
                "A forged verdict" \
                "Authentication-Results: $MILTER_AUTHSERV_ID; dmarc=pass (p=reject dis=none) header.from=example.test"
send_mail_via "$MX_PORT" reporter@example.test breach@example.test "$TEST_ROOT/r4.eml"
ok "two reports from outside with a staff From: are in the inbox" wait_for_mail breach@example.test INBOX 2
in=$(imap_fetch_all breach@example.test INBOX)
like "$in" "Authentication-Results: $MILTER_AUTHSERV_ID; dmarc=fail" "OpenDMARC at the MX says DMARC fails"
like "$in" "Authentication-Results: $MILTER_AUTHSERV_ID; dmarc=pass \(p=reject dis=none\)" \
        "the forged verdict reached the mailbox"
once "$TRUSTED"
is "$(quarantined)" $((q0 + 2)) "both are quarantined"
is "$(refs_of "$PLAIN" | wc -l)" 2 "neither is filed"
like "$(cat "$LOG")" "quarantined: possibly forged: reporter@example.test is in the staff domains but the mail server does not vouch for it \(dmarc=fail at $MILTER_AUTHSERV_ID\)" \
        "the reason says possibly forged"
is "$(count_in "$LOG" "quarantined: possibly forged: reporter@example.test")" 2 "... for both"

decision_body "forged from outside" | mail "$TEST_ROOT/d4.eml" authres-d4 "$DPO" "$reply1" "Re: [$ref1] New breach report"
send_mail_via "$MX_PORT" dpo@example.test "$reply1" "$TEST_ROOT/d4.eml"
ok "a forged DPO decision with the right token is in the inbox" wait_for_mail breach@example.test INBOX 1
once "$TRUSTED"
is "$(quarantined)" $((q0 + 3)) "it is quarantined"
like "$(cat "$LOG")" "dpo@example.test refused: possibly forged: the mail server does not vouch for dpo@example.test" \
        "the forged decision is refused"
like "$(ctl show "$ref1")" "ICO decision pending" "nothing was decided"
postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" 2 "the forgeries got no acknowledgement"

decision_body "the DPO's own" | mail "$TEST_ROOT/d5.eml" authres-d5 "$DPO" "$reply1" "Re: [$ref1] New breach report"
send_mail_via "$SUBMIT_PORT" dpo@example.test "$reply1" "$TEST_ROOT/d5.eml"
ok "the DPO's signed decision is in the inbox" wait_for_mail breach@example.test INBOX 1
once "$TRUSTED"
like "$(ctl show "$ref1")" "ICO decision not notifiable" "the DPO's own decision is recorded"
is "$(quarantined)" $((q0 + 3)) "it is not quarantined"

done_testing

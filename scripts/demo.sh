#!/usr/bin/env bash
# make demo: breachd doing its job against private local servers.
# Starts a private Dovecot and Postfix on loopback ports in a temp dir,
# sends sample reports through Postfix, runs breachd --once, and shows the
# register, an acknowledgement, the DPO's notice with its calendar
# invitation, the weekly digest and the letter to the people affected, then runs it as a daemon for a moment to show its
# metrics file and breachctl check.  Nothing outside the temp dir is
# touched; the servers stop when it ends.
set -u
cd "$(dirname "$0")/.."
. tests/lib/servers.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

servers_add_user jane.smith@example.test secret
servers_start || { echo "demo: the private servers did not start" >&2; exit 1; }
CONF=$TEST_ROOT/breachd.conf
# The DPO's weekly digest set to a minute ago, so that this run sends it.
digest_at=$(TZ=Europe/London date -d '1 minute ago' '+%a %H:%M')
write_breachd_conf "$CONF" 'organisation = "Example District Council";' \
        'dpo_contact = { name = "Jane Smith, Data Protection Officer"; phone = "01632 960000"; };' \
        "weekly_digest = \"$digest_at\";"

say "Private servers: IMAP 127.0.0.1:$IMAP_PORT, SMTP 127.0.0.1:$SMTP_PORT (in $TEST_ROOT)"
say "Staff email three reports to breach@example.test"
send_mail jane.smith@example.test breach@example.test tests/corpora/good/plain-basic.eml >/dev/null &&
        echo "  plain-text form from Jane Smith"
send_mail reporter2@example.test breach@example.test tests/corpora/good/outlook-table.eml >/dev/null &&
        echo "  Outlook table from Siobhan O'Neill"
cat >"$TEST_ROOT/free.eml" <<MAIL
From: Sam Reporter <reporter@example.test>
To: breach@example.test
Subject: I think I've sent something to the wrong school
Date: $(date -R)
Message-ID: <demo-free-$$@example.test>

Hi, this morning I emailed a pupil's SEN report to the wrong school.
They have confirmed they deleted it.

Sam
MAIL
send_mail reporter@example.test breach@example.test "$TEST_ROOT/free.eml" >/dev/null &&
        echo "  a free-text email from Sam"
wait_for_mail breach@example.test INBOX 3 15 >/dev/null

say "breachd --once"
./breachd -c "$CONF" --once

say "breachctl list"
./breachctl -c "$CONF" list

ref=$(./breachctl -c "$CONF" list | grep -o '^DB[0-9]*' | head -1)
say "breachctl show $ref"
./breachctl -c "$CONF" show "$ref"

say "The letter to the people affected (Article 34): refused until the DPO decides"
./breachctl -c "$CONF" subject-letter "$ref"
say "breachctl set $ref subjects-notified planned; breachctl subject-letter $ref"
./breachctl -c "$CONF" set "$ref" subjects-notified planned
./breachctl -c "$CONF" subject-letter "$ref"

wait_for_mail jane.smith@example.test INBOX 1 15 >/dev/null
say "The acknowledgement in Jane's mailbox (read back over IMAP)"
imap_fetch_all jane.smith@example.test INBOX | sed -n '/^Subject:/p; /^$/,$p'

wait_for_mail dpo@example.test INBOX 4 15 >/dev/null
say "The DPO's mailbox"
mailpy fetch dpo@example.test INBOX --headers | grep -E '^(Subject|Reply-To):'

say "The ICO deadline in the DPO's calendar: the first notice's invitation (text/calendar, also attached as invite.ics)"
imap_fetch_all dpo@example.test INBOX | "$PYTHON" -c '
import email, re, sys
for raw in sys.stdin.read().split("==== message ")[1:]:
    m = email.message_from_string(raw.split("\n", 1)[1])
    cal = next((p for p in m.walk() if p.get_content_type() == "text/calendar"), None)
    if cal is None:
        continue
    print("  Subject: " + " ".join((m["Subject"] or "").split()))
    text = re.sub(r"\r?\n[ \t]", "", cal.get_payload(decode=True).decode())
    in_event = False
    for line in text.splitlines():
        name = line.split(":")[0].split(";")[0]
        in_event = in_event or line == "BEGIN:VEVENT"
        if name == "METHOD" or (in_event and name in ("SUMMARY", "DTSTART", "UID", "SEQUENCE", "TRIGGER", "STATUS")):
            print("    " + line)
    break'

say "The DPO's weekly digest (weekly_digest = \"$digest_at\")"
imap_fetch_all dpo@example.test INBOX | "$PYTHON" -c '
import email, sys
for raw in sys.stdin.read().split("==== message ")[1:]:
    m = email.message_from_string(raw.split("\n", 1)[1])
    if (m["Subject"] or "").startswith("breachd weekly digest"):
        print(m.get_payload(decode=True).decode())'

say "Mailbox folders afterwards"
for f in INBOX Processed Quarantine Automatic; do printf '  %-11s %s message(s)\n' "$f" "$(imap_count breach@example.test $f)"; done

say "Monitoring: breachd as a daemon for a moment, writing metrics_file for node_exporter"
write_breachd_conf "$CONF" 'organisation = "Example District Council";' "weekly_digest = \"$digest_at\";" \
        "metrics_file = \"$TEST_ROOT/breachd.prom\";"
./breachd -c "$CONF" >"$TEST_ROOT/daemon.log" 2>&1 &
daemon=$!
wait_until 15 test -s "$TEST_ROOT/breachd.prom"
echo "  $TEST_ROOT/breachd.prom (the HELP and TYPE lines left out here):"
grep -v '^#' "$TEST_ROOT/breachd.prom" | sed 's/^/    /'
say "breachctl check (a Nagios plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)"
./breachctl -c "$CONF" check
echo "  exit status $?"
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null

say "Done; stopping the private servers"

#!/usr/bin/env bash
# Hostile mail, failing servers, crashes (issue 5), through the real Dovecot
# and Postfix of tests/lib/servers.sh and the test build (its settable clock
# and its poison-message header; production binaries have neither):
#
#   - loop protection: each header rule of tests/corpora/hostile/loop-*.eml,
#     read receipts and delivery reports of mail we never sent: quarantined,
#     nothing queued for anyone; "Auto-Submitted: no" is a person;
#   - an acknowledgement refused at RCPT and one bounced later by Postfix (a
#     real DSN): recorded on the incident, the outbox row marked, the DPO told
#     once;
#   - a sender outside the staff domains: quarantined without reply;
#   - the per-address cap on automatic replies, and its 24-hour window;
#   - a staff sender's oversized message: kept in quarantine, one short reply,
#     and only one however often it comes; an outsider's: no reply;
#   - poison messages (a reader that crashes or eats memory) are quarantined
#     with the reason and never stop the others; breachctl reprocess files a
#     quarantined message after a configuration fix and re-reads an incident;
#   - the retention purge; the database 0600 in a 0700 directory;
#   - TLS: Dovecot on an imaps port and Postfix with STARTTLS, with a
#     self-signed certificate made here, refused with a clear error until
#     ca_file names it;
#   - the daemon through a Dovecot outage and a Postfix outage: logs, backs
#     off, never exits, alerts the admin after alert_after_failures and again
#     on recovery, delivers everything afterwards;
#   - the mailbox password appears in no log.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

command -v openssl >/dev/null || bail_out "openssl is needed (make deps)"
command -v sqlite3 >/dev/null || bail_out "sqlite3 is needed (make deps)"
HOSTILE=tests/corpora/hostile

# A password no log may ever show.
PW='Hostile-Pw-7c2e9f41'
servers_add_user breach@example.test "$PW"

# --- a self-signed certificate, and servers that use it -------------------
CERTS=$(mktemp -d "${BREACHD_TEST_TMP:-/tmp}/certs.XXXXXX")
chmod 0755 "$CERTS"
harness_on_exit "rm -rf '$CERTS'"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem" -subj "/CN=localhost" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,digitalSignature,keyCertSign" -addext "extendedKeyUsage=serverAuth" \
        >/dev/null 2>&1 || bail_out "openssl could not make a certificate"
IMAPS_PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DOVECOT_EXTRA_CONF="ssl = yes
ssl_cert = <$CERTS/cert.pem
ssl_key = <$CERTS/key.pem
service imap-login {
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}"
POSTFIX_EXTRA_MAIN_CF="smtpd_tls_security_level = may
smtpd_tls_cert_file = $CERTS/cert.pem
smtpd_tls_key_file = $CERTS/key.pem"
e2e_open
# An AddressSanitizer build has no memory limit on its reader (guard.h).
asan=0
ldd "$BREACHD" 2>/dev/null | grep -q libasan && asan=1

# Postfix needs its TLS manager for STARTTLS; and ghost@example.test is a
# mailbox Postfix accepts mail for but Dovecot does not know, so that mail
# to it bounces after acceptance: a real DSN, back to breach@example.test.
echo "tlsmgr unix - - n 1000? 1 tlsmgr" >>"$TEST_ROOT/postfix/master.cf"
echo "ghost@example.test OK" >>"$TEST_ROOT/postfix/vmailbox"
touch -d "@$((EPOCHSECONDS - 2))" "$TEST_ROOT/postfix/master.cf" "$TEST_ROOT/postfix/vmailbox"
postfix_stop && postfix_start || bail_out "postfix did not restart"

e2e_conf breachd 'max_auto_replies_per_day = 100;'   # $CONF, $LOG, $DB
CLOCK=$TEST_ROOT/clock
export BREACHD_TEST_CLOCK=$CLOCK
echo "+0" >"$CLOCK"
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
once() { "$BREACHD" -c "${1:-$CONF}" --once >>"$LOG" 2>&1; }
sql() { e2e_sql "$DB" "$@"; }
append() { append_mail breach@example.test INBOX "$1" >/dev/null; }

# report FILE FROM ID SUBJECT [EXTRA_HEADER] -- a breach report.
report() {
        {
                echo "From: $2"
                echo "To: Data Breach Reporting <breach@example.test>"
                echo "Subject: $4"
                echo "Date: $(date -R)"
                echo "Message-ID: <$3@example.test>"
                [[ -n ${5:-} ]] && echo "$5"
                cat <<EOF
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Name of person making the report: Pat Reporter
Directorate: Adult Social Care
The nature of the personal data breach: $4
When did this occur (Date)? $(TZ=Europe/London date -d '-2 hours' '+%d/%m/%Y %H:%M')
How did the personal data breach occur? Sent to the wrong address.
EOF
        } >"$1"
}

# --- the database: 0600 in a 0700 directory (a SQLite file's) -------------
ok "breachd --once exits 0 on an empty mailbox" once
if [[ ${E2E_REGISTER:-sqlite} == sqlite ]]; then
        is "$(stat -c %a "$DB")" 600 "the database is created 0600"
        mkdir -p "$TEST_ROOT/state"
        write_breachd_conf "$TEST_ROOT/fresh.conf" "database = \"$TEST_ROOT/state/new/breachd.db\";"
        once "$TEST_ROOT/fresh.conf"
        is "$(stat -c %a "$TEST_ROOT/state/new")" 700 "a directory it creates is 0700"
        is "$(stat -c %a "$TEST_ROOT/state/new/breachd.db")" 600 "and the database in it 0600"
else
        diag "skipped on PostgreSQL: the SQLite file's modes"
fi

# --- loop protection ---------------------------------------------------------
n_loop=0
for f in "$HOSTILE"/loop-*.eml "$HOSTILE"/read-receipt.eml "$HOSTILE"/bounce-*.eml; do
        append "$f"
        n_loop=$((n_loop + 1))
done
append "$HOSTILE/outsider.eml"
append "$HOSTILE/auto-submitted-no.eml"
ok "a pass over $n_loop automatic messages, one from outside and one person's" once
is "$(imap_count breach@example.test Automatic)" "$n_loop" "every automatic message is filed quietly in Automatic"
is "$(imap_count breach@example.test Quarantine)" 1 "the one from outside is quarantined"
is "$(imap_count breach@example.test INBOX)" 0 "none is left in the inbox"
for f in "$HOSTILE"/loop-*.eml; do
        rule=$(sed -n 's/^reason: automatic message, no reply sent: //p' "${f%.eml}.expect")
        like "$(cat "$LOG")" "filed quietly in Automatic: automatic message, no reply sent: $rule" "no reply: $rule"
done
like "$(cat "$LOG")" "filed quietly in Automatic: automatic message, no reply sent: a read receipt|multipart/report" \
        "a read receipt is recognised"
like "$(cat "$LOG")" "quarantined: sender someone@elsewhere.test is not in the staff domains, no reply sent" \
        "an outsider is quarantined without reply"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'ack'")" 1 \
        "the only acknowledgement queued is to the person who wrote \"Auto-Submitted: no\""
is "$(sql "SELECT rcpts FROM outbox WHERE kind = 'ack'")" "sam.jones@example.test" "... sam.jones"
# sam.jones has no mailbox: Postfix refuses the acknowledgement at RCPT.
is "$(sql "SELECT state FROM outbox WHERE kind = 'ack'")" failed "an acknowledgement refused by the server fails"
once    # sends the notice that refusal queued
ok "the DPO is told the acknowledgement was refused" wait_for_mail dpo@example.test INBOX 2 ||
        diag "$(grep -E 'outbox|refused|delivery' "$LOG"; sql "SELECT id, kind, state, next_attempt_at, last_error FROM outbox")"
ok "... by the delivery-failed notice" imap_search dpo@example.test INBOX Subject "Acknowledgement not delivered to sam.jones@example.test" >/dev/null

# --- a bounce of our acknowledgement, a real Postfix DSN ----------------------
report "$TEST_ROOT/ghost.eml" "Ghost Writer <ghost@example.test>" ghost-1 "USB stick lost"
append "$TEST_ROOT/ghost.eml"
once
ghost_ref=$(sql "SELECT ref FROM incidents WHERE from_addr = 'ghost@example.test'")
like "$ghost_ref" '^DB20[0-9]+' "the ghost's report is filed ($ghost_ref)"
is "$(sql "SELECT state FROM outbox WHERE kind = 'ack' AND rcpts = 'ghost@example.test'")" sent \
        "Postfix accepted the acknowledgement"
ok "Postfix's delivery report comes back to the mailbox" wait_for_mail breach@example.test INBOX 1
# The DPO's notice of the ghost's report may still be on its way: count
# once Postfix has delivered it.
postfix_wait_idle
dpo_before=$(imap_count dpo@example.test INBOX)
once
like "$(cat "$LOG")" "delivery report: acknowledgement to ghost@example.test bounced \(dsn report\): 5\.1\.1 .*; the DPO has been told" \
        "the bounce is matched to the acknowledgement and logged"
is "$(sql "SELECT state FROM outbox WHERE kind = 'ack' AND rcpts = 'ghost@example.test'")" bounced \
        "the outbox row is marked bounced"
like "$(ctl show "$ghost_ref")" "delivery_failed ack: acknowledgement to ghost@example.test bounced" \
        "the failure is in the incident's history"
ok "the DPO is told" wait_for_mail dpo@example.test INBOX $((dpo_before + 1))
ok "... that the acknowledgement of $ghost_ref did not reach ghost" \
        imap_search dpo@example.test INBOX Subject "[$ghost_ref] Acknowledgement not delivered to ghost@example.test" >/dev/null
is "$(imap_count breach@example.test Processed)" 3 "the report, the person's one and the DSN are in Processed"
# The same report again (a second DSN, a copy): no second notice.
# A copy under another Message-ID of its own (the quoted one stays).
mailpy fetch breach@example.test Processed --raw --index -1 | tail -n +2 | "$PYTHON" -c '
import re, sys
raw = sys.stdin.buffer.read()
head, sep, body = raw.partition(b"\r\n\r\n")
head = re.sub(rb"(?im)^(Message-Id:\s*<)", rb"\1copy-", head, count=1)
sys.stdout.buffer.write(head + sep + body)' >"$TEST_ROOT/dsn2.eml"
append "$TEST_ROOT/dsn2.eml"
once
like "$(cat "$LOG")" "delivery report, recorded before" "a second report of the same bounce is known"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed'")" 2 \
        "and tells nobody again (two notices: sam.jones and ghost)"
like "$(ctl status)" "Delivery reports: +2 in the last 7 days matched to our mail, filed in Processed" \
        "breachctl status counts the two delivery reports matched to our mail"

# --- an outsider through Postfix ---------------------------------------------
report "$TEST_ROOT/outsider.eml" "Outsider <outsider@elsewhere.test>" outsider-1 "Your data is on the web"
send_mail outsider@elsewhere.test breach@example.test "$TEST_ROOT/outsider.eml"
once
# Whatever that pass sent is in Postfix's hands: once Postfix has delivered
# everything, a reply would be in the mailbox.
postfix_wait_idle
is "$(imap_count outsider@elsewhere.test INBOX)" 0 "an outsider sending through the MTA gets no reply"

# --- the per-address cap -----------------------------------------------------
write_breachd_conf "$TEST_ROOT/cap.conf" 'max_auto_replies_per_day = 2;'
for i in 1 2 3; do
        report "$TEST_ROOT/cap$i.eml" "Pat Reporter <reporter2@example.test>" "cap-$i" "Cap test $i"
        append "$TEST_ROOT/cap$i.eml"
done
once "$TEST_ROOT/cap.conf"
ok "two acknowledgements reach reporter2" wait_for_mail reporter2@example.test INBOX 2
postfix_wait_idle
is "$(imap_count reporter2@example.test INBOX)" 2 "the third is held back by the cap of 2"
like "$(cat "$LOG")" "acknowledgement of DB20[0-9]+ to reporter2@example.test withheld: it had 2 automatic replies in 24 hours" \
        "the held-back acknowledgement is logged"
capped=$(sql "SELECT i.ref FROM audit a JOIN incidents i ON i.id = a.incident_id WHERE a.action = 'auto_reply_capped'")
like "$(ctl show "$capped")" "auto_reply_capped ack: ack to reporter2@example.test withheld" \
        "and in the incident's history"
is "$(sql "SELECT COUNT(*) FROM outbox o JOIN incidents i ON i.id = o.incident_id WHERE o.kind = 'dpo_notice' AND i.subject LIKE 'Cap test%'")" 3 \
        "the DPO is told of all three"
echo "+$((25 * 3600))" >"$CLOCK"
report "$TEST_ROOT/cap4.eml" "Pat Reporter <reporter2@example.test>" "cap-4" "Cap test 4"
append "$TEST_ROOT/cap4.eml"
once "$TEST_ROOT/cap.conf"
ok "a day later reporter2 is answered again" wait_for_mail reporter2@example.test INBOX 3

# --- the size limit -----------------------------------------------------------
write_breachd_conf "$TEST_ROOT/size.conf" 'max_message_size = "4K";' 'max_auto_replies_per_day = 100;'
big() { # FILE FROM ID [EXTRA_HEADER]
        report "$1" "$2" "$3" "Scans of the letters" "${4:-}"
        head -c 9000 /dev/zero | tr '\0' 'x' | fold -w 76 >>"$1"
}
big "$TEST_ROOT/big-staff.eml" "Pat Reporter <reporter@example.test>" big-1
big "$TEST_ROOT/big-outsider.eml" "Outsider <outsider@elsewhere.test>" big-2
big "$TEST_ROOT/big-auto.eml" "Pat Reporter <reporter@example.test>" big-3 "Auto-Submitted: auto-generated"
q_before=$(imap_count breach@example.test Quarantine)
for f in big-staff big-outsider big-auto; do append "$TEST_ROOT/$f.eml"; done
postfix_wait_idle
r_before=$(imap_count reporter@example.test INBOX)
once "$TEST_ROOT/size.conf"
is "$(imap_count breach@example.test Quarantine)" $((q_before + 3)) "the three oversized messages are kept in quarantine"
like "$(cat "$LOG")" "quarantined: message of [0-9]+ bytes is larger than max_message_size \(4096\)" \
        "each refusal is logged with the reason"
ok "the staff sender gets a reply" wait_for_mail reporter@example.test INBOX $((r_before + 1))
ok "... the short one about the size" imap_search reporter@example.test INBOX Subject "Your message was too large to read: Scans of the letters" >/dev/null
append "$TEST_ROOT/big-staff.eml"
once "$TEST_ROOT/size.conf"
postfix_wait_idle
is "$(imap_count reporter@example.test INBOX)" $((r_before + 1)) "one reply only, even when the message comes again"
is "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'too_large'")" 1 "no reply to the outsider nor the automatic sender"

# --- poison messages --------------------------------------------------------------
report "$TEST_ROOT/p1.eml" "Pat Reporter <reporter@example.test>" poison-ok-1 "Before the poison"
# A directorate the configuration does not know yet (see reprocess below).
sed -i 's/^Directorate: .*/Directorate: Public Health/' "$TEST_ROOT/p1.eml"
report "$TEST_ROOT/p2.eml" "Pat Reporter <reporter@example.test>" poison-crash "Crashes the reader" \
        "X-Breachd-Test-Poison: crash"
report "$TEST_ROOT/p3.eml" "Pat Reporter <reporter@example.test>" poison-ok-2 "After the poison"
report "$TEST_ROOT/p4.eml" "Pat Reporter <reporter@example.test>" poison-memory "Eats memory" \
        "X-Breachd-Test-Poison: memory"
for f in p1 p2 p3; do append "$TEST_ROOT/$f.eml"; done
((asan)) || append "$TEST_ROOT/p4.eml"
ok "a pass with poison messages exits 0" once
like "$(cat "$LOG")" "quarantined: poison message: reading it crashed \(SIGSEGV\); it was not read" \
        "a reader that crashes: quarantined with the reason"
if ((asan)); then
        ok "# skip a reader that eats memory: no memory limit under AddressSanitizer"
else
        like "$(cat "$LOG")" "quarantined: poison message: reading it was stopped by SIGABRT \(a failed check, or more memory than the 1024 MiB allowed\)" \
                "a reader that eats memory: stopped and quarantined"
fi
is "$(sql "SELECT COUNT(*) FROM incidents WHERE subject IN ('Before the poison', 'After the poison')")" 2 \
        "the messages around them are filed"
is "$(imap_count breach@example.test INBOX)" 0 "nothing is left in the inbox"
pq=$(ctl reprocess --quarantined --dry-run 2>>"$LOG")
like "$pq" "still quarantined: reading it fails: reading it crashed \(SIGSEGV\)" \
        "reprocess --dry-run leaves the poison message alone"
like "$pq" "quarantined messages read again, 0 would be filed" "and, the configuration unchanged, files nothing"

# --- reprocess after a configuration fix -------------------------------------------
n_inc=$(sql "SELECT COUNT(*) FROM incidents")
cp "$CONF" "$TEST_ROOT/fixed.conf"
sed -i 's/^staff_domains = \[ "example.test" \];/staff_domains = [ "example.test", "elsewhere.test" ];/' "$TEST_ROOT/fixed.conf"
out=$("$BREACHCTL" -c "$TEST_ROOT/fixed.conf" reprocess --quarantined --dry-run 2>>"$LOG")
like "$out" "someone@elsewhere.test.*would be filed: DB20" "--dry-run says the outsider's report would be filed"
is "$(sql "SELECT COUNT(*) FROM incidents")" "$n_inc" "--dry-run changes nothing"
out=$("$BREACHCTL" -c "$TEST_ROOT/fixed.conf" reprocess --quarantined 2>>"$LOG")
like "$out" "someone@elsewhere.test.*filed: DB20" "once elsewhere.test is staff, the quarantined report is filed"
like "$out" "[0-9]+ quarantined messages read again, [0-9]+ filed" "with a count"
is "$(sql "SELECT COUNT(*) FROM incidents WHERE from_addr IN ('someone@elsewhere.test', 'outsider@elsewhere.test')")" 2 \
        "both reports from elsewhere.test are filed"
is "$(sql "SELECT COUNT(*) FROM incidents")" $((n_inc + 2)) "and nothing else"
like "$(sql "SELECT COUNT(*) FROM outbox o JOIN incidents i ON i.id = o.incident_id WHERE i.from_addr = 'outsider@elsewhere.test' AND o.kind = 'ack'")" '^1$' \
        "the filed report's acknowledgement is queued"
# An incident re-read once its directorate is configured: the answer reads.
ref=$(sql "SELECT ref FROM incidents WHERE subject = 'Before the poison'")
like "$(ctl show "$ref")" "Unclear:.*directorate" "a directorate that is not configured is unclear"
sed -i 's/"Finance and Resources" );/"Finance and Resources", "Public Health" );/' "$TEST_ROOT/fixed.conf"
out=$("$BREACHCTL" -c "$TEST_ROOT/fixed.conf" reprocess "$ref" --dry-run)
like "$out" "would be updated \(dry run\)" "reprocess REF --dry-run"
unlike "$(ctl show "$ref")" "reprocess directorate" "changes nothing"
out=$("$BREACHCTL" -c "$TEST_ROOT/fixed.conf" reprocess "$ref")
like "$out" "Directorate: \"Public Health \(not understood\)\" -> \"Public Health\"" \
        "reprocess REF shows the answer that now reads"
like "$(ctl show "$ref")" "reprocess directorate from \"Public Health \(not understood\)\": Public Health" \
        "and records it in the history"
unlike "$("$BREACHCTL" -c "$TEST_ROOT/fixed.conf" show "$ref")" "Unclear:.*directorate" "it is no longer unclear"

# --- retention ------------------------------------------------------------------
write_breachd_conf "$TEST_ROOT/retain.conf" 'retention_days = 1;'
echo "+$((3 * 86400))" >"$CLOCK"
raw_before=$(sql "SELECT COUNT(*) FROM messages WHERE raw IS NOT NULL")
out=$("$BREACHCTL" -c "$TEST_ROOT/retain.conf" purge)
like "$out" "purged $raw_before raw messages and the text of [0-9]+ sent mails older than 1 day" "breachctl purge"
is "$(sql "SELECT COUNT(*) FROM messages WHERE raw IS NOT NULL")" 0 "no raw message is left"
is "$(sql "SELECT COUNT(*) FROM incidents")" $((n_inc + 2)) "every incident is kept"
like "$("$BREACHCTL" -c "$TEST_ROOT/retain.conf" reprocess "$ref" 2>&1)" "raw message was purged" \
        "a purged report cannot be re-read, and says why"
echo "+0" >"$CLOCK"

# --- TLS ---------------------------------------------------------------------------
tls_conf() { # FILE [imap-ca] [smtp-ca]
        write_breachd_conf "$1"
        sed -i "s/port = $IMAP_PORT;/port = $IMAPS_PORT;/; 0,/tls = \"none\";/s//tls = \"imaps\";/" "$1"
        sed -i "0,/tls = \"none\";/s//tls = \"starttls\";/" "$1"
        [[ ${2:-} == imap-ca ]] && sed -i "s|  tls = \"imaps\";|&\n  ca_file = \"$CERTS/cert.pem\";|" "$1"
        [[ ${3:-} == smtp-ca ]] && sed -i "s|  tls = \"starttls\";|&\n  ca_file = \"$CERTS/cert.pem\";|" "$1"
        return 0
}
tls_conf "$TEST_ROOT/tls1.conf"
"$BREACHD" -c "$TEST_ROOT/tls1.conf" --once >"$TEST_ROOT/tls1.log" 2>&1
is "$?" 1 "IMAPS with a self-signed certificate is refused"
like "$(cat "$TEST_ROOT/tls1.log")" "TLS certificate of 127.0.0.1 is not trusted: .*\(set mailbox.ca_file to trust a private CA\)" \
        "with a clear error"
tls_conf "$TEST_ROOT/tls2.conf" imap-ca
report "$TEST_ROOT/tls.eml" "Pat Reporter <reporter@example.test>" tls-1 "Over TLS"
append "$TEST_ROOT/tls.eml"
"$BREACHD" -c "$TEST_ROOT/tls2.conf" --once >"$TEST_ROOT/tls2.log" 2>&1
like "$(cat "$TEST_ROOT/tls2.log")" "filed DB20[0-9]+ from reporter@example.test" "accepted once mailbox.ca_file names it"
like "$(cat "$TEST_ROOT/tls2.log")" "SMTP: TLS certificate of 127.0.0.1 is not trusted: .*\(set smtp.ca_file to trust a private CA\)" \
        "SMTP STARTTLS with the same certificate is refused, clearly"
is "$(sql "SELECT COUNT(*) FROM outbox o JOIN incidents i ON i.id = o.incident_id WHERE i.subject = 'Over TLS' AND o.state = 'queued'")" 2 \
        "its mail stays queued"
tls_conf "$TEST_ROOT/tls3.conf" imap-ca smtp-ca
sql "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'queued'"
"$BREACHD" -c "$TEST_ROOT/tls3.conf" --once >"$TEST_ROOT/tls3.log" 2>&1
like "$(cat "$TEST_ROOT/tls3.log")" "outbox: [0-9]+ sent, 0 deferred" "sent once smtp.ca_file names it"

# --- the daemon through outages -------------------------------------------------
write_breachd_conf "$TEST_ROOT/daemon.conf" 'alert_after_failures = 2;' 'max_auto_replies_per_day = 100;'
# Polled every 5 s rather than woken by IDLE: the outbox is retried at each poll.
sed -i 's/^  quarantine_folder = "Quarantine";/&\n  idle = false;/' "$TEST_ROOT/daemon.conf"
DLOG=$TEST_ROOT/daemon.log
"$BREACHD" -c "$TEST_ROOT/daemon.conf" >"$DLOG" 2>&1 &
dpid=$!
harness_on_exit "kill $dpid 2>/dev/null"
report "$TEST_ROOT/d1.eml" "Pat Reporter <reporter2@example.test>" outage-1 "Before the outage"
r2=$(imap_count reporter2@example.test INBOX)
append "$TEST_ROOT/d1.eml"
ok "the daemon files and acknowledges" wait_for_mail reporter2@example.test INBOX $((r2 + 1))
dovecot_stop
# wait_log PATTERN [N] -- wait until the daemon's log has N (default 1)
# lines matching PATTERN.
_log_has() { (($(grep -Ec "$1" "$DLOG") >= $2)); }
wait_log() {
        wait_until "$TEST_WAIT_SECONDS" _log_has "$1" "${2:-1}" && return 0
        echo "wait_log: not ${2:-1} line(s) matching /$1/ in $DLOG after $TEST_WAIT_SECONDS s" >&2
        return 1
}
ok "with Dovecot down, the daemon logs and backs off" wait_log "retrying the mailbox in [0-9]+ s \(2 consecutive failures\)"
ok "after 2 failures it alerts the admin" wait_log "told admin@example.test that the mailbox cannot be read"
ok "and keeps running" kill -0 $dpid
# (dovecot_start has Postfix retry at once what it could not deliver
# meanwhile: the alert, if the daemon sent it before this.)
dovecot_start
ok "when Dovecot is back the daemon says so" wait_log "mailbox reachable again after [0-9]+ failures"
ok "and tells the admin" wait_log "told admin@example.test that the mailbox can be read again"
ok "the admin gets both mails" wait_for_mail admin@example.test INBOX 2 ||
        diag "$(grep -E 'outbox|admin' "$DLOG"; sql "SELECT id, kind, state, attempts, next_attempt_at, last_error FROM outbox WHERE kind LIKE 'admin%'"; grep -F 'admin@' "$TEST_ROOT/log/postfix.log")"
ok "... the alert" imap_search admin@example.test INBOX Subject "breachd cannot read the breach-report mailbox" >/dev/null
ok "... and the recovery" imap_search admin@example.test INBOX Subject "breachd can read the breach-report mailbox again" >/dev/null
postfix_stop
report "$TEST_ROOT/d2.eml" "Pat Reporter <reporter2@example.test>" outage-2 "During the SMTP outage"
append "$TEST_ROOT/d2.eml"
# (the second such line: the first is the report before the IMAP outage)
ok "with Postfix down, the report is filed" wait_log "filed DB20[0-9]+ from reporter2@example.test" 2
ok "and its mail deferred" wait_log "outbox: 0 sent, [0-9]+ deferred.*cannot connect to SMTP server"
# Twice round its loop after that (the first may end the pass that
# deferred): it did not stop over the deferral.
daemon_cycle_mark "$DB"
daemon_wait_cycle "$DB" && daemon_cycle_mark "$DB" && daemon_wait_cycle "$DB"
ok "the daemon is still running" kill -0 $dpid
postfix_start
# The retry is 30 s away; move the test clock past it.
echo "+60" >"$CLOCK"
ok "after Postfix is back, the acknowledgement is delivered" wait_for_mail reporter2@example.test INBOX $((r2 + 2))
kill -TERM $dpid
wait $dpid
is "$?" 0 "the daemon stops cleanly at the end"
unlike "$(grep -c . "$DLOG")" '^0$' "the daemon logged"

# --- no secret in any log -------------------------------------------------------------
leaks=$(grep -l -F "$PW" "$TEST_ROOT"/*.log 2>/dev/null | tr '\n' ' ')
is "$leaks" "" "the mailbox password is in no breachd log"

done_testing

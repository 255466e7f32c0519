#!/usr/bin/env bash
# Real-world MIME that nobody here wrote, through the real servers: every
# test message of Python's email package and of enmime (read in place from
# their Debian packages, as tests/unit/test_public_corpus.c reads them) is
# put in the private Dovecot's inbox byte for byte, and the daemon runs.
# Every message must end recorded: filed, handled, quarantined with a reason
# or filed quietly as automatic mail with its reason; none may crash or
# hang the reader; the daemon must keep running; the inbox must end empty;
# the folders and breachctl status must agree with the register.  The
# senders' domains are made staff domains, so that what can be filed is.
# Test messages share Message-IDs (enmime's, fourteen of them one): a later
# one is recorded as a copy of the first ("duplicate"), after the worker
# has read it like any other.
# Every wait waits for the event it checks.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

PY_DATA=/usr/lib/python3.11/test/test_email/data
ENMIME=/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata
files=()
if [[ -n ${BREACHD_PUBLIC_CORPUS:-} ]]; then
        IFS=: read -ra dirs <<<"$BREACHD_PUBLIC_CORPUS"
        for d in "${dirs[@]}"; do
                for f in "$d"/*; do [[ -f $f ]] && files+=("$f"); done
        done
else
        for f in "$PY_DATA"/msg_*.txt "$ENMIME"/mail/*.raw "$ENMIME"/low-quality/*.raw "$ENMIME"/parts/*.raw; do
                [[ -f $f ]] && files+=("$f")
        done
fi
n=${#files[@]}
((n >= 100)) || bail_out "the public corpus is not installed ($n messages): make deps (scripts/deps.sh)"

e2e_open
# The domains of the senders (From:), as staff domains beside example.test.
domains=$("$PYTHON" - "${files[@]}" <<'EOF'
import email, email.policy, re, sys
seen = {"example.test"}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        try:
            m = email.message_from_binary_file(f, policy=email.policy.compat32)
            frm = str(m.get("From", ""))
        except Exception:
            continue
    for d in re.findall(r"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", frm):
        seen.add(d.lower())
print(", ".join('"%s"' % d for d in sorted(seen)))
EOF
)
e2e_conf public "staff_domains = [ $domains ];" 'max_auto_replies_per_day = 1000;'   # $CONF, $LOG, $DB
ctl() { "$BREACHCTL" -c "$CONF" "$@"; }
sql() { e2e_sql "$DB" "$@"; }
recorded() { (($(sql "SELECT COUNT(*) FROM messages" 2>/dev/null || echo 0) >= n)); }
inbox_empty() { (($(imap_count breach@example.test INBOX) == 0)); }
ok "the configuration with the senders' domains is valid" "$BREACHD" -c "$CONF" --check-config

appended=0
for f in "${files[@]}"; do
        append_mail breach@example.test INBOX "$f" >/dev/null && appended=$((appended + 1))
done
is "$appended" "$n" "all $n messages are in the inbox"

ok "the daemon starts" e2e_daemon
ok "every message is recorded in the register" wait_until "$TEST_WAIT_SECONDS" recorded ||
        diag "$(sql "SELECT COUNT(*) FROM messages") of $n; $(tail -5 "$LOG")"
ok "the inbox is empty" wait_until "$TEST_WAIT_SECONDS" inbox_empty ||
        diag "$(imap_count breach@example.test INBOX) left"
ok "the daemon is still running" kill -0 "$pid"
is "$(sql "SELECT COUNT(*) FROM messages")" "$n" "one row for each message"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition NOT IN
                ('report', 'followup', 'ignored', 'duplicate', 'quarantine', 'automatic')")" 0 \
        "each is filed, a follow-up, handled, a copy, quarantined or automatic"
is "$(sql "SELECT COUNT(*) FROM messages WHERE disposition IN ('quarantine', 'automatic', 'ignored')
                AND (reason IS NULL OR reason = '')")" 0 "each one quarantined, automatic or ignored has a reason"
is "$(sql "SELECT COUNT(*) FROM messages WHERE reason LIKE 'poison message%'")" 0 \
        "no message crashed or hung the reader" ||
        diag "$(sql "SELECT subject, reason FROM messages WHERE reason LIKE 'poison message%'")"
unlike "$(cat "$LOG")" "poison message|reading it crashed|took too long|Assertion|AddressSanitizer|runtime error" \
        "the log tells of no crash"
reports=$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'report'")
quarantined=$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'quarantine'")
automatic=$(sql "SELECT COUNT(*) FROM messages WHERE disposition = 'automatic'")
diag "$n messages: $reports filed, $quarantined quarantined, $automatic automatic," \
        "$(sql "SELECT COUNT(*) FROM messages WHERE disposition NOT IN ('report', 'quarantine', 'automatic')") other"
ok "some are filed as reports ($reports)" test "$reports" -gt 0
ok "some are quarantined ($quarantined)" test "$quarantined" -gt 0
ok "some are automatic mail ($automatic)" test "$automatic" -gt 0
is "$(sql "SELECT COUNT(*) FROM incidents")" "$reports" "one incident for each report"
is "$(imap_count breach@example.test Quarantine)" "$quarantined" "the Quarantine folder holds the quarantined ones"
is "$(imap_count breach@example.test Automatic)" "$automatic" "the Automatic folder holds the automatic ones"
is "$(imap_count breach@example.test Processed)" $((n - quarantined - automatic)) "Processed holds the rest"
status=$(ctl status)
like "$status" "Quarantined messages: +$quarantined" "breachctl status counts the quarantined"
like "$status" "Automatic mail: +$automatic in the last 7 days" "... and the automatic mail"
like "$status" "Open incidents: +$reports" "... and the incidents"
out=$(ctl reprocess --quarantined --dry-run 2>&1)
like "$out" "$quarantined quarantined messages? read again" "every quarantined message reads again in the worker" ||
        diag "$(tail -3 <<<"$out")"
unlike "$out" "reading it fails" "... none crashes it"
if [[ -z ${BREACHD_PUBLIC_CORPUS:-} ]]; then
        # Python's msg_43.txt: a content filter's delivery report from
        # "MAILER DAEMON <>" was quarantined for want of a sender.
        is "$(sql "SELECT disposition FROM messages WHERE message_id LIKE '%edab.7804f5cb8070@python.org%'")" \
                automatic "a delivery report from \"MAILER DAEMON <>\" is automatic mail, not quarantined"
fi
ok "the daemon is still running at the end" kill -0 "$pid"
done_testing

#!/usr/bin/env bash
# test_harness.sh -- the end-to-end harness tests itself: private Dovecot and
# Postfix start, deliver, survive restarts and leave nothing behind.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/servers.sh"

elapsed_ms() { # START -- milliseconds since START (an $EPOCHREALTIME value)
        echo $(( (${EPOCHREALTIME/./} - ${1/./}) / 1000 ))
}

elapsed() { # START -- seconds since START, for diagnostics
        local ms
        ms=$(elapsed_ms "$1")
        printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

port_open() { # PORT -- true if something accepts connections on PORT
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# mail_file NAME SUBJECT [FROM] -- write a small RFC 5322 message; prints its path.
mail_file() {
        local f=$TEST_ROOT/$1.eml
        printf '%s\r\n' "From: Test Reporter <${3:-reporter@example.test}>" \
                "To: Data Breach Reporting <breach@example.test>" \
                "Subject: $2" \
                "Date: Fri, 21 Nov 2025 10:00:00 +0000" \
                "Message-ID: <$1.$$@example.test>" \
                "MIME-Version: 1.0" \
                "Content-Type: text/plain; charset=utf-8" \
                "" \
                "Body of $1." \
                ".leading dot must survive" >"$f"
        echo "$f"
}

t0=$EPOCHREALTIME
servers_start || bail_out "servers did not start"
diag "servers_start took $(elapsed "$t0") s (IMAP $IMAP_PORT, SMTP $SMTP_PORT, root $TEST_ROOT)"

# --- basic wiring ------------------------------------------------------------
ok "IMAP port accepts connections" port_open "$IMAP_PORT"
ok "SMTP port accepts connections" port_open "$SMTP_PORT"
caps=$(mailpy capability breach@example.test)
like " $caps " " MOVE " "IMAP offers MOVE"
like " $caps " " UIDPLUS " "IMAP offers UIDPLUS"
like " $caps " " IDLE " "IMAP offers IDLE"
t0=$EPOCHREALTIME
is "$(imap_count breach@example.test INBOX)" 0 "breach's INBOX starts empty"
base=$(elapsed_ms "$t0")   # what a good login costs now, before any failure
mailpy --password wrong count breach@example.test INBOX >/dev/null 2>&1
isnt "$?" 0 "a wrong password is refused"
# Dovecot's auth penalty would hold each login after a failed one from the
# same address: 2 s after one failure, 4, 8, and 15 s after four.  Three
# more (each wrong in its own way: a repeated password does not count), so
# that a penalty could not hide in the time a login takes on a loaded
# machine (seconds) however slow it is.
for pw in wrong2 wrong3 wrong4; do
        mailpy --password "$pw" count breach@example.test INBOX >/dev/null 2>&1
done
t0=$EPOCHREALTIME
is "$(imap_count breach@example.test INBOX)" 0 "a good login right after failed ones works"
ms=$(elapsed_ms "$t0")
# Measured against a good login before the failures rather than a fixed
# bound, so that a loaded machine (seconds per login) does not fail it: the
# penalty would add 15 s on top.
ok "... without the auth penalty delay, 15 s after four failures (took $ms ms, before them $base ms)" \
        test "$ms" -lt $((2 * base + 12000))

# --- SMTP to IMAP ------------------------------------------------------------
m1=$(mail_file m1 "Harness test one")
t0=$EPOCHREALTIME
ok "send_mail reporter -> breach over SMTP" send_mail reporter@example.test breach@example.test "$m1"
diag "send_mail including delivery took $(elapsed "$t0") s"
is "$(imap_count breach@example.test INBOX)" 1 "the mail is in breach's INBOX"
all=$(imap_fetch_all breach@example.test INBOX)
like "$all" $'(^|\n)==== message 1 uid [0-9]+ ====\n' "imap_fetch_all marks the message"
like "$all" $'\nSubject: Harness test one\n' "fetched message has its Subject"
like "$all" $'\nBody of m1\\.\n\\.leading dot must survive' "body and dot-stuffed line intact"
unlike "$all" $'\r' "imap_fetch_all gives LF line endings"
like "$all" $'\nReceived: from [^\n]*127\\.0\\.0\\.1' "it went through Postfix"

m2=$(mail_file m2 "Plus addressed")
ok "send to breach+tag@example.test" send_mail reporter2@example.test breach+tag@example.test "$m2"
is "$(imap_count breach@example.test INBOX)" 2 "plus-addressed mail lands in breach's INBOX"
uids=$(imap_search breach@example.test INBOX Subject "plus ADDRESSED")
is "$(wc -w <<<"$uids")" 1 "search-header finds it, case-insensitively"
ok "search-header fails when nothing matches" \
        bash -c '! "$0" "$1" search-header breach@example.test INBOX Subject "no such subject" 2>/dev/null' \
        "$PYTHON" "$MAIL_PY"

m3=$(mail_file m3 "To two")
ok "one mail to two recipients" send_mail reporter@example.test dpo@example.test,siro@example.test "$m3"
is "$(imap_count dpo@example.test INBOX)$(imap_count siro@example.test INBOX)" 11 "both got it"

ok "mail for an unknown user is refused at RCPT" \
        bash -c '! "$0" "$1" send --from reporter@example.test --to nobody@example.test "$2" 2>/dev/null' \
        "$PYTHON" "$MAIL_PY" "$m1"
out=$(mailpy send --from reporter@example.test --to someone@example.com "$m1" 2>&1)
like "$out" 'refused: 550 .*deliver nowhere' "mail for any other domain is refused (error transport)"

# --- IMAP APPEND, exact bytes ------------------------------------------------
raw=$TEST_ROOT/raw.eml
printf 'From: x@example.test\r\nSubject: raw\r\n\r\ntrailing space \r\n8bit \xe9\xff\r\n.\r\n' >"$raw"
uid=$(append_mail breach@example.test Quarantine "$raw")
like "$uid" '^[0-9]+$' "append_mail prints the new UID"
mailpy fetch --raw breach@example.test Quarantine --index 1 | tail -n +2 >"$TEST_ROOT/raw.back"
ok "the appended bytes come back unchanged" cmp -s "$raw" "$TEST_ROOT/raw.back"
like "$(imap_folders breach@example.test)" $'(^|\n)Quarantine(\n|$)' "append created the folder"
is "$(imap_count breach@example.test Processed)" 0 "imap_count of a missing folder is 0"
t0=$EPOCHREALTIME
wait_for_mail breach@example.test Processed 1 1 2>/dev/null
isnt "$?" 0 "wait_for_mail fails when the mail does not come"
ms=$(elapsed_ms "$t0")
# Not before its 1 s, and long before the default (TEST_WAIT_SECONDS, 120 s):
# the rest is starting Python and logging in, seconds on a loaded machine.
ok "... after its 1 s timeout (took $ms ms)" test "$ms" -ge 1000 -a "$ms" -lt 60000

# --- users added on the fly -----------------------------------------------------
ok "servers_add_user after start" servers_add_user late@example.test s3cret
m4=$(mail_file m4 "For a late user")
ok "mail to the new user is accepted" send_mail reporter@example.test late@example.test "$m4"
is "$(imap_count late@example.test INBOX)" 1 "and delivered"

# --- breachd.conf ------------------------------------------------------------
conf=$TEST_ROOT/breachd.conf
write_breachd_conf "$conf" 'batch_size = 7;'
like "$(cat "$conf")" "port = $IMAP_PORT;" "the config names the IMAP port"
like "$(cat "$conf")" "port = $SMTP_PORT;" "the config names the SMTP port"
is "$(stat -c %a "$TEST_ROOT/imap.secret")" 600 "the password file is 0600"
is "$(cat "$TEST_ROOT/imap.secret")" secret "and holds breach's password"
write_breachd_conf "$conf.db" "database = \"$TEST_ROOT/other.db\";"
is "$(grep -c '^database = ' "$conf.db")" 1 "an extra database line replaces the standard one"
like "$(cat "$conf.db")" "database = \"$TEST_ROOT/other.db\";" "... with its own path"
if cc=$(command -v cc) && pkg-config --exists libconfig; then
        cat >"$TEST_ROOT/cfgcheck.c" <<'EOF'
#include <libconfig.h>
#include <stdio.h>
int main(int argc, char **argv)
{
        config_t c;
        int port = 0, batch = 0;
        config_init(&c);
        if (!config_read_file(&c, argv[1])) {
                fprintf(stderr, "%s:%d: %s\n", argv[1], config_error_line(&c), config_error_text(&c));
                return 1;
        }
        config_lookup_int(&c, "mailbox.port", &port);
        config_lookup_int(&c, "batch_size", &batch);
        printf("%d %d %d\n", port, batch, config_setting_length(config_lookup(&c, "directorates")));
        config_destroy(&c);
        return 0;
}
EOF
        "$cc" -o "$TEST_ROOT/cfgcheck" "$TEST_ROOT/cfgcheck.c" $(pkg-config --cflags --libs libconfig)
        is "$("$TEST_ROOT/cfgcheck" "$conf")" "$IMAP_PORT 7 4" "libconfig parses it, extra line included"
        write_breachd_conf "$conf.2" 'batch_size = 9;' 'directorates = ( "Public Health" );'
        is "$("$TEST_ROOT/cfgcheck" "$conf.2")" "$IMAP_PORT 9 1" "an extra line replaces the standard setting of its name"
else
        not_ok "libconfig parses the config" "no C compiler or libconfig (make deps)"
fi

# --- outages -----------------------------------------------------------------
dpid=$_SRV_DOVECOT_PID
t0=$EPOCHREALTIME
dovecot_stop
diag "dovecot_stop took $(elapsed "$t0") s"
ok "Dovecot's master is gone" _srv_gone "$dpid"
ok "IMAP port closed while Dovecot is down" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0") 2>/dev/null' "$IMAP_PORT"
m5=$(mail_file m5 "Sent during the outage")
qid=$(mailpy send --no-wait --from reporter@example.test --to breach@example.test "$m5")
like "$qid" '^[0-9A-F]+$' "Postfix accepts mail while Dovecot is down"
postfix_idle
isnt "$?" 0 "postfix_idle: it is in Postfix's queue"
t0=$EPOCHREALTIME
ok "dovecot_start on the same port" dovecot_start
diag "dovecot_start took $(elapsed "$t0") s"
ok "the queued mail arrives after the restart" wait_for_mail breach@example.test INBOX 3
is "$(imap_count breach@example.test Quarantine)" 1 "mail stored before the outage is still there"
ok "postfix_wait_idle: Postfix's queue is empty once it is delivered" postfix_wait_idle
t0=$EPOCHREALTIME
wait_until 1 false
isnt "$?" 0 "wait_until fails when the condition never holds"
ms=$(elapsed_ms "$t0")
ok "... after its bound, not the default 120 s (took $ms ms)" test "$ms" -ge 1000 -a "$ms" -lt 60000
ok "wait_until succeeds when the condition holds" wait_until 1 true

postfix_stop
ok "SMTP port closed while Postfix is down" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0") 2>/dev/null' "$SMTP_PORT"
ok "postfix_start on the same port" postfix_start
m6=$(mail_file m6 "After the Postfix restart")
ok "Postfix delivers after its restart" send_mail reporter@example.test breach@example.test "$m6"
is "$(imap_count breach@example.test INBOX)" 4 "all four mails in breach's INBOX"

# --- teardown ----------------------------------------------------------------
dpid=$_SRV_DOVECOT_PID ppid=$_SRV_POSTFIX_PID
t0=$EPOCHREALTIME
servers_stop
diag "servers_stop took $(elapsed "$t0") s"
ok "Dovecot's master is gone" _srv_gone "$dpid"
ok "Postfix's master is gone" _srv_gone "$ppid"
left=$(ps -eo stat=,args= | grep -F -- "$TEST_ROOT" | grep -v '^Z' | grep -v grep)
is "$left" "" "no process of the test servers is left"
left=$(ps -o stat= -g "$dpid,$ppid" | grep -vc '^Z')
is "$left" 0 "nor any of their children"
ok "IMAP port closed" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0") 2>/dev/null' "$IMAP_PORT"
ok "SMTP port closed" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0") 2>/dev/null' "$SMTP_PORT"

done_testing

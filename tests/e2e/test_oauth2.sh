#!/usr/bin/env bash
# OAuth2 (issue 6): SASL XOAUTH2 / OAUTHBEARER for IMAP and SMTP with the
# access token printed by a configured command, against Dovecot's oauth2
# passdb and a local token-introspection endpoint (no cloud), and Postfix
# SMTP AUTH through Dovecot.  A refused token is logged clearly and the
# command is run again at the next attempt, so a refreshed token is used.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

IPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OAUTH_DIR=$(mktemp -d)
harness_on_exit "rm -rf $OAUTH_DIR"
TOKENS=$OAUTH_DIR/tokens
echo "good-token-1 breach@example.test" >"$TOKENS"
python3 tests/lib/introspect.py "$IPORT" "$TOKENS" &
ipid=$!
harness_on_exit "kill $ipid 2>/dev/null"
# Dovecot asks it at the first login: it must be listening by then.
introspect_up() { (exec 3<>"/dev/tcp/127.0.0.1/$IPORT") 2>/dev/null; }
wait_until "$TEST_WAIT_SECONDS" introspect_up || bail_out "the introspection endpoint did not start"
cat >"$OAUTH_DIR/oauth2.conf" <<CONF
introspection_mode = post
introspection_url = http://127.0.0.1:$IPORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
CONF
chmod 0755 "$OAUTH_DIR"; chmod 0644 "$OAUTH_DIR/oauth2.conf"
DOVECOT_EXTRA_CONF="
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $OAUTH_DIR/oauth2.conf
}"
POSTFIX_EXTRA_MAIN_CF="
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = \$queue_directory/../dovecot/run/auth-postfix"
e2e_open plain
# smtpd_sasl_path is relative to the queue directory; make it absolute.
sed -i "s|^smtpd_sasl_path = .*|smtpd_sasl_path = $TEST_ROOT/dovecot/run/auth-postfix|" "$TEST_ROOT/postfix/main.cf"
postfix_stop; postfix_start

TOKEN_FILE=$OAUTH_DIR/current-token
echo "good-token-1" >"$TOKEN_FILE"
e2e_conf breachd
python3 - "$CONF" "$TOKEN_FILE" <<'PY'
import re, sys
conf, tok = sys.argv[1], sys.argv[2]
s = open(conf).read()
s = re.sub(r'password_file = "[^"]*";', 'auth = "xoauth2"; token_command = "cat %s";' % tok, s, count=1)
s = s.replace('from = "Data Breach Reporting <breach@example.test>";',
              'from = "Data Breach Reporting <breach@example.test>"; auth = "oauthbearer"; '
              'user = "breach@example.test"; token_command = "cat %s";' % tok)
open(conf, "w").write(s)
PY
ok "OAuth2 configuration is valid" "$BREACHD" -c "$CONF" --check-config

cat >"$TEST_ROOT/r1.eml" <<MAIL
From: Reporter <reporter@example.test>
To: breach@example.test
Subject: OAuth2 report
Message-ID: <oauth-1@example.test>
Date: $(date -R)

What happened: a laptop was left on a train.
MAIL
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r1.eml" >/dev/null
"$BREACHD" -c "$CONF" --once >"$TEST_ROOT/run1.log" 2>&1
is "$?" 0 "--once logs in with XOAUTH2 and sends with OAUTHBEARER"
is "$(imap_count breach@example.test Processed)" 1 "the report was filed over the OAuth2 session"
ok "the acknowledgement arrived" wait_for_mail reporter@example.test INBOX 1
like "$(cat "$TEST_ROOT/log/postfix.log")" "sasl_method=OAUTHBEARER, sasl_username=breach@example.test" "Postfix saw SMTP AUTH OAUTHBEARER"
like "$(cat "$TOKENS.log")" "good-token-1" "the token from the command was introspected"

# The token expires: the IMAP login is refused with a clear line.
echo "good-token-2 breach@example.test" >"$TOKENS"
cat >"$TEST_ROOT/r2.eml" <<MAIL
From: Reporter <reporter@example.test>
To: breach@example.test
Subject: OAuth2 report two
Message-ID: <oauth-2@example.test>
Date: $(date -R)

What happened: a letter went to the wrong address.
MAIL
send_mail reporter@example.test breach@example.test "$TEST_ROOT/r2.eml" >/dev/null
"$BREACHD" -c "$CONF" --once >"$TEST_ROOT/run2.log" 2>&1
is "$?" 1 "an expired token fails the run"
like "$(cat "$TEST_ROOT/run2.log")" "cannot connect to IMAP server.*(AUTHENTICATIONFAILED|refused|invalid)" "the refused token gets one clear line"
unlike "$(cat "$TEST_ROOT/run2.log")" "good-token" "the token itself is never logged"

# The helper refreshes the token: the command is run again and it works.
echo "good-token-2" >"$TOKEN_FILE"
"$BREACHD" -c "$CONF" --once >"$TEST_ROOT/run3.log" 2>&1
is "$?" 0 "after the refresh the command's new token is used"
is "$(imap_count breach@example.test Processed)" 2 "the second report is filed"
like "$(tail -5 "$TOKENS.log")" "good-token-2" "the new token was presented"

done_testing

#!/usr/bin/env bash
# test_system.sh -- breachd installed and run exactly as README's "Running in
# production" says, under a real systemd (PID 1): a Debian 12 booted in a
# systemd-nspawn container (tests/system/container.sh), with its own Dovecot
# and Postfix on loopback ports this test picks.
#
#   make install DESTDIR=<container> PREFIX=/usr, systemd-sysusers,
#   systemd-tmpfiles --create, the passwords as LoadCredential= in a drop-in,
#   systemctl enable --now breachd; then, each a TAP line:
#   - READY: the unit is active and STATUS= says "last poll";
#   - a report mailed through the container's Postfix is filed (breachctl
#     list) and acknowledged (the reporter's mailbox, read over IMAP);
#   - the journal: INCIDENT_REF= and EMAIL_MESSAGE_ID= on the filing, no
#     MESSAGE_ID= (journald's catalog ids), CODE_FILE/LINE/FUNC of the caller
#     (not src/base/log.c), no empty field; journalctl -x finds no missing
#     catalog entry;
#   - systemctl reload: a harmless edit is applied; a syntax error, and a
#     database the sandbox makes read-only (which --check-config cannot
#     see), make it fail while the daemon keeps running;
#   - the reload data-loss defect: reload, breachctl list, three more
#     reports, SIGKILL, Restart=: all four incidents are in the register and
#     the daemon never holds a deleted -wal or -shm file;
#   - systemctl kill -s KILL: Restart=on-failure brings it back;
#   - systemctl stop: finishes (the seconds as a diag line), exit status 0;
#   - the watchdog: WatchdogSec=5s, SIGSTOP: systemd restarts it;
#   - systemd-analyze security breachd (online): exposure at most 2.0.
#
# Needs root, systemd-container, debootstrap (make deps), the built
# ./breachd and ./breachctl (make check-system builds them), and the Debian
# mirror the first time (the container's tree is then cached under
# /var/cache/breachd-test).  Every wait polls for what it waits for, up to
# SYSTEM_TEST_WAIT (or TEST_WAIT_SECONDS) seconds (default 120); the whole
# script gives up after SYSTEM_TEST_TIMEOUT seconds (default 2400).
# KEEP_TEST_ROOT=1 keeps the container's files.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 2
. tests/lib/tap.sh
. tests/system/container.sh

if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
MAIL_PY=$repo/tests/lib/mail.py
WAIT=${SYSTEM_TEST_WAIT:-${TEST_WAIT_SECONDS:-120}}
UNIT=breachd.service
CONF=/etc/breachd/breachd.conf
DROPIN_DIR=/etc/systemd/system/breachd.service.d
# The register: the configuration below leaves database at its default.
DB=/var/lib/breachd/breachd.db
# A directory the breachd user owns, which ProtectSystem=strict makes
# read-only for the service: --check-config (run as root, outside the
# sandbox) cannot know that a database there cannot be opened.
RO_DIR=/usr/lib/breachd-ro
EXPOSURE_MAX=2.0
RUN_ID=$(date +%s)-$$
MAILDIR=

# ---- set-up, clean-up -----------------------------------------------------------

have() { command -v "$1" >/dev/null 2>&1; }

show_diagnostics() {
        [[ -n $CT_LEADER ]] || return 0
        diag "---- systemctl status breachd ----"
        diag "$(ct_exec_t 20 systemctl status --no-pager -n 0 "$UNIT" 2>&1)"
        diag "---- journalctl -u breachd (last 60 lines) ----"
        diag "$(ct_exec_t 20 journalctl --no-pager -n 60 -u "$UNIT" 2>&1)"
        diag "---- failed units ----"
        diag "$(ct_exec_t 20 systemctl --failed --no-pager --no-legend 2>&1)"
        local f
        for f in "$CT_ROOT"/var/log/dovecot.log "$CT_ROOT"/var/log/postfix.log; do
                [[ -s $f ]] || continue
                diag "---- ${f##*/} (last 15 lines) ----"
                diag "$(tail -n 15 "$f")"
        done
}

# bail MSG -- diagnostics, then bail_out (tap.sh), whose summary is the last line.
bail() {
        show_diagnostics
        bail_out "$*"
}

cleanup() {
        local status=$?
        set +e
        trap - EXIT INT TERM
        ct_poweroff
        [[ -n $MAILDIR ]] && rm -rf "$MAILDIR"
        [[ -n ${guard:-} ]] && kill -- "-$guard" 2>/dev/null
        exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The whole run is bounded, whatever hangs: TERM runs the clean-up.
setsid bash -c "sleep ${SYSTEM_TEST_TIMEOUT:-2400}; echo '# test_system.sh: timed out' >&2; kill -TERM $$" \
        </dev/null >/dev/null 2>&1 &
guard=$!

((EUID == 0)) || bail_out "needs root (a container, mounts)"
for c in systemd-nspawn debootstrap nsenter "$PYTHON"; do
        have "$c" || bail_out "$c is missing (make deps installs systemd-container, debootstrap)"
done
[[ -x ./breachd && -x ./breachctl ]] || bail_out "./breachd and ./breachctl are not built (make check-system builds them)"

# ---- helpers --------------------------------------------------------------------

# wait_until SECONDS CMD... -- run CMD every quarter second until it succeeds.
wait_until() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                ((SECONDS < end)) || return 1
                sleep 0.25
        done
}

# The test's mail client is tests/lib/mail.py, run on the host against the
# container's servers (same network).  It reads passwords from
# $TEST_ROOT/users and follows Postfix's log in $TEST_ROOT/log/postfix.log.
mailpy() {
        TEST_ROOT=$MAILDIR IMAP_PORT=$IMAP_PORT SMTP_PORT=$SMTP_PORT "$PYTHON" "$MAIL_PY" "$@"
}
imap_count() { mailpy count "$1" "$2" 2>/dev/null; }
count_at_least() { local n; n=$(imap_count "$1" "$2") && ((n >= $3)); }

# mkreport N SUBJECT -- $MAILDIR/rN.eml, a report from reporter@example.test
# with a Message-ID of its own: <sys-N-RUN@example.test>.
mkreport() {
        cat >"$MAILDIR/r$1.eml" <<EOF
From: Test Reporter <reporter@example.test>
To: breach@example.test
Subject: $2
Date: $(date -R)
Message-ID: <sys-$1-$RUN_ID@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: $2
Date of incident: today
EOF
}
msgid() { echo "sys-$1-$RUN_ID@example.test"; }
send_report() {
        mkreport "$1" "$2"
        mailpy send --from reporter@example.test --to breach@example.test "$MAILDIR/r$1.eml" >/dev/null
}

prop() { ct_exec systemctl show -p "$1" --value "$UNIT"; }
main_pid() { prop MainPID; }
is_active() { [[ $(prop ActiveState) == active ]]; }
status_says_last_poll() { [[ $(prop StatusText) == *"last poll"* ]]; }
# new_main_pid OLD -- the unit runs again, under another MainPID.
new_main_pid() {
        local p
        p=$(main_pid)
        [[ -n $p && $p != 0 && $p != "$1" ]] && is_active
}

# breachctl as the daemon's own user, on the installed configuration.
ctl() { ct_exec runuser -u breachd -- breachctl -c "$CONF" "$@"; }
# refs -- the references in the register, one a line (list: one row each,
# the reference first).
refs() { ctl list 2>/dev/null | awk '$1 ~ /^[A-Z]+[0-9]+$/ { print $1 }'; }
count_refs_at_least() { local n; n=$(refs | wc -l) && ((n >= $1)); }

# The journal, read inside.  jcursor: where it ends now; jsince CURSOR:
# breachd's lines after it (systemd's own about the unit included).
jcursor() { ct_exec journalctl -n 1 -o export | sed -n 's/^__CURSOR=//p'; }
jsince() { ct_exec journalctl --no-pager -o cat -u "$UNIT" --after-cursor="$1"; }
journal_says() { [[ $(jsince "$1") =~ $2 ]]; }

# held_deleted_wal PID -- the -wal and -shm files PID holds that are deleted.
held_deleted_wal() { ct_exec ls -l "/proc/$1/fd" 2>/dev/null | grep -E -- '-(wal|shm) \(deleted\)$'; }
# check_fds WHEN -- remember any deleted -wal/-shm the daemon holds.
FD_PROBLEMS=
FD_SEEN_WAL=0
check_fds() {
        local pid out
        pid=$(main_pid)
        [[ -n $pid && $pid != 0 ]] || return 0
        out=$(held_deleted_wal "$pid") && FD_PROBLEMS+="$1: $out"$'\n'
        ct_exec ls -l "/proc/$pid/fd" 2>/dev/null | grep -q -- "$DB-wal" && FD_SEEN_WAL=$((FD_SEEN_WAL + 1))
        return 0
}

# write_conf FILE-ON-HOST [EXTRA LINE...] -- breachd.conf for the container's
# servers, as an admin would write it; the passwords come as credentials.
write_conf() {
        local f=$1 line
        shift
        {
                cat <<EOF
# /etc/breachd/breachd.conf for tests/system/test_system.sh
organisation = "breachd system test";
mailbox = {
        host = "127.0.0.1";
        port = $IMAP_PORT;
        tls = "none";
        auth = "password";
        user = "breach@example.test";
        password_file = "/run/credentials/breachd.service/imap-password";
        folder = "INBOX";
        processed_folder = "Processed";
        quarantine_folder = "Quarantine";
        idle = true;
};
smtp = {
        host = "127.0.0.1";
        port = $SMTP_PORT;
        tls = "none";
        auth = "password";
        user = "breach@example.test";
        password_file = "/run/credentials/breachd.service/smtp-password";
        from = "Data Breach Reporting <breach@example.test>";
};
dpo = [ "dpo@example.test" ];
escalation = [ "siro@example.test" ];
admin = "admin@example.test";
staff_domains = [ "example.test" ];
timezone = "Europe/London";
directorates = ( "Adult Social Care", "Children, Families and Education",
                 "Corporate Services", "Finance and Resources" );
EOF
                for line in "$@"; do
                        printf '%s\n' "$line"
                done
        } >"$f"
}

# ---- the container's mail servers --------------------------------------------------

USERS=(breach reporter dpo siro admin)
BREACH_PASSWORD=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)

pick_ports() {
        "$PYTHON" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))'
}

# Dovecot: IMAP on 127.0.0.1:$IMAP_PORT only, LMTP and SASL for Postfix on
# unix sockets in Postfix's queue; mail of uid 65534 in /var/mail/vhosts.
write_dovecot_conf() {
        local r=$CT_ROOT u pw
        : >"$MAILDIR/users"
        : >"$r/etc/dovecot/users"
        for u in "${USERS[@]}"; do
                pw=secret
                [[ $u == breach ]] && pw=$BREACH_PASSWORD
                printf '%s@example.test %s\n' "$u" "$pw" >>"$MAILDIR/users"
                printf '%s@example.test:{PLAIN}%s:65534:65534::/var/mail/vhosts/example.test/%s::\n' \
                        "$u" "$pw" "$u" >>"$r/etc/dovecot/users"
        done
        # Dovecot's auth process runs as the dovecot user.
        chmod 0640 "$r/etc/dovecot/users"
        ct_exec chgrp dovecot /etc/dovecot/users || return 1
        mkdir -p "$r/var/mail/vhosts"
        chown 65534:65534 "$r/var/mail/vhosts"
        cat >"$r/etc/dovecot/dovecot.conf" <<EOF
# written by tests/system/test_system.sh
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = /var/log/dovecot.log
mail_location = maildir:~/Maildir
first_valid_uid = 1
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu /etc/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu /etc/dovecot/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  unix_listener /var/spool/postfix/private/dovecot-lmtp {
    user = postfix
    group = postfix
    mode = 0600
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    user = postfix
    group = postfix
    mode = 0660
  }
}
EOF
}

# Postfix: SMTP on 127.0.0.1:$SMTP_PORT only, SASL through Dovecot, the
# example.test mailboxes delivered over LMTP, everything else refused.
write_postfix_conf() {
        local d=$CT_ROOT/etc/postfix u
        for u in "${USERS[@]}"; do
                echo "$u@example.test OK"
        done >"$d/vmailbox"
        cat >"$d/main.cf" <<EOF
# written by tests/system/test_system.sh
compatibility_level = 3.6
myhostname = mx.example.test
mydomain = example.test
myorigin = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
default_transport = error:the system test delivers nowhere but its Dovecot
relay_transport = error:the system test delivers nowhere but its Dovecot
virtual_mailbox_domains = example.test
virtual_mailbox_maps = texthash:/etc/postfix/vmailbox
virtual_transport = lmtp:unix:private/dovecot-lmtp
recipient_delimiter = +
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_tls_security_level = none
smtp_tls_security_level = none
lmtp_tls_security_level = none
maillog_file = /var/log/postfix.log
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
        cat >"$d/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# listening PORT NAME -- a process called NAME listens on 127.0.0.1:PORT.
listening() { [[ $(ss -Hltnp "sport = :$1" 2>/dev/null) == *"((\"$2\""* ]]; }

# start_mail_servers -- Dovecot, then Postfix, on free ports; new ports and
# another try when one was taken before the server could bind it.
start_mail_servers() {
        local try ports
        for ((try = 1; try <= 3; try++)); do
                ports=$(pick_ports) || return 1
                read -r IMAP_PORT SMTP_PORT <<<"$ports"
                write_dovecot_conf
                write_postfix_conf
                ct_exec systemctl stop postfix.service postfix@-.service dovecot.service >/dev/null 2>&1
                if ct_exec systemctl start dovecot.service && wait_until 30 listening "$IMAP_PORT" dovecot &&
                                ct_exec systemctl start postfix@-.service && wait_until 30 listening "$SMTP_PORT" master; then
                        return 0
                fi
                diag "mail servers on ports $IMAP_PORT/$SMTP_PORT: try $try failed"
                diag "$(ct_exec journalctl --no-pager -n 15 -u dovecot.service -u postfix@-.service 2>&1)"
        done
        return 1
}

# ---- the container ------------------------------------------------------------------

t0=$SECONDS
ct_rootfs_ensure ./breachd ./breachctl || bail_out "the container's tree could not be built (debootstrap; see above)"
diag "container tree $CT_TREE ready after $((SECONDS - t0)) s"
ct_setup || bail_out "cannot set up the container's root"
MAILDIR=$CT_RUN/mailpy
mkdir -p "$MAILDIR"
# mail.py follows Postfix's log where servers.sh would keep it.
ln -s "$CT_ROOT/var/log" "$MAILDIR/log"
t0=$SECONDS
ct_boot || bail "the container did not boot"
state=$(ct_exec systemctl is-system-running)
diag "container $CT_NAME booted in $((SECONDS - t0)) s ($state)"
[[ $state == degraded ]] && diag "failed units: $(ct_exec systemctl --failed --no-legend --plain | awk '{ print $1 }' | tr '\n' ' ')"
start_mail_servers || bail "Dovecot and Postfix did not start in the container"
diag "the container's Dovecot listens on 127.0.0.1:$IMAP_PORT, Postfix on 127.0.0.1:$SMTP_PORT"

# ---- installed as README's "Running in production" says -----------------------------

ok "make install PREFIX=/usr into the container" \
        make -s install DESTDIR="$CT_ROOT" PREFIX=/usr SANITIZE= >"$CT_RUN/install.log" 2>&1 ||
        diag "$(tail -n 20 "$CT_RUN/install.log")"
ct_exec systemd-sysusers >/dev/null 2>&1
ok "systemd-sysusers creates the breachd user" ct_exec id breachd >/dev/null
ok "systemd-tmpfiles --create" ct_exec systemd-tmpfiles --create >/dev/null 2>&1
ok "systemctl daemon-reload" ct_exec systemctl daemon-reload
is "$(ct_exec stat -c '%U:%G %a' /etc/breachd)" "root:breachd 750" "/etc/breachd is root:breachd 0750"

# Edit the configuration (the file make install left, kept root:breachd 0640).
write_conf "$CT_ROOT$CONF"
is "$(ct_exec stat -c '%U:%G %a' "$CONF")" "root:breachd 640" "$CONF is root:breachd 0640"
# The passwords: root-only files, handed to the service as credentials.
printf '%s\n' "$BREACH_PASSWORD" | ct_exec install -m 0600 /dev/stdin /etc/breachd/imap.secret
printf '%s\n' "$BREACH_PASSWORD" | ct_exec install -m 0600 /dev/stdin /etc/breachd/smtp.secret
mkdir -p "$CT_ROOT$DROPIN_DIR"
cat >"$CT_ROOT$DROPIN_DIR/credentials.conf" <<'EOF'
[Service]
LoadCredential=imap-password:/etc/breachd/imap.secret
LoadCredential=smtp-password:/etc/breachd/smtp.secret
EOF
ct_exec systemctl daemon-reload
out=$(ct_exec breachd --check-config 2>&1)
ok "breachd --check-config accepts the edited configuration" test $? -eq 0 || diag "$out"

# ---- READY ---------------------------------------------------------------------------

out=$(ct_exec systemctl enable --now "$UNIT" 2>&1)
ok "systemctl enable --now breachd succeeds" test $? -eq 0 || diag "$out"
is "$(prop ActiveState)/$(prop SubState)" "active/running" "the unit is active (READY=1 came)"
ok "STATUS= shows the last poll" wait_until "$WAIT" status_says_last_poll ||
        diag "StatusText: '$(prop StatusText)'"
diag "StatusText: $(prop StatusText)"
ok "breachd runs as the breachd user" test "$(ct_exec ps -o user= -p "$(main_pid)")" = breachd

is_active || bail "breachd is not running: the rest cannot be checked"

# ---- a report filed and acknowledged -------------------------------------------------------

send_report 1 "System test report one"
ok "a report mailed through the container's Postfix is filed (breachctl list)" \
        wait_until "$WAIT" count_refs_at_least 1
list=$(ctl list 2>&1)
diag "$list"
REF1=$(refs | head -n 1)
like "$REF1" '^[A-Z]+[0-9]+$' "the incident has a reference ($REF1)"
ok "the acknowledgement arrives in the reporter's mailbox" \
        mailpy wait reporter@example.test INBOX 1 --timeout "$WAIT" >/dev/null
ack=$(mailpy fetch reporter@example.test INBOX --headers 2>&1)
like "$ack" "Subject:.*${REF1:-(no reference)}" "the acknowledgement names the reference in its subject"
# The data-loss check below looks at the daemon's files from here on.
check_fds "after the first report was filed and listed, before any reload"

# ---- the journal --------------------------------------------------------------------------

# journald may be a little behind the daemon: wait for the filing's line.
journal_mentions_ref() { [[ -n $REF1 && $(ct_exec journalctl --no-pager -o cat -u "$UNIT") == *"$REF1"* ]]; }
wait_until 30 journal_mentions_ref || diag "the journal does not mention ${REF1:-the reference} after 30 s"
ct_exec journalctl --no-pager -o json -u "$UNIT" >"$CT_RUN/journal.json" 2>"$CT_RUN/journal.err"
# One line per check: "ok|not ok<TAB>what<TAB>detail" (the daemon's own
# entries: native journal protocol, from the unit's processes).
journal_checks=$("$PYTHON" - "$CT_RUN/journal.json" "$REF1" "$(msgid 1)" <<'EOF'
import json, sys
path, ref, msgid = sys.argv[1:4]
entries = []
for line in open(path, encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    try:
        entries.append(json.loads(line))
    except ValueError:
        pass
own = [e for e in entries if e.get("_TRANSPORT") == "journal"
       and e.get("_SYSTEMD_UNIT") == "breachd.service"]

def out(good, what, detail=""):
    print("%s\t%s\t%s" % ("ok" if good else "not ok", what, str(detail).replace("\n", " ")[:600]))

def show(e):
    return {k: v for k, v in e.items() if not k.startswith("_") and not k.startswith("__")}

out(len(own) > 0, "breachd writes to the journal itself (%d entries)" % len(own))
filed = [e for e in own if ref and e.get("INCIDENT_REF") == ref]
out(bool(filed), "an entry carries INCIDENT_REF=%s" % ref,
    "" if filed else [show(e) for e in own[-3:]])
want = {msgid, "<%s>" % msgid}
tagged = [e for e in own if e.get("EMAIL_MESSAGE_ID") in want]
out(bool(tagged), "an entry carries EMAIL_MESSAGE_ID=<%s>" % msgid,
    "" if tagged else [show(e) for e in (filed or own)[-2:]])
both = [e for e in filed if e.get("EMAIL_MESSAGE_ID") in want]
out(bool(both), "the filing's entry has both INCIDENT_REF= and EMAIL_MESSAGE_ID=",
    "" if both else [show(e) for e in filed[-2:]])
bad = [e for e in own if "MESSAGE_ID" in e]
out(not bad, "no entry of breachd has MESSAGE_ID= (journald's catalog ids)",
    "%d do, e.g. %r" % (len(bad), show(bad[0])) if bad else "")
nocode = [e for e in own if not all(e.get(k) for k in ("CODE_FILE", "CODE_LINE", "CODE_FUNC"))]
out(not nocode, "every entry has CODE_FILE, CODE_LINE and CODE_FUNC",
    "%d lack them, e.g. %r" % (len(nocode), show(nocode[0])) if nocode else "")
inlog = [e for e in own if str(e.get("CODE_FILE", "")).endswith("log.c")
         or str(e.get("CODE_FUNC", "")).startswith("log_")]
out(not inlog, "CODE_FILE/CODE_FUNC name the caller, not the logging function (src/base/log.c)",
    "%d name it, e.g. CODE_FILE=%s CODE_FUNC=%s" % (len(inlog), inlog[0].get("CODE_FILE"), inlog[0].get("CODE_FUNC")) if inlog else "")
empty = sorted({k for e in own for k, v in e.items() if v == "" or v == []})
out(not empty, "no empty fields", "empty: %s" % " ".join(empty))
if filed:
    e = filed[0]
    print("diag\t\tfiling entry: %s" % json.dumps(show(e), sort_keys=True))
EOF
)
while IFS=$'\t' read -r verdict what detail; do
        case $verdict in
        ok) ok "journal: $what" ;;
        "not ok") not_ok "journal: $what" "$detail" ;;
        diag) diag "$detail" ;;
        esac
done <<<"$journal_checks"
[[ -n $journal_checks ]] || not_ok "journal: journalctl -o json could be read" "$(cat "$CT_RUN/journal.err")"
n=$(ct_exec journalctl --no-pager -xeu "$UNIT" 2>&1 | grep -c "Failed to find catalog entry")
is "$n" 0 "journalctl -xeu breachd says no \"Failed to find catalog entry\""

# ---- reload -----------------------------------------------------------------------------

good=$CT_RUN/breachd.conf.good
write_conf "$good" "poll_interval = 7;"
pid=$(main_pid)
cur=$(jcursor)
cat "$good" >"$CT_ROOT$CONF"
out=$(ct_exec systemctl reload "$UNIT" 2>&1)
ok "reload with a harmless edit (poll_interval): systemctl reload succeeds" test $? -eq 0 || diag "$out"
ok "... and the journal says the configuration was reloaded" \
        wait_until 30 journal_says "$cur" "configuration reloaded"
is "$(main_pid)" "$pid" "... by the same process"
check_fds "after the first reload"

# A syntax error: --check-config sees it.
pid=$(main_pid)
cur=$(jcursor)
{ cat "$good"; echo 'this is not = valid'; } >"$CT_ROOT$CONF"
out=$(ct_exec systemctl reload "$UNIT" 2>&1)
isnt "$?" 0 "reload with a syntax error: systemctl reload fails"
is "$(prop ActiveState):$(main_pid)" "active:$pid" "... and the daemon keeps running, the same process"
unlike "$(jsince "$cur")" "configuration reloaded" "... with the old configuration"

# A database the sandbox makes read-only: only the daemon can find out.
ct_exec install -d -o breachd -g breachd -m 0700 "$RO_DIR"
pid=$(main_pid)
cur=$(jcursor)
write_conf "$CT_ROOT$CONF" "poll_interval = 7;" "database = \"$RO_DIR/register.db\";"
ok "(breachd --check-config, as root outside the sandbox, accepts it)" ct_exec breachd --check-config >/dev/null 2>&1
out=$(ct_exec systemctl reload "$UNIT" 2>&1)
st=$?
isnt "$st" 0 "reload with a database in a read-only place: systemctl reload fails"
((st == 0)) && diag "systemctl reload returned 0: ExecReload= does not wait for the daemon to take the configuration"
# Whatever systemctl said, the daemon answers the SIGHUP on its own time.
wait_until 30 journal_says "$cur" "configuration reloaded|keeping the running configuration|[Rr]eload" || true
is "$(prop ActiveState):$(main_pid)" "active:$pid" "... and the daemon keeps running, the same process"
unlike "$(jsince "$cur")" "configuration reloaded" "... with the old configuration"
diag "$(jsince "$cur" | tail -n 5)"
cat "$good" >"$CT_ROOT$CONF"

# ---- the reload data-loss defect ---------------------------------------------------------

check_fds "after the reload checks"
# The scenario starts from a fresh daemon, so that what it shows is its own
# (whatever the reloads above left behind).
out=$(ct_exec systemctl restart "$UNIT" 2>&1)
ok "data loss: systemctl restart breachd (a fresh daemon to start from)" test $? -eq 0 || diag "$out"
before=$(refs | sort)
processed=$(imap_count breach@example.test Processed)
check_fds "data loss: after a restart and breachctl list"
# Waited for through the mailbox: the daemon moves a message only after
# its transaction committed.  (The register itself may be what is broken:
# breachctl may not see what the daemon wrote.)
send_report 2 "System test report two (before the reload)"
ok "data loss: the daemon takes a report (moved to Processed)" \
        wait_until "$WAIT" count_at_least breach@example.test Processed $((processed + 1))
check_fds "data loss: after the first report"
out=$(ct_exec systemctl reload "$UNIT" 2>&1)
ok "data loss: systemctl reload succeeds" test $? -eq 0 || diag "$out"
check_fds "data loss: after the reload"
ctl list >/dev/null 2>&1
ok "data loss: breachctl list after the reload" test $? -eq 0
check_fds "data loss: after breachctl list"
send_report 3 "System test report three (after the reload)"
send_report 4 "System test report four (after the reload)"
send_report 5 "System test report five (after the reload)"
ok "data loss: the daemon takes the three reports (moved to Processed)" \
        wait_until "$WAIT" count_at_least breach@example.test Processed $((processed + 4))
check_fds "data loss: after three more reports"
pid=$(main_pid)
restarts=$(prop NRestarts)
ok "systemctl kill -s KILL breachd" ct_exec systemctl kill -s KILL "$UNIT"
ok "Restart=on-failure brings it back after SIGKILL (a new MainPID)" wait_until "$WAIT" new_main_pid "$pid"
is "$(prop NRestarts)" "$((restarts + 1))" "... counted as a restart (NRestarts)"
check_fds "data loss: after the restart"
after=$(refs | sort)
new=$(comm -13 <(echo "$before") <(echo "$after"))
is "$(grep -c . <<<"$new")" 4 "data loss: breachctl list shows all four incidents after the SIGKILL"
is "$(sort -u <<<"$new" | grep -c .)" 4 "... with four distinct references"
list=$(ctl list 2>&1)
missing=
for w in two three four five; do
        grep -q "System test report $w" <<<"$list" || missing+=" $w"
done
is "${missing# }" "" "... one for each report (the reports missing from the list)"
diag "new references: $(tr '\n' ' ' <<<"$new")"
is "$FD_PROBLEMS" "" "data loss: the daemon never holds a deleted -wal or -shm file"
((FD_SEEN_WAL > 0)) || diag "(the daemon's fds never showed $DB-wal)"

# ---- stop ---------------------------------------------------------------------------------

is_active || wait_until "$WAIT" is_active
t_stop=$EPOCHREALTIME
out=$(ct_exec systemctl stop "$UNIT" 2>&1)
st=$?
t_stop=$("$PYTHON" -c "print(round($EPOCHREALTIME - $t_stop, 2))")
is "$st" 0 "systemctl stop breachd finishes" || diag "$out"
diag "systemctl stop took $t_stop s"
is "$(ct_exec systemctl show -p Result -p ExecMainCode -p ExecMainStatus -p ActiveState "$UNIT" | sort | tr '\n' ' ')" \
        "ActiveState=inactive ExecMainCode=1 ExecMainStatus=0 Result=success " \
        "... and the daemon exited with status 0"

# ---- the watchdog --------------------------------------------------------------------------

cat >"$CT_ROOT$DROPIN_DIR/watchdog.conf" <<'EOF'
[Service]
WatchdogSec=5s
EOF
ct_exec systemctl daemon-reload
out=$(ct_exec systemctl restart "$UNIT" 2>&1)
ok "with WatchdogSec=5s the service starts" test $? -eq 0 || diag "$out"
is "$(prop WatchdogUSec)" 5s "... and the watchdog is 5 s"
pid=$(main_pid)
cur=$(jcursor)
ok "kill -STOP the daemon ($pid)" ct_exec kill -STOP "$pid"
ok "the watchdog: systemd restarts the stopped daemon (a new MainPID)" wait_until "$WAIT" new_main_pid "$pid"
ok "... and the journal says watchdog timeout" wait_until 30 journal_says "$cur" "[Ww]atchdog timeout"
ct_exec kill -CONT "$pid" >/dev/null 2>&1
rm -f "$CT_ROOT$DROPIN_DIR/watchdog.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl restart "$UNIT" >/dev/null 2>&1
ok "without the watchdog drop-in it runs again" is_active

# ---- systemd-analyze security, live -------------------------------------------------------------

sec=$(ct_exec systemd-analyze security --no-pager "$UNIT" 2>&1)
level=$(sed -n 's/.*Overall exposure level for breachd\.service: \([0-9.]*\).*/\1/p' <<<"$sec")
if [[ -z $level ]]; then
        not_ok "systemd-analyze security breachd gives an exposure level" "$(tail -n 5 <<<"$sec")"
else
        diag "systemd-analyze security breachd (online): exposure $level"
        ok "systemd-analyze security breachd: exposure $level is at most $EXPOSURE_MAX" \
                awk -v l="$level" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(l <= m) }'
fi
out=$(ct_exec journalctl --no-pager -o cat -u "$UNIT" 2>&1)
unlike "$out" "Operation not permitted|SIGSYS|Bad system call" "no EPERM or SIGSYS from the sandbox in the journal"

((_tap_failed > 0)) && show_diagnostics
done_testing
exit $?

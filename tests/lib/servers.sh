# servers.sh -- private Dovecot (IMAP) + Postfix (SMTP) for end-to-end tests.
#
# Source it from a bash test script (tests/lib/e2e.sh does, with tap.sh and
# daemon.sh, and wraps the usual opening: see tests/README.md):
#
#       . "$(dirname "$0")/../lib/servers.sh"
#       servers_add_user extra@example.test pw   # optional, before or after start
#       servers_start                            # exports TEST_ROOT IMAP_PORT SMTP_PORT
#       write_breachd_conf "$TEST_ROOT/breachd.conf" 'batch_size = 5;'
#       send_mail reporter@example.test breach@example.test msg.eml
#       wait_for_mail breach@example.test Processed 1
#
# Functions (each documented where it is defined):
#   servers_start, servers_stop, dovecot_stop/dovecot_start (IMAP outage on
#   the same port), postfix_stop/postfix_start, servers_add_user,
#   user_password, write_breachd_conf, harness_on_exit, servers_logs;
#   mail helpers over tests/lib/mail.py: send_mail, wait_for_mail,
#   imap_count, imap_fetch_all, append_mail, imap_search, imap_folders,
#   and mailpy for any other mail.py subcommand; waiting for events:
#   wait_until, postfix_flush, postfix_idle, postfix_wait_idle,
#   daemon_cycle_mark/daemon_wait_cycle.
#
# Waits wait for the event they name, never for a guessed time: each polls
# its condition and returns as soon as it holds, bounded by a generous
# TEST_WAIT_SECONDS (default 120) so that a loaded machine (a second test
# run beside this one, a build) is slow but not failed.  A check that
# something does NOT happen first waits for the event after which it would
# have happened (postfix_wait_idle: everything Postfix took is delivered;
# daemon_wait_cycle: the daemon went round its loop again), not for a
# sleep.
#
# Both servers listen on 127.0.0.1 only, on free ports picked at start; all
# their configuration, queue, mail and logs live in TEST_ROOT (a fresh
# mktemp -d under $BREACHD_TEST_TMP, default /tmp), which is removed on exit
# unless KEEP_TEST_ROOT=1.  Postfix accepts mail from 127.0.0.1 for the
# virtual domains of the test users and hands it to Dovecot over LMTP; an
# unknown user is refused at RCPT, and every other domain goes to the error
# transport (also refused at RCPT), so nothing leaves the machine.
# The system-wide instances (/etc/dovecot, /etc/postfix) are never touched.
#
# Users: a passwd-file with plain passwords; every default user's password
# is "secret": breach@example.test (the watched mailbox),
# reporter@example.test, reporter2@example.test, dpo@example.test,
# siro@example.test, admin@example.test, outsider@elsewhere.test.
# Plus addressing works: breach+anything@example.test lands in breach's INBOX.
#
# Timing measured on the development machine (Debian 12, Dovecot 2.3.19,
# Postfix 3.7.11): servers_start 0.11-0.19 s; servers_stop and dovecot_stop
# 0.12-0.15 s, or 1.0 s when Dovecot's master loses a race (see
# dovecot_stop); dovecot_start 0.05 s; send_mail including delivery into
# Dovecot 0.1-0.3 s; mail.py IMAP queries ~0.09 s each; the whole of
# tests/e2e/test_harness.sh ~7 s.  The tricks behind that: the Postfix queue
# is made by hand instead of by "postfix check" (2-4 s), generated Postfix
# files are backdated (Postfix waits for files younger than a second), and
# the system python3 is used directly (a pyenv shim costs 0.2 s a call).
#
# An EXIT trap (set by servers_start) runs the commands registered with
# harness_on_exit, last first (an EXIT trap the script had set before
# servers_start is kept as the first such hook), stops both servers, prints
# the tail of their logs when the script fails, and removes TEST_ROOT.  Do
# not set an EXIT trap after servers_start: use harness_on_exit.  INT and
# TERM make the script exit, so that this cleanup runs (tests/run.sh sends
# TERM when a suite times out).  The functions are safe under set -e.
#
# Extension points: servers_add_user; DOVECOT_EXTRA_CONF,
# POSTFIX_EXTRA_MAIN_CF and POSTFIX_EXTRA_MASTER_CF (set before
# servers_start) are appended to dovecot.conf, main.cf and master.cf -- an
# oauth2 passdb, say, or Postfix SASL through Dovecot's auth socket
# $TEST_ROOT/dovecot/run/auth-postfix.  milters_prepare/milters_start add
# mail signed and verified by OpenDKIM and OpenDMARC (see there).
#
# Needs root (the servers drop privileges to postfix, dovecot, dovenull and
# the mail owner, uid/gid 65534), python3, ss (iproute2), pgrep/ps (procps).

[[ -n ${_SERVERS_SH_LOADED:-} ]] && return 0
_SERVERS_SH_LOADED=1

SERVERS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=${REPO_ROOT:-$(cd "$SERVERS_LIB_DIR/../.." && pwd)}
MAIL_PY="$SERVERS_LIB_DIR/mail.py"
# The system interpreter: a pyenv shim costs 0.2 s per call.
if [[ -z ${PYTHON:-} ]]; then
        if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
# The bound on every wait for an event (seconds): generous, since a wait
# ends as soon as its event happens.
TEST_WAIT_SECONDS=${TEST_WAIT_SECONDS:-120}
export TEST_WAIT_SECONDS   # mail.py's bounds too
MAIL_UID=${MAIL_UID:-65534}
MAIL_GID=${MAIL_GID:-65534}
# Extra lines for dovecot.conf / main.cf / master.cf (e.g. an oauth2
# passdb, SASL; the milter listeners of milters_prepare).
DOVECOT_EXTRA_CONF=${DOVECOT_EXTRA_CONF:-}
POSTFIX_EXTRA_MAIN_CF=${POSTFIX_EXTRA_MAIN_CF:-}
POSTFIX_EXTRA_MASTER_CF=${POSTFIX_EXTRA_MASTER_CF:-}

declare -A _SRV_PASSWORD=()
_SRV_USERS=()
_SRV_EXIT_HOOKS=()
_SRV_DOVECOT_PID=
_SRV_POSTFIX_PID=
_SRV_TRAP_SET=
_SRV_ROOT_MADE=
_SRV_LOGS_SHOWN=
_SRV_CYCLE_MARK=

# servers_add_user ADDRESS PASSWORD -- add a mailbox (or change a password).
# Before servers_start it is simply remembered; afterwards the userdb and
# Postfix's mailbox table are rewritten on the spot.
servers_add_user() {
        local addr=${1,,} pw=$2
        if [[ $# -ne 2 || $addr != ?*@?*.?* || $addr == *[[:space:]:]* ||
              $pw == *[:$'\n']* || -z $pw ]]; then
                echo "servers_add_user: want ADDRESS PASSWORD (no ':' or whitespace), got: $*" >&2
                return 2
        fi
        [[ -n ${_SRV_PASSWORD[$addr]+set} ]] || _SRV_USERS+=("$addr")
        _SRV_PASSWORD[$addr]=$pw
        if [[ -n $_SRV_POSTFIX_PID || -n $_SRV_DOVECOT_PID ]]; then
                # Dovecot rereads its passwd-file when it changes.
                _srv_write_userdb
                _srv_write_postfix_conf
                # Postfix reads texthash tables when a process starts, and
                # after a reload an idle old smtpd may still take the next
                # connection: restart it (~0.1 s; the queue is kept).
                if [[ -n $_SRV_POSTFIX_PID ]]; then
                        postfix_stop && postfix_start || return 1
                fi
        fi
        return 0
}

for _u in breach reporter reporter2 dpo siro admin; do
        servers_add_user "$_u@example.test" secret
done
servers_add_user outsider@elsewhere.test secret
unset _u

# harness_on_exit CMD -- run CMD (with eval) when the script exits, before
# the servers stop.  Hooks run last-registered first.
harness_on_exit() {
        _SRV_EXIT_HOOKS+=("$1")
}

# user_password ADDRESS -- print the password of a test user.
user_password() {
        local addr=${1,,}
        [[ -n ${_SRV_PASSWORD[$addr]+set} ]] || { echo "no test user $1" >&2; return 1; }
        printf '%s\n' "${_SRV_PASSWORD[$addr]}"
}

_srv_domains() {
        local -A seen=([example.test]=1 [elsewhere.test]=1)
        local u
        for u in "${_SRV_USERS[@]}"; do
                seen[${u#*@}]=1
        done
        local IFS=' '
        echo "${!seen[*]}"
}

_srv_write_userdb() {
        local u pw home
        : >"$TEST_ROOT/users.new"
        : >"$TEST_ROOT/dovecot/passwd.new"
        : >"$TEST_ROOT/postfix/vmailbox.new"
        for u in "${_SRV_USERS[@]}"; do
                pw=${_SRV_PASSWORD[$u]}
                home=$TEST_ROOT/mail/${u#*@}/${u%@*}
                printf '%s %s\n' "$u" "$pw" >>"$TEST_ROOT/users.new"
                printf '%s:{PLAIN}%s:%d:%d::%s::\n' "$u" "$pw" "$MAIL_UID" "$MAIL_GID" "$home" \
                        >>"$TEST_ROOT/dovecot/passwd.new"
                printf '%s OK\n' "$u" >>"$TEST_ROOT/postfix/vmailbox.new"
        done
        # rename: a server reading the table never sees half of it.
        mv -f "$TEST_ROOT/users.new" "$TEST_ROOT/users"
        mv -f "$TEST_ROOT/dovecot/passwd.new" "$TEST_ROOT/dovecot/passwd"
        _srv_backdate "$TEST_ROOT/postfix/vmailbox.new"
        mv -f "$TEST_ROOT/postfix/vmailbox.new" "$TEST_ROOT/postfix/vmailbox"
}

# Two free TCP ports on 127.0.0.1 (the kernel picks them; a race with
# another program binding them first is caught by the retry in servers_start).
_srv_pick_ports() {
        "$PYTHON" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))'
}

_srv_write_dovecot_conf() {
        cat >"$TEST_ROOT/dovecot/dovecot.conf" <<EOF
# private Dovecot for breachd tests; generated by tests/lib/servers.sh
instance_name = breachd-test-${TEST_ROOT##*/}
base_dir = $TEST_ROOT/dovecot/run
state_dir = $TEST_ROOT/dovecot/state
log_path = $TEST_ROOT/log/dovecot.log
info_log_path = $TEST_ROOT/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# failed logins are part of the tests; do not make them slow
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 1
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
shutdown_clients = yes

namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $TEST_ROOT/dovecot/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $TEST_ROOT/dovecot/passwd
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
  unix_listener lmtp {
    user = postfix
    group = postfix
    mode = 0660
  }
}
service auth {
  # for tests that make Postfix authenticate SMTP clients through Dovecot
  unix_listener auth-postfix {
    user = postfix
    group = postfix
    mode = 0660
  }
}
$DOVECOT_EXTRA_CONF
EOF
}

_srv_write_postfix_conf() {
        local d=$TEST_ROOT/postfix
        cat >"$d/main.cf" <<EOF
# private Postfix for breachd tests; generated by tests/lib/servers.sh
compatibility_level = 3.6
queue_directory = $TEST_ROOT/postfix-queue
data_directory = $TEST_ROOT/postfix-data
maillog_file_prefixes = $TEST_ROOT/log
maillog_file = $TEST_ROOT/log/postfix.log
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
default_transport = error:breachd tests deliver nowhere but the private Dovecot
relay_transport = error:breachd tests deliver nowhere but the private Dovecot
virtual_mailbox_domains = $(_srv_domains)
virtual_mailbox_maps = texthash:$d/vmailbox
virtual_transport = lmtp:unix:$TEST_ROOT/dovecot/run/lmtp
recipient_delimiter = +
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP breachd-test
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_tls_security_level = none
smtp_tls_security_level = none
lmtp_tls_security_level = none
in_flow_delay = 0
message_size_limit = 52428800
# retry quickly after a simulated Dovecot outage
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
$POSTFIX_EXTRA_MAIN_CF
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
$POSTFIX_EXTRA_MASTER_CF
EOF
        _srv_backdate "$d/main.cf" "$d/master.cf"
}

# Postfix waits (300 ms at a time) until a table it loads is at least a
# second old, in case an editor is still writing it: backdate our files.
_srv_backdate() {
        touch -d "@$((EPOCHSECONDS - 2))" "$@"
}

# The queue layout of postfix-files, made by hand: "postfix check" would do
# the same but takes seconds.
_srv_make_postfix_queue() {
        local q=$TEST_ROOT/postfix-queue
        mkdir -p "$q" "$TEST_ROOT/postfix-data"
        mkdir -m 0700 "$q"/{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace}
        mkdir -m 0730 "$q/maildrop"
        mkdir -m 0710 "$q/public"
        mkdir -m 0755 "$q/pid"
        chown postfix "$q"/{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace} \
                "$TEST_ROOT/postfix-data"
        chown postfix:postdrop "$q/maildrop" "$q/public"
        chmod 0700 "$TEST_ROOT/postfix-data"
}

# _srv_wait_listen PORT PID WHAT -- wait until the server PID listens on
# PORT.  Returns 2 if it died and something else holds the port (the caller
# may retry with another one), 1 on any other failure.  Connecting to the
# port would not do: a foreign listener would answer just the same.
_srv_wait_listen() {
        local port=$1 pid=$2 what=$3 out end
        end=$((${EPOCHREALTIME/./} + TEST_WAIT_SECONDS * 1000000))
        while ((${EPOCHREALTIME/./} < end)); do
                out=$(ss -Hltnp "sport = :$port" 2>/dev/null) || true
                [[ $out == *"pid=$pid,"* ]] && return 0
                if _srv_gone "$pid"; then
                        wait "$pid" 2>/dev/null || true
                        out=$(ss -Hltnp "sport = :$port" 2>/dev/null) || true
                        if [[ -n $out ]]; then
                                echo "servers.sh: $what could not listen on port $port, taken: $out" >&2
                                return 2
                        fi
                        echo "servers.sh: $what exited during start" >&2
                        return 1
                fi
                sleep 0.01
        done
        echo "servers.sh: $what does not listen on port $port after $TEST_WAIT_SECONDS s" >&2
        return 1
}

# _srv_gone PID -- true once PID has exited.  A child of ours that exited
# is a zombie until reaped, so look at its state rather than kill -0.
# read is a builtin: polling this costs no fork.
_srv_gone() {
        local state
        if read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" && [[ $state != Z ]]; then
                return 1
        fi
        return 0
}

# _srv_signal_server PID SIGNAL [children] -- signal a server's master and,
# with "children", its direct children too (see dovecot_stop).
_srv_signal_server() {
        local pid=$1 sig=$2 kids
        [[ -n $pid ]] || return 0
        kill "-$sig" "$pid" 2>/dev/null || return 0
        if [[ ${3:-} == children ]]; then
                # shellcheck disable=SC2086 # a list of pids
                if kids=$(pgrep -P "$pid"); then
                        kill "-$sig" $kids 2>/dev/null || true
                fi
        fi
        return 0
}

# _srv_reap PID NAME -- wait until the server PID (already sent SIGTERM) and
# every process of its process group are gone.  After TEST_WAIT_SECONDS
# (a stop takes 0.1-3 s; a loaded machine is slower, and a SIGKILL could
# leave locks behind for the next start): SIGKILL.
_srv_reap() {
        local pid=$1 name=$2 end
        end=$((${EPOCHREALTIME/./} + TEST_WAIT_SECONDS * 1000000))
        until _srv_gone "$pid"; do
                if ((${EPOCHREALTIME/./} >= end)); then
                        echo "servers.sh: $name (pid $pid) ignored SIGTERM for $TEST_WAIT_SECONDS s, killing it" >&2
                        kill -KILL -- "-$pid" 2>/dev/null || true
                        break
                fi
                sleep 0.01
        done
        wait "$pid" 2>/dev/null || true
        # Its children notice the master's exit on their own; a later start
        # must not meet them.  Zombies (reparented, not yet reaped) count as gone.
        end=$((${EPOCHREALTIME/./} + TEST_WAIT_SECONDS * 1000000))
        while ((${EPOCHREALTIME/./} < end)); do
                ps -o stat= -g "$pid" 2>/dev/null | grep -qv '^Z' || return 0
                sleep 0.01
        done
        echo "servers.sh: processes of $name outlived it by $TEST_WAIT_SECONDS s, killing them" >&2
        kill -KILL -- "-$pid" 2>/dev/null || true
        return 0
}

dovecot_start() {
        [[ -n $_SRV_DOVECOT_PID ]] && { echo "dovecot_start: already running" >&2; return 1; }
        setsid dovecot -F -c "$TEST_ROOT/dovecot/dovecot.conf" \
                </dev/null >>"$TEST_ROOT/log/dovecot.stderr" 2>&1 &
        _SRV_DOVECOT_PID=$!
        echo "$_SRV_DOVECOT_PID" >"$TEST_ROOT/pids/dovecot.pid"
        local status=0
        _srv_wait_listen "$IMAP_PORT" "$_SRV_DOVECOT_PID" dovecot || status=$?
        # The unix sockets exist before the inet listeners do.
        if ((status == 0)) && [[ ! -S $TEST_ROOT/dovecot/run/lmtp ]]; then
                echo "dovecot_start: no LMTP socket" >&2
                status=1
        fi
        if ((status != 0)); then
                dovecot_stop
                return $status
        fi
        # Each failed login would delay the next from 127.0.0.1 by up to
        # 15 s; without anvil's penalty socket auth skips the penalty.
        rm -f "$TEST_ROOT/dovecot/run/anvil-auth-penalty"
        # Mail Postfix took while Dovecot was down waits in its queue for
        # the next retry, or a minute and more if its queue manager met a
        # locked queue file (see postfix_flush): retry it now.
        postfix_flush
        return 0
}

# dovecot_stop -- SIGTERM and wait: IMAP connections drop, the port closes.
# Dovecot's master, once its children are told to go, sleeps a whole second
# if any is still alive when it looks; sending them SIGTERM at the same time
# (which is what the master itself would do: shutdown_clients = yes) mostly
# avoids that: a stop takes ~0.1 s, and 1 s when it loses that race.
dovecot_stop() {
        [[ -n $_SRV_DOVECOT_PID ]] || return 0
        _srv_signal_server "$_SRV_DOVECOT_PID" TERM children
        _srv_dovecot_reap
}

_srv_dovecot_reap() {
        _srv_reap "$_SRV_DOVECOT_PID" dovecot
        _SRV_DOVECOT_PID=
        rm -f "$TEST_ROOT/pids/dovecot.pid"
}

postfix_start() {
        [[ -n $_SRV_POSTFIX_PID ]] && { echo "postfix_start: already running" >&2; return 1; }
        # (Its queue manager scans the queue as it starts: mail kept across
        # a restart goes out without a flush.)
        setsid /usr/lib/postfix/sbin/master -c "$TEST_ROOT/postfix" -d \
                </dev/null >>"$TEST_ROOT/log/postfix.stderr" 2>&1 &
        _SRV_POSTFIX_PID=$!
        echo "$_SRV_POSTFIX_PID" >"$TEST_ROOT/pids/postfix.pid"
        local status=0
        _srv_wait_listen "$SMTP_PORT" "$_SRV_POSTFIX_PID" postfix || status=$?
        if ((status != 0)); then
                postfix_stop
        fi
        if ((status == 1)); then
                # The master logs through postlogd, which may never have
                # got going; "postfix check" tells on a terminal only.
                echo "servers.sh: 'postfix check' says:" >&2
                script -qec "postfix -c '$TEST_ROOT/postfix' check" /dev/null >&2 || true
        fi
        return $status
}

# postfix_stop -- SIGTERM and wait; the queue stays, so mail accepted but
# not yet delivered goes out after postfix_start.
postfix_stop() {
        [[ -n $_SRV_POSTFIX_PID ]] || return 0
        _srv_signal_server "$_SRV_POSTFIX_PID" TERM
        _srv_postfix_reap
}

_srv_postfix_reap() {
        _srv_reap "$_SRV_POSTFIX_PID" postfix
        _SRV_POSTFIX_PID=
        rm -f "$TEST_ROOT/pids/postfix.pid"
}

# postfix_flush -- make Postfix retry every queued message now, whatever
# time stamp it carries, and forget the destinations it marked unreachable
# ("postqueue -f"); a no-op while Postfix is down.  Besides its retry timers
# (1-2 s here), Postfix holds a message back for 60 s or more when its queue
# manager finds the queue file still locked by the delivery agent that has
# just deferred it ("skipped, still being delivered" in its log: the agent
# reports, then closes the file, and a loaded machine can deschedule it in
# between); the file then waits in the incoming queue, which is looked at
# only when new mail comes or at the master's 300 s wakeup.  So
# dovecot_start flushes, and the waits (wait_until, wait_for_mail) flush
# every few seconds while they wait.
postfix_flush() {
        [[ -n $_SRV_POSTFIX_PID ]] || return 0
        postqueue -c "$TEST_ROOT/postfix" -f >/dev/null 2>&1 || {
                echo "servers.sh: postqueue -f failed" >&2
                return 1
        }
}

# postfix_idle -- true when Postfix's queue holds no message: everything it
# accepted has been delivered or bounced, and the bounces delivered too (a
# bounce is queued before the message it reports leaves the queue).
postfix_idle() {
        local q=$TEST_ROOT/postfix-queue
        [[ -z $(find "$q"/{maildrop,incoming,active,deferred,hold} -type f -print -quit 2>/dev/null) ]]
}

# postfix_wait_idle [SECONDS] -- wait until postfix_idle (default bound
# TEST_WAIT_SECONDS).  Before a check that some mail did NOT arrive: when
# what could have sent it has handed everything to Postfix, this is the
# moment it would have been in the mailbox.  Says what is left on failure.
postfix_wait_idle() {
        postfix_flush
        wait_until "${1:-$TEST_WAIT_SECONDS}" postfix_idle && return 0
        echo "postfix_wait_idle: still in Postfix's queue after ${1:-$TEST_WAIT_SECONDS} s:" >&2
        postqueue -c "$TEST_ROOT/postfix" -p >&2 2>/dev/null || true
        return 1
}

# wait_until SECONDS CMD... -- run CMD every 0.1 s until it succeeds; status
# 1 if it has not within SECONDS.  CMD's output goes where the caller's goes.
# Every 3 s it has Postfix retry its queue (postfix_flush), so that no wait
# for mail depends on Postfix's own timers.
wait_until() {
        local limit=$1 now end nudge
        shift
        now=${EPOCHREALTIME/./}
        end=$((now + limit * 1000000))
        nudge=$((now + 3000000))
        while :; do
                "$@" && return 0
                now=${EPOCHREALTIME/./}
                ((now < end)) || return 1
                if ((now >= nudge)); then
                        postfix_flush 2>/dev/null || true
                        nudge=$((now + 3000000))
                fi
                sleep 0.1
        done
}

# daemon_cycle_mark DATABASE -- remember the daemon's status file as it is
# now (breachd rewrites DATABASE.status, by rename, after each poll and each
# pass over the outbox).
daemon_cycle_mark() {
        _SRV_CYCLE_MARK=$(stat -c %i:%.9Y:%.9Z "$(_srv_status_file "$1")" 2>/dev/null) || _SRV_CYCLE_MARK=none
}

# _srv_database PATH -- the database setting for the register PATH: PATH,
# or on PostgreSQL (E2E_REGISTER=postgresql, e2e.sh) its URI.
_srv_database() {
        if declare -F e2e_database >/dev/null; then
                e2e_database "$1"
        else
                printf '%s' "$1"
        fi
}

# _srv_status_file PATH -- the daemon's status file for the register PATH
# (state_path() in src/daemon/state.c): PATH.status, or for a PostgreSQL
# URI the URI with [^A-Za-z0-9.-] made _, in $STATE_DIRECTORY.
_srv_status_file() {
        local db
        db=$(_srv_database "$1")
        if [[ $db == postgres*://* ]]; then
                printf '%s/%s.status' "${STATE_DIRECTORY:-/var/lib/breachd}" "${db//[^A-Za-z0-9.-]/_}"
        else
                printf '%s.status' "$db"
        fi
}

_srv_cycle_moved() {
        local now
        now=$(stat -c %i:%.9Y:%.9Z "$(_srv_status_file "$1")" 2>/dev/null) || return 1
        [[ $now != "$_SRV_CYCLE_MARK" ]]
}

# daemon_wait_cycle DATABASE [SECONDS] -- wait until the daemon has gone
# round its loop since daemon_cycle_mark (it rewrote its status file): what
# it would do on the way has been done, and it is still alive to write.
daemon_wait_cycle() {
        wait_until "${2:-$TEST_WAIT_SECONDS}" _srv_cycle_moved "$1" && return 0
        echo "daemon_wait_cycle: $1.status not rewritten within ${2:-$TEST_WAIT_SECONDS} s" >&2
        return 1
}

servers_logs() {
        local f
        for f in "$TEST_ROOT"/log/*; do
                [[ -s $f ]] || continue
                echo "----- ${f##*/} (last 40 lines) -----"
                tail -n 40 "$f"
        done
}

_srv_setup_root() {
        local base=${BREACHD_TEST_TMP:-/tmp}
        TEST_ROOT=$(mktemp -d "$base/srv.XXXXXX") || return 1
        export TEST_ROOT
        _SRV_ROOT_MADE=1
        # the servers drop privileges; they must be able to reach their files
        chmod 0755 "$TEST_ROOT"
        mkdir -p "$TEST_ROOT"/{dovecot/run,dovecot/state,postfix,log,pids,mail}
        chown "$MAIL_UID:$MAIL_GID" "$TEST_ROOT/mail"
        _srv_make_postfix_queue
}

# _srv_try_start [same-ports]
_srv_try_start() {
        local ports
        if [[ ${1:-} != same-ports ]]; then
                ports=$(_srv_pick_ports) || return 1
                read -r IMAP_PORT SMTP_PORT <<<"$ports"
                export IMAP_PORT SMTP_PORT
        fi
        if [[ ! $IMAP_PORT =~ ^[1-9][0-9]*$ || ! $SMTP_PORT =~ ^[1-9][0-9]*$ ]]; then
                echo "servers.sh: bad ports: IMAP '$IMAP_PORT', SMTP '$SMTP_PORT'" >&2
                return 1
        fi
        _srv_write_userdb
        _srv_write_dovecot_conf
        _srv_write_postfix_conf
        # Dovecot first: Postfix delivers into its LMTP socket.
        dovecot_start && postfix_start
}

# servers_start -- start Dovecot and Postfix; exports TEST_ROOT, IMAP_PORT,
# SMTP_PORT.  Returns non-zero (after printing the servers' logs) on failure.
# After servers_stop it starts them again with the same TEST_ROOT, mail and
# ports (if those are still free).
servers_start() {
        local try ports='' status
        if [[ -n $_SRV_DOVECOT_PID && -n $_SRV_POSTFIX_PID ]]; then
                return 0
        fi
        if [[ $EUID -ne 0 ]]; then
                echo "servers_start: the private mail servers need root" >&2
                return 1
        fi
        if [[ -z $_SRV_TRAP_SET ]]; then
                # An EXIT trap the script set before keeps running, first.
                local prev
                prev=$(trap -p EXIT)
                if [[ -n $prev ]]; then
                        eval "prev=(${prev})"
                        harness_on_exit "${prev[2]}"
                fi
                trap '_srv_on_exit' EXIT
                trap 'exit 130' INT
                trap 'exit 143' TERM
                _SRV_TRAP_SET=1
        fi
        servers_stop   # if only one of them runs
        if [[ -n $_SRV_ROOT_MADE ]]; then
                ports=same-ports
        else
                _srv_setup_root || return 1
        fi
        for ((try = 1; try <= 3; try++)); do
                status=0
                _srv_try_start $ports || status=$?
                ((status == 0)) && return 0
                # A port taken before we could bind it: pick new ones.
                ((status == 2)) || break
                servers_stop
                ports=
        done
        echo "servers_start: failed; logs in $TEST_ROOT/log:" >&2
        servers_logs >&2
        _SRV_LOGS_SHOWN=1
        servers_stop
        return 1
}

servers_stop() {
        # Signal both first so that they shut down in parallel.
        _srv_signal_server "$_SRV_POSTFIX_PID" TERM
        _srv_signal_server "$_SRV_DOVECOT_PID" TERM children
        [[ -z $_SRV_POSTFIX_PID ]] || _srv_postfix_reap
        [[ -z $_SRV_DOVECOT_PID ]] || _srv_dovecot_reap
}

_srv_on_exit() {
        local status=$? i
        set +e
        for ((i = ${#_SRV_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
                eval "${_SRV_EXIT_HOOKS[i]}"
        done
        servers_stop
        if [[ -n $_SRV_ROOT_MADE && -d $TEST_ROOT ]]; then
                if [[ $status -ne 0 && -z $_SRV_LOGS_SHOWN ]]; then
                        servers_logs | sed 's/^/# /'
                fi
                if [[ ${KEEP_TEST_ROOT:-0} == 1 ]]; then
                        echo "# test files kept in $TEST_ROOT"
                else
                        rm -rf "$TEST_ROOT"
                fi
        fi
        exit "$status"
}

# write_breachd_conf FILE [EXTRA_LINE...] -- a breachd.conf for these
# servers; each extra argument is appended as a top-level libconfig line.
# An extra line that sets a top-level setting of the standard file
# ('database = "/x/reg.db";', 'poll_interval = 60;', 'directorates = ...')
# replaces it: the standard one is left out.  A register named by its path
# ('database = "/x/reg.db";') is the same register on PostgreSQL
# (E2E_REGISTER=postgresql): the path becomes its URI (_srv_database).
write_breachd_conf() {
        local file=$1 line extra key='' i
        shift
        local -a extras=("$@")
        for i in "${!extras[@]}"; do
                [[ ${extras[i]} =~ ^database\ =\ \"([^\"]*)\"\;$ && ${BASH_REMATCH[1]} != postgres*://* ]] &&
                        extras[i]="database = \"$(_srv_database "${BASH_REMATCH[1]}")\";"
        done
        set -- "${extras[@]}"
        local secret=$TEST_ROOT/imap.secret
        (umask 077 && user_password breach@example.test >"$secret") || return 1
        local -A replaced=()
        for extra in "$@"; do
                while IFS= read -r line; do
                        [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_-]*)[[:space:]]*[=:] ]] &&
                                replaced[${BASH_REMATCH[1]}]=1
                done <<<"$extra"
        done
        {
                # A setting starts at the left margin; the lines after it
                # that do not are part of it.
                while IFS= read -r line; do
                        [[ $line =~ ^([A-Za-z_][A-Za-z0-9_-]*)[[:space:]]*= ]] && key=${BASH_REMATCH[1]}
                        [[ -n $key && -n ${replaced[$key]:-} ]] || printf '%s\n' "$line"
                done <<EOF
# breachd.conf for the private test servers; generated by tests/lib/servers.sh
mailbox = {
  host = "127.0.0.1";
  port = $IMAP_PORT;
  tls = "none";
  user = "breach@example.test";
  password_file = "$secret";
  folder = "INBOX";
  processed_folder = "Processed";
  quarantine_folder = "Quarantine";
  automatic_folder = "Automatic";
};
smtp = {
  host = "127.0.0.1";
  port = $SMTP_PORT;
  tls = "none";
  from = "Data Breach Reporting <breach@example.test>";
};
dpo = [ "dpo@example.test" ];
escalation = [ "siro@example.test" ];
admin = "admin@example.test";
timezone = "Europe/London";
directorates = ( "Adult Social Care", "Children, Families and Education",
                 "Corporate Services", "Finance and Resources" );
staff_domains = [ "example.test" ];
database = "$(_srv_database "$TEST_ROOT/breachd.db")";
$(declare -F e2e_database_secret >/dev/null && e2e_database_secret)
templates_dir = "$REPO_ROOT/conf/templates";
poll_interval = 5;
EOF
                for line in "$@"; do
                        printf '%s\n' "$line"
                done
        } >"$file"
}

# mailpy ARGS... -- run tests/lib/mail.py (see its header for subcommands).
mailpy() {
        "$PYTHON" "$MAIL_PY" "$@"
}

# send_mail FROM TO FILE -- submit FILE through the private Postfix and wait
# until Dovecot has stored it.  TO may be a comma-separated list.
send_mail() {
        local from=$1 file=$3 r rcpts args=()
        IFS=, read -ra rcpts <<<"$2"
        for r in "${rcpts[@]}"; do
                args+=(--to "$r")
        done
        mailpy send --from "$from" "${args[@]}" --timeout "$TEST_WAIT_SECONDS" "$file" >/dev/null
}

# wait_for_mail USER FOLDER COUNT [TIMEOUT] -- wait until FOLDER holds at
# least COUNT messages (default bound TEST_WAIT_SECONDS); says why on
# stderr if not.  It returns as soon as they are there: give a TIMEOUT only
# to test the timeout itself.
wait_for_mail() {
        mailpy wait "$1" "$2" "$3" --timeout "${4:-$TEST_WAIT_SECONDS}" >/dev/null
}

# imap_count USER FOLDER -- number of messages (0 if FOLDER does not exist).
imap_count() {
        mailpy count "$1" "$2"
}

# imap_fetch_all USER FOLDER -- every message, each after a marker line
# "==== message N uid U ====", line endings as LF.
imap_fetch_all() {
        mailpy fetch "$1" "$2"
}

# append_mail USER FOLDER FILE -- IMAP APPEND of FILE's exact bytes
# (creating FOLDER if needed); prints the new UID.
append_mail() {
        mailpy append "$1" "$2" "$3"
}

# imap_search USER FOLDER HEADER STRING -- UIDs of the messages whose
# HEADER contains STRING; fails if there are none.
imap_search() {
        mailpy search-header "$1" "$2" "$3" "$4"
}

# imap_folders USER -- every folder name, one a line.
imap_folders() {
        mailpy list-folders "$1"
}

# ---- signed and verified mail: OpenDKIM, OpenDMARC, a private DNS --------------
#
# What a real organisation's mail servers do to a sender's claim, on the
# private Postfix:
#   SUBMIT_PORT  the organisation's outgoing server: OpenDKIM signs mail
#                from example.test (selector "s1"), and Postfix relays it to
#                MX_PORT, as to the next hop;
#   MX_PORT      the border MX: OpenDKIM verifies, then OpenDMARC applies
#                example.test's policy; both write Authentication-Results:
#                under the authserv-id mx.example.test (MILTER_AUTHSERV_ID)
#                and the message is delivered to Dovecot.
# Mail sent straight to MX_PORT is mail from outside: unsigned, whatever
# its From: says.  SMTP_PORT is left as it was (no milter): breachd sends
# through it, and every other test uses it.
#
# The DNS records (the DKIM key TXT at s1._domainkey.example.test and the
# _dmarc.example.test policy "p=reject") come from dnsmasq on an address of
# 127.0.0.0/8 the harness picks (MILTER_DNS_ADDR, port 53: the resolver
# library has no port setting), answering nothing else.  OpenDMARC, which
# reads /etc/resolv.conf, runs in a mount namespace of its own (unshare -m)
# where a private resolv.conf is bind-mounted over that file.  OpenDKIM's
# Debian build resolves with libunbound, which neither reads resolv.conf
# nor could be made to ask a server on loopback here (Nameservers and an
# unbound ResolverConfiguration with do-not-query-localhost: no were both
# tried: it sent no query): its verifier reads the same key record from a
# file (TestPublicKeys).  No SPF is checked: libspf2 passes 127.0.0.1,
# where all test mail comes from, so DMARC rests on the DKIM signature, as
# it would for a forger on another host.  Nothing leaves the machine, and
# the host's resolver is never touched.
#
#   milters_prepare   before servers_start: picks the ports, adds the two
#                     listeners (POSTFIX_EXTRA_MASTER_CF); exports
#                     SUBMIT_PORT, MX_PORT, MILTER_AUTHSERV_ID
#   milters_start     after servers_start: the key pair, dnsmasq and the
#                     three milters (configurations and logs in
#                     $TEST_ROOT/milters); each waited for until it
#                     listens; all stopped when the script exits
#   send_mail_via PORT FROM TO FILE   send_mail through another listener
#
# Needs opendkim, opendkim-tools (opendkim-genkey), opendmarc and
# dnsmasq-base (scripts/deps.sh), and root for unshare -m.

MILTER_AUTHSERV_ID=mx.example.test
_SRV_MILTER_PIDS=()

# _srv_free_ports N -- N free TCP ports on 127.0.0.1.
_srv_free_ports() {
        "$PYTHON" -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))' "$1"
}

# _srv_free_dns_addr -- an address of 127.0.0.0/8 on whose port 53 nothing
# listens (UDP or TCP).
_srv_free_dns_addr() {
        local try addr
        for ((try = 0; try < 50; try++)); do
                addr=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
                if [[ -z $(ss -Hlun "src = $addr:53" 2>/dev/null; ss -Hltn "src = $addr:53" 2>/dev/null) ]] &&
                   [[ -z $(ss -Hlun "src = 0.0.0.0:53" 2>/dev/null) ]]; then
                        echo "$addr"
                        return 0
                fi
        done
        return 1
}

milters_prepare() {
        local ports
        ports=$(_srv_free_ports 5) || return 1
        read -r SUBMIT_PORT MX_PORT _SRV_SIGN_PORT _SRV_VERIFY_PORT _SRV_DMARC_PORT <<<"$ports"
        export SUBMIT_PORT MX_PORT MILTER_AUTHSERV_ID
        POSTFIX_EXTRA_MAIN_CF+=$'\n'"# milters_prepare: a milter that is not up defers mail, never passes it
milter_default_action = tempfail
milter_protocol = 6"
        POSTFIX_EXTRA_MASTER_CF+=$'\n'"# milters_prepare: the organisation's outgoing server, which signs
127.0.0.1:$SUBMIT_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submit
  -o smtpd_milters=inet:127.0.0.1:$_SRV_SIGN_PORT
  -o content_filter=breachd-relay:[127.0.0.1]:$MX_PORT
# ... its hop to the MX (another name, or Postfix sees a loop)
breachd-relay unix - - n - - smtp
  -o syslog_name=postfix/relay
  -o myhostname=submit.example.test
# milters_prepare: the border MX, which verifies
127.0.0.1:$MX_PORT inet n - n - - smtpd
  -o syslog_name=postfix/mx
  -o smtpd_milters=inet:127.0.0.1:$_SRV_VERIFY_PORT,inet:127.0.0.1:$_SRV_DMARC_PORT"
}

# _srv_milter_run NAME PORT CMD... -- start CMD in its own session, wait
# until it listens on PORT (TCP, 127.0.0.1 or MILTER_DNS_ADDR).
_srv_milter_run() {
        local name=$1 port=$2 pid
        shift 2
        setsid "$@" </dev/null >>"$TEST_ROOT/milters/$name.log" 2>&1 &
        pid=$!
        _SRV_MILTER_PIDS+=("$pid")
        _srv_wait_listen "$port" "$pid" "$name" || {
                echo "servers.sh: $name did not start; its log:" >&2
                tail -n 20 "$TEST_ROOT/milters/$name.log" >&2
                return 1
        }
}

milters_stop() {
        local pid
        for pid in "${_SRV_MILTER_PIDS[@]}"; do
                kill -TERM "$pid" 2>/dev/null || true
        done
        for pid in "${_SRV_MILTER_PIDS[@]}"; do
                _srv_reap "$pid" milter
        done
        _SRV_MILTER_PIDS=()
}

milters_start() {
        local m=$TEST_ROOT/milters key txt
        [[ -n ${MX_PORT:-} ]] || { echo "milters_start: call milters_prepare before servers_start" >&2; return 1; }
        mkdir -p "$m/keys" || return 1
        harness_on_exit milters_stop
        opendkim-genkey -b 1024 -d example.test -s s1 -D "$m/keys" || return 1
        chown -R opendkim:opendkim "$m/keys"
        chmod 0700 "$m/keys"
        chmod 0600 "$m/keys/s1.private"
        # s1.txt is a zone-file line: keep what is between the quotes.
        key=$(tr -d '\n' <"$m/keys/s1.txt" | grep -o '"[^"]*"' | tr -d '" \t\n')
        txt=${key//;/; }
        MILTER_DNS_ADDR=$(_srv_free_dns_addr) || { echo "milters_start: no free address for DNS" >&2; return 1; }
        export MILTER_DNS_ADDR
        # The key: "v=DKIM1; k=rsa; p=...", under 255 bytes for a 1024-bit key.
        _srv_milter_run dnsmasq 53 dnsmasq --keep-in-foreground --conf-file=/dev/null \
                --listen-address="$MILTER_DNS_ADDR" --bind-interfaces --port=53 \
                --no-resolv --no-hosts --no-poll --local=/test/ --user=root \
                --pid-file="$m/dnsmasq.pid" --log-queries --log-facility="$m/dnsmasq.queries" \
                "--txt-record=s1._domainkey.example.test,$txt" \
                "--txt-record=_dmarc.example.test,v=DMARC1; p=reject; adkim=r; aspf=r" || return 1
        printf 'nameserver %s\noptions attempts:2 timeout:2\n' "$MILTER_DNS_ADDR" >"$m/resolv.conf"
        # The same key record for OpenDKIM's verifier (see above).
        printf 's1._domainkey.example.test %s\n' "$txt" >"$m/public-keys"
        # Hosts whose mail is signed rather than verified (OpenDKIM), or
        # not looked at (OpenDMARC): by default 127.0.0.1, which is where
        # all test mail comes from; here the signer keeps that, the
        # verifiers get a documentation address.
        echo 192.0.2.1 >"$m/nobody"
        cat >"$m/sign.conf" <<CONF
# OpenDKIM signing mail of the organisation (SUBMIT_PORT); generated by tests/lib/servers.sh
Mode s
Domain example.test
Selector s1
KeyFile $m/keys/s1.private
Socket inet:$_SRV_SIGN_PORT@127.0.0.1
AuthservID submit.example.test
UserID opendkim:opendkim
Syslog no
Canonicalization relaxed/simple
# Its files are under /tmp, which others may write to (sticky): OpenDKIM
# would refuse them as unsafe.
RequireSafeKeys false
CONF
        cat >"$m/verify.conf" <<CONF
# OpenDKIM verifying mail at the border (MX_PORT); generated by tests/lib/servers.sh
Mode v
Socket inet:$_SRV_VERIFY_PORT@127.0.0.1
AuthservID $MILTER_AUTHSERV_ID
InternalHosts $m/nobody
TestPublicKeys $m/public-keys
UserID opendkim:opendkim
Syslog no
RequireSafeKeys false
CONF
        cat >"$m/dmarc.conf" <<CONF
# OpenDMARC at the border (MX_PORT); generated by tests/lib/servers.sh
Socket inet:$_SRV_DMARC_PORT@127.0.0.1
AuthservID $MILTER_AUTHSERV_ID
TrustedAuthservIDs $MILTER_AUTHSERV_ID
IgnoreHosts $m/nobody
RejectFailures false
FailureReports false
UserID opendmarc:opendmarc
Syslog false
CONF
        _srv_milter_run opendkim-sign "$_SRV_SIGN_PORT" opendkim -f -x "$m/sign.conf" || return 1
        _srv_milter_run opendkim-verify "$_SRV_VERIFY_PORT" opendkim -f -x "$m/verify.conf" || return 1
        _srv_milter_run opendmarc "$_SRV_DMARC_PORT" unshare -m sh -c \
                'mount --bind "$1" /etc/resolv.conf && exec opendmarc -f -c "$2"' sh "$m/resolv.conf" "$m/dmarc.conf" ||
                return 1
}

# send_mail_via PORT FROM TO FILE -- send_mail through the listener on PORT
# (SUBMIT_PORT, MX_PORT); waits until Postfix has passed it on.
send_mail_via() {
        local port=$1 from=$2 file=$4 r rcpts args=()
        IFS=, read -ra rcpts <<<"$3"
        for r in "${rcpts[@]}"; do
                args+=(--to "$r")
        done
        mailpy --smtp-port "$port" send --from "$from" "${args[@]}" --timeout "$TEST_WAIT_SECONDS" "$file" >/dev/null
}

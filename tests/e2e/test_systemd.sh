#!/usr/bin/env bash
# test_systemd.sh -- what an admin installs besides the binaries: the systemd
# unit (systemd-analyze verify and security), the sysusers and tmpfiles
# entries (applied to a private root), and the man pages (render without
# warnings, document every key, option, command and template variable the
# code knows, and their configuration examples are valid).
#
# Needs no systemd as PID 1.  Builds ./breachd with `make breachd` when it is
# missing (systemd-analyze verify wants the ExecStart binary to exist).  Run
# from anywhere; it works from the repository root.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 2
. tests/lib/tap.sh

unit=systemd/breachd.service
sysusers=systemd/breachd.sysusers
tmpfiles=systemd/breachd.tmpfiles
pages=(docs/breachd.8 docs/breachd.conf.5 docs/breachctl.1)
conf_page=docs/breachd.conf.5
exposure_max=2.0

tmp=$(mktemp -d "${BREACHD_TEST_TMP:-/tmp}/systemd.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
# The unprivileged-user checks below must be able to walk into it.
chmod 0755 "$tmp"

have() { command -v "$1" >/dev/null 2>&1; }

# ---- helpers -----------------------------------------------------------------

# c_array NAME FILE -- the string literals of `... NAME[] = { ..., NULL};`.
c_array() {
        awk -v name="$1" '
                index($0, name "[] = {") { on = 1 }
                on { print }
                on && /NULL *\}/ { exit }' "$2" | grep -o '"[^"]*"' | tr -d '"'
}

# man_section PAGE TITLE -- the roff source of section .SH TITLE.
man_section() {
        awk -v t="$2" '
                /^\.SH / { on = ($0 == ".SH " t) ; next }
                on { print }' "$1"
}

# tp_tags -- from roff on stdin, the words of every .TP tag line (a .B/.BR/.BI
# line right after .TP or .TQ), one per line, quotes and commas dropped.
tp_tags() {
        awk '
                prev ~ /^\.(TP|TQ)/ && /^\.B[RI]? / {
                        line = $0
                        sub(/^\.B[RI]? /, "", line)
                        gsub(/["\\,]/, " ", line)
                        n = split(line, w, " ")
                        for (i = 1; i <= n; i++) print w[i]
                }
                { prev = $0 }'
}

# tp_first -- like tp_tags, but only the first word of each tag.
tp_first() {
        awk '
                prev ~ /^\.(TP|TQ)/ && /^\.B[RI]? / { print $2 }
                { prev = $0 }'
}

# syscalls_of NAME... -- the system calls of syscall-filter groups (@name,
# nested groups expanded) and plain names, one a line.
syscalls_of() {
        local g
        for g in "$@"; do
                if [[ $g == @* ]]; then
                        syscalls_of $(systemd-analyze syscall-filter "$g" 2>/dev/null |
                                      awk 'NR > 1 && $1 !~ /^#/ { print $1 }')
                else
                        echo "$g"
                fi
        done
}

# quiet CMD... -- runs CMD without its output (for ok, whose own line must
# not be redirected).
quiet() {
        "$@" >/dev/null 2>&1
}

# missing_from LIST_FILE WORDS_FILE -- words of LIST_FILE not in WORDS_FILE.
missing_from() {
        grep -vxF -f "$2" "$1" || true
}

# example_config NAME -- the configuration example marked
# `.\" example-config: NAME` in breachd.conf(5), roff escapes undone.
example_config() {
        awk -v name="$1" '
                index($0, ".\\\" example-config: " name) == 1 { want = 1; next }
                want && /^\.nf/ { on = 1; next }
                on && /^\.fi/ { exit }
                on { print }' "$conf_page" |
                sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'
}

# ---- the daemon binary (for verify and the config examples) --------------------

breachd_ok=1
if [[ ! -x ./breachd ]]; then
        diag "./breachd is missing: running make breachd"
        if ! make breachd >"$tmp/make.log" 2>&1; then
                breachd_ok=0
                not_ok "./breachd builds (needed by systemd-analyze verify)" "$(tail -n 20 "$tmp/make.log")"
        fi
fi

# ---- the unit -----------------------------------------------------------------

# A man tree with our pages, so that verify checks Documentation=man:... too.
for p in "${pages[@]}"; do
        s=${p##*.}
        mkdir -p "$tmp/man/man$s"
        ln -s "$repo/$p" "$tmp/man/man$s/"
done

# The unit as an install with SBINDIR=$repo would put it: the shipped unit
# names /usr/sbin/breachd, and an install to another prefix rewrites that
# path with  sed 's|/usr/sbin/breachd|$(SBINDIR)/breachd|g'.
mkdir -p "$tmp/unit"
sed -e "s|/usr/sbin/breachd|$repo/breachd|g" "$unit" >"$tmp/unit/breachd.service"

if ! have systemd-analyze; then
        not_ok "systemd-analyze is installed" "systemd-analyze not found: the unit cannot be checked (apt-get install systemd)"
else
        n_shipped=$(grep -c '/usr/sbin/breachd' "$unit")
        n_left=$(grep -c '/usr/sbin/breachd' "$tmp/unit/breachd.service")
        ok "the shipped unit runs /usr/sbin/breachd, which the install rewrite replaces" \
                test "$n_shipped" -ge 1 -a "$n_left" -eq 0

        verify=(systemd-analyze verify)
        if ! have man; then
                diag "man is not installed: verify cannot look for the Documentation= pages"
                verify+=(--man=no)
        fi
        if ((breachd_ok)); then
                out=$(cd "$tmp/unit" && MANPATH="$tmp/man" "${verify[@]}" breachd.service 2>&1)
                st=$?
                is "$st:$out" "0:" "systemd-analyze verify passes, without a warning"

                # The same check must notice a broken unit, or it proves nothing.
                mkdir -p "$tmp/bad"
                sed -e 's/^Type=notify$/Type=notify-reload/' -e '/^\[Service\]/a Hardened=yes' \
                        "$tmp/unit/breachd.service" >"$tmp/bad/breachd.service"
                out=$(cd "$tmp/bad" && MANPATH="$tmp/man" "${verify[@]}" breachd.service 2>&1)
                like "$out" 'Unknown key name|Failed to parse service type' \
                        "verify reports a unit with an unknown setting or type"

                if have man; then
                        rm "$tmp/man/man1/breachctl.1"
                        out=$(cd "$tmp/unit" && MANPATH="$tmp/man" "${verify[@]}" breachd.service 2>&1)
                        like "$out" "man breachctl\\(1\\)" "verify reports a Documentation= page that is missing"
                        ln -s "$repo/docs/breachctl.1" "$tmp/man/man1/"
                fi
        fi

        sec=$(systemd-analyze security --offline=yes "$unit" 2>&1)
        level=$(sed -n 's/.*Overall exposure level for breachd\.service: \([0-9.]*\).*/\1/p' <<<"$sec")
        if [[ -z $level ]]; then
                not_ok "systemd-analyze security gives an exposure level" "$sec"
        else
                diag "exposure level $level (docs/SECURITY.md records it)"
                ok "exposure level $level is at most $exposure_max" \
                        awk -v l="$level" -v m="$exposure_max" 'BEGIN { exit !(l <= m) }'
                # The scores change between systemd versions: compare with
                # the figure of the version SECURITY.md was written with.
                documented=$(grep -o 'exposure level[^0-9]*[0-9]\.[0-9]' docs/SECURITY.md | grep -o '[0-9]\.[0-9]$' | head -n 1)
                doc_version=$(grep -o 'with systemd [0-9]*' docs/SECURITY.md | head -n 1 | grep -o '[0-9]*$')
                version=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
                if [[ -n $doc_version && $doc_version != "$version" ]]; then
                        diag "docs/SECURITY.md gives the figure for systemd $doc_version, this is $version: not compared"
                else
                        is "$documented" "$level" "docs/SECURITY.md records the current exposure level"
                fi
        fi
        like "$sec" $'\n'"✓ User=/DynamicUser= " "the service runs as its own non-root user"

        # fork+exec of /bin/sh for password_command/token_command, kill for
        # ExecReload, sockets for IMAP/SMTP: allowed by the syscall filter.
        allow=$(syscalls_of $(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$unit"))
        deny=$(syscalls_of $(sed -n 's/^SystemCallFilter=~//p' "$unit"))
        blocked=""
        for sc in clone clone3 fork vfork execve wait4 pipe2 dup2 kill socket connect getrandom; do
                grep -qx "$sc" <<<"$allow" || { blocked+=" $sc(not in @system-service)"; continue; }
                grep -qx "$sc" <<<"$deny" && blocked+=" $sc(denied)"
        done
        ok "the unit allows @system-service, then denies $(sed -n 's/^SystemCallFilter=~//p' "$unit" | tr '\n' ' ')" \
                test -n "$allow" -a -n "$deny"
        is "${blocked# }" "" "the syscall filter keeps fork, exec, signals and sockets working"

        families=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
        is "$(tr ' ' '\n' <<<"$families" | sort | tr '\n' ' ')" "AF_INET AF_INET6 AF_UNIX " \
                "sockets: IP for the servers, AF_UNIX for the journal and sd_notify, nothing else"
fi

# The daemon is started with the configuration file it would read anyway.
if ((breachd_ok)); then
        default_conf=$(./breachd --help | sed -n 's/.*(default \(.*\))$/\1/p')
        unit_conf=$(sed -n 's|^ExecStart=[^ ]* -c \([^ ]*\)$|\1|p' "$unit")
        is "$unit_conf" "$default_conf" "ExecStart= names the daemon's default configuration file"

        # ExecReload= runs `breachd --reload $MAINPID`: it checks the file
        # first and must fail on a bad one without signalling anybody; that
        # it fails when the daemon keeps its configuration is
        # tests/e2e/test_register_faults.sh.  Run its command line with -c
        # pointing at our files.
        read -ra check <<<"$(sed -n 's|^ExecReload=\(.*--reload \$MAINPID\)$|\1|p' "$tmp/unit/breachd.service")"
        is "${check[*]:1}" "-c $default_conf --reload \$MAINPID" "ExecReload= checks the file and waits for the daemon's answer"
        example_config m365 >"$tmp/good.conf"
        # "none" to a remote host: refused.  Only the mailbox's tls is imaps.
        sed 's|tls = "imaps";|tls = "none";|' "$tmp/good.conf" >"$tmp/bad.conf"
        if ((${#check[@]} == 5)); then
                ok "the reload check accepts a valid file" quiet "${check[0]}" -c "$tmp/good.conf" --check-config
                out=$("${check[0]}" -c "$tmp/bad.conf" --reload 999999 2>&1)
                is "$?" 1 "the reload fails on an invalid file, so systemctl reload fails"
                like "$out" "bad\\.conf:[0-9]+: mailbox\\.tls" "... and says where, as file:line"
                like "$out" "not reloaded" "... and that the daemon keeps its configuration"
        fi
fi

# ---- sysusers and tmpfiles, applied to a private root ---------------------------------

root=$tmp/root
mkdir -p "$root/etc"
if ! have systemd-sysusers; then
        not_ok "systemd-sysusers is installed" "systemd-sysusers not found: $sysusers cannot be checked"
else
        out=$(systemd-sysusers --root="$root" - <"$sysusers" 2>&1)
        st=$?
        is "$st" 0 "systemd-sysusers accepts $sysusers"
        unlike "$out" 'ignoring|[Ff]ailed|[Ii]nvalid' "... without a complaint"
        pw=$(grep '^breachd:' "$root/etc/passwd")
        IFS=: read -r _ _ uid gid gecos home shell <<<"$pw"
        is "$gecos:$home:$shell" "breachd personal-data-breach mailbox daemon:/var/lib/breachd:/usr/sbin/nologin" \
                "the breachd user: description, home in the state directory, no login shell"
        ok "... is a system user (uid $uid, below 1000, not root)" test "${uid:-0}" -gt 0 -a "${uid:-0}" -lt 1000
        is "$(grep '^breachd:' "$root/etc/group" | cut -d: -f3)" "$gid" "... with a breachd group as its primary group"
fi

if ! have systemd-tmpfiles; then
        not_ok "systemd-tmpfiles is installed" "systemd-tmpfiles not found: $tmpfiles cannot be checked"
elif [[ -z ${gid:-} ]]; then
        not_ok "$tmpfiles can be checked" "no breachd group in the private root (systemd-sysusers failed)"
else
        # What `make install` leaves: root-owned, 0755 directories, 0640 config.
        install -d -m 0755 "$root/etc/breachd/templates"
        install -m 0640 conf/breachd.conf "$root/etc/breachd/breachd.conf"
        install -m 0644 conf/templates/ack.txt "$root/etc/breachd/templates/"
        out=$(systemd-tmpfiles --root="$root" --create - <"$tmpfiles" 2>&1)
        st=$?
        is "$st" 0 "systemd-tmpfiles --create accepts $tmpfiles"
        unlike "$out" 'ignoring|[Ff]ailed|[Uu]nknown' "... without a complaint"
        is "$(stat -c '%a %u %g' "$root/etc/breachd")" "750 0 $gid" "/etc/breachd: root-owned, group breachd, 0750"
        is "$(stat -c '%a %u %g' "$root/etc/breachd/templates")" "750 0 $gid" "/etc/breachd/templates: likewise"
        is "$(stat -c '%a %u %g' "$root/etc/breachd/breachd.conf")" "640 0 $gid" \
                "breachd.conf: group breachd can read it, nobody else"
        if have setpriv && ((EUID == 0)); then
                ok "the daemon's user can read the configuration and the templates" \
                        quiet setpriv --reuid="$uid" --regid="$gid" --clear-groups \
                        cat "$root/etc/breachd/breachd.conf" "$root/etc/breachd/templates/ack.txt"
                setpriv --reuid=65534 --regid=65534 --clear-groups \
                        cat "$root/etc/breachd/breachd.conf" >/dev/null 2>&1
                isnt "$?" 0 "another user cannot"
        else
                diag "setpriv missing or not root: access as the breachd user not tried"
        fi
fi

# ---- man pages ------------------------------------------------------------------

for p in "${pages[@]}"; do
        if [[ ! -f $p ]]; then
                not_ok "$p exists"
                continue
        fi
        if have man; then
                warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$p" 2>&1 >"$tmp/page.txt")
                is "$warn" "" "$p renders without a warning"
                ok "... and has text" grep -q '^NAME' "$tmp/page.txt"
        else
                not_ok "$p renders" "man not found (apt-get install man-db groff-base)"
        fi
        if have mandoc; then
                is "$(mandoc -T lint -W warning "$p" 2>&1)" "" "mandoc -T lint finds nothing in $p"
        fi
        if have lexgrog; then
                ok "$p has a NAME line whatis can index" quiet lexgrog "$p"
        fi
done

# breachd(8): every option of src/daemon/breachd.c.
grep -o '{"[a-z-]*", [a-z_]*_argument' src/daemon/breachd.c | cut -d'"' -f2 >"$tmp/want"
for o in $(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' src/daemon/breachd.c | tr -d ':' | fold -w1); do
        echo "$o" >>"$tmp/want"
done
man_section docs/breachd.8 OPTIONS >"$tmp/options.roff"
: >"$tmp/have"
while read -r o; do
        if ((${#o} == 1)); then
                pat=$(printf '^[.]B[RI]? [\\]-%s( |$)' "$o")
                grep -qE -- "$pat" "$tmp/options.roff" && echo "$o" >>"$tmp/have"
        else
                pat=$(printf '\\-\\-%s' "$(sed 's/-/\\-/g' <<<"$o")")
                grep -qF -- "$pat" "$tmp/options.roff" && echo "$o" >>"$tmp/have"
        fi
done <"$tmp/want"
ok "src/daemon/breachd.c has options to look for ($(wc -l <"$tmp/want") found)" test "$(wc -l <"$tmp/want")" -ge 6
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd(8) documents every option of breachd"
man_section docs/breachd.8 SIGNALS | tp_tags >"$tmp/have"
printf '%s\n' SIGTERM SIGINT SIGHUP >"$tmp/want"
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd(8) documents SIGTERM, SIGINT and SIGHUP"
man_section docs/breachd.8 LOGGING | tp_tags >"$tmp/have"
# Every add_field(…, "NAME", …) of log.c but the journal's own.
grep -o 'add_field(iov, &n, owned, "[A-Z_]*"' src/base/log.c | grep -o '"[A-Z_]*"' | tr -d '"' |
        grep -v '^MESSAGE$\|^SYSLOG_IDENTIFIER$\|^PRIORITY$\|^CODE_FILE$\|^CODE_LINE$\|^CODE_FUNC$' >"$tmp/want"
sed -i 's/=$//' "$tmp/have"
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd(8) documents the journal fields of src/base/log.c ($(tr '\n' ' ' <"$tmp/want"))"
man_section docs/breachd.8 ENVIRONMENT | tp_tags >"$tmp/have"
grep -o 'getenv("[A-Z_]*")' src/*/*.c | cut -d'"' -f2 | sort -u >"$tmp/want"
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd(8) documents every environment variable the code reads"

# breachctl(1): every command of src/ctl/breachctl.c.
grep -o '{"[a-z-]*", ctl_[a-z_]*' src/ctl/breachctl.c | cut -d'"' -f2 | sort >"$tmp/want"
man_section docs/breachctl.1 COMMANDS | tp_first | sort >"$tmp/have"
ok "src/ctl/breachctl.c has commands to look for" test -s "$tmp/want"
is "$(tr '\n' ' ' <"$tmp/have")" "$(tr '\n' ' ' <"$tmp/want")" \
        "breachctl(1) documents every command, and none that does not exist"

# breachd.conf(5): every key config.c accepts, in its section.
c_array mailbox_keys src/base/config.c >"$tmp/want"
man_section "$conf_page" MAILBOX | tp_tags >"$tmp/have"
ok "src/base/config.c lists mailbox keys" test "$(wc -l <"$tmp/want")" -ge 10
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) documents every mailbox key"
c_array smtp_keys src/base/config.c >"$tmp/want"
man_section "$conf_page" SMTP | tp_tags >"$tmp/have"
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) documents every smtp key"
c_array top_keys src/base/config.c | grep -vx 'mailbox\|smtp' >"$tmp/want"
for s in GENERAL PEOPLE INCIDENTS RUNNING ORGANISATIONS; do man_section "$conf_page" "$s"; done | tp_tags >"$tmp/have"
ok "src/base/config.c lists top-level keys" test "$(wc -l <"$tmp/want")" -ge 15
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) documents every top-level key"
c_array directorate_keys src/base/config.c | while read -r k; do grep -q "$k = " "$conf_page" && echo "$k"; done >"$tmp/have"
c_array directorate_keys src/base/config.c >"$tmp/want"
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) shows the keys of a directorate group"
grep -o '{F_[A-Z_]*, "[a-z_]*"' src/base/fields.c | cut -d'"' -f2 >"$tmp/want"
man_section "$conf_page" INCIDENTS | tp_tags >"$tmp/have"
ok "src/base/fields.c has field keys" test "$(wc -l <"$tmp/want")" -ge 20
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) lists every form field key (for labels)"
grep -o 'tvars_set(v, "[a-z_]*"' src/notices/notices.c | cut -d'"' -f2 | sort -u >"$tmp/want"
man_section "$conf_page" TEMPLATES | tp_tags >"$tmp/have"
ok "src/notices/notices.c sets template variables" test "$(wc -l <"$tmp/want")" -ge 10
is "$(missing_from "$tmp/want" "$tmp/have" | tr '\n' ' ')" "" "breachd.conf(5) documents every template variable"
is "$(grep -o '{{[#^/]\?[a-z_]*}}' conf/templates/*.txt | sed 's/.*{{[#^/]\?\([a-z_]*\)}}/\1/' | sort -u |
        grep -vxF -f "$tmp/have" | tr '\n' ' ')" "" "the shipped templates use only documented variables"

# The configuration examples of breachd.conf(5) are valid.
for ex in m365 dovecot; do
        example_config "$ex" >"$tmp/$ex.conf"
        if [[ ! -s $tmp/$ex.conf ]]; then
                not_ok "breachd.conf(5) has the $ex example"
        elif ((breachd_ok)); then
                ok "the $ex example of breachd.conf(5) passes breachd --check-config" \
                        quiet ./breachd -c "$tmp/$ex.conf" --check-config
        fi
done
like "$(cat "$tmp/m365.conf")" 'auth = "xoauth2";.*token_command = ' \
        "the Microsoft 365 example logs in with XOAUTH2 and a token_command"

done_testing

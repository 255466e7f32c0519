#!/usr/bin/env bash
# deps.sh -- install every build and test dependency of breachd (Debian 12).
# Run by "make deps".  Idempotent: when everything is installed it only asks
# dpkg and exits (well under a second); otherwise, as root, it installs just
# the missing packages, without starting any system mail service.
set -euo pipefail

packages=(
        # build
        build-essential pkg-config
        libetpan-dev libgmime-3.0-dev libglib2.0-dev libsqlite3-dev libconfig-dev
        libsystemd-dev libxml2-dev libarchive-dev libgnutls28-dev
        libpoppler-glib-dev                 # PDF attachments (src/read/pdf.c)
        libical-dev                         # the DPO's calendar event (src/notices/calendar.c)
        libpq-dev                           # the PostgreSQL register (src/register/store_pg.c)
        # tests: private mail servers, tools, sanitizers
        dovecot-imapd dovecot-lmtpd postfix
        opendkim opendkim-tools opendmarc   # signed and verified mail (tests/e2e/test_authres.sh)
        dnsmasq-base       # their private DNS
        python3 sqlite3
        postgresql-15      # a private PostgreSQL for the register's tests (tests/lib/pg.sh); its
                           # system cluster is not started (policy-rc.d below)
        python3-icalendar python3-vobject   # independent parsers of our calendar (tests/e2e/test_calendar.sh)
        python3-prometheus-client  # parses breachctl metrics (tests/e2e/test_metrics.sh, tests/lib/promparse.py)
        python3-reportlab  # writes the corpus's PDF forms (tests/corpora/tools/make-pdf.py)
        # real-world MIME nobody here wrote, read in place (tests/unit/test_public_corpus.c,
        # tests/e2e/test_public_corpus.sh): Python's and enmime's test messages
        libpython3.11-testsuite golang-github-jhillyerd-enmime-dev
        poppler-utils      # pdftotext, to check those PDFs by hand
        systemd            # systemd-analyze verify / security
        valgrind clang libclang-rt-14-dev
        isync              # mbsync, a second IMAP client to compare against
        time               # GNU time: peak RSS in make bench
        openssl ca-certificates
        procps             # pgrep, ps
        iproute2           # ss
        util-linux         # script, setsid
        chromium           # renders the committee report's HTML in the tests
        systemd-container  # systemd-nspawn: make check-system boots a real systemd
        debootstrap        # make check-system's Debian tree for that container
)

# ${db:Status-Abbrev} is "ii " for an installed package; unknown packages
# make dpkg-query complain on stderr and print nothing for them.
declare -A installed=()
while IFS=' ' read -r name status; do
        [[ $status == ii* ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for p in "${packages[@]}"; do
        [[ -n ${installed[$p]+set} ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
        echo "deps: all ${#packages[@]} packages are installed"
        exit 0
fi

if [[ $EUID -ne 0 ]]; then
        echo "deps: missing packages: ${missing[*]}" >&2
        echo "deps: run 'make deps' as root to install them (apt-get install ${missing[*]})" >&2
        exit 1
fi

# Keep installing dovecot/postfix from starting their system-wide services
# (invoke-rc.d asks policy-rc.d; 101 means "action forbidden").  Any
# policy-rc.d already there is put back afterwards.
policy=/usr/sbin/policy-rc.d
policy_backup=
policy_ours=0
restore_policy() {
        if [[ -n $policy_backup ]]; then
                mv -f "$policy_backup" "$policy"
        elif ((policy_ours)); then
                rm -f "$policy"
        fi
}
trap restore_policy EXIT
ours=$'#!/bin/sh\n# installed by breachd scripts/deps.sh while it runs apt-get\nexit 101'
if [[ ! -e $policy || $(<"$policy") != "$ours" ]]; then
        if [[ -e $policy ]]; then
                policy_backup=$(mktemp "$policy.breachd.XXXXXX")
                cp -p "$policy" "$policy_backup"
        fi
        printf '%s\n' "$ours" >"$policy"
        chmod 0755 "$policy"
        policy_ours=1
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail system this is; the tests run private
# instances, so the system one needs no configuration.
# OpenDMARC offers to set up a database for its reports; none is needed.
if command -v debconf-set-selections >/dev/null; then
        debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select No configuration
opendmarc opendmarc/dbconfig-install boolean false
EOF
fi

echo "deps: installing ${missing[*]}"
apt-get update
apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}"
echo "deps: done"

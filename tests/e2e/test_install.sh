#!/usr/bin/env bash
# make install (issue 6): PREFIX and DESTDIR lay out a tree an admin would
# recognise; an existing configuration is never overwritten.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
ok "make install PREFIX=/usr DESTDIR=..." make -s install PREFIX=/usr DESTDIR="$D/root" >"$D/install.log" 2>&1
R=$D/root
for f in usr/sbin/breachd usr/bin/breachctl; do
        ok "$f is installed and executable" test -x "$R/$f"
done
for f in lib/systemd/system/breachd.service usr/lib/sysusers.d/breachd.conf usr/lib/tmpfiles.d/breachd.conf \
        etc/breachd/breachd.conf etc/breachd/templates/ack.txt etc/breachd/templates/dpo-notice.txt \
        usr/share/man/man8/breachd.8 usr/share/man/man5/breachd.conf.5 usr/share/man/man1/breachctl.1; do
        ok "$f is installed" test -f "$R/$f"
done
like "$(grep ^ExecStart= "$R/lib/systemd/system/breachd.service")" "^ExecStart=/usr/sbin/breachd" "the unit runs the installed daemon"
is "$(stat -c %a "$R/etc/breachd/breachd.conf")" 640 "the configuration is not world-readable"

echo "# edited by the admin" >>"$R/etc/breachd/breachd.conf"
echo "edited" >>"$R/etc/breachd/templates/ack.txt"
make -s install PREFIX=/usr DESTDIR="$R" >/dev/null 2>&1 || make -s install PREFIX=/usr DESTDIR="$D/root" >/dev/null 2>&1
like "$(tail -1 "$R/etc/breachd/breachd.conf")" "edited by the admin" "a second install keeps the admin's configuration"
like "$(tail -1 "$R/etc/breachd/templates/ack.txt")" "edited" "and the admin's templates"

ok "make install PREFIX=/usr/local" make -s install PREFIX=/usr/local DESTDIR="$D/local" >/dev/null 2>&1
like "$(grep ^ExecStart= "$D/local/lib/systemd/system/breachd.service")" "^ExecStart=/usr/local/sbin/breachd" "the unit follows PREFIX"
ok "the installed daemon runs" "$R/usr/sbin/breachd" --version
done_testing

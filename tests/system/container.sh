# container.sh -- a booted Debian 12 with systemd as PID 1, in a
# systemd-nspawn container, for tests of the installed service.
#
# Source it from a bash test script, then:
#
#       ct_rootfs_ensure BINARY...   # the cached tree (debootstrap, ~4 min once)
#       ct_setup                     # this run's copy of it: an overlay
#       ct_boot                      # boot it; waits for running/degraded
#       ct_exec systemctl status     # a command inside (all its namespaces)
#       ct_poweroff                  # poweroff, wait, unmount, remove
#
# The cached tree: debootstrap --variant=minbase of bookworm from the mirror
# in /etc/apt/sources.list, with systemd, Dovecot, Postfix and the runtime
# libraries of the binaries given to ct_rootfs_ensure (found with ldd and
# dpkg -S), kept in $CT_CACHE/rootfs-KEY, where KEY is a hash of the package
# list and of the recipe below (CT_RECIPE): when either changes the tree is
# built again and older ones are removed.  Building takes a lock, so two runs
# never build at once.  debootstrap keeps the packages' services from
# starting while it installs (its own policy-rc.d and start-stop-daemon).
#
# A run never writes to the cached tree: it boots an overlay of it (upper
# and work directories in the run's directory), or, where overlayfs is not
# available, a copy.  ct_poweroff is safe to call at any point and more than
# once; the test's EXIT trap calls it, so no container outlives the test.
#
# The container shares the host's network (no --private-network): anything
# in it that listens must be told a free loopback port.  Units that would
# touch the network, the clock or a terminal are masked in the cached tree.
#
# Needs root, systemd-nspawn (systemd-container), debootstrap, nsenter
# (util-linux), and overlayfs or the disk space for a copy (~400 MB).

[[ -n ${_CONTAINER_SH_LOADED:-} ]] && return 0
_CONTAINER_SH_LOADED=1

CT_CACHE=${BREACHD_TEST_CACHE:-/var/cache/breachd-test}
CT_SUITE=bookworm
# Change this when the way the tree is made changes: it is part of the key.
CT_RECIPE=1
CT_PACKAGES_BASE=(systemd systemd-sysv dbus procps iproute2 tzdata util-linux
        ca-certificates openssl dovecot-imapd dovecot-lmtpd postfix)
# Units that must not run in a container sharing the host's network, or that
# only slow the boot down.
CT_MASK=(networking.service systemd-networkd.service systemd-networkd.socket
        systemd-networkd-wait-online.service systemd-resolved.service
        systemd-timesyncd.service cron.service
        getty@.service serial-getty@.service console-getty.service container-getty@.service
        apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
        e2scrub_reap.service fstrim.timer logrotate.timer man-db.timer
        systemd-tmpfiles-clean.timer)
# Installed but not started at boot: each test writes their configuration
# (ports it picks) first, then starts them.
CT_DISABLE=(dovecot.service postfix.service postfix@-.service)

CT_RUN=         # this run's directory
CT_ROOT=        # the container's root, as the host sees it
CT_NAME=        # machine (host) name
CT_NSPAWN_PID=  # systemd-nspawn
CT_LEADER=      # the container's PID 1, as a host pid
CT_TREE=        # the cached tree

_ct_log() {
        echo "container.sh: $*" >&2
}

# ct_mirror -- the Debian mirror of the host's apt sources (bookworm, not the
# security suite); BREACHD_TEST_MIRROR overrides it.
ct_mirror() {
        if [[ -n ${BREACHD_TEST_MIRROR:-} ]]; then
                echo "$BREACHD_TEST_MIRROR"
                return 0
        fi
        local m
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | awk '
                # deb822: a stanza with URIs: and Suites: naming bookworm
                /^[[:space:]]*$/ { if (uri != "" && suites ~ /(^| )bookworm( |$)/) { print uri; exit } uri = ""; suites = ""; next }
                /^URIs:/ { uri = $2 }
                /^Suites:/ { $1 = ""; suites = $0 " " }
                # one-line format
                /^deb[[:space:]]/ { u = ""; for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { u = $i; s = $(i + 1); break }
                                   if (s == "bookworm" && u ~ /debian\/?$/) { print u; exit } }
                END { if (uri != "" && suites ~ /(^| )bookworm( |$)/) print uri }' | head -n 1)
        echo "${m:-http://deb.debian.org/debian}"
}

# ct_runtime_packages BINARY... -- the Debian packages of the shared
# libraries the binaries load.
ct_runtime_packages() {
        local libs lib p cands=() owned
        libs=$(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
        # dpkg knows each file under the path its package ships it at, which
        # with merged /usr may not be the one ldd prints: ask for every
        # spelling at once (one dpkg -S is much quicker than one per file).
        while read -r lib; do
                [[ -n $lib ]] && cands+=("$lib" "/usr${lib#/usr}" "${lib#/usr}" "$(readlink -f "$lib")")
        done <<<"$libs"
        owned=$(dpkg -S "${cands[@]}" 2>/dev/null)
        while read -r lib; do
                [[ -n $lib ]] || continue
                p=$(awk -v a="$lib" -v b="/usr${lib#/usr}" -v c="${lib#/usr}" -v d="$(readlink -f "$lib")" '
                        { f = $NF } f == a || f == b || f == c || f == d { sub(/:.*/, "", $1); print $1; exit }' <<<"$owned")
                if [[ -n $p ]]; then
                        echo "$p"
                else
                        _ct_log "no package owns $lib"
                fi
        done <<<"$libs" | sort -u
}

# ct_rootfs_ensure BINARY... -- set CT_TREE to the cached tree, building it
# if it is missing or out of date.
ct_rootfs_ensure() {
        local pkgs key mirror
        mirror=$(ct_mirror)
        pkgs=$( { printf '%s\n' "${CT_PACKAGES_BASE[@]}"; ct_runtime_packages "$@"; } | sort -u | tr '\n' ',')
        pkgs=${pkgs%,}
        [[ -n $pkgs ]] || { _ct_log "no package list"; return 1; }
        key=$(printf 'recipe %s\nsuite %s\nmirror %s\narch %s\npackages %s\nmask %s\n' "$CT_RECIPE" "$CT_SUITE" \
                "$mirror" "$(dpkg --print-architecture)" "$pkgs" "${CT_MASK[*]} ${CT_DISABLE[*]}" | sha256sum | cut -c1-16)
        CT_TREE=$CT_CACHE/rootfs-$key
        mkdir -p "$CT_CACHE" || return 1
        exec {_ct_lock}>"$CT_CACHE/lock"
        flock "$_ct_lock"
        local status=0
        [[ -f $CT_TREE/.breachd-test-complete ]] || _ct_build_tree "$pkgs" "$mirror" || status=1
        exec {_ct_lock}>&-
        return $status
}

# _ct_build_tree PACKAGES MIRROR -- build CT_TREE (the caller holds the lock).
_ct_build_tree() {
        local pkgs=$1 mirror=$2 build old
        # What an interrupted build left (it held the lock we hold now).
        rm -rf --one-file-system "$CT_CACHE"/build.*
        build=$(mktemp -d "$CT_CACHE/build.XXXXXX") || return 1
        _ct_log "building the container tree $CT_TREE (debootstrap $CT_SUITE from $mirror, a few minutes)"
        _ct_log "packages: $pkgs"
        if ! debootstrap --variant=minbase --include="$pkgs" "$CT_SUITE" "$build/root" "$mirror" \
                        >"$build/debootstrap.log" 2>&1; then
                _ct_log "debootstrap failed; the end of its log:"
                tail -n 30 "$build/debootstrap.log" >&2
                [[ -f $build/root/debootstrap/debootstrap.log ]] && tail -n 30 "$build/root/debootstrap/debootstrap.log" >&2
                rm -rf --one-file-system "$build"
                return 1
        fi
        _ct_finish_tree "$build/root" || { rm -rf --one-file-system "$build"; return 1; }
        printf '%s\n' "$pkgs" >"$build/root/.breachd-test-complete"
        # Older trees (another key) go: only the current one is worth
        # keeping.  Not one that a running test has under its overlay.
        for old in "$CT_CACHE"/rootfs-*; do
                [[ -d $old && $old != "$CT_TREE" ]] || continue
                grep -qF "lowerdir=$old," /proc/mounts || rm -rf --one-file-system "$old"
        done
        rm -rf --one-file-system "$CT_TREE"
        mv "$build/root" "$CT_TREE" && rm -rf "$build"
        [[ -f $CT_TREE/.breachd-test-complete ]]
}

# What every container of this tree has: masked units, no package caches,
# a journal on disk, no system mail service enabled (CT_DISABLE).
_ct_finish_tree() {
        local root=$1 u
        for u in "${CT_MASK[@]}"; do
                ln -sf /dev/null "$root/etc/systemd/system/$u"
        done
        systemctl --root="$root" disable "${CT_DISABLE[@]}" >/dev/null 2>&1
        for u in "${CT_DISABLE[@]}"; do
                if [[ -n $(find "$root/etc/systemd/system" -name "$u" -path '*.wants/*' 2>/dev/null) ]]; then
                        _ct_log "$u is still enabled in the tree"
                        return 1
                fi
        done
        rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin
        rm -rf "$root"/var/lib/apt/lists/*
        mkdir -p "$root/var/log/journal"
        # A machine id of its own per boot (systemd makes a transient one).
        : >"$root/etc/machine-id"
        # debootstrap's policy-rc.d is gone already; none should be left.
        rm -f "$root/usr/sbin/policy-rc.d"
}

# ct_setup -- this run's directory and the container's root: an overlay of
# the cached tree (ct_rootfs_ensure first), or a copy of it.
ct_setup() {
        local base=${BREACHD_TEST_TMP:-/var/tmp}
        CT_RUN=$(mktemp -d "$base/breachd-system.XXXXXX") || return 1
        chmod 0755 "$CT_RUN"
        mkdir -p "$CT_RUN"/{upper,work,root}
        CT_ROOT=$CT_RUN/root
        # A host name of lower-case letters and digits only.
        CT_NAME=breachd-test-$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)
        if mount -t overlay overlay \
                        -o "lowerdir=$CT_TREE,upperdir=$CT_RUN/upper,workdir=$CT_RUN/work" "$CT_ROOT" 2>"$CT_RUN/mount.err"; then
                _CT_OVERLAY=1
        else
                _ct_log "no overlayfs ($(cat "$CT_RUN/mount.err")): copying the tree instead"
                cp -a --reflink=auto "$CT_TREE/." "$CT_ROOT/" || return 1
        fi
        rm -f "$CT_ROOT/.breachd-test-complete"
}

# _ct_find_leader -- the container's PID 1 as the host sees it: the process
# below systemd-nspawn whose pid in its own namespace is 1.
_ct_find_leader() {
        local todo=("$CT_NSPAWN_PID") p line f
        while ((${#todo[@]})); do
                p=${todo[0]}
                todo=("${todo[@]:1}")
                if [[ $p != "$CT_NSPAWN_PID" ]] && line=$(grep '^NSpid:' "/proc/$p/status" 2>/dev/null); then
                        read -ra f <<<"$line"
                        if ((${#f[@]} >= 3)) && [[ ${f[-1]} == 1 ]]; then
                                echo "$p"
                                return 0
                        fi
                fi
                todo+=($(pgrep -P "$p"))
        done
        return 1
}

# ct_boot [TIMEOUT] -- boot the container and wait until systemd says the
# system is running (or degraded: a unit failed; the caller may look).
ct_boot() {
        local limit=${1:-180} end state
        # Its own session: a ^C meant for the test does not reach it; the
        # test's EXIT trap powers it off.
        setsid systemd-nspawn -D "$CT_ROOT" --boot --register=no --keep-unit --console=passive \
                --link-journal=no --machine="$CT_NAME" \
                </dev/null >"$CT_RUN/nspawn.log" 2>&1 &
        CT_NSPAWN_PID=$!
        end=$((SECONDS + limit))
        until CT_LEADER=$(_ct_find_leader); do
                if ! kill -0 "$CT_NSPAWN_PID" 2>/dev/null || ((SECONDS >= end)); then
                        _ct_log "systemd-nspawn did not start the container; its output:"
                        tail -n 30 "$CT_RUN/nspawn.log" >&2
                        CT_LEADER=
                        return 1
                fi
                sleep 0.1
        done
        while :; do
                state=$(ct_exec_t 10 systemctl is-system-running 2>/dev/null)
                case $state in
                running | degraded) return 0 ;;
                esac
                if ! kill -0 "$CT_NSPAWN_PID" 2>/dev/null || ((SECONDS >= end)); then
                        _ct_log "the container did not finish booting in $limit s (state '$state'); its console:"
                        tail -n 30 "$CT_RUN/nspawn.log" >&2
                        return 1
                fi
                sleep 0.2
        done
}

# ct_exec CMD... -- run CMD in the container (every namespace of its PID 1,
# its root directory), with a clean environment; stdin, stdout and stderr
# are the caller's.  Gives up after CT_EXEC_TIMEOUT seconds (default 180).
ct_exec() {
        ct_exec_t "${CT_EXEC_TIMEOUT:-180}" "$@"
}

# ct_exec_t SECONDS CMD... -- ct_exec with its own time limit.
ct_exec_t() {
        local limit=$1
        shift
        [[ -n $CT_LEADER ]] || { _ct_log "ct_exec: no container"; return 125; }
        timeout --kill-after=10 "$limit" \
                nsenter --target "$CT_LEADER" --all --root --wd \
                env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 SYSTEMD_LOG_COLOR=0 \
                "$@"
}

# ct_poweroff -- power the container off (systemctl poweroff, then SIGTERM
# to systemd-nspawn, then SIGKILL), unmount and remove the run's directory
# (kept when KEEP_TEST_ROOT=1).  Safe to call at any point, and again.
ct_poweroff() {
        local end i
        if [[ -n $CT_NSPAWN_PID ]]; then
                if kill -0 "$CT_NSPAWN_PID" 2>/dev/null && [[ -n $CT_LEADER ]]; then
                        ct_exec_t 20 systemctl --no-block poweroff >/dev/null 2>&1
                        end=$((SECONDS + 90))
                        while kill -0 "$CT_NSPAWN_PID" 2>/dev/null && ((SECONDS < end)); do
                                sleep 0.1
                        done
                fi
                if kill -0 "$CT_NSPAWN_PID" 2>/dev/null; then
                        _ct_log "the container did not power off: SIGTERM to systemd-nspawn"
                        kill -TERM "$CT_NSPAWN_PID" 2>/dev/null
                        for ((i = 0; i < 300; i++)); do
                                kill -0 "$CT_NSPAWN_PID" 2>/dev/null || break
                                sleep 0.1
                        done
                fi
                if kill -0 "$CT_NSPAWN_PID" 2>/dev/null; then
                        _ct_log "systemd-nspawn ignored SIGTERM: killing the container"
                        # Every process of its pid namespace dies with its PID 1.
                        [[ -n $CT_LEADER ]] && kill -KILL "$CT_LEADER" 2>/dev/null
                        kill -KILL "$CT_NSPAWN_PID" 2>/dev/null
                fi
                wait "$CT_NSPAWN_PID" 2>/dev/null
                CT_NSPAWN_PID=
                CT_LEADER=
        fi
        if [[ -n ${_CT_OVERLAY:-} ]]; then
                for ((i = 0; i < 50; i++)); do
                        umount "$CT_ROOT" 2>/dev/null && break
                        sleep 0.1
                done
                if mountpoint -q "$CT_ROOT"; then
                        _ct_log "cannot unmount $CT_ROOT: detaching it"
                        umount -l "$CT_ROOT"
                fi
                _CT_OVERLAY=
        fi
        if [[ -n $CT_RUN && -d $CT_RUN ]]; then
                if [[ ${KEEP_TEST_ROOT:-0} == 1 ]]; then
                        _ct_log "the container's files are kept in $CT_RUN (upper: what the run changed)"
                else
                        # Never into a mount that is still there (the cache).
                        mountpoint -q "$CT_ROOT" || rm -rf --one-file-system "$CT_RUN"
                fi
        fi
        CT_RUN=
}

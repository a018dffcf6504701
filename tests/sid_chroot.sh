#!/usr/bin/env bash
# Run one of this project's make targets on Python 3.14 or 3.15.
#
# Those Pythons come from Debian sid's binary packages, which need sid's own
# C library, so they run in a sid chroot (default /opt/sid).  This script
# makes the chroot when it is missing (debootstrap from the host's Debian
# mirror; root and about two minutes), mounts what a build and a test run
# need, binds this checkout at the same path inside, and runs
#     make <target> PYTHON=python3.X VENV=.venv-3.X [VAR=value ...]
# there.  The venv lives in the checkout, so it is only usable inside.
#
# Usage:  tests/sid_chroot.sh 3.14 test [PYTEST_ARGS="-x -q"]
#         tests/sid_chroot.sh 3.15 shell          # a shell in the checkout, inside
#         tests/sid_chroot.sh umount              # undo the mounts
# Env:    SID_ROOT (default /opt/sid), SID_MIRROR (default: the host's Debian mirror).
#         SID_EXTRA_PACKAGES: more packages to install inside (make refleaks: python3.14-dbg).
set -euo pipefail

root=${SID_ROOT:-/opt/sid}
here=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "[sid] $*" >&2; }

mounts="proc sys dev dev/pts ${here#/}"
unmount_all() {
    local m
    for m in $(echo "$mounts" | tr ' ' '\n' | tac); do
        if mountpoint -q "$root/$m"; then umount -l "$root/$m"; fi
    done
}
if [ "${1:-}" = umount ]; then unmount_all; exit 0; fi

version=${1:?usage: tests/sid_chroot.sh 3.14|3.15 <make target> [VAR=value ...]}
target=${2:-test}
shift $(( $# >= 2 ? 2 : 1 ))
case "$version" in 3.14|3.15) ;; *) say "only 3.14 and 3.15 run in the chroot, not $version"; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { say "needs root (chroot, mount)"; exit 1; }

inside() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb "$@"
}

# 1. The chroot, once.
if [ ! -x "$root/usr/bin/python$version" ] || [ ! -x "$root/usr/bin/make" ]; then
    mirror=${SID_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || { say "no Debian mirror in the host's apt sources: set SID_MIRROR"; exit 1; }
    if [ ! -x "$root/usr/bin/apt-get" ] || [ -d "$root/debootstrap" ]; then
        command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
        rm -rf "$root"
        say "debootstrap sid into $root from $mirror"
        debootstrap --variant=minbase sid "$root" "$mirror" >/dev/null
    fi
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    # The mirror's snapshot can be past its Release file's Valid-Until date.
    echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/90covcore-snapshot"
    # pip inside trusts what the host trusts (the host may know a proxy's CA).
    mkdir -p "$root/etc/ssl/host"
    cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/host/ca-certificates.crt"
    printf '[global]\ncert = /etc/ssl/host/ca-certificates.crt\n' > "$root/etc/pip.conf"
    # No services start inside.
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
fi

# 2. The mounts, and this checkout at the same path.
for m in $mounts; do
    mkdir -p "$root/$m"
    if ! mountpoint -q "$root/$m"; then
        case "$m" in
            proc) mount -t proc proc "$root/proc" ;;
            sys) mount --rbind /sys "$root/sys" ;;
            dev) mount --bind /dev "$root/dev" ;;
            dev/pts) mount --bind /dev/pts "$root/dev/pts" ;;
            *) mount --bind "/$m" "$root/$m" ;;
        esac
    fi
done
# A checkout deleted and cloned again at the same path (CI does this) leaves the
# old bind mount in place, pointing at the deleted directory: make then fails
# with "getcwd: No such file or directory".  Bind the checkout that is here now.
if [ "$(stat -c %d:%i "$here")" != "$(stat -c %d:%i "$root$here" 2>/dev/null || true)" ]; then
    say "re-binding $here (the chroot's bind mount was of an older directory)"
    while mountpoint -q "$root$here"; do umount -l "$root$here"; done
    mkdir -p "$root$here"
    mount --bind "$here" "$root$here"
fi

# 3. The Python, its headers and venv, a C toolchain, and what the tests drive.
# SID_EXTRA_PACKAGES: more for one target (make refleaks: python3.14-dbg).
packages="python$version python$version-dev python$version-venv gcc libc6-dev make git ca-certificates ${SID_EXTRA_PACKAGES:-}"
missing=$(inside dpkg-query -W -f='${Status} ${Package}\n' $packages 2>/dev/null | awk '$3 != "installed" {print $4}' || true)
if [ -n "$missing" ] || ! inside dpkg-query -W "python$version-venv" >/dev/null 2>&1; then
    say "installing $packages"
    inside apt-get update -qq
    inside apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

if [ "$target" = shell ]; then
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
        TERM="${TERM:-dumb}" bash -c "cd '$here' && exec bash"
fi
say "make $target on $(inside python$version -c 'import sys; print(sys.version.split()[0])') in $root"
inside make -C "$here" "$target" PYTHON="python$version" VENV=".venv-$version" "$@"

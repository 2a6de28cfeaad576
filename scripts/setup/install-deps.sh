#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install, from Debian's archive only, what the project needs.
#   install-deps.sh [--check] [GROUP...]   groups: build test docs guests linux cross kernel kernel-check libvirt sanitize
#                                libvirt-build
#                                (default: all but cross, kernel, libvirt, libvirt-build)
# Idempotent: apt is only called when a package is missing. --check
# installs nothing: it lists what is missing and fails (the harness's
# suites check this way; they never call apt).

. "$(dirname "$0")/../common.sh"

declare -A PKGS BPO_PKGS
# device-tree-compiler: the +ds tarball has pc-bios/dtb/*.dts but not the
# .dtb files, and QEMU's meson compiles them only when it finds dtc.
PKGS[build]="build-essential git ninja-build pkg-config libglib2.0-dev
  libfdt-dev libpixman-1-dev zlib1g-dev flex bison bzip2 ccache python3-venv
  xz-utils device-tree-compiler"
BPO_PKGS[build]="meson python3-pycotap"
# Firmware that QEMU's own qtests load, missing from the +ds tarball
# (ipxe-qemu: efi-*.rom, seabios: vgabios-*.bin, qemu-system-data: the rest).
PKGS[test]="ipxe-qemu seabios iproute2 socat"
BPO_PKGS[test]="qemu-system-data"
PKGS[docs]="python3-sphinx python3-sphinx-rtd-theme"
BPO_PKGS[docs]=""
# libc6-dev-arm64-cross: glibc for the static guest workloads (guests/workloads/).
PKGS[guests]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
BPO_PKGS[guests]=""
# Tools to unpack Debian's arm64 kernel and busybox into an initramfs.
PKGS[linux]="cpio gzip dpkg"
BPO_PKGS[linux]=""
# Cross-building QEMU for an arm64 KVM host (scripts/build/cross.sh).
PKGS[cross]="crossbuild-essential-arm64 mmdebstrap"
BPO_PKGS[cross]=""
# Cross-compiling the L1 kernel (scripts/build/kernel.sh).
PKGS[kernel]="bc flex bison libssl-dev libelf-dev patch xz-utils"
BPO_PKGS[kernel]=""
# scripts/kernel/check-series.sh: checkpatch.pl's SPDX check runs
# scripts/spdxcheck.py, which needs ply and GitPython.
PKGS[kernel-check]="python3-ply python3-git"
BPO_PKGS[kernel-check]=""
# The ASan+UBSan build (scripts/build/asan.sh) is clang's.
PKGS[sanitize]="clang"
BPO_PKGS[sanitize]=""
# The libvirt suite (harness/suites/libvirt.py): Debian's libvirt 11.3,
# the monolithic libvirtd, virtlogd and virsh. Each backports package is
# named NAME/bookworm-backports in PKGS, never through BPO_PKGS's
# -t bookworm-backports, which would also take systemd from backports.
# libvirt-daemon-driver-qemu wants qemu-kvm (qemu-system-x86, whose
# seabios must be the backported one) and systemd-container: the latter
# pinned to the installed systemd's version, so systemd is not upgraded.
# qemu-system-arm is QEMU 10.0 without pvlock: the suite's emulator that
# lacks the option, for the refused migration.
_systemd=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || true)
PKGS[libvirt]="libvirt-daemon/bookworm-backports libvirt-daemon-driver-qemu/bookworm-backports
  libvirt-daemon-common/bookworm-backports libvirt-daemon-log/bookworm-backports
  libvirt-clients/bookworm-backports libvirt0/bookworm-backports libvirt-common/bookworm-backports
  qemu-system-common/bookworm-backports qemu-system-x86/bookworm-backports
  qemu-system-arm/bookworm-backports seabios/bookworm-backports
  systemd-container${_systemd:+=$_systemd} iproute2"
BPO_PKGS[libvirt]=""
# Building the patched libvirt (scripts/build/libvirt.sh), on top of
# build: the libraries and programs its meson setup requires (xmllint,
# xsltproc), json-c for the QEMU driver and libnl (see LIBVIRT_MESON_ARGS).
PKGS[libvirt-build]="libxml2-dev libxml2-utils xsltproc libgnutls28-dev
  libtirpc-dev libjson-c-dev libnl-3-dev libnl-route-3-dev"
BPO_PKGS[libvirt-build]=""

SOURCES=/etc/apt/sources.list.d/qemu-pvlock.sources

check=
if [ "${1:-}" = --check ]; then check=1; shift; fi
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test docs guests linux)

# missing PKG...: those not installed. NAME/bookworm-backports counts as
# installed only in a backports version (~bpo), NAME=VERSION only in
# that version.
missing() {
    local p name have
    for p in "$@"; do
        name=${p%%[/=]*}
        have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null) || have=
        case "$have" in
        "install ok installed "*) have=${have#install ok installed };;
        *) echo "$p"; continue;;
        esac
        case "$p" in
        */bookworm-backports) [[ "$have" == *~bpo* ]] || echo "$p";;
        *=*) [ "$have" = "${p#*=}" ] || echo "$p";;
        esac
    done
}

want=() want_bpo=()
for g in "${groups[@]}"; do
    [ -n "${PKGS[$g]+x}" ] || die "unknown group '$g' (build test docs guests linux cross kernel kernel-check libvirt libvirt-build sanitize)"
    # shellcheck disable=SC2086
    want+=($(missing ${PKGS[$g]}))
    # shellcheck disable=SC2086
    want_bpo+=($(missing ${BPO_PKGS[$g]}))
done
if [ -n "$check" ]; then
    [ ${#want[@]} -eq 0 ] && [ ${#want_bpo[@]} -eq 0 ] && exit 0
    die "missing packages: ${want[*]} ${want_bpo[*]}; install them with scripts/setup/install-deps.sh ${groups[*]} (scripts/test.sh does, before its suites)"
fi
# Our own sources file: bookworm-backports binaries, deb-src for the
# QEMU and Linux source packages (sid's are source lines only, so that
# nothing installs from sid by accident). Debian's own sources file is
# left alone; ours is rewritten when this script wants other entries.
SOURCES_TEXT='# Added by qemu-pvlock scripts/setup/install-deps.sh
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
if [ "$(cat "$SOURCES" 2>/dev/null)" != "$SOURCES_TEXT" ]; then
    [ "$(id -u)" -eq 0 ] || die "$SOURCES needs updating; run as root"
    msg "writing $SOURCES"
    printf '%s\n' "$SOURCES_TEXT" > "$SOURCES"
    apt-get update -q >/dev/null
    updated=1
fi

[ ${#want[@]} -eq 0 ] && [ ${#want_bpo[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || die "missing packages: ${want[*]} ${want_bpo[*]}; run as root"

export DEBIAN_FRONTEND=noninteractive
msg "installing: ${want[*]} ${want_bpo[*]}"
[ -n "${updated:-}" ] || apt-get update -q >/dev/null
# A plain name and NAME/bookworm-backports of the same package (two
# groups): keep the backports one, apt refuses both.
for i in "${!want[@]}"; do
    [[ " ${want[*]} " != *" ${want[i]}/bookworm-backports "* ]] || unset 'want[i]'
done
want=("${want[@]}")
# systemd must stay as it is (backports' libvirt pulls in newer systemd
# packages unless told otherwise): refuse before apt changes anything.
if [ ${#want[@]} -gt 0 ] &&
    apt-get install -s -q --no-install-recommends "${want[@]}" 2>/dev/null |
        grep -E '^Inst (systemd|libsystemd0|libsystemd-shared|libudev1) \['; then
    die "installing ${want[*]} would upgrade systemd (above); refusing"
fi
# The backports group first: backports' qemu-system-x86 (libvirt) needs
# backports' qemu-system-data (test), and apt cannot take it from the
# second call (seen on a fresh machine: "held broken packages").
[ ${#want_bpo[@]} -eq 0 ] ||
    apt-get install -y -q --no-install-recommends -t bookworm-backports "${want_bpo[@]}" >/dev/null
[ ${#want[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null

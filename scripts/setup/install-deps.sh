#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install, from Debian's archive only, what the project needs.
#   install-deps.sh [GROUP...]   groups: build test docs guests linux cross kernel (default: all but cross, kernel)
# Idempotent: apt is only called when a package is missing.

. "$(dirname "$0")/../common.sh"

declare -A PKGS BPO_PKGS
PKGS[build]="build-essential git ninja-build pkg-config libglib2.0-dev
  libfdt-dev libpixman-1-dev zlib1g-dev flex bison bzip2 ccache python3-venv
  xz-utils"
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
# Cross-compiling the L1 kernel (scripts/build/l1-kernel.sh).
PKGS[kernel]="bc flex bison libssl-dev libelf-dev patch xz-utils"
BPO_PKGS[kernel]=""

SOURCES=/etc/apt/sources.list.d/qemu-pvlock.sources

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test docs guests linux)

missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed' || echo "$p"
    done
}

want=() want_bpo=()
for g in "${groups[@]}"; do
    [ -n "${PKGS[$g]+x}" ] || die "unknown group '$g' (build test docs guests linux cross kernel)"
    # shellcheck disable=SC2086
    want+=($(missing ${PKGS[$g]}))
    # shellcheck disable=SC2086
    want_bpo+=($(missing ${BPO_PKGS[$g]}))
done
[ ${#want[@]} -eq 0 ] && [ ${#want_bpo[@]} -eq 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || die "missing packages: ${want[*]} ${want_bpo[*]}; run as root"

# Our own sources file: bookworm-backports binaries, deb-src for the
# QEMU source package. Debian's own sources file is left alone.
if [ ! -f "$SOURCES" ]; then
    msg "adding $SOURCES"
    cat > "$SOURCES" <<'SRC'
# Added by qemu-pvlock scripts/setup/install-deps.sh
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
msg "installing: ${want[*]} ${want_bpo[*]}"
apt-get update -q >/dev/null
[ ${#want[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null
[ ${#want_bpo[@]} -eq 0 ] ||
    apt-get install -y -q --no-install-recommends -t bookworm-backports "${want_bpo[@]}" >/dev/null

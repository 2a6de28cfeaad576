# SPDX-License-Identifier: GPL-2.0-or-later
# Shared settings for the qemu-pvlock scripts; sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The upstream QEMU we build on, as Debian's archive serves it.
QEMU_VERSION=10.0.2
QEMU_SRCPKG="qemu/bookworm-backports"
QEMU_TARBALL="qemu_${QEMU_VERSION}+ds.orig.tar.xz"
QEMU_SHA256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

# Everything generated lives outside git: the download cache is shared
# between clones, the work tree and the build belong to this checkout.
CACHE_DIR=${QEMU_PVLOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-pvlock}
OUT=${QEMU_PVLOCK_OUT:-$TOP/build}
QEMU_TREE=$OUT/qemu
QEMU_BUILD=$OUT/qemu-build
QEMU_BIN=$QEMU_BUILD/qemu-system-aarch64

# Directories of this repo that are laid over the QEMU tree as they are,
# but for tests/kvm-host (the reference kernel patch, not QEMU code).
OVERLAY_DIRS="hw include target tests docs"
OVERLAY_EXCLUDE=":(exclude)tests/kvm-host"

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download the pinned upstream QEMU tarball from Debian's source archive
# into the cache and verify its SHA-256. Prints the tarball's path.

. "$(dirname "$0")/../common.sh"

tarball=$CACHE_DIR/$QEMU_TARBALL
check() { echo "$QEMU_SHA256  $1" | sha256sum --check --status; }

if [ -f "$tarball" ] && check "$tarball"; then
    echo "$tarball"
    exit 0
fi

"$TOP/scripts/setup/install-deps.sh" build
mkdir -p "$CACHE_DIR"
dl=$(mktemp -d "$CACHE_DIR/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT

if ! apt-cache showsrc "$QEMU_SRCPKG" 2>/dev/null | grep -q "^Version: .*$QEMU_VERSION"; then
    apt-get update -q >/dev/null
fi
msg "downloading $QEMU_TARBALL ($QEMU_SRCPKG) from Debian's source archive"
# The archive answers 404 for the .dsc and .debian.tar.xz of this
# backport, so apt-get fails even when the tarball arrives: judge the
# file and its checksum, not apt-get's exit status.
(cd "$dl" && apt-get source --download-only "$QEMU_SRCPKG" >apt.log 2>&1) || true

if [ ! -f "$dl/$QEMU_TARBALL" ]; then
    sed 's/^/  apt: /' "$dl/apt.log" >&2
    die "Debian's archive did not serve $QEMU_TARBALL for $QEMU_SRCPKG.
  It may have moved on to another QEMU version. To move the pin, pick a
  version that 'apt-cache showsrc qemu' lists, then update QEMU_VERSION,
  QEMU_SRCPKG, QEMU_TARBALL and QEMU_SHA256 in scripts/common.sh and
  check that the patches in patches/ still apply (make tree)."
fi
if ! check "$dl/$QEMU_TARBALL"; then
    die "$QEMU_TARBALL has SHA-256 $(sha256sum "$dl/$QEMU_TARBALL" | cut -d' ' -f1),
  the pin in scripts/common.sh is $QEMU_SHA256.
  The archive now serves a different file under the same name: check
  where it comes from before moving the pin (QEMU_SHA256)."
fi
mv "$dl/$QEMU_TARBALL" "$tarball"
echo "$tarball"

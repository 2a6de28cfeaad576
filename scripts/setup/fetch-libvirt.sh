#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download the pinned upstream libvirt tarball from Debian's source
# archive into the cache and verify its SHA-256. Prints the tarball's
# path. The pin is in scripts/libvirt/lib.sh.

. "$(dirname "$0")/../libvirt/lib.sh"

tarball=$CACHE_DIR/$LIBVIRT_TARBALL
check() { echo "$LIBVIRT_SHA256  $1" | sha256sum --check --status; }

if [ -f "$tarball" ] && check "$tarball"; then
    echo "$tarball"
    exit 0
fi

# install-deps.sh adds the bookworm-backports deb-src entry.
"$TOP/scripts/setup/install-deps.sh" build
mkdir -p "$CACHE_DIR"
dl=$(mktemp -d "$CACHE_DIR/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT

if ! apt-cache showsrc "$LIBVIRT_SRCPKG" 2>/dev/null | grep -q "^Version: $LIBVIRT_VERSION-"; then
    apt-get update -q >/dev/null
fi
msg "downloading $LIBVIRT_TARBALL ($LIBVIRT_SRCPKG) from Debian's source archive"
# The archive answers 404 for the .dsc, the signature and the Debian
# tarball of this backport, so apt-get fails even when the orig tarball
# arrives: judge the file and its checksum, not apt-get's exit status.
(cd "$dl" && apt-get source --download-only "$LIBVIRT_SRCPKG" >apt.log 2>&1) || true

if [ ! -f "$dl/$LIBVIRT_TARBALL" ]; then
    sed 's/^/  apt: /' "$dl/apt.log" >&2
    die "Debian's archive did not serve $LIBVIRT_TARBALL for $LIBVIRT_SRCPKG.
  It may have moved on to another libvirt version. To move the pin, pick
  a version that 'apt-cache showsrc libvirt' lists, update LIBVIRT_VERSION,
  LIBVIRT_SRCPKG, LIBVIRT_TARBALL and LIBVIRT_SHA256 in
  scripts/libvirt/lib.sh, and check that libvirt/patches/ still applies
  (make libvirt-tree)."
fi
if ! check "$dl/$LIBVIRT_TARBALL"; then
    die "$LIBVIRT_TARBALL has SHA-256 $(sha256sum "$dl/$LIBVIRT_TARBALL" | cut -d' ' -f1),
  the pin in scripts/libvirt/lib.sh is $LIBVIRT_SHA256.
  The archive now serves a different file under the same name: check
  where it comes from before moving the pin (LIBVIRT_SHA256)."
fi
mv "$dl/$LIBVIRT_TARBALL" "$tarball"
echo "$tarball"

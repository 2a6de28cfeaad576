#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download the pinned upstream QEMU tarball from Debian's source archive
# into the cache and verify its SHA-256. Prints the tarball's path.

. "$(dirname "$0")/../common.sh"

fetch_orig_tarball "$QEMU_SRCPKG" "$QEMU_TARBALL" "$QEMU_SHA256" \
    QEMU scripts/common.sh "the patches in patches/ still apply (make tree)"

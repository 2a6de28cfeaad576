#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download the pinned upstream Linux tarball from Debian's source archive
# into the cache and verify its SHA-256. Prints the tarball's path.

. "$(dirname "$0")/../common.sh"

fetch_orig_tarball "$LINUX_SRCPKG" "$LINUX_TARBALL" "$LINUX_SHA256" \
    LINUX scripts/common.sh "the kernel series in kernel/ still apply (scripts/build/kernel.sh)"

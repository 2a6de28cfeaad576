#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Download the pinned upstream libvirt tarball from Debian's source
# archive into the cache and verify its SHA-256. Prints the tarball's
# path. The pin is in scripts/libvirt/lib.sh.

. "$(dirname "$0")/../libvirt/lib.sh"

fetch_orig_tarball "$LIBVIRT_SRCPKG" "$LIBVIRT_TARBALL" "$LIBVIRT_SHA256" \
    LIBVIRT scripts/libvirt/lib.sh "libvirt/patches/ still applies (make libvirt-tree)"

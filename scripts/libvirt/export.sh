#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the libvirt work tree's commits (upstream..HEAD) back into
# libvirt/patches/ as the series, with its series file. Every patch is
# signed off by the git identity of whoever runs this.

. "$(dirname "$0")/lib.sh"

[ -d "$LIBVIRT_TREE/.git" ] ||
    die "no work tree at $LIBVIRT_TREE: run 'make libvirt-tree' first"

signoff_identity
tree_exportable "$LIBVIRT_TREE" upstream

exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
tree_format_patch "$LIBVIRT_TREE" --subject-prefix="$LIBVIRT_SUBJECT_PREFIX" \
    -o "$exp" upstream..HEAD

mkdir -p "$LIBVIRT_SERIES_DIR"
find "$LIBVIRT_SERIES_DIR" -maxdepth 1 -name '*.patch' -delete
cp "$exp"/*.patch "$LIBVIRT_SERIES_DIR/" 2>/dev/null || true
write_series "$LIBVIRT_SERIES_DIR"
record_synced "$LIBVIRT_TREE" "$LIBVIRT_SERIES_DIR"
git -C "$TOP" status --short -- libvirt/patches

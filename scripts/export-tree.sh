#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write what was edited in the QEMU work tree back into this repo: new
# files (committed or not) to their paths here, commits that change
# QEMU's own files to patches/ (git format-patch) and patches/series.

. "$(dirname "$0")/tree-lib.sh"

[ -d "$QEMU_TREE/.git" ] || die "no work tree at $QEMU_TREE: run 'make tree' first"
exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
export_to "$exp"
if same_as_repo "$exp"; then
    export_hash "$exp" > "$(synced_file)"
    msg "nothing to export: the repo already matches $QEMU_TREE"
    exit 0
fi
# Replace the overlay files and patches with the exported ones.
repo_overlay_files | (cd "$TOP" && xargs -r rm -f)
rm -rf "$TOP/patches"
cp -a "$exp/." "$TOP/"
# Drop directories the removal emptied.
for d in $OVERLAY_DIRS; do
    [ ! -d "$TOP/$d" ] || find "$TOP/$d" -type d -empty -delete
done
# Later runs of prepare-tree.sh should see this state as the repo's.
export_hash "$exp" > "$(synced_file)"
git -C "$TOP" status --short -- patches $OVERLAY_DIRS

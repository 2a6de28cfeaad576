#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare the QEMU work tree build/qemu from this repo: pristine QEMU,
# the local build fixes (patches/local/), then the series (patches/),
# each patch applied with git am as a maintainer would. Run it again
# after the repo changed: files that did not change keep their
# timestamps, so the rebuild stays incremental. Edits made in the work
# tree are never thrown away: export them (export.sh) or pass --force.

. "$(dirname "$0")/lib.sh"

force=0
[ "${1:-}" != --force ] || force=1
tree_commit_env

if tree_up_to_date "$QEMU_TREE" "$SERIES_DIR" $force \
    "Write them back with 'make export' (scripts/tree/export.sh), or
  discard them with 'make tree FORCE=1' (scripts/tree/prepare.sh --force)."; then
    exit 0      # the tree already holds what the repo holds
fi
tree_reset "$QEMU_TREE" "$TOP/scripts/setup/fetch-qemu.sh" \
    "QEMU $QEMU_VERSION (Debian $QEMU_TARBALL)"

mapfile -t local_patches < <(series_files "$LOCAL_DIR")
mapfile -t series < <(series_files "$SERIES_DIR")
tree_apply "$QEMU_TREE" "QEMU $QEMU_VERSION" "local build fix" "${local_patches[@]}"
tgit tag -f base >/dev/null
tree_apply "$QEMU_TREE" "QEMU $QEMU_VERSION" "series" "${series[@]}"

diffs=$(mirror_differences)
[ -z "$diffs" ] || die "qemu/ does not hold what the series adds:
$diffs
  The series in patches/ is the source and qemu/ its plain-file copy.
  Edit in $QEMU_TREE, commit there, then 'make export'."
record_synced "$QEMU_TREE" "$SERIES_DIR"
msg "$QEMU_TREE is ready (${#local_patches[@]} local fixes, ${#series[@]} patches)"

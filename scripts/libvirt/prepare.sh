#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare the libvirt work tree build/libvirt from this repo: pristine
# libvirt (tag 'upstream'), then libvirt/patches/, each patch applied
# with git am as a maintainer would. Run it again after the repo
# changed: files that did not change keep their timestamps, so the
# rebuild stays incremental. Edits made in the work tree are never
# thrown away: export them (export.sh) or pass --force.

. "$(dirname "$0")/lib.sh"

force=0
[ "${1:-}" != --force ] || force=1
tree_commit_env

if tree_up_to_date "$LIBVIRT_TREE" "$LIBVIRT_SERIES_DIR" $force \
    "Write them back with 'make libvirt-export' (scripts/libvirt/export.sh),
  or discard them with 'make libvirt-tree FORCE=1'
  (scripts/libvirt/prepare.sh --force)."; then
    exit 0      # the tree already holds what the repo holds
fi
tree_reset "$LIBVIRT_TREE" "$TOP/scripts/setup/fetch-libvirt.sh" \
    "libvirt $LIBVIRT_VERSION (Debian $LIBVIRT_TARBALL)"

mapfile -t series < <(series_files "$LIBVIRT_SERIES_DIR")
tree_apply "$LIBVIRT_TREE" "libvirt $LIBVIRT_VERSION" "" "${series[@]}"
record_synced "$LIBVIRT_TREE" "$LIBVIRT_SERIES_DIR"
msg "$LIBVIRT_TREE is ready (${#series[@]} patches)"

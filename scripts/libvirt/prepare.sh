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

if [ -d "$LIBVIRT_TREE/.git" ]; then
    if libvirt_tree_has_edits; then
        [ $force = 1 ] || die "$LIBVIRT_TREE has edits that are not in this repo.
  Write them back with 'make libvirt-export' (scripts/libvirt/export.sh),
  or discard them with 'make libvirt-tree FORCE=1'
  (scripts/libvirt/prepare.sh --force)."
    elif [ "$(cut -d' ' -f2 "$(libvirt_synced_file)")" = "$(libvirt_repo_hash)" ]; then
        exit 0      # the tree already holds what the repo holds
    fi
    msg "updating $LIBVIRT_TREE from the repo"
    lgit checkout -q -f -B pvlock upstream
    lgit clean -q -fdx
else
    tarball=$("$TOP/scripts/setup/fetch-libvirt.sh")
    msg "unpacking $(basename "$tarball") into $LIBVIRT_TREE"
    rm -rf "$LIBVIRT_TREE"
    mkdir -p "$LIBVIRT_TREE"
    tar -C "$LIBVIRT_TREE" --strip-components=1 -xf "$tarball"
    lgit init -q -b pvlock
    lgit config core.autocrlf false
    lgit add -A -f
    lgit commit -q -m "libvirt $LIBVIRT_VERSION (Debian $LIBVIRT_TARBALL)"
    lgit tag -f upstream >/dev/null
fi

mapfile -t series < <(series_files "$LIBVIRT_SERIES_DIR")
for p in "${series[@]}"; do
    lgit am -q --committer-date-is-author-date "$p" || {
        lgit am --abort 2>/dev/null || true
        die "${p#"$TOP"/} does not apply to libvirt $LIBVIRT_VERSION"
    }
done
libvirt_record_synced
msg "$LIBVIRT_TREE is ready (${#series[@]} patches)"

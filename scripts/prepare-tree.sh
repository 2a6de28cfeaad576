#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare the QEMU work tree (build/qemu, a git repository): upstream
# QEMU, our overlay files as one commit, each patch of patches/series as
# a commit. Run again after the repo changed: files that did not change
# keep their timestamps, so the rebuild stays incremental. Edits made
# in the work tree are never thrown away: export them (export-tree.sh)
# or pass --force.

. "$(dirname "$0")/tree-lib.sh"

force=0
[ "${1:-}" != --force ] || force=1

if [ -d "$QEMU_TREE/.git" ]; then
    exp=$(mktemp -d)
    trap 'rm -rf "$exp"' EXIT
    tree_state=unexportable
    if (export_to "$exp") 2>/dev/null; then
        if same_as_repo "$exp"; then
            exit 0      # the tree already holds what the repo holds
        fi
        tree_state=$(export_hash "$exp")
    fi
    # Edits are what changed in the tree since it last matched the repo.
    if [ $force = 0 ] && [ "$tree_state" != "$(cat "$(synced_file)" 2>/dev/null)" ]; then
        die "$QEMU_TREE has edits that are not in this repo.
  Write them back with 'make export' (scripts/export-tree.sh), or
  discard them with 'make tree FORCE=1' (scripts/prepare-tree.sh --force)."
    fi
    msg "updating $QEMU_TREE from the repo"
    tgit checkout -q -f -B pvlock upstream
    tgit clean -q -fdx
else
    tarball=$("$TOP/scripts/fetch-qemu.sh")
    msg "unpacking $(basename "$tarball") into $QEMU_TREE"
    rm -rf "$QEMU_TREE"
    mkdir -p "$QEMU_TREE"
    tar -C "$QEMU_TREE" --strip-components=1 -xf "$tarball"
    tgit init -q -b pvlock
    tgit config user.name >/dev/null || tgit config user.name "qemu-pvlock"
    tgit config user.email >/dev/null || tgit config user.email "qemu-pvlock@localhost"
    tgit config core.autocrlf false
    tgit add -A -f
    tgit commit -q -m "QEMU $QEMU_VERSION (Debian $QEMU_TARBALL)"
    tgit tag -f upstream >/dev/null
fi

# Our new files, as one commit.
files=$(repo_overlay_files)
for f in $files; do
    ! tgit cat-file -e "upstream:$f" 2>/dev/null ||
        die "$f exists in upstream QEMU: change it through a patch in patches/, not the overlay"
    mkdir -p "$QEMU_TREE/$(dirname "$f")"
    cp -p "$TOP/$f" "$QEMU_TREE/$f"
done
if [ -n "$files" ]; then
    # shellcheck disable=SC2086
    tgit add -f -- $files
    tgit commit -q -m "pvlock: add the project's new files" \
        -m "Laid over QEMU from the qemu-pvlock repository."
fi

# Changes to QEMU's own files, one commit each.
if [ -f "$TOP/patches/series" ]; then
    while read -r p; do
        case "$p" in ''|'#'*) continue;; esac
        tgit am -q --committer-date-is-author-date "$TOP/patches/$p" ||
            die "patches/$p does not apply to QEMU $QEMU_VERSION"
    done < "$TOP/patches/series"
fi
synced=$(mktemp -d)
export_to "$synced"
export_hash "$synced" > "$(synced_file)"
rm -rf "$synced"
msg "$QEMU_TREE is ready ($(tgit rev-list --count upstream..HEAD) commits on top of upstream)"

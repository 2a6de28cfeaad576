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

if [ -d "$QEMU_TREE/.git" ]; then
    if tree_has_edits; then
        [ $force = 1 ] || die "$QEMU_TREE has edits that are not in this repo.
  Write them back with 'make export' (scripts/tree/export.sh), or
  discard them with 'make tree FORCE=1' (scripts/tree/prepare.sh --force)."
    elif [ "$(cut -d' ' -f2 "$(synced_file)")" = "$(repo_hash)" ]; then
        exit 0      # the tree already holds what the repo holds
    fi
    msg "updating $QEMU_TREE from the repo"
    tgit checkout -q -f -B pvlock upstream
    tgit clean -q -fdx
else
    tarball=$("$TOP/scripts/setup/fetch-qemu.sh")
    msg "unpacking $(basename "$tarball") into $QEMU_TREE"
    rm -rf "$QEMU_TREE"
    mkdir -p "$QEMU_TREE"
    tar -C "$QEMU_TREE" --strip-components=1 -xf "$tarball"
    tgit init -q -b pvlock
    tgit config core.autocrlf false
    tgit add -A -f
    tgit commit -q -m "QEMU $QEMU_VERSION (Debian $QEMU_TARBALL)"
    tgit tag -f upstream >/dev/null
fi

apply() {   # what, patch files...
    local what=$1 p
    shift
    for p in "$@"; do
        tgit am -q --committer-date-is-author-date "$p" || {
            tgit am --abort 2>/dev/null || true
            die "${p#"$TOP"/} ($what) does not apply to QEMU $QEMU_VERSION"
        }
    done
}
mapfile -t local_patches < <(series_files "$LOCAL_DIR")
mapfile -t series < <(series_files "$SERIES_DIR")
apply "local build fix" "${local_patches[@]}"
tgit tag -f base >/dev/null
apply "series" "${series[@]}"

diffs=$(mirror_differences)
[ -z "$diffs" ] || die "qemu/ does not hold what the series adds:
$diffs
  The series in patches/ is the source and qemu/ its plain-file copy.
  Edit in $QEMU_TREE, commit there, then 'make export'."
record_synced
msg "$QEMU_TREE is ready (${#local_patches[@]} local fixes, ${#series[@]} patches)"

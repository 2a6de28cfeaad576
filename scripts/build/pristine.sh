#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build pristine QEMU 10.2.2 (the work tree's tag 'base': upstream plus
# the local build fixes of patches/local/, none of the series) beside the
# patched build, for harness/suites/pristine.py: its source tree is a git
# worktree build/pristine/qemu and its build build/pristine/qemu-build,
# the same layout relative to each other as build/qemu and
# build/qemu-build, with the same configure arguments. ccache takes paths
# relative to build/ (scripts/common.sh), so every file the series does
# not touch is a cache hit and the build costs minutes, not a full build.
# Builds everything 'ninja' builds (QEMU's qtests and unit tests too), or
# the ninja targets given as arguments. Prints the path of the binary, last.

. "$(dirname "$0")/../common.sh"

PRISTINE=$OUT/pristine
PTREE=$PRISTINE/qemu
PBUILD=$PRISTINE/qemu-build

"$TOP/scripts/setup/install-deps.sh" build test guests >&2
# The work tree holds the tag; prepare it only if it is not there (it
# may hold edits in progress, which prepare.sh rightly refuses to touch,
# and the pristine side does not depend on them).
[ -d "$QEMU_TREE/.git" ] || "$TOP/scripts/tree/prepare.sh" >&2
tgit() { git -C "$QEMU_TREE" "$@"; }
base=$(tgit rev-parse -q --verify 'base^{commit}') ||
    die "$QEMU_TREE has no tag 'base' (run scripts/tree/prepare.sh)"

tgit worktree prune
if [ ! -e "$PTREE/.git" ]; then
    rm -rf "$PTREE"
    mkdir -p "$PRISTINE"
    tgit worktree add -q --detach "$PTREE" base
fi
# Checked out only when it moved, so that an unchanged tree keeps its
# timestamps and the build stays incremental; an edited one (it is a
# build output, nobody's work) is put back.
if [ "$(git -C "$PTREE" rev-parse HEAD)" != "$base" ] ||
   [ -n "$(git -C "$PTREE" status --porcelain)" ]; then
    msg "checking out base ($base) in $PTREE"
    git -C "$PTREE" checkout -q -f --detach "$base"
    git -C "$PTREE" clean -q -fdx
fi

SRC_TREE=$PTREE configure_qemu "$PBUILD" "${NATIVE_CONFIGURE_ARGS[@]}"
command -v ccache >/dev/null && ccache --zero-stats >/dev/null
ninja_build "$PBUILD" "$@"
command -v ccache >/dev/null && msg "ccache:$(ccache --print-stats 2>/dev/null |
    awk -F'\t' '/^direct_cache_hit|^preprocessed_cache_hit|^cache_miss/ {printf " %s %s", $1, $2}')"
link_firmware "$PBUILD"
echo "$PBUILD/qemu-system-aarch64"

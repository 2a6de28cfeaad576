#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare a kernel work tree from this repo:
#   prepare.sh [--force] host|guest
# build/linux-KIND, a worktree of build/linux: pristine Linux, the series
# (kernel/DIR/patches/), then the test-only patches (kernel/DIR/patches/test/),
# each applied with git am as a maintainer would. Run again after the
# repo changed: files the patches do not change keep their timestamps,
# so the kernel build stays incremental. Edits made in the work tree are
# never thrown away: export them (scripts/kernel/export.sh) or pass
# --force.

. "$(dirname "$0")/lib.sh"

force=0
[ "${1:-}" != --force ] || { force=1; shift; }
kernel_kind "${1:-}"
tree_commit_env


if [ -e "$KTREE/.git" ] &&
    tree_up_to_date "$KTREE" "$KSERIES" $force \
        "Write them back with scripts/kernel/export.sh $KIND, or discard
  them with scripts/kernel/prepare.sh --force $KIND."; then
    exit 0
fi
linux_repo
if [ ! -e "$KTREE/.git" ]; then
    rm -rf "$KTREE"
    git -C "$LINUX_REPO" worktree prune
    git -C "$LINUX_REPO" worktree add -q -f -B "$KIND" "$KTREE" upstream
else
    msg "updating $KTREE from the repo"
    ktgit checkout -q -f -B "$KIND" upstream
    ktgit clean -q -fdx
fi

mapfile -t series < <(series_files "$KSERIES")
mapfile -t tests < <(series_files "$KTEST")
[ ${#series[@]} -gt 0 ] || die "no series in ${KSERIES#"$TOP"/} (its 'series' file lists none)"
tree_apply "$KTREE" "Linux $LINUX_VERSION" "series" "${series[@]}"
git -C "$LINUX_REPO" tag -f "$KIND-posted" "$(ktgit rev-parse HEAD)" >/dev/null
tree_apply "$KTREE" "Linux $LINUX_VERSION" "test patch" "${tests[@]}"
record_synced "$KTREE" "$KSERIES"
msg "$KTREE is ready (${#series[@]} patches, ${#tests[@]} test patches)"

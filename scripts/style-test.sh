#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# QEMU's scripts/checkpatch.pl on every file of the overlay and every
# patch of patches/series (TAP). An error fails; warnings are shown.

. "$(dirname "$0")/common.sh"

cd "$QEMU_TREE"
mapfile -t files < <(cd "$TOP" && git ls-files -- $OVERLAY_DIRS | grep -E '\.(c|h|rst)$')
mapfile -t patches < <(grep -v '^#' "$TOP/patches/series" | grep .)
echo "1..$(( ${#files[@]} + ${#patches[@]} ))"
n=0
check() {   # description, checkpatch arguments...
    local desc=$1 out
    shift
    n=$((n + 1))
    out=$(./scripts/checkpatch.pl --no-tree "$@" 2>&1) || true
    if grep -q '^total: 0 errors' <<<"$out"; then
        echo "ok $n - checkpatch: $desc"
        { grep -A3 '^WARNING' <<<"$out" || true; } | sed 's/^/#   /'
    else
        echo "not ok $n - checkpatch: $desc"
        sed 's/^/#   /' <<<"$out"
    fi
}
for f in "${files[@]}"; do
    check "$f" -f "$f"     # tree-relative: checkpatch knows tests/
done
for p in "${patches[@]}"; do
    check "patches/$p" "$TOP/patches/$p"
done

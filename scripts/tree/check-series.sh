#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prove that the series builds at every step, as bisection needs: check
# out the tree at each patch in a second work tree (build/series-check)
# and build it incrementally, natively (TCG; qemu-system-aarch64 and
# qemu-system-arm, since hw/arm and target/arm also go into the latter)
# and for an arm64 KVM host, the only build that compiles QEMU's arm KVM
# code. TAP, two tests per patch. ccache makes a second run cheap; the
# first compiles every file that each step touches, twice.
#   check-series.sh [--native-only]

. "$(dirname "$0")/lib.sh"

cross=1
[ "${1:-}" != --native-only ] || cross=0
"$TOP/scripts/tree/prepare.sh" >&2
CHECK=$OUT/series-check
wt=$CHECK/qemu
tgit worktree prune
[ -e "$wt/.git" ] || tgit worktree add -q --detach "$wt" base

mapfile -t commits < <(tgit rev-list --reverse base..HEAD)
echo "1..$(( ${#commits[@]} * (1 + cross) ))"
n=0
result() {  # description, log, command...
    local desc=$1 log=$2 start=$SECONDS
    shift 2
    n=$((n + 1))
    if "$@" > "$log" 2>&1; then
        echo "ok $n - $desc ($((SECONDS - start)) s)"
    else
        echo "not ok $n - $desc"
        grep -v '^\[' "$log" | tail -n 30 | sed 's/^/#   /'
    fi
}
# The native configuration, with arm-softmmu added to its target list
check_args=()
for a in "${NATIVE_CONFIGURE_ARGS[@]}"; do
    case "$a" in
    --target-list=*) check_args+=("$a,arm-softmmu");;
    *) check_args+=("$a");;
    esac
done
native() {
    SRC_TREE=$wt configure_qemu "$CHECK/build" "${check_args[@]}" &&
        ninja -C "$CHECK/build"
}
for c in "${commits[@]}"; do
    git -C "$wt" checkout -q --detach "$c"
    subject="$(git -C "$wt" log -1 --format=%s) ($(git -C "$wt" rev-list --count base..HEAD)/${#commits[@]})"
    result "native build: $subject" "$CHECK/native.log" native
    if [ $cross = 1 ]; then
        result "arm64 KVM build: $subject" "$CHECK/cross.log" \
            env CROSS_SRC_TREE="$wt" CROSS_BUILD_DIR="$CHECK/build-arm64" \
            "$TOP/scripts/build/cross.sh"
    fi
done

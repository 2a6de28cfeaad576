# SPDX-License-Identifier: GPL-2.0-or-later
# Settings and helpers for the kernel halves (kernel/); sourced.
#
# Same shape as the QEMU and libvirt work trees, made and exported by the
# same helpers (scripts/tree/lib.sh). build/linux is a git repository
# whose tag 'upstream' is Debian's pristine Linux tarball (LINUX_* in
# scripts/common.sh). Each kind of kernel has its own worktree of it,
# build/linux-KIND-tree on branch KIND (not build/linux-guest: the
# Debian guest of harness/linux.py lives there): upstream, then the series to post
# (kernel/DIR/patches/, git am), then the test-only patches on top
# (kernel/DIR/patches/test/, subjects "[TEST ONLY] ...").
#   KIND   DIR        what
#   host   kvm-host   the nested KVM host (L1) with the reference handler
#   guest  guest      the PV-lock aware guest

. "$(dirname "${BASH_SOURCE[0]}")/../tree/lib.sh"

LINUX_REPO=$OUT/linux
TEST_PREFIX="[TEST ONLY]"

# kernel_kind KIND: set KTREE, KDIR (the repo's kernel/DIR), KSERIES,
# KTEST, FRAG (the config fragment) and KWHAT, or die.
kernel_kind() {
    case "${1:-}" in
    host) KDIR=$TOP/kernel/kvm-host KWHAT="the L1 kernel (KVM host)";;
    guest) KDIR=$TOP/kernel/guest KWHAT="the PV-lock guest kernel";;
    *) die "unknown kernel '${1:-}' (host or guest)";;
    esac
    KIND=$1
    KTREE=$OUT/linux-$KIND-tree
    KSERIES=$KDIR/patches
    KTEST=$KSERIES/test
    FRAG=$KDIR/$( [ "$KIND" = host ] && echo kvm-host || echo guest).config
}

# ktgit: git in the kind's worktree.
ktgit() { git -C "$KTREE" "$@"; }

# The repository with the pristine tarball, made once: the worktrees
# share its objects (one unpacked tarball, not two).
linux_repo() {
    local tarball
    [ -d "$LINUX_REPO/.git" ] && return 0
    tarball=$("$TOP/scripts/setup/fetch-linux.sh")
    msg "unpacking $(basename "$tarball") into $LINUX_REPO"
    rm -rf "$LINUX_REPO"
    mkdir -p "$LINUX_REPO"
    tar -C "$LINUX_REPO" --strip-components=1 -xf "$tarball"
    git -C "$LINUX_REPO" init -q -b upstream
    git -C "$LINUX_REPO" config core.autocrlf false
    git -C "$LINUX_REPO" config gc.auto 0
    git -C "$LINUX_REPO" add -A -f
    git -C "$LINUX_REPO" commit -q -m "Linux $LINUX_VERSION (Debian $LINUX_TARBALL)"
    git -C "$LINUX_REPO" tag -f upstream >/dev/null
}

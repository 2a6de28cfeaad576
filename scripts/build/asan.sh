#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the work tree's QEMU with AddressSanitizer and UndefinedBehavior-
# Sanitizer (configure --enable-asan --enable-ubsan) in build/qemu-asan,
# beside the normal build, with Debian's clang (as upstream's own
# sanitizer job, tests/docker/test-debug) and otherwise the same configure
# arguments. Why clang: with GCC, ASan and UBSan are two runtimes and
# UBSan's reports ignore log_path (they go to stderr only, where the
# harness does not look), while clang's one runtime writes both kinds to
# log_path, which scripts/sanitize.sh scans. Builds
# qemu-system-aarch64, qemu-img (the migration suite's disks) and the
# series' qtest, what scripts/sanitize.sh runs. Extra arguments are more
# ninja targets. Prints the build directory, last.

. "$(dirname "$0")/../tree/lib.sh"

ASAN_BUILD=$OUT/qemu-asan

"$TOP/scripts/setup/install-deps.sh" build test guests sanitize >&2
# A tree with edits in progress is built as it is (prepare.sh refuses to
# touch it, rightly); otherwise it is brought up to date with the repo.
if [ -d "$QEMU_TREE/.git" ] && tree_has_edits; then
    msg "building $QEMU_TREE as it is: it has edits that are not in this repo"
else
    "$TOP/scripts/tree/prepare.sh" >&2
fi

cc=clang cxx=clang++
if command -v ccache >/dev/null; then cc="ccache clang" cxx="ccache clang++"; fi
# The last --cc wins over NATIVE_CONFIGURE_ARGS' own.
configure_qemu "$ASAN_BUILD" "${NATIVE_CONFIGURE_ARGS[@]}" --cc="$cc" --cxx="$cxx" \
    --enable-asan --enable-ubsan
ninja_build "$ASAN_BUILD" qemu-system-aarch64 qemu-img tests/qtest/pvlock-test "$@" >&2
link_firmware "$ASAN_BUILD"
echo "$ASAN_BUILD"

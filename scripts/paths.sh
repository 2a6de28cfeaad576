# SPDX-License-Identifier: GPL-2.0-or-later
# The project's paths, defined once: scripts/common.sh sources this file
# and the harness (harness/__init__.py) has bash expand it, so that both
# agree. Needs TOP; plain assignments only.

# Everything generated lives outside git: the download cache is shared
# between clones, the work tree and the build belong to this checkout.
CACHE_DIR=${QEMU_PVLOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-pvlock}
OUT=${QEMU_PVLOCK_OUT:-$TOP/build}
QEMU_TREE=$OUT/qemu
QEMU_BUILD=$OUT/qemu-build
# The build the tests run (scripts/test.sh's qtest suite, and the harness):
# QEMU_BUILD unless QEMU_PVLOCK_QEMU_BUILD names another build of the
# tree, e.g. the sanitizer build (scripts/sanitize.sh).
# scripts/build/qemu.sh still builds QEMU_BUILD, never that one.
TEST_BUILD=$(realpath -m "${QEMU_PVLOCK_QEMU_BUILD:-$QEMU_BUILD}")
# The arm64 root scripts/build/cross.sh builds against, whose libraries
# the nested KVM host's initramfs takes (harness/nested.py).
ARM64_SYSROOT=$OUT/arm64-sysroot
# The patched libvirt's build (scripts/libvirt/lib.sh), which the
# libvirt suite uses when it is there.
LIBVIRT_BUILD=$OUT/libvirt-build
# Cached results of QEMU's own tests (harness/suites/pristine.py).
TEST_RESULTS_CACHE=$CACHE_DIR/test-results

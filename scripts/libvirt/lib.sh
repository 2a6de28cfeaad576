# SPDX-License-Identifier: GPL-2.0-or-later
# Settings and helpers for the libvirt side (libvirt/patches/); sourced.
#
# Same shape as the QEMU work tree, made and exported by the same helpers
# (scripts/tree/lib.sh): build/libvirt is a git
# repository, tag 'upstream' the pristine tarball, then one commit per
# patch of libvirt/patches/, applied with git am. There are no local
# build fixes and no plain-file copy: the series only changes files that
# libvirt already has, plus test data.

# The work tree helpers (tree_reset, tree_apply, record_synced, ...), and
# through them common.sh (TOP, OUT, CACHE_DIR, msg, die, fetch_orig_tarball).
. "$(dirname "${BASH_SOURCE[0]}")/../tree/lib.sh"

# The upstream libvirt the patches apply to, as Debian's archive serves
# it: the version that bookworm-backports ships as a binary, so that the
# patched daemon and Debian's one can be compared.
LIBVIRT_VERSION=11.3.0
LIBVIRT_SRCPKG="libvirt/bookworm-backports"
LIBVIRT_TARBALL="libvirt_${LIBVIRT_VERSION}.orig.tar.xz"
LIBVIRT_SHA256=6bcb0c42c4580436fea262ced56f68a6afe20f7390b1bea2116718cc034a0283

LIBVIRT_TREE=$OUT/libvirt
# LIBVIRT_BUILD: scripts/paths.sh
LIBVIRT_SERIES_DIR=$TOP/libvirt/patches
LIBVIRT_SUBJECT_PREFIX="RFC PATCH"
# libvirt's own patches carry 7-digit blob ids (tree_format_patch).
PATCH_ABBREV=7

# What the tests and the end-to-end suite need, and nothing else: the
# test programs for the files the series changes, the mock libraries
# they preload (VIR_TEST_MAIN_PRELOAD in each test), the daemon with its
# QEMU driver module, virtlogd and virsh.
LIBVIRT_TESTS=(qemuxmlconftest qemucapabilitiestest domaincapstest qemucaps2xmltest)
LIBVIRT_TARGETS=(
    "${LIBVIRT_TESTS[@]/#/tests/}"
    tests/qemucapsprobe
    tests/libqemuxml2argvmock.so tests/libdomaincapsmock.so
    tests/libvirrandommock.so tests/libqemucpumock.so tests/libvirpcimock.so
    tests/libvirnumamock.so tests/libqemucapsprobemock.so
    tests/libqemucaps2xmlmock.so
    src/libvirtd src/libvirt_driver_qemu.so src/virtlogd tools/virsh
)

# The QEMU, remote, libvirtd and test drivers; everything else off.
# -Dsystem=true gives Debian's paths (/etc/libvirt, /run/libvirt,
# /var/lib/libvirt), so that the daemon from the build tree and Debian's
# packaged one share configuration, sockets and virtlogd.
LIBVIRT_MESON_ARGS=(
    -Dsystem=true -Dno_git=true -Dauto_features=disabled
    -Dtests=enabled -Dexpensive_tests=disabled -Ddocs=disabled
    -Djson_c=enabled -Ddriver_qemu=enabled -Ddriver_remote=enabled
    -Ddriver_libvirtd=enabled -Ddriver_test=enabled
    -Dinit_script=none -Dgit_werror=enabled
    # libvirt 11.3.0's src/util/virnetdevbridge.c calls netlink helpers
    # without checking for libnl, so it does not compile without it.
    -Dlibnl=enabled
)

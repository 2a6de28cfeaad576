#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-build this project's qemu-system-aarch64 for an arm64 host, with
# KVM and without TCG: the QEMU that runs inside the nested arm64 KVM
# host (L1). The arm64 libraries come from a sysroot that mmdebstrap
# extracts from Debian's archive (arm64 -dev packages cannot be
# co-installed with the amd64 ones the native build needs).
# Prints the path of the binary. Everything is cached under build/.

. "$(dirname "$0")/../common.sh"

"$TOP/scripts/setup/install-deps.sh" build cross >&2
# scripts/tree/check-series.sh builds other trees: CROSS_SRC_TREE names
# one (then it is not prepared here), CROSS_BUILD_DIR its build.
if [ -n "${CROSS_SRC_TREE:-}" ]; then
    export SRC_TREE=$CROSS_SRC_TREE
else
    "$TOP/scripts/tree/prepare.sh" >&2
fi

SYSROOT=$ARM64_SYSROOT
BUILD=${CROSS_BUILD_DIR:-$OUT/qemu-build-arm64}
SYSROOT_PKGS=libglib2.0-dev,libfdt-dev,libpixman-1-dev,zlib1g-dev,libc6-dev

if [ "$(cat "$SYSROOT/.pkgs" 2>/dev/null)" != "$SYSROOT_PKGS" ]; then
    msg "extracting an arm64 sysroot with $SYSROOT_PKGS"
    rm -rf "$SYSROOT"
    mmdebstrap --quiet --arch=arm64 --variant=extract --include="$SYSROOT_PKGS" \
        bookworm "$SYSROOT" http://deb.debian.org/debian >&2 ||
        die "mmdebstrap could not extract the arm64 sysroot"
    echo "$SYSROOT_PKGS" > "$SYSROOT/.pkgs"
fi

LIBDIR=$SYSROOT/usr/lib/aarch64-linux-gnu
CONFIGURE_ARGS=(
    --cross-prefix=aarch64-linux-gnu-
    --target-list=aarch64-softmmu
    --python=/usr/bin/python3
    --without-default-features
    --enable-kvm --disable-tcg
    --enable-fdt=system
    --disable-docs --disable-install-blobs
    --extra-cflags="--sysroot=$SYSROOT"
    --extra-ldflags="--sysroot=$SYSROOT -Wl,-rpath-link,$LIBDIR"
)
export PKG_CONFIG=pkg-config
export PKG_CONFIG_LIBDIR=$LIBDIR/pkgconfig:$SYSROOT/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$SYSROOT
if command -v ccache >/dev/null; then
    CONFIGURE_ARGS+=(--cc="ccache aarch64-linux-gnu-gcc")
    export CCACHE_BASEDIR=$OUT CCACHE_NOHASHDIR=1
fi

configure_qemu "$BUILD" "${CONFIGURE_ARGS[@]}"
ninja_build "$BUILD" qemu-system-aarch64
echo "$BUILD/qemu-system-aarch64"

# SPDX-License-Identifier: GPL-2.0-or-later
# Shared settings for the qemu-pvlock scripts; sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The upstream QEMU we build on, as Debian's archive serves it.
QEMU_VERSION=10.0.2
QEMU_SRCPKG="qemu/bookworm-backports"
QEMU_TARBALL="qemu_${QEMU_VERSION}+ds.orig.tar.xz"
QEMU_SHA256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

# Everything generated lives outside git: the download cache is shared
# between clones, the work tree and the build belong to this checkout.
CACHE_DIR=${QEMU_PVLOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-pvlock}
OUT=${QEMU_PVLOCK_OUT:-$TOP/build}
QEMU_TREE=$OUT/qemu
QEMU_BUILD=$OUT/qemu-build
QEMU_BIN=$QEMU_BUILD/qemu-system-aarch64
# The build the tests run (scripts/test.sh's qtest suite, and the harness,
# harness/__init__.py): QEMU_BUILD unless QEMU_PVLOCK_QEMU_BUILD names
# another build of the tree, e.g. the sanitizer build (scripts/sanitize.sh).
# scripts/build/qemu.sh still builds QEMU_BUILD, never that one.
TEST_BUILD=$(realpath -m "${QEMU_PVLOCK_QEMU_BUILD:-$QEMU_BUILD}")

# The series (README, "The series"): patches/ is the series for QEMU,
# patches/local/ the local build fixes kept apart from it, and qemu/ the
# files the series adds, as plain files at their QEMU paths.
SERIES_DIR=$TOP/patches
LOCAL_DIR=$TOP/patches/local
MIRROR_DIR=$TOP/qemu
SUBJECT_PREFIX="RFC PATCH"

# Debian's firmware packages stand in for the blobs the +ds tarball
# lacks (ipxe-qemu: efi-virtio.rom and friends, qemu-system-data: the
# rest); every native build of the series uses the same configuration.
FIRMWARE_DIRS=(/usr/share/qemu /usr/lib/ipxe/qemu /usr/share/seabios)
NATIVE_CONFIGURE_ARGS=(
    --target-list=aarch64-softmmu
    --python=/usr/bin/python3
    --disable-install-blobs
    --disable-docs
    --firmwarepath="$(IFS=:; echo "${FIRMWARE_DIRS[*]}")"
    # tests/tcg's aarch64 system tests, with Debian's cross compiler
    --cross-prefix-aarch64=aarch64-linux-gnu-
)
# ccache, with paths taken relative to build/ so that another clone of
# this repo (CI's) and the series check hit the same cache entries.
if command -v ccache >/dev/null; then
    NATIVE_CONFIGURE_ARGS+=(--cc="ccache cc")
    export CCACHE_BASEDIR=$OUT CCACHE_NOHASHDIR=1
fi

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# configure_qemu DIR ARG...: run the configure of $SRC_TREE (default
# the work tree) with ARGs in build directory DIR, unless DIR was
# configured with the very same ARGs.
configure_qemu() {
    local dir=$1 stamp=$1/.pvlock-configure-args src=${SRC_TREE:-$QEMU_TREE}
    shift
    if [ -f "$dir/build.ninja" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$*" ]; then
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    msg "configuring in $dir"
    (cd "$dir" && "$src/configure" "$@" >configure.log 2>&1) || {
        tail -n 30 "$dir/configure.log" >&2
        die "configure failed (full log: $dir/configure.log)"
    }
    echo "$*" > "$stamp"
}

# ninja_build DIR [TARGET...]: build, showing the log's end on failure.
ninja_build() {
    local dir=$1 start=$SECONDS
    shift
    if ! ninja -C "$dir" "$@" > "$dir/ninja.log" 2>&1; then
        grep -v '^\[' "$dir/ninja.log" | tail -n 40 >&2
        die "build failed (full log: $dir/ninja.log)"
    fi
    msg "built $dir in $((SECONDS - start)) s"
}

# link_firmware DIR: a QEMU run from its build tree DIR looks for the
# firmware path inside DIR/qemu-bundle/ (system/datadir.c relocates it):
# point those at Debian's.
link_firmware() {
    local d link
    for d in "${FIRMWARE_DIRS[@]}"; do
        link=$1/qemu-bundle$d
        if [ ! -e "$link" ]; then
            mkdir -p "$(dirname "$link")"
            ln -sfn "$d" "$link"
        fi
    done
}

# SPDX-License-Identifier: GPL-2.0-or-later
# Shared settings for the qemu-pvlock scripts; sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The upstream QEMU we build on, as Debian's archive serves it.
QEMU_VERSION=10.2.2
# sid's qemu is listed at a newer version whose files are not served:
# ask for this one by version.
QEMU_SRCPKG="qemu=1:10.2.2+ds-1"
QEMU_TARBALL="qemu_${QEMU_VERSION}+ds.orig.tar.xz"
QEMU_SHA256=be05230fe47a6937cd29f28f562932c8125f9c93c2a82c625198f7a4aa601dfb

# The upstream Linux the kernel halves (kernel/) are built on, as
# Debian's archive serves it (sid's linux 7.1.8-2, the newest it serves).
LINUX_VERSION=7.1.8
LINUX_SRCPKG="linux=7.1.8-2"
LINUX_TARBALL="linux_${LINUX_VERSION}.orig.tar.xz"
LINUX_SHA256=47f9ce629bc14dd96c16a6a6a8cae4f7f3c3ff6138e2f64befc7bdad426e9728

# CACHE_DIR, OUT, QEMU_TREE, QEMU_BUILD, TEST_BUILD, ...: one definition,
# shared with the harness.
. "$TOP/scripts/paths.sh"
QEMU_BIN=$QEMU_BUILD/qemu-system-aarch64
# The harness runs on Debian's python3, whose packages install-deps.sh
# installs (python3-pycotap for its TAP), whatever python3 comes first
# in PATH (a pyenv, say).
PYTHON=/usr/bin/python3

# The series (docs/series.md): patches/ is the series for QEMU,
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
# point those at Debian's. Debian's QEMU 10.0 data lacks the AST2700's
# boot ROM, which QEMU 10.2's qtests boot: build it from the tree's own
# source (roms/vbootrom) into the build's data directory.
link_firmware() {
    local d link rom=$1/qemu-bundle/usr/local/share/qemu/ast27x0_bootrom.bin
    local src=${SRC_TREE:-$QEMU_TREE}/roms/vbootrom tmp
    for d in "${FIRMWARE_DIRS[@]}"; do
        link=$1/qemu-bundle$d
        if [ ! -e "$link" ]; then
            mkdir -p "$(dirname "$link")"
            ln -sfn "$d" "$link"
        fi
    done
    if [ ! -f "$rom" ] && [ -d "$src/ast27x0" ]; then
        # A copy, so that the source tree stays clean.
        tmp=$(mktemp -d)
        cp -r "$src/." "$tmp/"
        make -s -C "$tmp/ast27x0" CROSS_COMPILE=aarch64-linux-gnu- \
            GIT_VERSION=qemu-pvlock >"$tmp/make.log" 2>&1 || {
            tail -n 20 "$tmp/make.log" >&2; rm -rf "$tmp"
            die "building the AST2700 boot ROM (roms/vbootrom) failed"
        }
        mkdir -p "$(dirname "$rom")"
        cp "$tmp/ast27x0/ast27x0_bootrom.bin" "$rom"
        rm -rf "$tmp"
    fi
}

# fetch_orig_tarball SRCPKG TARBALL SHA256 PIN PIN_FILE RECHECK: print
# the path, in the cache, of TARBALL, the upstream ("orig") tarball of
# the Debian source package SRCPKG (NAME/SUITE or NAME=VERSION), downloaded from
# Debian's source archive unless the cache holds it already, and checked
# against the pinned SHA256. The errors say how to move the pin: PIN is
# the prefix of its variables (PIN_VERSION, PIN_SRCPKG, PIN_TARBALL,
# PIN_SHA256) in PIN_FILE, and RECHECK what to check after moving it.
# A subshell, so that its EXIT trap removes the download directory.
fetch_orig_tarball() (
    local srcpkg=$1 file=$2 sha256=$3 pin=$4 pin_file=$5 recheck=$6
    local cached=$CACHE_DIR/$2 name=${1%%[/=]*} upstream dl
    check() { echo "$sha256  $1" | sha256sum --check --status; }

    if [ -f "$cached" ] && check "$cached"; then
        echo "$cached"
        exit 0
    fi

    # install-deps.sh adds the bookworm-backports deb-src entry.
    "$TOP/scripts/setup/install-deps.sh" build
    mkdir -p "$CACHE_DIR"
    dl=$(mktemp -d "$CACHE_DIR/dl.XXXXXX")
    trap 'rm -rf "$dl"' EXIT

    # NAME_UPSTREAM.orig.tar.*: Debian's versions of it are
    # [EPOCH:]UPSTREAM-REVISION.
    upstream=${file#*_}
    upstream=${upstream%.orig.tar.*}
    # showsrc takes a package name, not NAME/SUITE or NAME=VERSION (it
    # would match nothing and update every time).
    if ! apt-cache showsrc "$name" 2>/dev/null |
            grep -q "^Version: \([0-9]*:\)\?$upstream-"; then
        apt-get update -q >/dev/null
    fi
    msg "downloading $file ($srcpkg) from Debian's source archive"
    # The archive answers 404 for the .dsc, its signature and the Debian
    # tarball of these backports, so apt-get fails even when the orig
    # tarball arrives: judge the file and its checksum, not apt-get's
    # exit status.
    (cd "$dl" && apt-get source --download-only "$srcpkg" >apt.log 2>&1) || true

    if [ ! -f "$dl/$file" ]; then
        sed 's/^/  apt: /' "$dl/apt.log" >&2
        die "Debian's archive did not serve $file for $srcpkg.
  It may have moved on to another $name version. To move the pin, pick a
  version that 'apt-cache showsrc $name' lists, then update ${pin}_VERSION,
  ${pin}_SRCPKG, ${pin}_TARBALL and ${pin}_SHA256 in $pin_file, and
  check that $recheck."
    fi
    if ! check "$dl/$file"; then
        die "$file has SHA-256 $(sha256sum "$dl/$file" | cut -d' ' -f1),
  the pin in $pin_file is $sha256.
  The archive now serves a different file under the same name: check
  where it comes from before moving the pin (${pin}_SHA256)."
    fi
    mv "$dl/$file" "$cached"
    echo "$cached"
)

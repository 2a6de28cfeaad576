#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure (once) and build qemu-system-aarch64 from the work tree.
# Extra arguments go to ninja (e.g. a target name).

. "$(dirname "$0")/common.sh"

"$TOP/scripts/install-deps.sh" build test
"$TOP/scripts/prepare-tree.sh"

# Debian's firmware packages stand in for the blobs the +ds tarball
# lacks (ipxe-qemu: efi-virtio.rom and friends, qemu-system-data: the rest).
FIRMWARE_DIRS=(/usr/share/qemu /usr/lib/ipxe/qemu /usr/share/seabios)
CONFIGURE_ARGS=(
    --target-list=aarch64-softmmu
    --python=/usr/bin/python3
    --disable-install-blobs
    --disable-docs
    --firmwarepath="$(IFS=:; echo "${FIRMWARE_DIRS[*]}")"
)
# ccache, with paths taken relative to build/ so that another clone of
# this repo (CI's) hits the same cache entries.
if command -v ccache >/dev/null; then
    CONFIGURE_ARGS+=(--cc="ccache cc")
    export CCACHE_BASEDIR=$OUT CCACHE_NOHASHDIR=1
fi

configure_qemu "$QEMU_BUILD" "${CONFIGURE_ARGS[@]}"
command -v ccache >/dev/null && ccache --zero-stats >/dev/null
ninja_build "$QEMU_BUILD" "$@"
command -v ccache >/dev/null && msg "ccache:$(ccache --print-stats 2>/dev/null |
    awk -F'\t' '/^direct_cache_hit|^preprocessed_cache_hit|^cache_miss/ {printf " %s %s", $1, $2}')"

# A QEMU run from its build tree looks for the firmware path inside
# qemu-bundle/ (system/datadir.c relocates it): point those at Debian's.
for d in "${FIRMWARE_DIRS[@]}"; do
    link=$QEMU_BUILD/qemu-bundle$d
    if [ ! -e "$link" ]; then
        mkdir -p "$(dirname "$link")"
        ln -sfn "$d" "$link"
    fi
done

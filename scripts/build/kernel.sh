#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-compile a small arm64 kernel from Debian's linux-source-6.1:
#   kernel.sh host    the nested KVM host (L1) with the reference PV-lock
#                     host handler (kernel/kvm-host/)
#   kernel.sh guest   the PV-lock aware guest (kernel/guest/)
# tinyconfig plus the kind's config fragment, with the kind's patches.
# Cached: rebuilt only when the patches, the fragment or this script
# changes; the Image is also kept in the download cache, for other
# clones. Prints the Image's path; the build's duration goes to
# build/<kind>-kernel/build-time.

. "$(dirname "$0")/../common.sh"

case "${1:-}" in
host)
    K=$OUT/kvm-host-kernel
    # The reference handler, then the test-only WFE trap policy.
    PATCHES=("$TOP/kernel/kvm-host/linux-6.1-pvlock.patch"
             "$TOP/kernel/kvm-host/linux-6.1-wfe-trap-policy.patch")
    FRAG=$TOP/kernel/kvm-host/kvm-host.config
    what="the L1 kernel";;
guest)
    K=$OUT/guest-kernel
    PATCHES=("$TOP/kernel/guest/linux-6.1-pvlock-guest.patch")
    FRAG=$TOP/kernel/guest/guest.config
    what="the PV-lock guest kernel";;
*)
    die "usage: $0 host|guest";;
esac

"$TOP/scripts/setup/install-deps.sh" guests cross kernel >&2

SRC=$K/linux
# The cached file's name carries the kind: both share the cache directory.
stamp=$(cat "${PATCHES[@]}" "$FRAG" "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$K/Image" ] && [ "$(cat "$K/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$K/Image"
    exit 0
fi
# Another clone may have built this very kernel: the cache keeps it.
cached=$CACHE_DIR/${K##*/}-Image-$stamp
if [ -f "$cached" ]; then
    mkdir -p "$K"
    cp "$cached" "$K/Image"
    echo "$stamp" > "$K/stamp"
    echo "$K/Image"
    exit 0
fi

deb=$(ls "$CACHE_DIR"/debs/linux-source-6.1_*_all.deb 2>/dev/null | head -n 1) || true
if [ -z "$deb" ]; then
    mkdir -p "$CACHE_DIR/debs"
    (cd "$CACHE_DIR/debs" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) ||
        die "apt-get download linux-source-6.1 failed"
    deb=$(ls "$CACHE_DIR"/debs/linux-source-6.1_*_all.deb | head -n 1)
fi
msg "unpacking $(basename "$deb")"
rm -rf "$K"
mkdir -p "$K"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$K" --wildcards '*/linux-source-6.1.tar.xz'
tar -C "$K" -xf "$K"/usr/src/linux-source-6.1.tar.xz
mv "$K/linux-source-6.1" "$SRC"
rm -rf "$K/usr"
for p in "${PATCHES[@]}"; do
    patch -d "$SRC" -p1 -s < "$p" || die "$p does not apply"
done

M=(make -C "$SRC" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)")
"${M[@]}" -s tinyconfig >&2
(cd "$SRC" && ARCH=arm64 scripts/kconfig/merge_config.sh -m .config "$FRAG" >/dev/null)
"${M[@]}" -s olddefconfig >&2
# merge_config.sh -m does not check that the fragment survived olddefconfig
# (a missing dependency drops an option silently): say which did not.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAG" | while read -r want; do
    grep -qxF "$want" "$SRC/.config" || echo "$want"
done)
[ -z "$missing" ] || msg "warning: dropped by Kconfig: $(echo "$missing" | tr '\n' ' ')"
msg "building $what (a few minutes)"
start=$(date +%s)
"${M[@]}" -s Image > "$K/build.log" 2>&1 || {
    tail -n 40 "$K/build.log" >&2
    die "kernel build failed (full log: $K/build.log)"
}
secs=$(( $(date +%s) - start ))
msg "kernel built in $secs s"
echo "$secs" > "$K/build-time"
cp "$SRC/.config" "$K/config"
cp "$SRC/arch/arm64/boot/Image" "$K/Image"
cp "$K/Image" "$cached"
rm -rf "$SRC"           # 1.4 GiB of sources and objects
echo "$stamp" > "$K/stamp"
echo "$K/Image"

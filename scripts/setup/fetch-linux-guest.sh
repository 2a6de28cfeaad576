#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare the Linux test guest from Debian's archive: the arm64 cloud
# kernel (the version linux-image-cloud-arm64 currently depends on) and
# an initramfs around busybox-static (arm64) with guests/linux/init.
# Prints the kernel's and the initramfs's paths. Downloads are cached.

. "$(dirname "$0")/../common.sh"

"$TOP/scripts/setup/install-deps.sh" linux >&2

arch_added() { dpkg --print-foreign-architectures | grep -qx arm64; }
if ! arch_added; then
    [ "$(id -u)" -eq 0 ] || die "needs root to add the arm64 architecture to dpkg"
    msg "adding the arm64 architecture to dpkg (packages are downloaded, not installed)"
    dpkg --add-architecture arm64
    apt-get update -q >/dev/null
fi

# Resolve the kernel through the metapackage: no hard-coded ABI number.
kpkg=$(apt-cache depends linux-image-cloud-arm64:arm64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-arm64\)\(:arm64\)\?$/\1/p' | head -n 1)
if [ -z "$kpkg" ]; then
    apt-get update -q >/dev/null
    kpkg=$(apt-cache depends linux-image-cloud-arm64:arm64 |
           sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-arm64\)\(:arm64\)\?$/\1/p' | head -n 1)
fi
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-arm64:arm64 to a kernel package"

dl=$CACHE_DIR/debs
mkdir -p "$dl"
fetch() {   # package[:arch] -> path of its .deb in the cache
    local f
    f=$(ls "$dl/${1%%:*}"_*_arm64.deb 2>/dev/null | head -n 1) || true
    if [ -z "$f" ]; then
        (cd "$dl" && apt-get download -q "$1" >/dev/null 2>&1) ||
            die "apt-get download $1 failed"
        f=$(ls "$dl/${1%%:*}"_*_arm64.deb | head -n 1)
    fi
    echo "$f"
}
kdeb=$(fetch "$kpkg:arm64")
bdeb=$(fetch busybox-static:arm64)

G=$OUT/linux-guest
stamp="$kdeb $bdeb $(sha256sum "$TOP/guests/linux/init" | cut -d' ' -f1)"
if [ "$(cat "$G/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -x "$G/root/bin/busybox" ]; then
    rm -rf "$G"
    mkdir -p "$G/kernel" "$G/busybox" "$G/root"/{bin,dev,proc,sys}
    dpkg-deb -x "$kdeb" "$G/kernel"
    dpkg-deb -x "$bdeb" "$G/busybox"
    cp "$G"/kernel/boot/vmlinuz-* "$G/vmlinuz"
    cp "$G/busybox/bin/busybox" "$G/root/bin/busybox"
    cp "$TOP/guests/linux/init" "$G/root/init"
    chmod +x "$G/root/init"
    (cd "$G/root" && find . | cpio -o -H newc --quiet | gzip -9 > "$G/initramfs.cpio.gz")
    rm -rf "$G/kernel" "$G/busybox"
    echo "$kpkg" > "$G/kernel-package"
    echo "$stamp" > "$G/stamp"
fi
echo "$G/vmlinuz"
echo "$G/initramfs.cpio.gz"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-compile a small arm64 kernel from Linux $LINUX_VERSION (Debian's
# orig tarball, scripts/common.sh) with one of the kernel halves:
#   kernel.sh host    the nested KVM host (L1) with the reference PV-lock
#                     host handler (kernel/kvm-host/)
#   kernel.sh guest   the PV-lock aware guest (kernel/guest/)
# The work tree is build/linux-KIND (scripts/kernel/prepare.sh: the
# series, then its test patches); the objects go to
# build/KIND-kernel/obj. tinyconfig plus the kind's config fragment.
# Cached: rebuilt only when the patches, the fragment, the pinned Linux
# or this script change; the Image is also kept in the download cache,
# for other clones, which then need no Linux tree at all. Prints the
# Image's path; the build's duration goes to build/KIND-kernel/build-time.

. "$(dirname "$0")/../kernel/lib.sh"

kernel_kind "${1:-}"
case "$KIND" in
host) K=$OUT/kvm-host-kernel;;
guest) K=$OUT/guest-kernel;;
esac

"$TOP/scripts/setup/install-deps.sh" guests cross kernel >&2

# The cached file's name carries the kind: both share the cache directory.
stamp=$( (echo "$LINUX_SHA256"; cat "$0" "$FRAG";
          cd "$KSERIES" && find . -type f -name '*.patch' | LC_ALL=C sort | xargs cat) |
        sha256sum | cut -d' ' -f1)
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

# Dies if the work tree has edits the repo lacks (export them first).
"$TOP/scripts/kernel/prepare.sh" "$KIND" >&2
mkdir -p "$K/obj"
M=(make -C "$KTREE" O="$K/obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)")
"${M[@]}" -s tinyconfig >&2
(cd "$KTREE" && ARCH=arm64 scripts/kconfig/merge_config.sh -m -O "$K/obj" "$K/obj/.config" "$FRAG" >/dev/null)
"${M[@]}" -s olddefconfig >&2
# merge_config.sh -m does not check that the fragment survived olddefconfig
# (a missing dependency drops an option silently): say which did not.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAG" | while read -r want; do
    grep -qxF "$want" "$K/obj/.config" || echo "$want"
done)
[ -z "$missing" ] || msg "warning: dropped by Kconfig: $(echo "$missing" | tr '\n' ' ')"
msg "building $KWHAT from Linux $LINUX_VERSION (a few minutes)"
start=$(date +%s)
"${M[@]}" -s Image > "$K/build.log" 2>&1 || {
    tail -n 40 "$K/build.log" >&2
    die "kernel build failed (full log: $K/build.log)"
}
secs=$(( $(date +%s) - start ))
msg "kernel built in $secs s"
echo "$secs" > "$K/build-time"
cp "$K/obj/.config" "$K/config"
cp "$K/obj/arch/arm64/boot/Image" "$K/Image"
cp "$K/Image" "$cached"
echo "$stamp" > "$K/stamp"
echo "$K/Image"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure (once) and build the patched libvirt from build/libvirt into
# build/libvirt-build: only the ninja targets that the libvirt tests and
# the end-to-end suite need (LIBVIRT_TARGETS in scripts/libvirt/lib.sh),
# never the whole tree. Extra arguments are more ninja targets.
# Run the daemon from the build tree as
#   build/libvirt-build/run build/libvirt-build/src/libvirtd

. "$(dirname "$0")/../libvirt/lib.sh"

"$TOP/scripts/setup/install-deps.sh" build libvirt-build
"$TOP/scripts/libvirt/prepare.sh"

stamp=$LIBVIRT_BUILD/.pvlock-meson-args
if [ ! -f "$LIBVIRT_BUILD/build.ninja" ] ||
   [ "$(cat "$stamp" 2>/dev/null)" != "${LIBVIRT_MESON_ARGS[*]}" ]; then
    rm -rf "$LIBVIRT_BUILD"
    mkdir -p "$LIBVIRT_BUILD"
    msg "configuring in $LIBVIRT_BUILD"
    # CC is read at setup time only; CCACHE_BASEDIR (common.sh) makes
    # the entries independent of where the checkout is.
    cc=cc
    command -v ccache >/dev/null && cc="ccache cc"
    CC=$cc meson setup "${LIBVIRT_MESON_ARGS[@]}" "$LIBVIRT_BUILD" "$LIBVIRT_TREE" \
        > "$LIBVIRT_BUILD/setup.log" 2>&1 || {
        tail -n 30 "$LIBVIRT_BUILD/setup.log" >&2
        die "meson setup failed (full log: $LIBVIRT_BUILD/setup.log)"
    }
    echo "${LIBVIRT_MESON_ARGS[*]}" > "$stamp"
fi

command -v ccache >/dev/null && ccache --zero-stats >/dev/null
ninja_build "$LIBVIRT_BUILD" "${LIBVIRT_TARGETS[@]}" "$@"
command -v ccache >/dev/null && msg "ccache:$(ccache --print-stats 2>/dev/null |
    awk -F'\t' '/^direct_cache_hit|^preprocessed_cache_hit|^cache_miss/ {printf " %s %s", $1, $2}')"
exit 0

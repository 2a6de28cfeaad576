#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure (once) and build qemu-system-aarch64 from the work tree.
# Extra arguments go to ninja (e.g. a target name).

. "$(dirname "$0")/../common.sh"

# guests: the cross compiler that configure finds for tests/tcg
"$TOP/scripts/setup/install-deps.sh" build test guests
"$TOP/scripts/tree/prepare.sh"

configure_qemu "$QEMU_BUILD" "${NATIVE_CONFIGURE_ARGS[@]}"
command -v ccache >/dev/null && ccache --zero-stats >/dev/null
ninja_build "$QEMU_BUILD" "$@"
command -v ccache >/dev/null && msg "ccache:$(ccache --print-stats 2>/dev/null |
    awk -F'\t' '/^direct_cache_hit|^preprocessed_cache_hit|^cache_miss/ {printf " %s %s", $1, $2}')"

# The firmware links (scripts/common.sh).
link_firmware "$QEMU_BUILD"

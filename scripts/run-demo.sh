#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: build QEMU and boot an aarch64 guest on -machine virt.

. "$(dirname "$0")/common.sh"

"$TOP/scripts/build.sh"
guest=$("$TOP/guests/build.sh" hello)
set -x
exec "$QEMU_BIN" -machine virt -cpu max -accel tcg -m 128 \
    -display none -nodefaults -serial stdio -kernel "$guest"

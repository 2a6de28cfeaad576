#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: build QEMU, then boot an aarch64 guest with
# -machine virt,pvlock=on -smp 4 and show the vCPUs' preempted flags
# change as QEMU schedules them (harness/demo.py).

. "$(dirname "$0")/common.sh"

"$TOP/scripts/setup/install-deps.sh"
"$TOP/scripts/build/qemu.sh"
cd "$TOP"
exec python3 -m harness.demo

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: build QEMU and our PV-lock aware guest kernel, boot it
# with -machine virt,pvlock=on -smp 4, show that it uses PV-lock and its
# vCPUs' preempted flags as the guest and the host see them, then run a
# lock workload with and without PV-lock (harness/demo.py).

. "$(dirname "$0")/common.sh"

"$TOP/scripts/setup/install-deps.sh"
"$TOP/scripts/build/qemu.sh"
cd "$TOP"
exec "$PYTHON" -m harness.demo

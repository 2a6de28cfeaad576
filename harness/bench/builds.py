# SPDX-License-Identifier: GPL-2.0-or-later
"""This build of QEMU against another one, same guest, same arguments,
pvlock=on in both (not a test: it prints ratios with confidence
intervals). Made to price a change to the series, such as how the TCG
flag stores are made (docs: the cover letter's "Flag stores"): build the
other variant into a directory of its own, then

    python3 -m harness.bench.builds --other DIR/qemu-system-aarch64 [--runs N]

Workloads, where a vCPU enters and leaves its execution loop most often,
and so the flags are written most often: a Linux boot to init and
power-off with 4 vCPUs on one TCG thread under -icount (every switch of
vCPU and every WFI writes two flags; the same instructions in every run)
and with one thread per vCPU (every WFI). Runs
alternate between the builds (ABBA), and the ratio is this build's
median wall time over the other's, with a 95 % paired bootstrap
interval (harness/stats.py): above 1 means this build is slower."""

import argparse
import os
import statistics
import sys
import time

from harness import linux, stats
from harness.qemu import QEMU, VM

# -icount shift=0,sleep=off and -seed: the guest executes the same
# instructions in every run, so the wall time is QEMU's cost alone (a
# plain round-robin boot varied by 46 % from run to run here).
WORKLOADS = (
    ("boot, -smp 4, one TCG thread, -icount", "tcg",
     ["-icount", "shift=0,sleep=off", "-seed", "1"]),
    ("boot, -smp 4, one thread per vCPU", "tcg,thread=multi", ["-seed", "1"]),
)


def wall(binary, accel, extra, guest, timeout=600):
    args = ["-machine", "virt,pvlock=on", "-cpu", "max", "-accel", accel,
            "-smp", "4", "-m", "1G"] + extra + guest.args("bootonly")
    t0 = time.monotonic()
    vm = VM(args, name="builds", binary=binary)
    try:
        rc = vm.wait_exit(timeout)
    finally:
        vm.close()
    took = time.monotonic() - t0
    if rc != 0:
        sys.exit("QEMU failed (%s): %s\n%s%s" % (binary, " ".join(args),
                                                   vm.output()[-2000:], vm.log()))
    return took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--other", required=True,
                    help="the other build's qemu-system-aarch64")
    ap.add_argument("--runs", type=int, default=8,
                    help="runs per build and workload (default 8)")
    a = ap.parse_args()
    if not os.access(a.other, os.X_OK):
        sys.exit("--other %s: not an executable" % a.other)
    guest = linux.guest()
    print("this build: %s\nother build: %s" % (QEMU, a.other))
    for label, accel, extra in WORKLOADS:
        this, other = [], []
        for i in range(a.runs):
            # ABBA: neither build always runs first
            order = ((QEMU, this), (a.other, other))
            for binary, arm in (order if i % 2 == 0 else order[::-1]):
                arm.append(wall(binary, accel, extra, guest))
        ci = stats.ratio_ci(this, other)
        print("%s, %d runs each: this %.2f s, other %.2f s (medians); "
              "this/other %.4f [%.4f, %.4f], spread this %.1f %%, other %.1f %%"
              % (label, a.runs, statistics.median(this),
                 statistics.median(other), ci[0], ci[1], ci[2],
                 100 * stats.spread(this), 100 * stats.spread(other)))


if __name__ == "__main__":
    main()

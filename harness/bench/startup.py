# SPDX-License-Identifier: GPL-2.0-or-later
"""Start-up (to QMP 'quit') of a 512-vCPU virt machine under qtest,
pvlock=on vs pvlock=off, runs interleaved, median of each (not a test).
Prints both medians and the on/off ratio (target: <= 1.10).

Usage: python3 -m harness.bench.startup [RUNS]     (default 7)"""

import os
import statistics
import subprocess
import sys
import time

from harness import TOP
from harness.qemu import QEMU, VM


def once(pvlock):
    """Microseconds from exec to QEMU's exit after 'quit' (QEMUMachine:
    started, QMP negotiated, quit)."""
    t0 = time.monotonic_ns()
    vm = VM(["-machine", "virt,gic-version=3,pvlock=%s" % pvlock, "-cpu", "max",
             "-smp", "512", "-accel", "qtest", "-qtest", "null"], name="startup")
    try:
        vm.connect().cmd("quit")
        rc = vm.wait_exit(120)
    finally:
        vm.close()
    t1 = time.monotonic_ns()
    if rc != 0:
        sys.exit("QEMU failed with pvlock=%s: %s" % (pvlock, vm.log()))
    return (t1 - t0) // 1000


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    if not os.access(QEMU, os.X_OK):
        subprocess.check_call([os.path.join(TOP, "scripts", "build", "qemu.sh")],
                              stdout=sys.stderr)
    on, off = [], []
    once("off")             # warm the page cache
    for _ in range(runs):
        off.append(once("off"))
        on.append(once("on"))
    # For an even RUNS, the lower of the two middle runs.
    m_off, m_on = statistics.median_low(off), statistics.median_low(on)
    print("startup -smp 512 (qtest), median of %d runs:" % runs)
    print("  pvlock=off: %d ms" % (m_off // 1000))
    print("  pvlock=on:  %d ms" % (m_on // 1000))
    print("  ratio on/off: %.3f (target <= 1.10)" % (m_on / m_off))


if __name__ == "__main__":
    main()

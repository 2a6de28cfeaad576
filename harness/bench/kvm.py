# SPDX-License-Identifier: GPL-2.0-or-later
"""The feature's value under KVM, measured in one run (not a test): in the
nested arm64 KVM host with the reference PV-lock handler (L1, 2 vCPUs),
an L2 guest with 4 vCPUs (2:1 overcommit) and pvlock=on runs a ticket
lock (guests/pvlock-bench.c mode 3) in alternating phases: waiters that
only spin vs waiters that give way (WFE, trapped by KVM) when the vCPU
whose turn it is is preempted. Prints acquisitions and the ratio."""

import sys

from harness import nested
from harness.bench import report_lock_phases


def main():
    initrd = nested.initramfs()
    kernel = nested.reference_kernel()
    rc, out = nested.boot_l1(kernel, initrd, "l1-bench", append="bench")
    if rc != 0:
        sys.exit("the nested KVM host failed:\n" + out[-3000:])
    report_lock_phases(
        nested.section(out, "lockbench"),
        "ticket lock in L2, 4 vCPUs on L1's 2 (2:1), pvlock=on, reference "
        "KVM handler, alternating phases:")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The feature's value under KVM, measured in one run (not a test): in the
nested arm64 KVM host with the reference PV-lock handler (L1, 2 vCPUs),
an L2 guest with 4 vCPUs (2:1 overcommit) and pvlock=on runs a ticket
lock (guests/pvlock-bench.c mode 3) in alternating phases: waiters that
only spin vs waiters that give way (WFE, trapped by KVM) when the vCPU
whose turn it is is preempted. Prints acquisitions and the ratio."""

import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("kvm_test",
                                              os.path.join(HERE, "..", "kvm-test.py"))
kvm_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kvm_test)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from qemu import TOP, report_lock_phases  # noqa: E402


def main():
    _, initrd = kvm_test.prepare()
    kernel = subprocess.check_output(
        [os.path.join(TOP, "scripts", "build-kvm-host-kernel.sh")],
        text=True).strip().splitlines()[-1]
    rc, out = kvm_test.boot_l1(kernel, initrd, "l1-bench", append="bench")
    if rc != 0:
        sys.exit("the nested KVM host failed:\n" + out[-3000:])
    report_lock_phases(
        kvm_test.section(out, "lockbench"),
        "ticket lock in L2, 4 vCPUs on L1's 2 (2:1), pvlock=on, reference "
        "KVM handler, alternating phases:")


if __name__ == "__main__":
    main()

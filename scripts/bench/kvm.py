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
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("kvm_test",
                                              os.path.join(HERE, "..", "kvm-test.py"))
kvm_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kvm_test)


def main():
    _, initrd = kvm_test.prepare()
    kernel = subprocess.check_output(
        [os.path.join(kvm_test.TOP, "scripts", "build-kvm-host-kernel.sh")],
        text=True).strip().splitlines()[-1]
    rc, out = kvm_test.boot_l1(kernel, initrd, "l1-bench", append="bench")
    bench = kvm_test.section(out, "lockbench")
    phases = re.findall(r"waiters=(\w+) cpus=(\d+) ms=(\d+) acquisitions=(\d+) "
                        r"waits_over_10ms=(\d+)", bench)
    if rc != 0 or not phases:
        sys.exit("the benchmark did not run:\n" + out[-3000:])
    total = {"spin": 0, "pv": 0}
    print("ticket lock in L2, 4 vCPUs on L1's 2 (2:1), pvlock=on, reference "
          "KVM handler, alternating phases:")
    for w, _, ms, acq, longw in phases:
        total[w] += int(acq)
        print("    %-4s waiters, %s ms: %9s acquisitions, %5s waits over 10 ms"
              % (w, ms, acq, longw))
    print("    total: spin %d, pv %d, throughput ratio pv/spin %.2f"
          % (total["spin"], total["pv"], total["pv"] / max(total["spin"], 1)))


if __name__ == "__main__":
    main()

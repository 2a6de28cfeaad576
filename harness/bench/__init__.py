# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmarks: each prints ratios measured in one run (not tests).

    python3 -m harness.bench.NAME [ARGS]   NAME: startup tcg migration kvm pvlock builds"""

import re


def report_lock_phases(out, title):
    """Print guests/pvlock-bench.c's ticket-lock phases and their totals
    (the TCG and the KVM benchmark run the same lock)."""
    phases = re.findall(r"waiters=(\w+) cpus=(\d+) ms=(\d+) acquisitions=(\d+) "
                        r"waits_over_10ms=(\d+)", out)
    if not phases:
        raise RuntimeError("no lock benchmark output:\n" + out[-3000:])
    total = {"spin": 0, "pv": 0}
    print(title)
    for w, _, ms, acq, longw in phases:
        total[w] += int(acq)
        print("    %-4s waiters, %s ms: %9s acquisitions, %5s waits over 10 ms"
              % (w, ms, acq, longw))
    print("    total: spin %d, pv %d, throughput ratio pv/spin %.2f"
          % (total["spin"], total["pv"], total["pv"] / max(total["spin"], 1)))

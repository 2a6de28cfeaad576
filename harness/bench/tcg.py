# SPDX-License-Identifier: GPL-2.0-or-later
"""PV-lock under TCG, measured in one run (not a test: it prints ratios).

 (a) round trip of the PV-lock PREEMPTED call vs PSCI_VERSION, timed in
     the guest with the virtual counter (target <= 1.10);
 (b) a CPU-bound guest (4 vCPUs) and a Linux boot, pvlock=on vs off,
     runs interleaved, medians (target <= 1.02);
 (c) single-threaded TCG, 4 vCPUs, a ticket lock whose waiters yield when
     the vCPU whose turn it is is preempted vs waiters that only spin:
     acquisitions, ratio;
 (d) the price of the flag stores: 2 vCPUs on one TCG thread that do
     nothing but YIELD (guests/pvlock-bench.c mode 5), so that every
     instruction ends a vCPU's turn and QEMU writes two flags: pvlock=on
     (the stores) vs off (none), wall time, ABBA, ratio of medians with
     a 95 % bootstrap interval, and the extra time per store. pvlock=off
     bounds any way of storing from below: a store costs at least
     nothing.

Usage: python3 -m harness.bench.tcg [--runs N] [--skip-linux] [--only-stores]"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from harness import TOP, guests, linux, stats
from harness.bench import report_lock_phases
from harness.qemu import QEMU


def run(args, timeout=300):
    t0 = time.monotonic()
    out = subprocess.run([QEMU, "-display", "none", "-nodefaults", "-serial", "stdio"]
                         + args, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=timeout)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        sys.exit("QEMU failed: %s\n%s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout, wall


def bench_args(mode, pvlock, accel="tcg", smp=4):
    return ["-machine", "virt,pvlock=%s" % pvlock, "-cpu", "max", "-accel", accel,
            "-smp", str(smp), "-m", "256", "-kernel", guests.build("pvlock-bench"),
            "-device", "loader,addr=0x47fff000,data=%d,data-len=8" % mode]


def field(out, name):
    m = re.search(r"\b%s=(\d+)" % name, out)
    if not m:
        sys.exit("no %s in guest output:\n%s" % (name, out))
    return int(m.group(1))


def calls(runs):
    ratios, feat, psci_on, psci_off = [], [], [], []
    for _ in range(runs):
        out, _ = run(bench_args(1, "on", smp=1))
        n = field(out, "calls")
        ratios.append(field(out, "preempted") / field(out, "psci_version"))
        feat.append(field(out, "pv_features") / field(out, "psci_version"))
        psci_on.append(field(out, "psci_version") / n)
        out, _ = run(bench_args(1, "off", smp=1))
        psci_off.append(field(out, "psci_version") / n)
    print("(a) hypercall round trip, %d calls per kind, median of %d runs:" % (n, runs))
    print("    PSCI_VERSION, pvlock=off: %.0f ns/call" % statistics.median(psci_off))
    print("    PSCI_VERSION, pvlock=on:  %.0f ns/call" % statistics.median(psci_on))
    print("    PV_LOCK FEATURES / PSCI_VERSION:  %.3f" % statistics.median(feat))
    print("    PV_LOCK PREEMPTED / PSCI_VERSION: %.3f (target <= 1.10)"
          % statistics.median(ratios))


def summary(label, on, off, unit, scale, target):
    """Medians and minima: noise on these shared machines only adds time,
    so the ratio of the minima is the steadier estimate."""
    print("    %s: pvlock=off median %.2f %s (min %.2f), pvlock=on median %.2f %s "
          "(min %.2f)" % (label, statistics.median(off) / scale, unit, min(off) / scale,
                          statistics.median(on) / scale, unit, min(on) / scale))
    print("    %s: ratio on/off %.3f (medians), %.3f (minima) (target <= %.2f)"
          % (label, statistics.median(on) / statistics.median(off),
             min(on) / min(off), target))


def cpu_bound(runs):
    print("(b) CPU-bound guest, 40M iterations per vCPU, %d runs interleaved:" % runs)
    for smp, accel in ((1, "tcg"), (4, "tcg")):
        on, off = [], []
        for _ in range(runs):
            off.append(field(run(bench_args(2, "off", accel, smp))[0], "ticks"))
            on.append(field(run(bench_args(2, "on", accel, smp))[0], "ticks"))
        summary("-smp %d" % smp, on, off, "ms", 1e6, 1.02)


def linux_boot(runs):
    guest = linux.guest()
    times = {"on": [], "off": []}
    for _ in range(runs):
        for pv in ("off", "on"):
            _, wall = run(["-machine", "virt,pvlock=%s" % pv, "-cpu", "max",
                           "-smp", "4", "-m", "1G"] + guest.args("bootonly"))
            times[pv].append(wall)
    print("(b) Linux boot to init and power-off, -smp 4, %d runs interleaved:" % runs)
    summary("boot", times["on"], times["off"], "s", 1, 1.02)


def ticket_lock():
    out, _ = run(bench_args(3, "on", accel="tcg,thread=single"))
    report_lock_phases(out, "(c) ticket lock, 4 vCPUs on one TCG thread (4:1), "
                       "alternating phases:")


def flag_stores(runs):
    t = {"on": [], "off": []}
    for i in range(runs):
        for pv in (("off", "on") if i % 2 == 0 else ("on", "off")):
            out, wall = run(bench_args(5, pv, accel="tcg,thread=single", smp=2))
            t[pv].append(wall)
    yields = field(out, "yields")
    ci = stats.ratio_ci(t["on"], t["off"], paired=False)
    extra = (statistics.median(t["on"]) - statistics.median(t["off"])) / yields
    print("(d) flag stores: %d YIELDs on 2 vCPUs, one TCG thread, %d runs per arm, ABBA:"
          % (yields, runs))
    print("    wall time: pvlock=off median %.3f s (spread %.1f %%), pvlock=on median "
          "%.3f s (spread %.1f %%)" % (statistics.median(t["off"]), 100 * stats.spread(t["off"]),
                                      statistics.median(t["on"]), 100 * stats.spread(t["on"])))
    print("    ratio on/off %.3f [%.3f, %.3f] (95 %% CI; above 1: pvlock=on takes "
          "longer); %.0f ns more per switch of vCPU (two flag stores)"
          % (ci[0], ci[1], ci[2], extra * 1e9))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--skip-linux", action="store_true")
    ap.add_argument("--only-stores", action="store_true", help="(d) only")
    a = ap.parse_args()
    if not os.path.exists(QEMU):
        subprocess.check_call([os.path.join(TOP, "scripts", "build", "qemu.sh")])
    if a.only_stores:
        flag_stores(a.runs)
        return
    calls(a.runs)
    cpu_bound(a.runs)
    if not a.skip_linux:
        linux_boot(a.runs)
    ticket_lock()
    flag_stores(a.runs)


if __name__ == "__main__":
    main()

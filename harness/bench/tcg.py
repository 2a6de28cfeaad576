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
     (the stores) vs off (none), in host instructions per switch of vCPU
     counted by valgrind, which repeat where times do not. pvlock=off
     bounds any way of storing from below.

Usage: python3 -m harness.bench.tcg [--runs N] [--skip-linux] [--only-stores]"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from harness import TOP, guests, linux, stats
from harness.bench import report_lock_phases
from harness.qemu import QEMU, VM


def run(args, timeout=300):
    """(console output, wall time) of a QEMU that runs its guest to the end."""
    t0 = time.monotonic()
    vm = VM(args, name="bench")
    try:
        rc = vm.wait_exit(timeout)
    finally:
        vm.close()
    wall = time.monotonic() - t0
    if rc != 0:
        sys.exit("QEMU failed: %s\n%s%s" % (" ".join(args), vm.output(), vm.log()))
    return vm.output(), wall


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


def instructions(args):
    """Host instructions QEMU executes with args (valgrind's cachegrind:
    deterministic to a few hundredths of a per cent here, where wall and
    CPU times vary by tens of per cent from run to run)."""
    vm = VM(args, name="cachegrind",
            prefix=["valgrind", "--tool=cachegrind", "--cache-sim=no",
                    "--smc-check=all-non-file", "--cachegrind-out-file=/dev/null"])
    try:
        rc = vm.wait_exit(600)
    finally:
        vm.close()
    m = re.search(r"I\s+refs:\s+([\d,]+)", vm.log())
    if rc != 0 or not m or "BENCH yield" not in vm.output():
        sys.exit("valgrind QEMU failed: %s\n%s%s" % (" ".join(args), vm.output(),
                                                       vm.log()[-2000:]))
    return int(m.group(1).replace(",", ""))


def flag_stores(runs):
    if not shutil.which("valgrind"):
        print("(d) flag stores: skipped, no valgrind (Debian's valgrind package)")
        return
    n = {"on": [], "off": []}
    for i in range(max(2, runs // 4)):
        for pv in (("off", "on") if i % 2 == 0 else ("on", "off")):
            n[pv].append(instructions(bench_args(5, pv, accel="tcg,thread=single", smp=2)))
    out, _ = run(bench_args(5, "on", accel="tcg,thread=single", smp=2))
    yields = field(out, "yields")
    on, off = statistics.median(n["on"]), statistics.median(n["off"])
    print("(d) flag stores: %d YIELDs on 2 vCPUs, one TCG thread, host instructions "
          "(valgrind), %d runs per arm, alternating:" % (yields, len(n["on"])))
    print("    pvlock=off %.0f per switch of vCPU, pvlock=on %.0f: %+.0f (%+.1f %%); "
          "runs of one arm within %.3f %%"
          % (off / yields, on / yields, (on - off) / yields, 100 * (on / off - 1),
             100 * max(stats.spread(n["on"]), stats.spread(n["off"]))))


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

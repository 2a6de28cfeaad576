# SPDX-License-Identifier: GPL-2.0-or-later
"""What PV-lock buys an overcommitted Linux guest, measured (not a test:
it prints ratios with confidence intervals).

The setting: a real KVM scheduler preempts the guest's vCPUs, and a run
can be repeated. L1 is the nested arm64 KVM host
with the reference PV-lock handler (kernel/kvm-host/), booted under
deterministic TCG (harness/nested.py DETERMINISTIC: one host thread,
-icount shift=0,sleep=off, -seed): its clock counts instructions, so its
scheduler preempts L2's vCPUs at the same instructions whenever the run
is repeated with the same seed, on an otherwise idle host (a busy one
still leaks into the guest's timing: see docs/value.md). L2 is our PV-lock
aware guest kernel (kernel/guest/) under L1's KVM with pvlock=on. Each
run is one seed: one L1 boot (-seed N for L1 and L2) with one L2 boot
that runs every workload in both arms, PV-lock in use and PV-lock
switched off at run time (debugfs "enabled", the guest's "pvab": the
same kernel, the same boot), the order alternating from one workload to
the next and with the seed. The sample of a cell is its seeds, paired
(harness/stats.py).

Settings (L2 vCPUs : L1 vCPUs):
  2:1  L2 -smp 2 on L1 -smp 1
  4:1  L2 -smp 4 on L1 -smp 1
  4:2  L2 -smp 4 on L1 -smp 2; round-robin TCG runs L1's two vCPUs in
       turn on one host thread, but each in its own instruction count,
       so to L1 they are two CPUs that run at once
  1:1  L2 -smp 2 on L1 -smp 2: no overcommit, the cost
Baselines (what the nopvlock arm can count on, as on hardware):
  trap    KVM's default WFE policy: WFE traps while another task waits
          for the L1 CPU and KVM yields to a preempted vCPU of the same
          VM (kvm_vcpu_on_spin()); needs QEMU's WFE trap (patches/local/)
  notrap  L1 booted with kvm-arm.wfe_trap_policy=notrap: no WFE exits,
          a spinning vCPU spins until L1's next tick
Workloads: our five (guests/workloads/) and the benchmarks people use,
from Debian 13's arm64 packages (guests/linux/benchtool): hackbench
(pipe and socket, processes and threads), stress-ng (mmap, fork, futex,
mutex, dentry: kernel locks taken under contention), sysbench
(threads, mutex), perf bench (sched messaging, futex hash).

Ratio = median ops/s with PV-lock / median without: > 1 means PV-lock is
faster; [low, high] its 95 % bootstrap interval; an interval that
contains 1 is "no difference". "repeat" reruns seed 1 of a cell: how far
the same arm lands from itself. "spin" profiles (perf record in L2,
guests/linux/spinshare) say where the time goes.

Usage: python3 -m harness.bench.pvlock [--seeds N] [--seeds2 N]
           [--cells SETTING/BASELINE,...] [--workloads ...] [--seconds S]
           [--no-repeat] [--no-spin] [--json FILE]
       python3 -m harness.bench.pvlock --from-log LOG   (the table from a
           run's progress log, when the run did not get to its end)"""

import argparse
import fcntl
import json
import os
import re
import statistics
import sys
import time

from harness import OUT, linux, nested, stats
from harness.qemu import QEMU

OWN = ("mmap", "epoll", "creat", "forkexec", "pipe")
WORKLOADS = OWN + linux.TOOL_WORKLOADS
# The spin profiles: the workloads whose locks spin most.
SPIN_WORKLOADS = ("mmap", "epoll", "creat", "stress-ng-fork", "hackbench-pipe-thread")
ARMS = linux.ARMS
SETTINGS = {"2:1": (2, 1), "4:1": (4, 1), "4:2": (4, 2), "1:1": (2, 2)}
BASELINES = {"trap": "", "notrap": "kvm-arm.wfe_trap_policy=notrap"}
BUILD_LOCK = "/tmp/pvlock-build.lock"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def prepare():
    """The L1 kernel and its initramfs with L2 and the benchmarks, built
    under the lock the project's builds share."""
    t0 = time.monotonic()
    log("preparing L1 and L2 (waits for %s)" % BUILD_LOCK)
    with open(BUILD_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kernel, initrd = nested.reference_kernel(), nested.pv_initramfs(tools=True)
    log("prepared in %.0f s" % (time.monotonic() - t0))
    return kernel, initrd


def l1_run(kernel, initrd, setting, baseline, seed, names, secs, prof=False):
    """One seed of a cell: one L1 boot, one L2 boot that runs both arms
    (PV-lock switched at run time, the order alternating with the seed and
    from one workload to the next). Returns {arm: (results, spin)} and the
    host seconds it took."""
    l2smp, l1smp = SETTINGS[setting]
    order = ",".join(ARMS if seed % 2 else ARMS[::-1])
    words = ["pvbench", "l2smp=%d" % l2smp, "l2seed=%d" % seed, "l2wfestat"]
    words += ["wl=%s:%d:%g" % (n, l2smp, secs) for n in names]
    words += ["l2run=ab:default:%s" % order]
    if prof:
        words.append("l2prof")
    if BASELINES[baseline]:
        words.append(BASELINES[baseline])
    t0 = time.monotonic()
    rc, out = nested.boot_l1(kernel, initrd, "l1-pvbench", append=" ".join(words),
                             smp=l1smp, seed=seed, deterministic=True,
                             timeout=600 + len(names) * (120 + 120 * secs))
    took = time.monotonic() - t0
    if rc != 0 or "L1 done" not in out or "L1TEST ab rc=0" not in out:
        raise RuntimeError("the nested KVM host failed (rc %s):\n%s" % (rc, out[-3000:]))
    if nested.wfe_policy(out) != [BASELINES[baseline]]:
        raise RuntimeError("L1's WFE trap policy: %r, not %r"
                           % (nested.wfe_policy(out), BASELINES[baseline]))
    sec = nested.section(out, "ab")
    got = linux.pv_ab_report(sec, names)
    exits = nested.wfe_exits(sec)
    for res, _ in got.values():
        for v in res.values():
            v["wfe_exits"] = exits[0] if exits else None
    return got, took


def cell_rows(results, setting, baseline, names, repeats):
    rows = []
    for n in names:
        pv = results.get((setting, baseline, n, "pv"), [])
        no = results.get((setting, baseline, n, "nopvlock"), [])
        if not pv or not no:
            rows.append([setting, baseline, n, "-", "(no results)", "", "", "", "", "", ""])
            continue
        a = [v["ops_per_sec"] for v in pv]
        b = [v["ops_per_sec"] for v in no]
        ci = stats.ratio_ci(a, b)
        rep = repeats.get((setting, baseline, n))
        rows.append([setting, baseline, n, "%.3f" % ci[0],
                     "[%.3f, %.3f]" % ci[1:], stats.verdict(ci),
                     "%s (%.1f%%)" % (fmt(statistics.median(a)), 100 * stats.spread(a)),
                     "%s (%.1f%%)" % (fmt(statistics.median(b)), 100 * stats.spread(b)),
                     "%.2f/%.2f%%" % rep if rep else "-",
                     "%d/%d" % (statistics.median(v["answers"] for v in pv),
                                statistics.median(v["answers"] for v in no)),
                     "%d" % statistics.median(v["wfe_exits"] for v in pv)
                     if pv[0].get("wfe_exits") is not None else "-"])
    return rows


def fmt(x):
    return "%.0f" % x if x >= 1000 else "%.3g" % x


def columns(rows):
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["    " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows]


def table(results, repeats, spins, plan, secs, elapsed, hours):
    print("PV-lock benchmark, deterministic nested KVM (L1 under round-robin TCG "
          "with icount, -seed).")
    print("ratio = median ops/s with PV-lock / median with nopvlock (> 1: PV-lock "
          "faster); [95 %% bootstrap interval],")
    print("paired by seed; \"no difference\" when it contains 1. Seeds per cell: %s "
          "(a seed: one L1 boot, both arms)," % ", ".join(
              "%d for %s" % (p[2], " ".join("%s/%s" % c for c in p[0])) for p in plan))
    print("%g s per workload, threads = L2 vCPUs (the tools run more tasks: "
          "guests/linux/benchtool)." % secs)
    print("PV, nopvlock: median ops/s per guest second (spread: (max-min)/median "
          "over the seeds);")
    print("repeat: seed 1 run again, |difference| of PV / nopvlock; answers: the "
          "guest's \"preempted\" answers,")
    print("median PV / nopvlock; WFE exits: KVM's count of L2's WFE exits per L2 boot "
          "(both arms, every workload).")
    rows = [["setting", "baseline", "workload", "ratio", "95% CI", "verdict",
             "PV ops/s (spread)", "nopvlock ops/s (spread)", "repeat", "answers",
             "WFE exits"]]
    for cells, names, _ in plan:
        for setting, baseline in cells:
            rows += cell_rows(results, setting, baseline, names, repeats)
    print("\n".join(columns(rows)))
    if spins:
        print()
        print("Where the time goes (perf record -e cpu-clock -a in L2, one profiled "
              "run, seed 1): % of samples")
        rows = [["setting", "baseline", "workload", "arm", "samples", "osq_lock",
                 "mutex spin", "rwsem spin", "qspinlock slow", "all spin paths"]]
        for (setting, baseline, n, arm), p in sorted(spins.items()):
            mutex = p.get("mutex_spin_on_owner", 0) + p.get("mutex_optimistic_spin", 0)
            rwsem = p.get("rwsem_spin_on_owner", 0) + p.get("rwsem_optimistic_spin", 0)
            allspin = (p.get("osq_lock", 0) + mutex + rwsem +
                       p.get("queued_spin_lock_slowpath", 0))
            rows.append([setting, baseline, n, arm, "%d" % p.get("samples", 0),
                         "%.1f" % p.get("osq_lock", 0), "%.1f" % mutex, "%.1f" % rwsem,
                         "%.1f" % p.get("queued_spin_lock_slowpath", 0), "%.1f" % allspin])
        print("\n".join(columns(rows)))
    print()
    print("host time: %s; whole benchmark %.0f s" % (
        ", ".join("%s %s %.0f s" % (s, b, t) for (s, b), t in sorted(hours.items())),
        elapsed))


# The default plan, about an hour on this machine (measured host time a
# seed: 2:1 160 s, 4:1 260 s with every workload; 2:1 notrap 290-370 s
# with the subset): every workload in the headline cells (the trap
# baseline, 2:1 and 4:1), the lock-bound subset in the others, with
# fewer seeds.
HEADLINE = [("2:1", "trap"), ("4:1", "trap")]
# 4:1 without the trap took over 10 minutes a seed: --cells 4:1/notrap.
SECONDARY = [("2:1", "notrap"), ("4:2", "trap"), ("1:1", "trap")]
SUBSET = ("mmap", "creat", "hackbench-pipe-thread", "stress-ng-fork", "stress-ng-mutex",
          "sysbench-mutex")


def run_cells(kernel, initrd, cells, names, seeds, secs, results, raw, hours):
    for seed in range(1, seeds + 1):
        for setting, baseline in cells:
            got, took = l1_run(kernel, initrd, setting, baseline, seed, names, secs)
            hours[(setting, baseline)] = hours.get((setting, baseline), 0) + took
            log("[seed %d/%d] %s %-6s %4.0f s  %s" % (
                seed, seeds, setting, baseline, took, " ".join(
                    "%s=%.3f" % (n, got["pv"][0][n]["ops_per_sec"] /
                                 got["nopvlock"][0][n]["ops_per_sec"]) for n in names)))
            for arm, (res, _) in got.items():
                raw.append({"setting": setting, "baseline": baseline, "seed": seed,
                            "arm": arm, "results": res, "host_seconds": took})
                for n, v in res.items():
                    results.setdefault((setting, baseline, n, arm), []).append(v)


SEED_LINE = re.compile(r"^\[seed (\d+)/(\d+)\] (\S+) (\S+) +(\d+) s  (.*)$")


def from_log(path):
    """The table from a run's progress log (stderr: one line per seed and
    cell with each workload's PV/nopvlock ratio), for a run that did not
    get to its end: per cell and workload the median of the per-seed
    paired ratios and its 95 % bootstrap interval (harness/stats.py
    median_ci), the range of the ratios, and the host time."""
    cells = {}
    hours = {}
    for line in open(path):
        m = SEED_LINE.match(line.strip())
        if not m:
            continue
        cell = (m.group(3), m.group(4))
        hours[cell] = hours.get(cell, 0) + int(m.group(5))
        for item in m.group(6).split():
            n, r = item.rsplit("=", 1)
            cells.setdefault(cell, {}).setdefault(n, []).append(float(r))
    rows = [["setting", "baseline", "workload", "median ratio", "95% CI", "verdict",
             "ratios (min-max)", "seeds"]]
    for (setting, baseline), wl in cells.items():
        for n, rs in wl.items():
            ci = stats.median_ci(rs)
            rows.append([setting, baseline, n, "%.3f" % ci[0], "[%.3f, %.3f]" % ci[1:],
                         stats.verdict(ci), "%.3f-%.3f" % (min(rs), max(rs)), str(len(rs))])
    print("PV-lock benchmark, from the log %s: per cell and workload, the median of the "
          "per-seed" % path)
    print("ratios PV/nopvlock (a seed: one L1 boot, both arms) and its 95 % bootstrap "
          "interval over the seeds.")
    print("\n".join(columns(rows)))
    print("host time: %s" % ", ".join("%s %s %d s" % (c[0], c[1], t)
                                      for c, t in hours.items()))


def main():
    if sys.argv[1:2] == ["--from-log"]:
        return from_log(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5,
                    help="runs per headline cell (seeds 1..N)")
    ap.add_argument("--seeds2", type=int, default=2,
                    help="runs per secondary cell (0: none)")
    ap.add_argument("--cells", default="",
                    help="instead of the default plan: SETTING/BASELINE,... "
                    "(e.g. 2:1/trap,4:2/trap), every workload, --seeds runs")
    ap.add_argument("--workloads", default="", help="instead of each cell's set")
    ap.add_argument("--seconds", type=float, default=0.25,
                    help="guest seconds per workload (timed tools: at least 1)")
    ap.add_argument("--no-repeat", action="store_true", help="skip the seed-1 rerun")
    ap.add_argument("--no-spin", action="store_true", help="skip the spin profiles")
    ap.add_argument("--json", default=os.path.join(OUT, "bench", "pvlock.json"),
                    help="where the raw results go")
    a = ap.parse_args()
    chosen = [n for n in a.workloads.split(",") if n]
    names, subset = chosen or list(WORKLOADS), chosen or list(SUBSET)
    if a.cells:
        plan = [([tuple(c.split("/")) for c in a.cells.split(",")], names, a.seeds)]
    else:
        plan = [(HEADLINE, names, a.seeds), (SECONDARY, subset, a.seeds2)]
    cells = [c for p in plan for c in p[0]]
    if (not all(s in SETTINGS and b in BASELINES for s, b in cells)
            or not set(names) <= set(WORKLOADS)):
        ap.error("cells: SETTING/BASELINE with settings %s, baselines %s; workloads: %s"
                 % (",".join(SETTINGS), ",".join(BASELINES), ",".join(WORKLOADS)))
    if not os.path.exists(QEMU):
        sys.exit("%s is missing: build QEMU first (scripts/build/qemu.sh)" % QEMU)
    t0 = time.monotonic()
    kernel, initrd = prepare()
    results, repeats, spins, hours, raw = {}, {}, {}, {}, []
    for pcells, pnames, seeds in plan:
        run_cells(kernel, initrd, pcells, pnames, seeds, a.seconds, results, raw, hours)
    first, first_names = plan[0][0][0], plan[0][1]
    if not a.no_repeat:
        # The first cell again with seed 1: the same arm, run again.
        got, took = l1_run(kernel, initrd, first[0], first[1], 1, first_names, a.seconds)
        log("[repeat seed 1] %s %s %.0f s" % (first[0], first[1], took))
        for n in first_names:
            before = [results[first + (n, arm)][0]["ops_per_sec"] for arm in ARMS]
            again = [got[arm][0][n]["ops_per_sec"] for arm in ARMS]
            repeats[first + (n,)] = tuple(100 * abs(x - y) / y for x, y in zip(again, before))
    if not a.no_spin:
        spin_names = [n for n in SPIN_WORKLOADS if n in first_names]
        for setting, baseline in plan[0][0]:
            got, took = l1_run(kernel, initrd, setting, baseline, 1, spin_names,
                               a.seconds, prof=True)
            log("[spin profile] %s %s %.0f s" % (setting, baseline, took))
            for arm, (_, spin) in got.items():
                for n, p in spin.items():
                    spins[(setting, baseline, n, arm)] = p
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"runs": raw, "repeats": {" ".join(k): v for k, v in repeats.items()},
                   "spins": {" ".join(k): v for k, v in spins.items()}}, f, indent=1)
    table(results, repeats, spins, plan, a.seconds, time.monotonic() - t0, hours)
    print("raw results: %s" % a.json)


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: GPL-2.0-or-later
"""What PV-lock buys a Linux guest, measured (not a test: it prints ratios).

Our PV-lock aware guest kernel (kernel/guest/) runs the lock workloads of
guests/workloads/ (threads = vCPUs) in one boot per arm: PV-lock in use,
or the same kernel binary with "nopvlock". QEMU has pvlock=on in both
arms. The arms alternate (PV, nopvlock, PV, nopvlock, ...; one pair per
run), and the table gives, per workload, setting and rule, the ratio of
the median ops/s PV over nopvlock: > 1 means PV-lock is faster.

Settings:
  a  nested KVM: L1 (linux-source-6.1 with the reference handler, -smp 2,
     under TCG) runs L2 -smp 4 with our cross-built QEMU (2:1, the real
     overcommit); rules: the handler's default (x86's: runnable but not
     running) and v3 (kvm.pvlock_v3_rule, set in L1 before each L2 run)
  b  TCG -accel tcg,thread=single -smp 4 -icount shift=0,sleep=off: four
     vCPUs on one host thread; guest time is an instruction count, so
     ops/s are per guest second (1e9 instructions); host wall time too;
     rules: default (runnable but not running) and v3
     (-global arm-pvlock.x-halted-is-preempted=on)
  c  MTTCG -smp 2, no overcommit: the cost; default rule

Usage: python3 -m harness.bench.pvlock [--runs N] [--settings a,b,c]
           [--workloads mmap,epoll,...] [--seconds S|a=S,b=S,c=S] [--pin]"""

import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import threading
import time

from harness import linux, nested
from harness.qemu import QEMU

WORKLOADS = ("mmap", "epoll", "creat", "forkexec", "pipe")
ARMS = ("pv", "nopvlock")
SETTINGS = {
    "a": {"title": "nested KVM, L2 -smp 4 on L1 -smp 2 (2:1), reference handler",
          "smp": 4, "rules": ("default", "v3"), "secs": 1.5},
    "b": {"title": "TCG thread=single -smp 4 (4:1), icount shift=0,sleep=off",
          "smp": 4, "rules": ("default", "v3"), "secs": 0.5,
          "qemu": ["-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off"]},
    "c": {"title": "MTTCG -smp 2 (no overcommit)",
          "smp": 2, "rules": ("default",), "secs": 2,
          "qemu": ["-accel", "tcg,thread=multi"]},
}
TCG_RULE = {"default": [], "v3": ["-global", "arm-pvlock.x-halted-is-preempted=on"]}
BUILD_LOCK = "/tmp/pvlock-build.lock"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def prepare(settings):
    """Build what the settings need (kernels, initramfs, cross QEMU), under
    the lock the project's builds share."""
    t0 = time.monotonic()
    log("preparing the guest%s (waits for %s)" % (" and L1" if "a" in settings else "",
                                                 BUILD_LOCK))
    with open(BUILD_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        linux.pv_guest()
        kernel = initrd = None
        if "a" in settings:
            kernel, initrd = nested.reference_kernel(), nested.pv_initramfs()
    log("prepared in %.0f s" % (time.monotonic() - t0))
    return kernel, initrd


def wl_words(names, threads, secs, pin):
    return ["wl=%s:%d:%g%s" % (n, threads, secs, ":pin" if pin else "") for n in names]


def parse(out, names, arm, stamps=None):
    """One boot's results: workload -> {"ops_per_sec", "answers" (preempted
    answers during it, all CPUs), "ctxt" (context switches per second),
    "idle" (idle share of the vCPUs' time), "wall" (host seconds, if
    stamps: the arrival time of each output line)}. Checks the arm took
    effect."""
    r = linux.pv_report(out)
    want = 1 if arm == "pv" else 0
    if r["enabled"] != want:
        raise RuntimeError("arm %s: the guest says PVENABLED %s:\n%s"
                           % (arm, r["enabled"], out[-3000:]))
    res = {}
    totals = {after: sum(c) for after, c in r["counts"]}
    order = [after for after, _ in r["counts"]]
    for n in names:
        if n not in r["results"] or n in r["failed"] or n not in totals:
            log("    %s: no result (failed: %s)" % (n, r["failed"]))
            continue
        prev = order[order.index(n) - 1]
        secs, st = r["results"][n]["secs"], r["stats"].get(n)
        res[n] = {"ops_per_sec": r["results"][n]["ops_per_sec"],
                  "answers": totals[n] - totals[prev], "wall": None,
                  "ctxt": st["ctxt"] / secs if st else None,
                  # /proc/stat counts USER_HZ (100) jiffies per CPU.
                  "idle": st["idle"] / 100 / secs / r["results"][n]["threads"] if st else None}
    if stamps:
        # A workload's host time: from the line before its RESULT (the
        # init's last report before starting it) to its RESULT.
        for i, (t, line) in enumerate(stamps):
            w = line.split()
            if len(w) > 1 and w[0] == "RESULT" and w[1] in res and i > 0:
                res[w[1]]["wall"] = t - stamps[i - 1][0]
    return res


def run_qemu(args, timeout):
    """Run QEMU to its exit; returns (serial output, [(seconds since start,
    line)])."""
    t0 = time.monotonic()
    p = subprocess.Popen([QEMU, "-display", "none", "-nodefaults", "-serial", "stdio"]
                         + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    stamps = []
    try:
        for line in p.stdout:
            stamps.append((time.monotonic() - t0, line.rstrip("\r\n")))
        rc = p.wait()
    finally:
        timer.cancel()
    out = "\n".join(l for _, l in stamps)
    if rc != 0:
        raise RuntimeError("QEMU exited with %s (timeout %d s): %s\n%s"
                           % (rc, timeout, " ".join(args), out[-3000:]))
    return out, stamps


def tcg_runs(key, names, runs, secs, pin, results):
    s = SETTINGS[key]
    guest = linux.pv_guest()
    words = wl_words(names, s["smp"], secs, pin)
    timeout = 120 + 30 * secs * len(names)
    for i in range(runs):
        for rule in s["rules"]:
            for arm in ARMS:
                append = words + (["nopvlock"] if arm == "nopvlock" else [])
                t0 = time.monotonic()
                out, stamps = run_qemu(
                    ["-machine", "virt,pvlock=on", "-cpu", "max", "-smp", str(s["smp"]),
                     "-m", "512"] + s["qemu"] + TCG_RULE[rule] + guest.args(*append),
                    timeout)
                log("[%s run %d/%d] %-7s %-8s %5.1f s" % (key, i + 1, runs, rule, arm,
                                                         time.monotonic() - t0))
                for n, v in parse(out, names, arm, stamps).items():
                    results.setdefault((key, rule, n, arm), []).append(v)


def nested_runs(names, runs, secs, pin, results, kernel, initrd):
    """One L1 boot per run; in it, one L2 boot per rule and arm."""
    s = SETTINGS["a"]
    words = wl_words(names, s["smp"], secs, pin)
    for i in range(runs):
        l2 = [(rule, arm, "r%d-%s-%s" % (i, rule, arm))
              for rule in s["rules"] for arm in ARMS]
        append = " ".join(["pvbench", "l2smp=%d" % s["smp"]] + words +
                          ["l2run=%s:%s:%s" % (name, rule, arm) for rule, arm, name in l2])
        t0 = time.monotonic()
        rc, out = nested.boot_l1(kernel, initrd, "l1-pvbench", append=append,
                                 timeout=300 + len(l2) * (120 + 30 * secs * len(names)))
        log("[a run %d/%d] L1 with %d L2 runs: %.1f s" % (i + 1, runs, len(l2),
                                                         time.monotonic() - t0))
        if rc != 0 or "L1 done" not in out:
            raise RuntimeError("the nested KVM host failed (rc %s):\n%s" % (rc, out[-3000:]))
        for rule, arm, name in l2:
            sec = nested.section(out, name)
            if "L1TEST %s rc=0" % name not in out:
                raise RuntimeError("L2 run %s failed:\n%s" % (name, sec[-3000:]))
            for n, v in parse(sec, names, arm).items():
                results.setdefault(("a", rule, n, arm), []).append(v)


def pair(pv, no, key, form, scale):
    """form % (median of key in the PV arm, in the nopvlock arm), or "-"."""
    if any(v[key] is None for v in pv + no):
        return "-"
    return form % (statistics.median(v[key] for v in pv) * scale,
                   statistics.median(v[key] for v in no) * scale)


def spread(xs):
    return "%s-%s" % (fmt(min(xs)), fmt(max(xs)))


def fmt(x):
    if x >= 1000:
        return "%.0f" % x
    return "%.3g" % x


def columns(rows):
    """rows (lists of strings) as lines with aligned columns."""
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["    " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows]


def table(results, settings, names, runs, secs, pin, elapsed):
    print("PV-lock benchmark: ratio = median ops/s with PV-lock / median ops/s with "
          "nopvlock;")
    print("> 1 means PV-lock is faster, < 1 slower. Same guest kernel binary in both "
          "arms, QEMU pvlock=on in both.")
    print("%d runs per arm and cell, arms interleaved (PV, nopvlock, PV, nopvlock, ...); "
          "threads = vCPUs%s." % (runs, ", pinned" if pin else ", unpinned"))
    print("spread: min-max over the runs; pairs: min-max of PV/nopvlock within a run;")
    print("answers: the guest's \"preempted\" answers (debugfs preempted_answers, all "
          "CPUs) during the workload,")
    print("median per run, PV arm / nopvlock arm (0 in the PV arm: PV-lock never said "
          "\"preempted\").")
    print("ctxt/s: context switches per second, idle: idle share of the vCPUs' time "
          "(guest /proc/stat),")
    print("medians, PV arm / nopvlock arm: where the time goes.")
    for key in settings:
        s = SETTINGS[key]
        print()
        print("(%s) %s, %g s per workload" % (key, s["title"], secs[key]))
        if key == "b":
            print("    ops/s are per guest second (icount: 1e9 instructions). host s: "
                  "median host wall seconds")
            print("    per workload run, PV / nopvlock; host ratio: the ratio of ops "
                  "per host second.")
        rows = [["rule", "workload", "ratio", "pairs", "PV ops/s (spread)",
                 "nopvlock ops/s (spread)", "answers", "ctxt/s", "idle %", "runs"]
                + (["host s", "host ratio"] if key == "b" else [])]
        for rule in s["rules"]:
            for n in names:
                pv = results.get((key, rule, n, "pv"), [])
                no = results.get((key, rule, n, "nopvlock"), [])
                if not pv or not no:
                    rows.append([rule, n, "-", "(no results)"] + [""] * (len(rows[0]) - 4))
                    continue
                a = [v["ops_per_sec"] for v in pv]
                b = [v["ops_per_sec"] for v in no]
                pairs = [x / y for x, y in zip(a, b) if y]
                row = [rule, n, "%.3f" % (statistics.median(a) / statistics.median(b)),
                       "%.2f-%.2f" % (min(pairs), max(pairs)),
                       "%s (%s)" % (fmt(statistics.median(a)), spread(a)),
                       "%s (%s)" % (fmt(statistics.median(b)), spread(b)),
                       "%d/%d" % (statistics.median(v["answers"] for v in pv),
                                  statistics.median(v["answers"] for v in no)),
                       pair(pv, no, "ctxt", "%.0f/%.0f", 1),
                       pair(pv, no, "idle", "%.0f/%.0f", 100),
                       "%d/%d" % (len(a), len(b))]
                if key == "b":
                    if all(v["wall"] for v in pv + no):
                        host = [statistics.median(v["ops_per_sec"] * secs[key] / v["wall"]
                                                  for v in arm) for arm in (pv, no)]
                        row += ["%.1f/%.1f" % (statistics.median(v["wall"] for v in pv),
                                               statistics.median(v["wall"] for v in no)),
                                "%.3f" % (host[0] / host[1])]
                    else:
                        row += ["-", "-"]
                rows.append(row)
        print("\n".join(columns(rows)))
    print()
    print("wall time of the whole benchmark: %.0f s" % elapsed)


def seconds(arg):
    secs = {k: s["secs"] for k, s in SETTINGS.items()}
    if arg:
        for item in arg.split(","):
            if "=" in item:
                k, v = item.split("=")
                secs[k] = float(v)
            else:
                secs = {k: float(item) for k in secs}
    return secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per arm, interleaved")
    ap.add_argument("--settings", default="a,b,c", help="a,b,c (see above)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--seconds", default="",
                    help="seconds per workload: S for all, or a=S,b=S,c=S "
                    "(default a=1.5,b=0.5,c=2: about 20 min with 7 runs)")
    ap.add_argument("--pin", action="store_true", help="pin worker i to CPU i")
    a = ap.parse_args()
    settings = [k for k in a.settings.split(",") if k]
    names = [n for n in a.workloads.split(",") if n]
    if not set(settings) <= set(SETTINGS) or not set(names) <= set(WORKLOADS):
        ap.error("settings are a,b,c; workloads %s" % ",".join(WORKLOADS))
    if not os.path.exists(QEMU):
        sys.exit("%s is missing: build QEMU first (scripts/build/qemu.sh)" % QEMU)
    secs = seconds(a.seconds)
    t0 = time.monotonic()
    kernel, initrd = prepare(settings)
    results = {}
    for key in settings:
        if key == "a":
            nested_runs(names, a.runs, secs["a"], a.pin, results, kernel, initrd)
        else:
            tcg_runs(key, names, a.runs, secs[key], a.pin, results)
    table(results, settings, names, a.runs, secs, a.pin, time.monotonic() - t0)


if __name__ == "__main__":
    main()

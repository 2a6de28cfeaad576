# SPDX-License-Identifier: GPL-2.0-or-later
"""The main job's demo: boot our PV-lock aware Linux guest kernel
(kernel/guest/) with -machine virt,pvlock=on -smp 4 under single-threaded
TCG. Show its boot line and the flags as the guest sees them (debugfs)
and as the host reads them from guest memory, live, while a lock
workload runs; then run that workload with and without PV-lock (the
nopvlock boot parameter, same kernel) and print the ratio."""

import os
import statistics
import sys
import threading
import time

from harness import linux
from harness.qemu import VM, QEMU

NCPUS = 4
WORKLOAD = "mmap"
PAIRS = 3
SECONDS = 2
OUT_LOCK = threading.Lock()
GUEST_LINES = ("PVLOCK", "PVENABLED", "PVFLAGS", "PVBUSY", "PVCOUNT",
               "RESULT", "WLFAIL")


def say(text):
    with OUT_LOCK:
        print(text, flush=True)


def machine(*extra):
    return ["-machine", "virt,pvlock=on", "-cpu", "max",
            "-accel", "tcg,thread=single", "-smp", str(NCPUS), "-m", "1G"
            ] + list(extra)


def show_live(guest):
    args = machine() + guest.args("pvbusy", "wl=%s:%d:3" % (WORKLOAD, NCPUS))
    print("$ %s %s\n" % (os.path.relpath(QEMU), " ".join(args)), flush=True)
    vm = VM(args, name="demo")
    try:
        qmp = vm.connect()
        base = qmp.pvlock_base()
        stop = threading.Event()

        def host_view():
            # While the workload runs (after pvbusy's three lines), the
            # host reads the same flags.
            i = 0
            for _ in range(3):
                i, _ = vm.wait_line(lambda l: l.startswith("PVBUSY"), 120, i)
                if i is None:
                    return
                i += 1
            say("host| the guest runs %s with %d threads; the host reads the "
                "flags at 0x%08x + 64 * n:" % (WORKLOAD, NCPUS, base))
            t0 = time.time()
            while not stop.is_set() and time.time() - t0 < 2.5:
                flags = qmp.read_flags(NCPUS)
                say("host| %5.2fs  %s" % (time.time() - t0, "  ".join(
                    "vCPU%d:%s" % (n, "-" if f == 0 else "P" if f == 1
                                   else hex(f)) for n, f in enumerate(flags))))
                time.sleep(0.2)

        sampler = threading.Thread(target=host_view, daemon=True)
        sampler.start()
        i = 0
        while True:
            i, line = vm.wait_line(lambda l: l.split(" ", 1)[0] in GUEST_LINES
                                   or l.startswith("LINUX done"), 180, i)
            if line is None or line.startswith("LINUX done"):
                break
            say("guest| " + line)
            i += 1
        stop.set()
        sampler.join()
        print("host| P = 1, preempted: runnable, waiting for the single TCG "
              "thread; - = 0, not preempted: running, or idle in WFI (a "
              "thread blocked on the lock sleeps).\n", flush=True)
        return vm.wait_exit(60) == 0
    finally:
        vm.close()


def one_run(guest, pv):
    # icount: guest time is an instruction count, so ops per guest second
    # do not depend on how busy the host is.
    append = ["wl=%s:%d:%d" % (WORKLOAD, NCPUS, SECONDS)] + ([] if pv else ["nopvlock"])
    vm = VM(machine("-icount", "shift=0,sleep=off") + guest.args(*append),
            name="demo-run")
    try:
        vm.wait_exit(300)
        r = linux.pv_report(vm.output())
    finally:
        vm.close()
    res = r["results"].get(WORKLOAD)
    return res["ops_per_sec"] if res else None


def main():
    guest = linux.pv_guest()
    if not show_live(guest):
        print("the live part failed", file=sys.stderr)
        return 1
    print("%s, %d threads on %d vCPUs, %d s, PV-lock vs nopvlock (same kernel), "
          "%d interleaved pairs, ops per guest second:" %
          (WORKLOAD, NCPUS, NCPUS, SECONDS, PAIRS), flush=True)
    pv, nopv = [], []
    for n in range(PAIRS):
        for on, acc in ((True, pv), (False, nopv)):
            v = one_run(guest, on)
            if v is None:
                print("a run failed", file=sys.stderr)
                return 1
            acc.append(v)
            print("  pair %d  %-9s %10.1f" % (n + 1, "PV-lock" if on else "nopvlock",
                                              v), flush=True)
    ratio = statistics.median(pv) / statistics.median(nopv)
    print("median PV-lock %.1f, nopvlock %.1f: ratio %.3f (> 1: PV-lock is "
          "faster; spread PV %.1f-%.1f, nopvlock %.1f-%.1f)" %
          (statistics.median(pv), statistics.median(nopv), ratio,
           min(pv), max(pv), min(nopv), max(nopv)), flush=True)
    print("Round-robin TCG hardly preempts a lock holder (a spinning vCPU "
          "yields at once), so expect a small difference here; see "
          "python3 -m harness.bench.pvlock for every workload and setting.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

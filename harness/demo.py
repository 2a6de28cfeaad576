# SPDX-License-Identifier: GPL-2.0-or-later
"""The main job's demo: boot the bare-metal probe guest with
-machine virt,pvlock=on -smp 4 under single-threaded TCG, show what the
guest finds through the PV-lock calls, and, while its vCPUs spin, show
each vCPU's preempted flag as the host reads it from guest memory."""

import os
import sys
import time

from harness import guests
from harness.qemu import VM, QEMU

NCPUS = 4


def main():
    probe = guests.build("pvlock-probe")
    args = ["-machine", "virt,pvlock=on", "-cpu", "max", "-accel", "tcg,thread=single",
            "-smp", str(NCPUS), "-m", "256", "-kernel", probe]
    print("$ %s %s" % (os.path.relpath(QEMU), " ".join(args)), flush=True)
    vm = VM(args, name="demo")
    try:
        qmp = vm.connect()
        base = qmp.pvlock_base()
        printed = 0

        def echo(upto):
            nonlocal printed
            lines = vm.output().splitlines()
            for line in lines[printed:upto]:
                print("guest| " + line, flush=True)
            printed = min(upto, len(lines))

        idx, _ = vm.wait_line(lambda l: l == "PROBE spin start", 60)
        if idx is None:
            echo(10**6)
            print("the guest did not get to its spin loop", file=sys.stderr)
            return 1
        echo(idx + 1)
        print("\nhost| the vCPUs spin; the host reads their preempted flags "
              "(0x%08x + 64 * n) every 50 ms:" % base, flush=True)
        print("host| %8s  %s" % ("time", "  ".join("vCPU%d" % i for i in range(NCPUS))))
        t0 = time.time()
        for _ in range(24):
            flags = qmp.read_flags(NCPUS)
            print("host| %7.2fs  %s" % (time.time() - t0, "  ".join(
                "%-5s" % ("RUN" if f == 0 else "pre" if f == 1 else hex(f))
                for f in flags)), flush=True)
            time.sleep(0.05)
        print("host| RUN = flag 0 (running), pre = flag 1 (preempted): "
              "one vCPU runs at a time, in turn.\n", flush=True)
        rc = vm.wait_exit(60)
        echo(10**6)
        return 0 if rc == 0 and "PROBE RESULT: PASS" in vm.output() else 1
    finally:
        vm.close()


if __name__ == "__main__":
    sys.exit(main())

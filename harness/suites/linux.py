# SPDX-License-Identifier: GPL-2.0-or-later
"""PV-lock under TCG with a real Linux guest (TAP): Debian's arm64 cloud
kernel and a busybox initramfs (guests/linux/init) boot with -smp 4
under round-robin TCG; inside, devmem reads the PV-lock structures while
the vCPUs idle and while one is busy: idle vCPUs (WFI) are not
preempted, a busy one waiting for its turn is. With the kernel series'
rule (x-halted-is-preempted) idle vCPUs read as preempted too.
pvlock=off boots the same, without the region.

Then our PV-lock aware guest kernel (kernel/guest/): it says whether it
uses PV-lock and why not, its debugfs flags match the rule, its
"preempted" answers grow under a lock workload; with nopvlock or
pvlock=off the same workload runs without it."""

import sys

from harness import linux
from harness.qemu import VM, VMError
from harness import testing


def boot(pvlock, guest, extra=()):
    """(exit status, serial output, region base from QOM or None)."""
    vm = VM(["-machine", "virt,pvlock=%s" % pvlock, "-cpu", "max", "-smp", "4",
             "-accel", "tcg,thread=single", "-m", "1G"] + list(extra) +
            guest.args(), name="linux")
    try:
        base = None
        if pvlock == "on":
            try:
                base = vm.connect().pvlock_base()
            except VMError:
                pass            # QEMU ended early: the checks below say so
        rc = vm.wait_exit(90)
        return rc, vm.output(), base
    finally:
        vm.close()


def pv_boot(machine, *append):
    """Boot the PV-lock aware guest under round-robin TCG; its report."""
    vm = VM(["-machine", machine, "-cpu", "max", "-smp", "4",
             "-accel", "tcg,thread=single", "-m", "1G"] +
            linux.pv_guest().args(*append), name="pvguest")
    try:
        rc = vm.wait_exit(180)
        out = vm.output()
    finally:
        vm.close()
    return rc, out, linux.pv_report(out)


def pv_guest_checks(suite):
    rc, out, r = pv_boot("virt,pvlock=on", "pvbusy", "wl=mmap:4:2", "pvhotplug")
    suite.ok(rc == 0 and r["done"] and
           "using PV-lock for vcpu_is_preempted()" in r["lines"] and
           r["enabled"] == 1,
           "PV guest, pvlock=on: the kernel says it uses PV-lock", out)
    suite.ok(r["flags"] and all(f is None or f[reader] == 0
                              for reader, f in r["flags"]),
           "PV guest: debugfs shows the reading CPU's own flag as 0", r["flags"])
    busy = r["busy"]
    suite.ok(busy and sum(b[1:] == [1, 1, 1] for b in busy) >= 0.6 * len(busy),
           "PV guest: CPUs 1-3 spinning, waiting for their turn, read 1 on "
           "CPU 0 (%d of %d samples)"
           % (sum(b[1:] == [1, 1, 1] for b in busy), len(busy)), busy)
    before = [sum(c) for a, c in r["counts"] if a is None]
    after = [sum(c) for a, c in r["counts"] if a == "mmap"]
    suite.ok(before and after and after[-1] > before[0] and
           "mmap" in r["results"] and not r["failed"],
           "PV guest: the preempted answers grow under the mmap workload "
           "(%s -> %s)" % (before[:1], after[-1:]), r["counts"])

    # The same boot's end ("pvhotplug"): CPU 1 offline and online again,
    # three times, under the mmap workload; each time the flags are read
    # on every CPU (4 PVFLAGS lines). Offline, CPU 1 has no structure: it
    # reads as running everywhere (a mapping kept across the offline would
    # show the host's flag for a stopped vCPU) and cannot read itself;
    # online again, it reads its own flag as 0.
    groups = [r["flags"][i:i + 4] for i in range(0, len(r["flags"]), 4)][-6:]
    offline, online = groups[0::2], groups[1::2]
    suite.ok(rc == 0 and r["done"] and
           r["hotplug"] == [("offline", 0), ("online", 1)] * 3 and
           len(groups) == 6 and
           all((f is None) if reader == 1 else (f is not None and f[1] == 0)
               for g in offline for reader, f in g) and
           all(f is not None and f[1] == 0 for g in online for reader, f in g
               if reader == 1) and
           "RESULT mmap " in out.split("PVHOTPLUG", 1)[-1] and not r["failed"] and
           not [l for l in r["lines"] if l.startswith("CPU")],
           "PV guest: CPU 1 goes offline and comes back 3 times under the mmap "
           "workload: offline it reads as running (its structure unmapped), "
           "back online its own flag is 0, no warning", out)

    rc, out, r = pv_boot("virt,pvlock=on", "nopvlock", "wl=mmap:4:1")
    suite.ok(rc == 0 and "disabled by nopvlock" in r["lines"] and
           r["enabled"] == 0 and "mmap" in r["results"] and not r["failed"],
           "PV guest, nopvlock: PV-lock disabled, the workload runs", out)
    rc, out, r = pv_boot("virt", "wl=mmap:4:1")
    suite.ok(rc == 0 and any(l.startswith("not available:") for l in r["lines"]) and
           r["enabled"] == 0 and "mmap" in r["results"] and not r["failed"],
           "PV guest, pvlock=off: the kernel says PV-lock is not available "
           "(%s), the workload runs" % "; ".join(r["lines"]), out)


class Linux(testing.Suite):
    def test_1_debian_kernel(self):
        guest = linux.guest()
        self.note("kernel: %s" % guest.package)

        rc, out, base = boot("on", guest)
        self.ok(rc == 0 and "LINUX booted" in out and "LINUX done" in out,
                "pvlock=on: Linux boots with -smp 4 and powers off", out)
        self.ok("REGION present" in out, "pvlock=on: the guest reads the region", out)
        self.ok("KVM: hypervisor services detected (0x00000000 0x00000000 "
                "0x00000000 0x00000001)" in out,
                "pvlock=on: Linux finds the KVM services, bitmap bit 0 only (no PTP)",
                out)
        samples = linux.samples(out)
        self.ok(len(samples) == 30, "pvlock=on: 30 samples of 4 flags", out)
        self.ok(all(v in (0, 1) for _, own, all_ in samples for v in own + all_),
                "pvlock=on: every flag is 0 or 1", out)
        self.ok(all(own == [0, 0, 0, 0] for _, own, _ in samples),
                "pvlock=on: each vCPU reads its own flag as 0", out)
        idle = [a for p, _, a in samples if p.startswith("idle")]
        idle_zeros = sum(a[c] == 0 for a in idle for c in (1, 2, 3))
        self.ok(idle and idle_zeros >= 0.8 * 3 * len(idle),
                "pvlock=on: idle vCPUs (WFI) are not preempted: 0 in %d of %d reads"
                % (idle_zeros, 3 * len(idle)), out)
        busy = [a for p, _, a in samples if p == "busy1"]
        busy_ones = sum(a[1] == 1 for a in busy)
        self.ok(busy and busy_ones >= 0.8 * len(busy),
                "pvlock=on: busy vCPU 1, waiting for its turn while vCPU 0 reads, "
                "is preempted: 1 in %d of %d reads" % (busy_ones, len(busy)), out)
        self.ok(len({tuple(a) for _, _, a in samples}) > 1,
                "pvlock=on: the flags change over time", out)

        # The kernel series' rule: every vCPU that does not run reads 1.
        rc, out, _ = boot("on", guest,
                          ["-global", "arm-pvlock.x-halted-is-preempted=on"])
        samples = [(p, a) for p, _, a in linux.samples(out)]
        idle = [a for p, a in samples if p.startswith("idle")]
        idle_ones = sum(a[c] == 1 for a in idle for c in (1, 2, 3))
        self.ok(rc == 0 and idle and idle_ones >= 0.8 * 3 * len(idle),
                "x-halted-is-preempted=on: idle vCPUs read as preempted: 1 in "
                "%d of %d reads" % (idle_ones, 3 * len(idle)), out)

        rc, out, _ = boot("off", guest)
        self.ok(rc == 0 and "LINUX booted" in out and "LINUX done" in out,
                "pvlock=off: Linux boots the same", out)
        self.ok("REGION absent" in out, "pvlock=off: no region at %s"
                % ("0x%08x" % base if base is not None else "pvlock=on's base"), out)
        self.ok("hypervisor services detected" not in out,
                "pvlock=off: no SMCCC 1.1, no KVM services (as upstream)", out)

    def test_2_pv_guest(self):
        pv_guest_checks(self)


if __name__ == "__main__":
    sys.exit(testing.main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""PV-lock under TCG, end to end (TAP): the series' tests/tcg guest, run
by QEMU's own framework; the SMCCC fuzzer; the bare-metal probe guest
(guests/pvlock-probe.c) with pvlock=on and off, at EL1 (HVC conduit) and
EL2 (virtualization=on, SMC conduit), single-threaded and MTTCG; while it
spins, the host samples the flags through QMP."""

import os
import subprocess
import sys
import time

from harness import QEMU_BUILD, guests
from harness.guests import probe_stats
from harness.qemu import VM
from harness import testing


def run_probe(suite, name, machine, accel, smp, expect_mode, expect_el,
              sample=False):
    probe = guests.build("pvlock-probe")
    vm = VM(["-machine", machine, "-cpu", "max", "-accel", accel,
             "-smp", str(smp), "-m", "256", "-kernel", probe], name="probe")
    samples = []
    try:
        if sample:
            qmp = vm.connect()
            idx, _ = vm.wait_line(lambda l: l == "PROBE spin start", 60)
            for _ in range(25):
                if idx is None:
                    break
                samples.append(qmp.read_flags(smp))
                time.sleep(0.03)
        rc = vm.wait_exit(120)
        out = vm.output()
    finally:
        vm.close()

    suite.ok(rc == 0 and "PROBE RESULT: PASS" in out,
           "%s: probe passes every ABI check" % name, out)
    suite.ok("PROBE mode=%s el=%d conduit=%s" % (expect_mode, expect_el,
                                               "smc" if expect_el == 2 else "hvc") in out,
           "%s: pvlock %s seen by the guest at EL%d" % (name, expect_mode, expect_el), out)
    stats = probe_stats(out)
    if expect_mode == "on":
        suite.ok("PROBE kvm-features=0x1\n" in out.replace("\r", ""),
               "%s: KVM feature bitmap is bit 0 only (bit 1, PTP, clear)" % name,
               out)
        suite.ok("PROBE arch-features 0x8600ff01=0x0 0x80003fff=0xffffffffffffffff"
               in out, "%s: SMCCC_ARCH_FEATURES is 0 for the IDs QEMU answers, "
               "-1 for others" % name, out)
        suite.ok(len(stats) == smp and all(s[0] > 0 and s[1] == 0 for s in stats.values()),
               "%s: each of %d vCPUs read its own flag as 0, always" % (name, smp), out)
    return out, stats, samples


def tcg_make(suite, target, log, check, what):
    """Run QEMU's tests/tcg target (built by QEMU's build with Debian's
    cross compiler) as make check-tcg does, and check what it wrote to
    log (its output file, removed first)."""
    tcg = os.path.join(QEMU_BUILD, "tests", "tcg", "aarch64-softmmu")
    if not os.path.isdir(tcg):
        suite.ok(False, "QEMU's tests/tcg: %s" % what,
               "no %s: configure found no aarch64 cross compiler" % tcg)
        return
    path = os.path.join(tcg, log)
    if os.path.exists(path):
        os.unlink(path)
    r = subprocess.run(["make", "-C", tcg, "V=1", target], capture_output=True,
                       text=True, timeout=300)
    out = open(path).read() if os.path.exists(path) else ""
    suite.ok(r.returncode == 0 and check(out), "QEMU's tests/tcg: %s" % what,
           r.stdout + r.stderr + out)


def qemu_tcg_tests(suite):
    """The series' own tests in QEMU's framework, tests/tcg/aarch64/system/:
    pvlock.c with pvlock on and off, and recorded then replayed at -smp 2
    (run-pvlock-replay also compares the two outputs); pvlock-a32.c, the
    calls of an AArch32 caller at EL1 under a hypervisor at EL2."""
    for t, log in (("run-pvlock", "pvlock.out"), ("run-pvlock-off", "pvlock-off.out"),
                   ("run-pvlock-replay", "pvlock-replay.out"),
                   ("run-pvlock-a32", "pvlock-a32.out")):
        tcg_make(suite, t, log, lambda out: "0 failures" in out, t)


def wfe_trap_tests(suite):
    """The WFE trap (patches/local/, posted on its own), in QEMU's
    framework: tests/tcg/aarch64/system/wfe-trap.c runs a WFE at EL1
    from EL2 with HCR_EL2.TWE clear and set, round-robin (run-wfe-trap)
    and under MTTCG (run-wfe-trap-mttcg)."""
    for t, log in (("run-wfe-trap", "wfe-trap.out"), ("run-wfe-trap-mttcg", "wfe-trap-mttcg.out")):
        tcg_make(suite, t, log, lambda out: "TWE set: 1 trap(s)" in out and
                 "TWE clear: 0 trap(s)" in out and out.rstrip().endswith("PASS"),
                 "%s (WFE at EL1 traps to EL2 exactly when HCR_EL2.TWE is set)" % t)


def fuzz(suite):
    """guests/smccc-fuzz.c: 100,000 random SMCCC calls through the
    conduit, from EL1 (HVC) and EL2 (SMC), pvlock on and off, round-robin
    and MTTCG: QEMU survives, unknown calls return -1, nothing is
    written outside the caller's flag."""
    elf = guests.build("smccc-fuzz")
    for machine in ("virt,pvlock=on", "virt", "virt,pvlock=on,virtualization=on",
                    "virt,virtualization=on"):
        for accel in ("tcg,thread=single", "tcg"):
            vm = VM(["-machine", machine, "-cpu", "max", "-accel", accel,
                     "-smp", "2", "-m", "256", "-kernel", elf], name="fuzz")
            try:
                rc = vm.wait_exit(120)
                out = vm.output()
            finally:
                vm.close()
            calls = [l for l in out.splitlines() if l.startswith("FUZZ calls=")]
            suite.ok(rc == 0 and "FUZZ RESULT: PASS" in out,
                   "SMCCC fuzzer, %s, %s: %s" % (machine, accel,
                                                 calls[0] if calls else "no result"),
                   out)


def secure_firmware(suite):
    """With secure=on and firmware, the firmware provides PSCI and QEMU's
    conduit is off: pvlock=on would do nothing, so it is refused."""
    hello = guests.build("hello")
    vm = VM(["-machine", "virt,pvlock=on,secure=on", "-cpu", "max", "-bios", hello],
            name="secure")
    try:
        rc = vm.wait_exit(60)
    finally:
        vm.close()
    suite.ok(rc == 1 and "pvlock=on needs QEMU's PSCI emulation under "
             "TCG" in vm.log(), "secure=on with firmware: pvlock=on refused, "
             "exit 1", "%s\n%s" % (rc, vm.log()))


class TCG(testing.Suite):
    def test_1_qemu_tcg_tests(self):
        qemu_tcg_tests(self)

    def test_2_wfe_trap(self):
        wfe_trap_tests(self)

    def test_3_fuzz(self):
        fuzz(self)

    def test_4_secure_firmware(self):
        secure_firmware(self)

    def test_5_probe(self):
        # Round-robin TCG: exactly one vCPU runs at a time.
        out, stats, samples = run_probe(
            self, "thread=single -smp 4", "virt,pvlock=on", "tcg,thread=single", 4,
            "on", 1, sample=True)
        self.ok(len(stats) == 4 and all(s[2] > 0 and s[3] == 0 for s in stats.values()),
                "thread=single: every vCPU saw the other vCPUs' flags at 1, never 0",
                out)
        running = [tuple(i for i, f in enumerate(s) if f == 0) for s in samples]
        self.note("host samples (vCPUs with flag 0): %s" % running)
        self.ok(samples and all(len(r) <= 1 for r in running),
                "thread=single: the host never sees two vCPUs running", samples)
        self.ok(len({r for r in running if r}) >= 2,
                "thread=single: the running vCPU's flag moves as the scheduler rotates",
                running)

        run_probe(self, "pvlock=off", "virt", "tcg,thread=single", 4, "off", 1)
        run_probe(self, "virtualization=on (EL2, SMC)", "virt,pvlock=on,virtualization=on",
                  "tcg,thread=single", 2, "on", 2)
        out, stats, _ = run_probe(self, "MTTCG -smp 4", "virt,pvlock=on", "tcg", 4, "on", 1)
        self.note("MTTCG stats: %s" % stats)


if __name__ == "__main__":
    sys.exit(testing.main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration and lifecycle with pvlock=on under TCG (TAP).

A running guest (guests/pvlock-loop.c: every vCPU loops on PREEMPTED and
its own flag, CPU 0 reports its counters) migrates over a unix socket,
TCP on 127.0.0.1, between two network namespaces, back and forth, with
multifd and postcopy; failed migrations must leave the source running
with its guest's checks intact; snapshots, reset, icount and
dump-guest-memory keep the feature working. A Linux guest checks its
flags across a migration, and our PV-lock aware kernel migrates in the
middle of a lock workload and keeps using PV-lock."""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import types

from harness import guests, linux
from harness import migration as mig
from harness.migration import migrate, start_dst
from harness.qemu import VM, QEMU_IMG, VMError
from harness import testing

LOOP = re.compile(r"^LOOP t=(\d+) iter=(\d+) errors=(\d+)$")
SMP = 2


def machine_args(pvlock="on", maxcpus=None, extra=()):
    smp = str(SMP) + (",maxcpus=%d" % maxcpus if maxcpus else "")
    return ["-machine", "virt,pvlock=%s" % pvlock, "-cpu", "max", "-smp", smp,
            "-m", "256", "-kernel", guests.build("pvlock-loop")] + list(extra)


def last_loop(vm, after=0):
    """(line index, iter, errors) of the newest LOOP report from index after."""
    lines = vm.output().splitlines()
    for i in range(len(lines) - 1, after - 1, -1):
        m = LOOP.match(lines[i])
        if m:
            return i, int(m.group(2)), int(m.group(3))
    return None, None, None


def progresses(vm, timeout=30, continues=True):
    """The guest on vm reports new loop iterations with no error. With
    continues, the count also carries on from before (no restart)."""
    n0 = len(vm.output().splitlines())
    _, it0, _ = last_loop(vm)
    idx, _ = vm.wait_line(lambda l: LOOP.match(l) is not None, timeout, n0)
    if idx is None:
        return False, "no new LOOP report\n" + vm.output()[-2000:]
    _, it1, _ = last_loop(vm)
    idx, _ = vm.wait_line(lambda l: LOOP.match(l) is not None, timeout, idx + 1)
    _, it2, err = last_loop(vm)
    ok = idx is not None and err == 0 and "LOOP error" not in vm.output() \
        and it2 > it1 and (not continues or it0 is None or it1 > it0)
    return ok, "iter %s -> %s -> %s, errors %s\n%s" % (it0, it1, it2, err,
                                                      vm.output()[-1500:])


def start_src(args, name="src", prefix=()):
    vm = VM(args, name=name, prefix=prefix)
    vm.connect()
    vm.wait_line(lambda l: LOOP.match(l) is not None, 30)
    return vm


def status(vm):
    return vm.cmd("query-status")["status"]


def check_hop(suite, src, dst, info, what):
    ok = info.get("status") == "completed"
    suite.ok(ok, "%s: migration completes" % what, info)
    if ok:
        good, diag = progresses(dst)
        suite.ok(good and status(dst) == "running",
               "%s: the guest keeps running and passing its checks on the "
               "destination" % what, diag)
    return ok


def test_transports(suite, d):
    args = machine_args()
    src = start_src(args)
    dst, info = migrate(src, args, "unix:%s/mig.sock" % d.dir)
    check_hop(suite, src, dst, info, "unix socket")
    src.close()

    src, (dst, info) = dst, migrate(dst, args, "tcp:127.0.0.1:0")
    check_hop(suite, src, dst, info, "TCP on 127.0.0.1")
    src.close()

    src, (dst, info) = dst, migrate(dst, args, "tcp:127.0.0.1:0",
                                    caps=("return-path", "multifd"))
    check_hop(suite, src, dst, info, "multifd over TCP")
    src.close()

    # Ten more hops, back and forth between two sockets.
    ok = True
    for i in range(10):
        src, (dst, info) = dst, migrate(dst, args, "unix:%s/hop%d.sock" % (d.dir, i % 2))
        ok &= info.get("status") == "completed"
        src.close()
        if not ok:
            break
    good, diag = progresses(dst)
    suite.ok(ok and good, "10 migrations back and forth: the guest never fails a "
           "check (iteration count keeps growing)", "%s\n%s" % (info, diag))
    _, it, err = last_loop(dst)
    suite.note("after 13 migrations: iter=%s errors=%s" % (it, err))
    dst.close()


def netns_setup():
    cmds = [["ip", "netns", "add", "pvlock-a"], ["ip", "netns", "add", "pvlock-b"],
            ["ip", "link", "add", "pvl-a", "netns", "pvlock-a", "type", "veth",
             "peer", "name", "pvl-b", "netns", "pvlock-b"],
            ["ip", "-n", "pvlock-a", "addr", "add", "10.199.0.1/24", "dev", "pvl-a"],
            ["ip", "-n", "pvlock-b", "addr", "add", "10.199.0.2/24", "dev", "pvl-b"],
            ["ip", "-n", "pvlock-a", "link", "set", "pvl-a", "up"],
            ["ip", "-n", "pvlock-b", "link", "set", "pvl-b", "up"],
            ["ip", "-n", "pvlock-a", "link", "set", "lo", "up"],
            ["ip", "-n", "pvlock-b", "link", "set", "lo", "up"]]
    netns_teardown()
    for c in cmds:
        r = subprocess.run(c, capture_output=True, text=True)
        if r.returncode:
            netns_teardown()
            return "%s: %s" % (" ".join(c), r.stderr.strip())
    return None


def netns_teardown():
    for ns in ("pvlock-a", "pvlock-b"):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_netns(suite):
    why = netns_setup()
    if why:
        suite.skip("two network namespaces joined by veth", why)
        return
    try:
        args = machine_args()
        a = ("ip", "netns", "exec", "pvlock-a")
        b = ("ip", "netns", "exec", "pvlock-b")
        src = start_src(args, prefix=a)
        dst, info = migrate(src, args, "tcp:10.199.0.2:4444", prefix=b)
        check_hop(suite, src, dst, info, "between two network namespaces (veth)")
        src.close()
        src, (dst, info) = dst, migrate(dst, args, "tcp:10.199.0.1:4445", prefix=a)
        check_hop(suite, src, dst, info, "and back")
        src.close()
        dst.close()
    finally:
        netns_teardown()


def test_postcopy(suite, d):
    args = machine_args()
    src = start_src(args)
    try:
        dst, info = migrate(src, args, "unix:%s/pc.sock" % d.dir,
                            caps=("return-path", "postcopy-ram"), postcopy=True)
    except VMError as e:
        suite.skip("postcopy", "QEMU refused postcopy here: %s" % e)
        src.close()
        return
    if info.get("status") != "completed" and "userfault" in str(info).lower():
        suite.skip("postcopy", "no userfaultfd: %s" % info.get("error-desc"))
    else:
        check_hop(suite, src, dst, info, "postcopy")
    src.close()
    dst.close()


def expect_refused(suite, d, what, dst_args, message, action=None, src_args=None,
                   caps=("return-path",)):
    """A migration that must fail; the source keeps its guest going, and a
    second migration to a correct destination then succeeds."""
    args = src_args or machine_args()
    src = start_src(args)
    uri = "unix:%s/bad.sock" % d.dir
    dst = start_dst(dst_args, uri, caps) if dst_args else None
    mig.set_caps(src, caps)
    if action:
        src.cmd("migrate-set-parameters", **{"max-bandwidth": 4096})
    src.cmd("migrate", uri=uri)
    if action:
        time.sleep(1)
        action(src, dst)
    info = mig.wait(src, 60)
    if dst:
        dst.wait_exit(30)
    desc = "%s %s" % (info.get("error-desc", ""), dst.log() if dst else "")
    if message == "cancelled":
        suite.ok(info.get("status") == "cancelled", "%s: migration is cancelled" % what,
               info)
    else:
        suite.ok(info.get("status") == "failed" and info.get("error-desc") and
               message in desc,
               "%s: migration fails, saying %r" % (what, message or info.get("error-desc")),
               "%s\n%s" % (info, desc))
    good, diag = progresses(src)
    suite.ok(status(src) == "running" and good,
           "%s: the source keeps running, its guest misses no check" % what, diag)
    if dst:
        dst.close()
    if action:
        src.cmd("migrate-set-parameters", **{"max-bandwidth": 128 << 20})
    good_dst, info = migrate(src, args, "unix:%s/good.sock" % d.dir)
    check_hop(suite, src, good_dst, info, "%s, then a correct destination" % what)
    src.close()
    good_dst.close()


def test_failures(suite, d):
    expect_refused(suite, d, "destination with pvlock=off", machine_args("off"),
                   'Unknown ramblock "pvlock"')
    # Under KVM the source's registers would turn KVM's PTP clock back on:
    # both accelerators refuse it.
    expect_refused(suite, d, "pvlock=off source, destination with pvlock=on",
                   machine_args("on"),
                   "pvlock: the migration source has no PV-lock structure for vCPU 0",
                   src_args=machine_args("off"))
    expect_refused(suite, d, "destination with other maxcpus",
                   machine_args(maxcpus=4),
                   "pvlock: the migration source has 2 vCPU slots, this machine has 4")

    def kill_dst(src, dst):
        dst.kill()

    def cancel(src, dst):
        src.cmd("migrate_cancel")

    expect_refused(suite, d, "destination killed mid-migration", machine_args(),
                   "", action=kill_dst)
    # Without the return path: QEMU's migration_cancel() shuts the return
    # path's socket down before it sets the state to cancelling, so the
    # return path's thread can fail the migration first ("Channel error:
    # Input/output error", seen once in CI). That race is QEMU's, not
    # PV-lock's; this check is about what a cancel leaves behind.
    expect_refused(suite, d, "migration cancelled", machine_args(), "cancelled",
                   action=cancel, caps=())


def test_snapshot_reset(suite, d):
    disk = os.path.join(d.dir, "snap.qcow2")
    subprocess.check_call([QEMU_IMG, "create", "-q", "-f", "qcow2", disk, "64M"])
    src = start_src(machine_args(extra=["-drive", "if=none,id=snap,format=qcow2,file=%s" % disk]))
    try:
        out = src.hmp("savevm s1")
        good, diag = progresses(src)
        suite.ok("Error" not in out and good, "savevm on qcow2: the guest goes on", out + diag)
        progresses(src)
        out = src.hmp("loadvm s1")
        good, diag = progresses(src, continues=False)
        suite.ok("Error" not in out and good,
               "loadvm: the guest resumes from the snapshot and passes its checks",
               out + diag)
        flags = src.read_flags(SMP)
        suite.ok(all(f in (0, 1) for f in flags), "loadvm: flags are 0 or 1", flags)

        n0 = len(src.output().splitlines())
        src.cmd("system_reset")
        idx, line = src.wait_line(lambda l: l.startswith("LOOP boot"), 30, n0)
        good, diag = progresses(src, continues=False)
        suite.ok(line == "LOOP boot probe=ok cpus=%d" % SMP and good,
               "system_reset: the guest boots again, re-probes and passes", diag)
    finally:
        src.close()


LLOOP = re.compile(r"^LLOOP n=(\d+) errors=(\d+)$")


def linux_progress(vm, after):
    """Two new LLOOP reports from line index after, counting up, no error."""
    i1, l1 = vm.wait_line(lambda l: LLOOP.match(l) is not None, 60, after)
    if i1 is None:
        return False, None, vm.output()[-2000:]
    i2, l2 = vm.wait_line(lambda l: LLOOP.match(l) is not None, 60, i1 + 1)
    if i2 is None:
        return False, None, vm.output()[-2000:]
    n1, e1 = map(int, LLOOP.match(l1).groups())
    n2, e2 = map(int, LLOOP.match(l2).groups())
    return n2 > n1 and e1 == e2 == 0, n1, "%s / %s" % (l1, l2)


def test_linux(suite, d):
    args = ["-machine", "virt,pvlock=on", "-cpu", "max", "-smp", "4", "-m", "512M"
            ] + linux.guest().args("loop")
    src = VM(args, name="linux-src")
    src.connect()
    good, n_src, diag = linux_progress(src, 0)
    suite.ok(good, "Linux guest: checks every vCPU's own flag in a loop", diag)
    dst, info = migrate(src, args, "unix:%s/linux.sock" % d.dir)
    suite.ok(info.get("status") == "completed", "Linux guest: live migration completes",
           info)
    good, n_dst, diag = linux_progress(dst, 0)
    suite.ok(good and n_dst > n_src,
           "Linux guest: keeps looping on the destination, no failed check", diag)
    src.close()
    dst.close()


def test_pv_linux(suite, d):
    """Our PV-lock aware kernel migrates live in the middle of a lock
    workload, under round-robin TCG, and keeps using PV-lock."""
    args = ["-machine", "virt,pvlock=on", "-cpu", "max", "-smp", "4",
            "-accel", "tcg,thread=single", "-m", "512M"
            ] + linux.pv_guest().args("wl=mmap:4:10", "wl=creat:4:3")
    src = VM(args, name="pv-src")
    src.connect()
    # The first PVCOUNT comes before the workload: migrate a few seconds in.
    i, _ = src.wait_line(lambda l: l.startswith("PVCOUNT"), 120)
    time.sleep(4)
    dst, info = migrate(src, args, "unix:%s/pv.sock" % d.dir)
    suite.ok(i is not None and info.get("status") == "completed",
           "PV guest: live migration in the middle of the mmap workload "
           "completes", src.output()[-2000:] + "\n%s" % info)
    flags = dst.read_flags(4)
    suite.ok(all(f in (0, 1) for f in flags),
           "PV guest: the destination's flags are 0 or 1: %s" % flags, flags)
    rc = dst.wait_exit(120)
    out = src.output() + "\n" + dst.output()
    r = linux.pv_report(out)
    # Both counts are printed on the destination, after the migration.
    mid = [sum(c) for a, c in r["counts"] if a == "mmap"]
    end = [sum(c) for a, c in r["counts"] if a == "creat"]
    bad = [l for l in out.splitlines()
           if re.search(r"WARNING|BUG|Oops|Call trace|arm64-pvlock: CPU", l)]
    suite.ok(rc == 0 and r["done"] and {"mmap", "creat"} <= set(r["results"]) and
           not r["failed"] and not bad and mid and end and end[-1] > mid[-1],
           "PV guest: the workloads finish on the destination, whose preempted "
           "answers keep growing (%s -> %s), no kernel warning"
           % (mid[-1:], end[-1:]), "\n".join(bad) + "\n" + dst.output()[-3000:])
    src.close()
    dst.close()


def elf_segments(path):
    """(physical address, size) of each PT_LOAD of an ELF64 LE core file."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        out = []
        for _ in range(phnum):
            ph = f.read(phentsize)
            p_type, = struct.unpack_from("<I", ph, 0)
            paddr, filesz = struct.unpack_from("<QQ", ph, 24)
            if p_type == 1:
                out.append((paddr, filesz))
        return out


def test_icount_dump(suite, d):
    vm = start_src(machine_args(extra=["-icount", "shift=auto"]))
    good, diag = progresses(vm)
    suite.ok(good, "-icount shift=auto: the loop guest passes its checks", diag)
    vm.close()

    vm = start_src(machine_args())
    path = os.path.join(d.dir, "dump.elf")
    vm.cmd("dump-guest-memory", paging=False, protocol="file:" + path)
    good, diag = progresses(vm)
    segments = elf_segments(path)
    base = vm.pvlock_base()
    suite.ok((base, 0x10000) in segments and (0x40000000, 256 << 20) in segments
           and good, "dump-guest-memory: RAM and the PV-lock region dumped, the "
           "guest goes on", "%s\n%s" % ([(hex(a), n) for a, n in segments], diag))
    vm.close()


class Migration(testing.Suite):
    """In the order the checks were written: each scenario starts its own
    VMs; the directory for sockets and files is shared."""

    @classmethod
    def setUpClass(cls):
        cls.d = types.SimpleNamespace(dir=tempfile.mkdtemp(prefix="pvlock-mig-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.d.dir, ignore_errors=True)

    def test_1_transports(self):
        test_transports(self, self.d)

    def test_2_netns(self):
        test_netns(self)

    def test_3_postcopy(self):
        test_postcopy(self, self.d)

    def test_4_linux(self):
        test_linux(self, self.d)

    def test_5_pv_linux(self):
        test_pv_linux(self, self.d)

    def test_6_failures(self):
        test_failures(self, self.d)

    def test_7_snapshot_reset(self):
        test_snapshot_reset(self, self.d)

    def test_8_icount_dump(self):
        test_icount_dump(self, self.d)


if __name__ == "__main__":
    sys.exit(testing.main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""Smoke tests of the built qemu-system-aarch64 (TAP): -machine virt
starts under qtest, and runs guest code under TCG; and of the harness's
own ground: QEMU's QEMUMachine as harness.qemu.VM runs it, and the
libvirt daemons' sockets are reachable from a deep checkout."""

import os
import socket
import subprocess
import sys
import tempfile

from harness import guests
from harness.libvirtd import SUN_PATH_MAX, short_path
from harness.qemu import QEMU, VM, VMError
from harness import testing


def run(args, stdin=""):
    """(exit status, stdout and stderr) of QEMU, None on a timeout."""
    try:
        r = subprocess.run([QEMU] + args, input=stdin, capture_output=True,
                           text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired as e:
        return None, "timed out after 60 s\n%s" % (e.stdout or "")
    return r.returncode, r.stdout + r.stderr


class Smoke(testing.Suite):
    def test_smoke(self):
        # qtest: the machine is built and answers QMP.
        vm = VM(["-machine", "virt", "-accel", "qtest", "-qtest", "null"], name="smoke-qtest")
        try:
            kind = vm.connect().cmd("qom-get", path="/machine", property="type")
        except VMError as e:
            kind = "%s\n%s" % (e, vm.log())
        finally:
            vm.close()
        self.ok(kind == "virt-10.2-machine", "virt starts under qtest", kind)

        # TCG: a guest prints through the PL011 and powers off through PSCI.
        vm = VM(["-machine", "virt", "-cpu", "max", "-accel", "tcg", "-m", "128",
                 "-kernel", guests.build("hello")], name="smoke-tcg")
        try:
            rc = vm.wait_exit(60)
        finally:
            vm.close()
        self.ok(rc == 0 and "hello from aarch64 guest code" in vm.lines,
                "virt runs guest code under TCG and powers off",
                "exit status %s\n%s\n%s" % (rc, vm.output(), vm.log()))

        # The firmware path finds the ROMs the +ds tarball lacks.
        _, out = run(["-L", "help"])
        self.ok("/usr/lib/ipxe/qemu" in out and
                os.path.isfile("/usr/lib/ipxe/qemu/efi-virtio.rom"),
                "firmware path includes Debian's ipxe-qemu ROMs", out)

        # harness.qemu.VM (QEMU's QEMUMachine): QMP before the guest runs, the
        # console line by line, the exit status.
        vm = VM(["-machine", "virt", "-cpu", "max", "-m", "128", "-S",
                 "-kernel", guests.build("hello")], name="smoke")
        try:
            before = vm.connect().cmd("query-status")["status"]
            vm.cmd("cont")
            rc = vm.wait_exit(60)
            self.ok(before == "prelaunch" and rc == 0 and
                    "hello from aarch64 guest code" in vm.lines,
                    "harness.qemu.VM: QMP answers, the console is read line by "
                    "line, the guest powers off", "%s %s\n%s" % (before, rc, vm.output()))
        finally:
            vm.close()

        # A VM that QEMU refuses to start: its status and QEMU's message.
        vm = VM(["-machine", "virt,pvlock=maybe"], name="smoke-bad")
        try:
            rc = vm.wait_exit(30)
            self.ok(rc == 1 and "pvlock" in vm.log(),
                    "harness.qemu.VM: a refused start gives QEMU's status and "
                    "message", "%s\n%s" % (rc, vm.log()))
        finally:
            vm.close()

        # A deep checkout: a socket in a directory far deeper than sun_path's
        # 107 characters, bound and reached through short_path(), as the
        # libvirt daemons' sockets are (harness/libvirtd.py).
        with tempfile.TemporaryDirectory(prefix="pvlock-deep-") as d:
            deep = os.path.join(d, *(["a-directory-of-a-deep-checkout"] * 6))
            os.makedirs(deep)
            path = os.path.join(short_path(deep), "libvirt-sock")
            srv, cli = socket.socket(socket.AF_UNIX), socket.socket(socket.AF_UNIX)
            try:
                srv.bind(path)
                srv.listen(1)
                cli.connect(path)
                ok = os.path.exists(os.path.join(deep, "libvirt-sock"))
            except OSError as e:
                ok = False
                path += ": %s" % e
            finally:
                srv.close()
                cli.close()
            self.ok(ok and len(deep) > SUN_PATH_MAX,
                    "a socket %d characters deep is bound and reached through a "
                    "short path" % len(os.path.join(deep, "libvirt-sock")), path)


if __name__ == "__main__":
    sys.exit(testing.main())

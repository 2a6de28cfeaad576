# SPDX-License-Identifier: GPL-2.0-or-later
"""Smoke tests of the built qemu-system-aarch64 (TAP): -machine virt
starts under qtest, and runs guest code under TCG."""

import os
import subprocess
import sys

from harness import guests
from harness.qemu import QEMU
from harness.tap import TAP


def run(args, stdin=""):
    """(exit status, stdout and stderr) of QEMU, None on a timeout."""
    try:
        r = subprocess.run([QEMU] + args, input=stdin, capture_output=True,
                           text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired as e:
        return None, "timed out after 60 s\n%s" % (e.stdout or "")
    return r.returncode, r.stdout + r.stderr


def main():
    tap = TAP(plan=3)

    # qtest: the machine is built and answers QMP.
    _, out = run(["-machine", "virt", "-accel", "qtest", "-qtest", "null",
                  "-display", "none", "-nodefaults", "-qmp", "stdio"],
                 '{"execute": "qmp_capabilities"}\n'
                 '{"execute": "qom-get", "arguments": {"path": "/machine", '
                 '"property": "type"}}\n'
                 '{"execute": "quit"}\n')
    tap.ok('"return": "virt-10.2-machine"' in out, "virt starts under qtest", out)

    # TCG: a guest prints through the PL011 and powers off through PSCI.
    rc, out = run(["-machine", "virt", "-cpu", "max", "-accel", "tcg", "-m", "128",
                   "-display", "none", "-nodefaults", "-serial", "stdio",
                   "-kernel", guests.build("hello")])
    tap.ok(rc == 0 and "hello from aarch64 guest code" in out,
           "virt runs guest code under TCG and powers off",
           "exit status %s\n%s" % (rc, out))

    # The firmware path finds the ROMs the +ds tarball lacks.
    _, out = run(["-L", "help"])
    tap.ok("/usr/lib/ipxe/qemu" in out and
           os.path.isfile("/usr/lib/ipxe/qemu/efi-virtio.rom"),
           "firmware path includes Debian's ipxe-qemu ROMs", out)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

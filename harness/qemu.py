# SPDX-License-Identifier: GPL-2.0-or-later
"""Start the built qemu-system-aarch64 with QEMU's own Python packages,
taken from the pinned tree (build/qemu/python): qemu.machine.QEMUMachine
runs the process and holds the QMP connection (qemu.qmp), its console
socket carries the serial port.

What QEMUMachine lacks and the suites need, added here: the console read
line by line in a thread, so that checks wait for a line and look back
at every line so far (VM.wait_line, VM.lines); a VM that QEMU refuses to
start, kept as an exit status and a message rather than an exception
(bad-input checks want both); and the PV-lock queries of the checks
(pvlock_base, read_flags)."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from harness import QEMU_BUILD, QEMU_TREE

sys.path.insert(0, os.path.join(QEMU_TREE, "python"))
# pylint: disable=wrong-import-position
from qemu.machine import QEMUMachine                  # noqa: E402
from qemu.machine.machine import (QEMUMachineError,  # noqa: E402
                                  VMLaunchFailure)
from qemu.qmp import QMPError                         # noqa: E402

# What a check catches when QEMU ended early or refused a command.
VMError = (OSError, EOFError, QEMUMachineError, QMPError)

QEMU = os.path.join(QEMU_BUILD, "qemu-system-aarch64")
QEMU_IMG = os.path.join(QEMU_BUILD, "qemu-img")
# Every QMP command gets an answer in this time, or the check fails.
QMP_TIMEOUT = 120


class VM(QEMUMachine):
    """A QEMU process, started at once: serial console read line by line,
    QMP through QEMUMachine (cmd, event_wait, ...).

    args: QEMU's arguments after QEMUMachine's own (-display none, the
    QMP and console chardevs) and -nodefaults; prefix: a wrapper such as
    ip netns exec; binary: another qemu-system-aarch64 than the one under
    test (harness.suites.pristine runs upstream's)."""

    def __init__(self, args, name="vm", prefix=(), binary=None):
        binary = binary or QEMU
        if not os.access(binary, os.X_OK):
            raise FileNotFoundError(
                "%s: no such program; build it with scripts/build/qemu.sh, or "
                "point QEMU_PVLOCK_QEMU_BUILD at a build directory that has one"
                % binary)
        self.dir = tempfile.mkdtemp(prefix="pvlock-%s-" % name)
        super().__init__(binary, args=["-nodefaults"] + list(args),
                         wrapper=list(prefix), name=name,
                         base_temp_dir=self.dir, log_dir=self.dir)
        self.set_console()
        self.lines = []
        self.cond = threading.Condition()
        self.reader = None
        self.launch_error = None
        self._pvlock_base = None
        try:
            self.launch()
        except VMLaunchFailure as e:
            self.launch_error = e
            return
        self._qmp.settimeout(QMP_TIMEOUT)

    def _post_launch(self):
        """Read the console before QEMUMachine connects QMP: the PL011
        writes byte by byte, so a few hundred bytes fill the socket, and
        a vCPU blocked on a full console holds the BQL that QEMU's QMP
        greeting waits for. A QEMU that does not answer QMP at all is
        killed after QMP_TIMEOUT (launch() then raises)."""
        self.reader = threading.Thread(target=self._reader,
                                       args=(self.console_socket,), daemon=True)
        self.reader.start()
        watchdog = threading.Timer(QMP_TIMEOUT, self._subp.kill)
        watchdog.start()
        try:
            super()._post_launch()
        finally:
            watchdog.cancel()

    def _reader(self, sock):
        buf = b""
        try:
            while True:
                data = sock.recv(4096)
                if not data:
                    break
                buf += data
                *done, buf = buf.split(b"\n")
                with self.cond:
                    for line in done:
                        self.lines.append(line.decode(errors="replace").rstrip("\r"))
                    self.cond.notify_all()
        except OSError:
            pass                    # closed by shutdown(): QEMU is gone
        with self.cond:
            if buf:
                self.lines.append(buf.decode(errors="replace").rstrip("\r"))
            self.cond.notify_all()

    def connect(self):
        """The VM itself, whose QMP QEMUMachine connected at launch; a VM
        that QEMU refused to start raises QEMUMachine's error here."""
        if self.launch_error:
            raise self.launch_error
        return self

    def wait_line(self, pred, timeout=60, start=0):
        """Wait for a console line (from index start) matching pred:
        (index, line), or (None, None) at the timeout or once QEMU ended."""
        deadline = time.time() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                left = deadline - time.time()
                if left <= 0 or self.reader is None or not self.reader.is_alive():
                    return None, None
                self.cond.wait(min(left, 0.5))

    def wait_exit(self, timeout=60):
        """QEMU's exit status once it ends by itself, or None: then it is
        killed at the timeout."""
        if self.launch_error:
            return self.launch_error.exitcode
        try:
            self._subp.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.reader.join(10)       # the console's last lines
        self.wait()                # QEMUMachine's clean-up
        return self.exitcode()

    def output(self):
        """The console so far, one line per entry of self.lines."""
        with self.cond:
            return "\n".join(self.lines)

    def log(self):
        """What QEMU itself printed (its stdout and stderr): errors and
        warnings, not the guest's console."""
        if self.launch_error:
            return self.launch_error.output or ""
        if self._iolog is not None:
            return self._iolog
        try:
            with open(self._qemu_log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def close(self):
        if self._launched:
            self.kill()             # also after QEMU ended by itself
        if self.reader:
            self.reader.join(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def hmp(self, line):
        return self.cmd("human-monitor-command", command_line=line)

    def pvlock_base(self):
        """The PV-lock region's guest-physical base, as the machine
        placed it: the address is QEMU's to choose, so ask, not assume.
        The board gives vCPU 0 the region's first structure (its
        pvlock-addr property)."""
        if self._pvlock_base is None:
            cpu0 = [c for c in self.cmd("query-cpus-fast") if c["cpu-index"] == 0][0]
            self._pvlock_base = self.cmd("qom-get", path=cpu0["qom-path"],
                                         property="pvlock-addr")
        return self._pvlock_base

    def read_flags(self, ncpus):
        """The preempted field of the first ncpus structures (64 bytes
        each, preempted first: the guest ABI)."""
        out = self.hmp("xp /%dgx 0x%x" % (ncpus * 8, self.pvlock_base()))
        words = []
        for line in out.splitlines():
            words += [int(w, 16) for w in line.split(":")[1].split()]
        return [words[i * 8] for i in range(ncpus)]

# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the built qemu-system-aarch64: a QEMU process with its serial
output captured line by line, and a small QMP client."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from harness import QEMU_BUILD

QEMU = os.path.join(QEMU_BUILD, "qemu-system-aarch64")
QEMU_IMG = os.path.join(QEMU_BUILD, "qemu-img")


class QMP:
    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile("rw")
        self.events = []
        self._pvlock_base = None
        self._read()                       # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            rsp = self._read()
            if "event" in rsp:
                self.events.append(rsp)
                continue
            if "error" in rsp:
                raise RuntimeError("%s: %s" % (name, rsp["error"]["desc"]))
            return rsp["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def wait_event(self, name, timeout=60):
        deadline = time.time() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            self.sock.settimeout(max(0.1, deadline - time.time()))
            try:
                self.events.append(self._read())
            except socket.timeout:
                raise TimeoutError("no %s event" % name)
            finally:
                self.sock.settimeout(None)

    def close(self):
        self.sock.close()

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


class VM:
    """A QEMU process: serial on stdout (read line by line), QMP socket."""

    def __init__(self, args, name="vm", prefix=(), binary=None):
        """binary: another qemu-system-aarch64 than the one under test
        (harness.suites.pristine runs upstream's)."""
        self.dir = tempfile.mkdtemp(prefix="pvlock-%s-" % name)
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        cmd = list(prefix) + [
            binary or QEMU, "-display", "none", "-nodefaults", "-serial", "stdio",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path] + args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     errors="replace")
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._reader, daemon=True)
        self.reader.start()
        self.qmp = None

    def _reader(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\r\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def connect(self):
        self.qmp = QMP(self.qmp_path)
        return self.qmp

    def wait_line(self, pred, timeout=60, start=0):
        """Wait for an output line (from index start) matching pred."""
        deadline = time.time() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                left = deadline - time.time()
                if left <= 0 or (self.proc.poll() is not None and
                                 not self.reader.is_alive()):
                    return None, None
                self.cond.wait(min(left, 0.5))

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def output(self):
        with self.cond:
            return "\n".join(self.lines)

    def close(self):
        if self.qmp:
            self.qmp.close()
        self.kill()
        self.reader.join(5)
        shutil.rmtree(self.dir, ignore_errors=True)

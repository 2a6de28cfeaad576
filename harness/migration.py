# SPDX-License-Identifier: GPL-2.0-or-later
"""The one migration helper of the harness: capabilities, a destination
that waits for its stream, the migration itself and the wait for its
end, each with a timeout. Every suite and benchmark that migrates a VM
(harness.qemu.VM) goes through it."""

import time

from harness.qemu import VM

CAPS = ("return-path", "multifd", "postcopy-ram")
ENDED = ("completed", "failed", "cancelled")


def set_caps(vm, caps):
    """Exactly these capabilities on (a QEMU that was a destination keeps
    the ones it was given): those of CAPS not named are set off."""
    vm.cmd("migrate-set-capabilities",
           capabilities=[{"capability": c, "state": c in caps} for c in CAPS])


def wait(vm, timeout=120, want=ENDED):
    """query-migrate's answer once its status is one of want, or at the
    timeout (then the status says where it stopped)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = vm.cmd("query-migrate")
        if info.get("status") in want:
            return info
        time.sleep(0.05)
    return vm.cmd("query-migrate")


def start_dst(args, uri, caps=("return-path",), name="dst", prefix=()):
    """A QEMU with args that waits for a migration stream on uri. A TCP
    uri with port 0 lets the destination's kernel choose a free port, as
    QEMU's migration qtests do (no race with another process for it):
    listen_uri() says which."""
    vm = VM(args + ["-incoming", "defer"], name=name, prefix=prefix)
    vm.connect()
    set_caps(vm, caps)
    vm.cmd("migrate-incoming", uri=uri)
    return vm


def listen_uri(dst, uri):
    """The uri a source connects to: uri, with the port that destination
    dst listens on in place of a TCP port 0 (its query-migrate's
    socket-address)."""
    if not (uri.startswith("tcp:") and uri.endswith(":0")):
        return uri
    addr = dst.cmd("query-migrate")["socket-address"][0]
    return "tcp:%s:%s" % (addr["host"], addr["port"])


def start(src, uri, caps=("return-path",), postcopy=False):
    """Start migrating src to uri, with exactly caps (and postcopy)."""
    set_caps(src, caps)
    src.cmd("migrate", uri=uri)
    if postcopy:
        time.sleep(0.2)
        src.cmd("migrate-start-postcopy")


def migrate(src, dst_args, uri, caps=("return-path",), postcopy=False,
            name="dst", prefix=(), timeout=120):
    """Migrate src to a new QEMU: (destination VM, the source's last
    query-migrate)."""
    dst = start_dst(dst_args, uri, caps, name=name, prefix=prefix)
    start(src, listen_uri(dst, uri), caps, postcopy)
    return dst, wait(src, timeout)


def to_file(vm, path, timeout=60):
    """Migrate vm into the file path: its query-migrate at the end;
    RuntimeError unless completed."""
    vm.cmd("migrate", uri="file:" + path)
    info = wait(vm, timeout)
    if info.get("status") != "completed":
        raise RuntimeError("migration to %s: %s" % (path, info))
    return info

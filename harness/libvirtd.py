# SPDX-License-Identifier: GPL-2.0-or-later
"""Real libvirt daemons for the libvirt suite, without systemd, as root.

A Daemon is one libvirtd and its virtlogd in a mount namespace of their
own (unshare -m), optionally inside a network namespace (ip netns). In
that mount namespace, directories under build/libvirt-e2e/NAME/ are
bind-mounted over /run, /var/lib/libvirt, /var/cache/libvirt,
/var/log/libvirt and /etc/libvirt: each daemon has its own sockets,
pidfiles, domain state, capability cache, logs and configuration
(qemu.conf: root, no security driver, no cgroups, no namespaces), and
nothing of the machine's own /etc, /var or /run changes. /run as a
whole, not /run/libvirt: the machine may have no /run/libvirt to mount
over, and creating one would change the machine (a mount namespace
separates mounts, not files); this also hides the host's /run/systemd,
so neither libvirt nor a build tree's 'run' script looks for systemd.

The suite talks to a daemon from outside through its socket, which the
bind mount makes visible at build/libvirt-e2e/NAME/run/libvirt/.
stop() ends every process in the daemon's mount namespace (libvirtd,
virtlogd, the QEMUs it started), by PID: all of them are ours.

A patched libvirt build tree (build=DIR) runs as the tree's own 'run'
script runs it: DIR/run DIR/src/libvirtd, DIR/run DIR/tools/virsh."""

import atexit
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

from harness import OUT

E2E = os.path.join(OUT, "libvirt-e2e")
# A unix socket's path holds 107 characters (sun_path), and a checkout
# may be deeper than that leaves room for: sockets are reached through
# short_path(), not through E2E itself.
SUN_PATH_MAX = 107
_links = {}


def short_path(target):
    """A short path that leads to the directory target: a symlink in a
    private directory under /tmp, made once per process and removed at
    its exit. A socket under target is reachable under it whatever the
    depth of target (connect() follows the link; sun_path holds only the
    short name)."""
    if target not in _links:
        d = tempfile.mkdtemp(prefix="pvlock-", dir="/tmp")
        link = os.path.join(d, "d")
        os.symlink(target, link)
        atexit.register(shutil.rmtree, d, True)
        _links[target] = link
    return _links[target]
# Where a daemon's directories go in its mount namespace: (ours, theirs).
DIRS = (("run", "/run"), ("lib", "/var/lib/libvirt"),
        ("cache", "/var/cache/libvirt"), ("log", "/var/log/libvirt"),
        ("etc", "/etc/libvirt"))
# libvirt caches what it probed of each emulator and checks the cache
# itself (emulator and libvirtd ctimes, versions); seeding every new
# daemon from the last one saves the probe of every qemu-system-* on
# the machine (about 12 s each time).
CAPS = os.path.join("cache", "qemu", "capabilities")

QEMU_CONF = """\
# The suite's daemon: root, no systemd, no cgroups, no security driver.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
"""

LIBVIRTD_CONF = """\
listen_tls = 0
listen_tcp = %(tcp)d
auth_tcp = "none"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "%(uuid)s"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""

VIRTLOGD_CONF = """\
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
"""


def _run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))


class Netns:
    """Network namespaces joined by veth pairs: links is a list of
    (ns1, addr1, ns2, addr2) with /24 addresses. Names are kept short:
    interface names are at most 15 characters."""

    def __init__(self, links):
        self.links = links
        self.names = sorted({l[0] for l in links} | {l[2] for l in links})

    def setup(self):
        self.teardown()
        try:
            for ns in self.names:
                _run(["ip", "netns", "add", ns])
                _run(["ip", "-n", ns, "link", "set", "lo", "up"])
            for i, (n1, a1, n2, a2) in enumerate(self.links):
                v1, v2 = "%s-%d" % (n1, i), "%s-%d" % (n2, i)
                _run(["ip", "link", "add", v1, "netns", n1, "type", "veth",
                      "peer", "name", v2, "netns", n2])
                for ns, dev, addr in ((n1, v1, a1), (n2, v2, a2)):
                    _run(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev])
                    _run(["ip", "-n", ns, "link", "set", dev, "up"])
        except RuntimeError:
            self.teardown()
            raise

    def teardown(self):
        for ns in self.names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _alive(pid):
    """pid exists and is not a zombie (orphans wait for init to reap)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _in_ns(ns):
    """PIDs of the processes in mount namespace ns ("mnt:[N]")."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/ns/mnt" % d) == ns:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


class Daemon:
    """libvirtd + virtlogd in their own mount namespace (see above).
    netns, addr: the network namespace and this daemon's address there
    (then libvirtd listens on TCP, and addr is its migration_host).
    binds: extra (source, target) bind mounts, e.g. another emulator at
    our emulator's path. build: a libvirt build tree, or None for the
    machine's (Debian's) libvirt."""

    def __init__(self, name, uuid, build=None, netns=None, addr=None, binds=()):
        self.name, self.uuid, self.build = name, uuid, build
        self.netns, self.addr, self.binds = netns, addr, list(binds)
        self.root = os.path.join(E2E, name)
        # The socket as the suite reaches it: through short_path(), since
        # the checkout may be deep (only a very long name is too long).
        self.sock = os.path.join(short_path(E2E), name, "run", "libvirt",
                                 "libvirt-sock")
        if len(self.sock) > SUN_PATH_MAX:
            raise RuntimeError("%s: daemon name %r too long for a unix socket"
                               % (self.sock, name))
        self.uri = "qemu+unix:///system?socket=" + self.sock
        self.tcp_uri = "qemu+tcp://%s/system" % addr if addr else None
        self.libvirtd = self.virtlogd = None
        self.mntns = None
        kind = "patched" if build else "debian"
        self.caps_cache = os.path.join(E2E, "caps-cache", kind)

    def _prog(self, name):
        """argv prefix for one of libvirt's programs."""
        if self.build:
            sub = "tools" if name == "virsh" else "src"
            prog = os.path.join(self.build, sub, name)
            # A tree built for the tests, the daemon and virsh may have no
            # virtlogd: the machine's speaks the same protocol.
            if os.path.exists(prog) or name != "virtlogd":
                return [os.path.join(self.build, "run"), prog]
        path = shutil.which(name) or os.path.join("/usr/sbin", name)
        return [path]

    def _netns(self):
        return ["ip", "netns", "exec", self.netns] if self.netns else []

    def reap_stale(self):
        """End a daemon that an interrupted run left behind in our
        directory (with everything in its namespace), before reusing
        the directory. Ours: its /run is this daemon's run directory."""
        try:
            with open(self.path("run", "libvirtd.pid")) as f:
                pid = int(f.read().strip())
            mine = os.stat(self.path("run"))
            theirs = os.stat("/proc/%d/root/run" % pid)
            ns = os.readlink("/proc/%d/ns/mnt" % pid)
        except (OSError, ValueError):
            return []
        if (mine.st_dev, mine.st_ino) != (theirs.st_dev, theirs.st_ino):
            return []
        pids = [p for p in _in_ns(ns) if _alive(p)]
        for p in pids:
            os.kill(p, signal.SIGKILL)
        return pids

    def _write_config(self):
        self.reap_stale()
        shutil.rmtree(self.root, ignore_errors=True)
        for d, target in DIRS:
            os.makedirs(os.path.join(self.root, d))
            if not os.path.isdir(target):
                raise RuntimeError("%s is missing: the daemon's %s is bind-mounted "
                                   "over it (install-deps.sh libvirt creates it)"
                                   % (target, d))
        etc = os.path.join(self.root, "etc")
        conf = QEMU_CONF
        if self.addr:
            # The address a destination gives its source for the
            # incoming stream: all namespaces share one hostname.
            conf += 'migration_host = "%s"\n' % self.addr
        with open(os.path.join(etc, "qemu.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(etc, "libvirtd.conf"), "w") as f:
            f.write(LIBVIRTD_CONF % {"tcp": 1 if self.addr else 0, "uuid": self.uuid})
        with open(os.path.join(etc, "virtlogd.conf"), "w") as f:
            f.write(VIRTLOGD_CONF)
        if os.path.isdir(self.caps_cache):
            shutil.copytree(self.caps_cache, os.path.join(self.root, CAPS))

    def start(self, timeout=60):
        self._write_config()
        mounts = ["mount --bind %s %s" % (shlex.quote(os.path.join(self.root, d)), t)
                  for d, t in DIRS]
        mounts += ["mount --bind %s %s" % (shlex.quote(s), shlex.quote(t))
                   for s, t in self.binds]
        # -l: listen on TCP (listen_tcp alone is for socket activation).
        libvirtd = self._prog("libvirtd") + ["-p", "/run/libvirtd.pid",
                                              "-f", "/etc/libvirt/libvirtd.conf"]
        if self.addr:
            libvirtd.append("-l")
        script = "set -e\n%s\nexec %s\n" % ("\n".join(mounts),
                                             " ".join(map(shlex.quote, libvirtd)))
        self.stderr = open(os.path.join(self.root, "libvirtd.stderr"), "w")
        # Every step execs the next: the Popen's PID is libvirtd's, a
        # child of ours that we reap, never a daemonized orphan.
        self.libvirtd = subprocess.Popen(
            self._netns() + ["unshare", "--mount", "--propagation", "private",
                             "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=subprocess.STDOUT)
        # The namespace: it is libvirtd's once the mounts are done, that is
        # once the socket shows; until then the PID may still be ip/unshare.
        deadline = time.time() + timeout
        while not os.path.exists(self.sock):
            if self.libvirtd.poll() is not None or time.time() > deadline:
                raise RuntimeError("libvirtd %s did not start:\n%s" % (self.name, self.log()))
            time.sleep(0.05)
        self.mntns = os.readlink("/proc/%d/ns/mnt" % self.libvirtd.pid)
        # virtlogd in the same namespaces (its socket is /run/libvirt's);
        # libvirtd only connects to it when it starts a QEMU.
        self.virtlogd = subprocess.Popen(
            ["nsenter", "--target", str(self.libvirtd.pid), "--mount", "--net"] +
            self._prog("virtlogd") + ["-p", "/run/virtlogd.pid",
                                      "-f", "/etc/libvirt/virtlogd.conf"],
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=subprocess.STDOUT)
        vsock = os.path.join(self.root, "run", "libvirt", "virtlogd-sock")
        while not os.path.exists(vsock):
            if self.virtlogd.poll() is not None or time.time() > deadline:
                raise RuntimeError("virtlogd %s did not start:\n%s" % (self.name, self.log()))
            time.sleep(0.05)
        # The first connection probes every emulator it finds.
        r = self.virsh("version", timeout=max(1, deadline - time.time()))
        if r.returncode:
            raise RuntimeError("libvirtd %s does not answer: %s\n%s"
                               % (self.name, r.stderr, self.log()))
        self.save_caps()
        return r.stdout

    def save_caps(self):
        """Keep what libvirt probed for the next daemon, unless an extra
        bind mount makes an emulator's path lie about its binary."""
        caps = self.path(CAPS)
        if not self.binds and os.path.isdir(caps):
            shutil.rmtree(self.caps_cache, ignore_errors=True)
            shutil.copytree(caps, self.caps_cache)

    def virsh(self, *args, timeout=120):
        """virsh -c (this daemon) ARGS: the CompletedProcess (text)."""
        try:
            return subprocess.run(self._prog("virsh") + ["-c", self.uri] + list(args),
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, -1, e.stdout or "",
                                               "virsh timed out after %d s" % timeout)

    def path(self, *parts):
        """A path under the daemon's directories, from outside."""
        return os.path.join(self.root, *parts)

    def log(self, lines=30):
        out = []
        for f in ("libvirtd.stderr", "log/libvirtd.log"):
            try:
                with open(self.path(f), errors="replace") as fh:
                    out += ["%s: %s" % (f, l.rstrip()) for l in fh.readlines()[-lines:]]
            except OSError:
                pass
        return "\n".join(out)

    def domain_log(self, dom):
        """The domain's log (/var/log/libvirt/qemu/DOM.log): libvirt's
        command lines, QEMU's stderr, taints."""
        try:
            with open(self.path("log", "qemu", dom + ".log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def command_lines(self, dom):
        """Every QEMU command line libvirt logged for dom, in order, as
        logged (one argument per line, ' \\' continuations)."""
        out, cur = [], None
        for line in self.domain_log(dom).splitlines():
            if cur is not None:
                cur.append(line)
                if not line.endswith("\\"):
                    out.append("\n".join(cur))
                    cur = None
            elif line.startswith("LC_ALL=C"):
                cur = [line]
        return out

    def processes(self):
        """PIDs left in the daemon's mount namespace."""
        return [p for p in _in_ns(self.mntns) if _alive(p)] if self.mntns else []

    def stop(self):
        """Destroy the running domains, then end every process of the
        namespace: libvirtd, virtlogd, and QEMUs libvirt lost track of.
        Safe to call twice, and after a failed start. Returns the PIDs
        that needed SIGKILL (none, normally)."""
        if self.libvirtd is None:
            return []
        if self.libvirtd.poll() is None and self.mntns:
            r = self.virsh("list", "--name", timeout=20)
            for dom in r.stdout.split() if r.returncode == 0 else []:
                self.virsh("destroy", dom, timeout=20)
        self.save_caps()
        killed = []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.processes()
            for p in [self.libvirtd.pid] + [x for x in pids if x != self.libvirtd.pid]:
                if _alive(p):
                    if sig == signal.SIGKILL:
                        killed.append(p)
                    try:
                        os.kill(p, sig)
                    except OSError:
                        pass
            deadline = time.time() + 10
            while time.time() < deadline and any(_alive(p) for p in pids + [self.libvirtd.pid]):
                time.sleep(0.05)
                for proc in (self.libvirtd, self.virtlogd):
                    if proc is not None:
                        proc.poll()
        for proc in (self.libvirtd, self.virtlogd):
            if proc is not None:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        self.stderr.close()
        self.libvirtd = None
        return killed

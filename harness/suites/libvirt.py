# SPDX-License-Identifier: GPL-2.0-or-later
"""PV-lock through real libvirt daemons (TAP): libvirtd and virtlogd
started by the suite, as root, without systemd, each daemon in its own
mount namespace (harness/libvirtd.py), start an aarch64 domain on our
qemu-system-aarch64 (type 'qemu', <cpu mode='maximum'/>, machine virt,
direct kernel boot of the Linux test guest, serial console to a file)
and live-migrate it between daemons in three network namespaces.

Two modes, the same tests:
- "passthrough": Debian's libvirt 11.3 (bookworm-backports, unpatched),
  which refuses <pvspinlock> on aarch64; the domain passes
  "-machine pvlock=on" through <qemu:commandline> (QEMU merges it into
  libvirt's own -machine), which taints it custom-argv. Always run.
- "patched": a libvirt build tree with our patches, whose
  <features><pvspinlock state='on|off'/></features> becomes
  "-machine virt-X.Y,...,pvlock=on|off", without passthrough and without
  a taint. The tree is the first of: --libvirt BUILD_DIR on the command
  line, $PVLOCK_LIBVIRT_BUILD, build/libvirt-build; its daemon and virsh
  run through the tree's own 'run' script (BUILD_DIR/run
  BUILD_DIR/src/libvirtd). Skipped, saying why, when the tree or its
  src/libvirtd or tools/virsh is missing.

Per mode:
- pvlock on: qom-get /machine pvlock says true; in the guest (the init's
  default mode, as the linux suite reads it) the region is there, Linux
  finds the KVM services, every vCPU reads its own flag as 0; the guest
  then powers itself off and libvirt reports "shut off (shutdown)".
  (Not virsh shutdown: it asks QEMU for system_powerdown, which on virt
  without ACPI is a GPIO power key that the busybox guest ignores; the
  guest still ran 10 s later. Guests that never stop, the migration's,
  are ended with virsh destroy.)
- pvlock off: qom-get false, no region, no KVM services.
- migration: daemons A, B, C in network namespaces, each with its own
  host_uuid and migration_host, listening on TCP without auth.
  `virsh migrate --live --p2p DOM qemu+tcp://B/system` moves a running
  pvlock=on guest (init "loop" mode: every vCPU checks its own flag
  every 0.1 s) to B and back; after each hop the domain runs on the
  destination, qom-get there says true and the guest's checks go on
  without an error. Refused: to C, whose emulator at our emulator's
  path is Debian's QEMU 10.0 without pvlock (bind-mounted in C's
  namespace), and to B with --xml turning PV-lock off; the source
  domain keeps running and its guest answers. The errors: with the
  patched libvirt, libvirt's own (capabilities; ABI check), before any
  QEMU starts on the destination. With passthrough, libvirt passes on
  QEMU's refusal to start (property not found); with PV-lock off in
  --xml libvirt sees nothing (it does not compare <qemu:commandline>),
  the destination QEMU refuses the stream, and libvirt's error only says
  loading failed: the cause is QEMU's line in the destination's domain
  log, which the suite checks too.
- afterwards no process is left in any daemon's namespace.

Per-step times are TAP comments; the QEMU command lines libvirt
generated are notes too. Run from the top directory:
  python3 -m harness.suites.libvirt [--libvirt BUILD_DIR]"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
import traceback

from harness import PATHS, require, linux
from harness.libvirtd import E2E, Daemon, Netns
from harness.qemu import QEMU
from harness import testing

DEBIAN_QEMU = "/usr/bin/qemu-system-aarch64"
# Three network namespaces: A, the source, is linked to B and to C.
NS = {"a": "pvl-lva", "b": "pvl-lvb", "c": "pvl-lvc"}
LINKS = [(NS["a"], "10.199.10.1", NS["b"], "10.199.10.2"),
         (NS["a"], "10.199.11.1", NS["c"], "10.199.11.3")]
ADDR = {"a": "10.199.10.1", "b": "10.199.10.2", "c": "10.199.11.3"}
LLOOP = re.compile(r"LLOOP n=(\d+) errors=(\d+)")
VCPUS = 4


class Steps:
    """Per-step wall-clock times, printed as TAP comments."""

    def __init__(self, suite):
        self.suite = suite
        self.times = []

    @contextlib.contextmanager
    def __call__(self, name):
        t = time.time()
        try:
            yield
        finally:
            dt = time.time() - t
            self.times.append((name, dt))
            self.suite.note("time: %s: %.1f s" % (name, dt))


# A machine type that daemon c's older QEMU (Debian's 10.0) knows too, as
# a domain that may migrate to an older QEMU must name: plain 'virt' is
# the newest one of the QEMU that starts it (virt-10.2 for ours).
MACHINE = "virt-10.0"


def domain_xml(name, mode, pvlock, console, words, uuid):
    """The aarch64 domain. mode "passthrough": -machine pvlock=on through
    <qemu:commandline> when pvlock (nothing when not); "patched":
    <pvspinlock state='on|off'/>."""
    g = linux.guest()
    features = commandline = ns = ""
    if mode == "patched":
        features = "  <features>\n    <pvspinlock state='%s'/>\n  </features>\n" % (
            "on" if pvlock else "off")
    elif pvlock:
        ns = " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
        commandline = ("  <qemu:commandline>\n"
                       "    <qemu:arg value='-machine'/>\n"
                       "    <qemu:arg value='pvlock=on'/>\n"
                       "  </qemu:commandline>\n")
    return """<domain type='qemu'%(ns)s>
  <name>%(name)s</name>
  <uuid>%(uuid)s</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>%(vcpus)d</vcpu>
  <os>
    <type arch='aarch64' machine='%(machine)s'>hvm</type>
    <kernel>%(kernel)s</kernel>
    <initrd>%(initrd)s</initrd>
    <cmdline>%(cmdline)s</cmdline>
  </os>
%(features)s  <cpu mode='maximum'/>
  <devices>
    <emulator>%(emulator)s</emulator>
    <serial type='file'>
      <source path='%(console)s' append='on'/>
    </serial>
  </devices>
%(commandline)s</domain>
""" % {"ns": ns, "name": name, "uuid": uuid, "vcpus": VCPUS, "kernel": g.kernel,
       "machine": MACHINE,
       "initrd": g.initrd, "cmdline": " ".join(["console=ttyAMA0", "quiet"] + words),
       "features": features, "emulator": QEMU, "console": console,
       "commandline": commandline}


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r", "")
    except OSError:
        return ""


def wait_for(pred, timeout, interval=0.2):
    """pred()'s first true value within timeout, else None."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() > deadline:
            return v or None
        time.sleep(interval)


def loops(console):
    """The guest's "loop" reports: [(n, errors)...]."""
    return [(int(n), int(e)) for n, e in LLOOP.findall(read(console))]


def answers(console, timeout=60, more=3):
    """The loop guest answers: within timeout, `more` new reports after
    the ones already in the console, all without error. (ok, diag)."""
    before = len(loops(console))
    got = wait_for(lambda: len(loops(console)) >= before + more and loops(console),
                   timeout)
    last = loops(console)[-5:]
    if not got:
        return False, "no new loop report in %d s (last: %s)" % (timeout, last)
    return all(e == 0 for _, e in got[before:]), "last reports: %s" % last


def qom_pvlock(d, dom):
    """qom-get /machine pvlock through virsh qemu-monitor-command:
    (value or None, raw answer)."""
    r = d.virsh("qemu-monitor-command", dom, json.dumps(
        {"execute": "qom-get", "arguments": {"path": "/machine", "property": "pvlock"}}))
    try:
        return json.loads(r.stdout)["return"], r.stdout.strip()
    except (ValueError, KeyError):
        return None, (r.stdout + r.stderr).strip()


def domstate(d, dom):
    r = d.virsh("domstate", "--reason", dom)
    return r.stdout.strip() if r.returncode == 0 else "error: " + r.stderr.strip()


def machine_args(cmdline):
    """The values of every -machine in a logged command line."""
    return re.findall(r"-machine (\S+)", cmdline)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def uuid_for(mode, what):
    """A fixed UUID per domain, so a second define is the same domain."""
    i = ["passthrough", "patched"].index(mode) * 16 + \
        ["on", "off", "mig"].index(what)
    return "5a5a0000-0000-4000-8000-%012x" % (0x1000 + i)


def check_cmdline(suite, d, dom, mode, pvlock, notes, what):
    """The command line libvirt generated: pvlock=on|off inside the one
    -machine (patched) or merged from a second -machine (passthrough)."""
    cl = d.command_lines(dom)
    if not cl:
        suite.ok(False, "%s: %s: libvirt logged the QEMU command line" % (mode, what),
               d.domain_log(dom))
        return
    notes.append("%s, %s (libvirt %s):\n%s" % (mode, what, d.name, cl[-1]))
    m = machine_args(cl[-1])
    if mode == "patched":
        want = "pvlock=%s" % ("on" if pvlock else "off")
        suite.ok(len(m) == 1 and m[0].startswith("virt-") and want in m[0].split(",") and
               "kvm-pv-unhalt" not in cl[-1],
               "%s: %s: one -machine, with %s, no kvm-pv-unhalt (%s)"
               % (mode, what, want, m), cl[-1])
    elif pvlock:
        suite.ok(len(m) == 2 and m[0].startswith("virt-") and m[1] == "pvlock=on",
               "%s: %s: libvirt's -machine, then the passthrough's "
               "-machine pvlock=on (%s)" % (mode, what, m), cl[-1])
    else:
        suite.ok(len(m) == 1 and "pvlock" not in cl[-1],
               "%s: %s: no pvlock on the command line (%s)" % (mode, what, m), cl[-1])


def check_taint(suite, d, dom, mode, pvlock, what):
    """Before any qemu-monitor-command (which taints custom-monitor): the
    passthrough marks the domain custom-argv, the patched flag does not."""
    info = d.virsh("dominfo", dom).stdout
    log = d.domain_log(dom)
    custom = "custom-argv" in log or "custom configuration" in info
    if mode == "passthrough" and pvlock:
        suite.ok(custom, "%s: %s: the passthrough taints the domain custom-argv, "
               "as libvirt documents" % (mode, what), info + log[-2000:])
    else:
        suite.ok(not custom and "custom-monitor" not in log,
               "%s: %s: the domain is not tainted custom-argv" % (mode, what),
               info + log[-2000:])


def boot_once(suite, steps, d, mode, pvlock, notes):
    """Define, start, check and let the guest power off: pvlock on|off."""
    what = "pvlock %s" % ("on" if pvlock else "off")
    dom = "pv-%s-%s" % (mode, "on" if pvlock else "off")
    console = os.path.join(E2E, "console", dom + ".log")
    if os.path.exists(console):
        os.remove(console)
    xml = write(os.path.join(E2E, dom + ".xml"),
                domain_xml(dom, mode, pvlock, console, [], uuid_for(mode, "on" if pvlock else "off")))
    with steps("%s: %s: define and start" % (mode, what)):
        r = d.virsh("define", xml)
        ok = r.returncode == 0
        if ok:
            r = d.virsh("start", dom)
            ok = r.returncode == 0
    if not suite.ok(ok, "%s: %s: virsh define and start the aarch64 domain" % (mode, what),
                  r.stdout + r.stderr + d.domain_log(dom)[-3000:]):
        return
    check_cmdline(suite, d, dom, mode, pvlock, notes, what)
    check_taint(suite, d, dom, mode, pvlock, what)
    value, raw = qom_pvlock(d, dom)
    suite.ok(value is pvlock, "%s: %s: qom-get /machine pvlock says %s"
           % (mode, what, "true" if pvlock else "false"), raw)
    with steps("%s: %s: guest runs and powers off" % (mode, what)):
        done = wait_for(lambda: "LINUX done" in read(console), 180)
        state = wait_for(lambda: domstate(d, dom).startswith("shut off") and domstate(d, dom), 60)
    out = read(console)
    suite.ok(done and state == "shut off (shutdown)",
           "%s: %s: the guest runs its checks and powers off; libvirt: %s"
           % (mode, what, state or domstate(d, dom)), out[-3000:])
    if pvlock:
        samples = [(own, a) for _, own, a in linux.samples(out)]
        suite.ok("REGION present" in out and "KVM: hypervisor services detected "
               "(0x00000000 0x00000000 0x00000000 0x00000001)" in out,
               "%s: %s: the guest finds the KVM services and reads the region"
               % (mode, what), out[-3000:])
        suite.ok(len(samples) == 30 and
               all(own == [0] * VCPUS for own, _ in samples) and
               all(v in (0, 1) for _, a in samples for v in a),
               "%s: %s: %d samples: each vCPU reads its own flag as 0, every "
               "flag is 0 or 1" % (mode, what, len(samples)), out[-3000:])
        busy = [a[1] for p, _, a in linux.samples(out) if p == "busy1"]
        suite.note("%s: vCPU 1 busy, read from vCPU 0 (MTTCG: not a test): %s"
                 % (mode, busy))
    else:
        suite.ok("REGION absent" in out and "hypervisor services detected" not in out,
               "%s: %s: the guest finds no region and no KVM services" % (mode, what),
               out[-3000:])
    d.virsh("undefine", dom)


def migrate(steps, src, dst, dom, mode, label, *extra):
    with steps("%s: migrate %s" % (mode, label)):
        return src.virsh("migrate", "--live", "--p2p", *extra, dom, dst.tcp_uri,
                         timeout=300)


def hop(suite, steps, src, dst, dom, console, mode, notes):
    label = "%s -> %s" % (src.name, dst.name)
    r = migrate(steps, src, dst, dom, mode, label)
    suite.ok(r.returncode == 0, "%s: virsh migrate --live --p2p %s (qemu+tcp, "
           "network namespaces)" % (mode, label), r.stdout + r.stderr)
    s_src, s_dst = domstate(src, dom), domstate(dst, dom)
    suite.ok(s_dst == "running (migrated)" and
           (s_src == "shut off (migrated)" or "failed to get domain" in s_src),
           "%s: %s: running on %s, gone from %s (%s; %s)"
           % (mode, label, dst.name, src.name, s_dst, s_src), "")
    check_cmdline(suite, dst, dom, mode, True, notes, "migration destination " + label)
    if mode == "patched":
        check_taint(suite, dst, dom, mode, True, "after " + label)
    value, raw = qom_pvlock(dst, dom)
    suite.ok(value is True, "%s: %s: qom-get pvlock on the destination says true"
           % (mode, label), raw)
    good, diag = answers(console)
    suite.ok(good, "%s: %s: the guest keeps checking its flags, no error" % (mode, label),
           diag)


def refused(suite, steps, src, dst, dom, console, mode, what, expect, dst_expect, *extra):
    """A migration that must fail: libvirt's error matches every regex of
    expect, and the destination's domain log every one of dst_expect
    (QEMU's own message, where libvirt's does not carry it). With the
    patched libvirt, libvirt itself refuses: no QEMU starts there."""
    before = len(dst.domain_log(dom))
    r = migrate(steps, src, dst, dom, mode, "%s -> %s, %s" % (src.name, dst.name, what),
                *extra)
    err = (r.stdout + r.stderr).strip()
    dlog = dst.domain_log(dom)[before:]
    suite.note("%s: refused migration, %s: %s" % (mode, what, err))
    for e in dst_expect:
        m = re.search(".*" + e + ".*", dlog)
        suite.note("%s: the destination's log: %s" % (mode, m.group(0) if m else "(nothing)"))
    started = "LC_ALL=C" in dlog
    suite.ok(r.returncode != 0 and all(re.search(e, err) for e in expect) and
           all(re.search(e, dlog) for e in dst_expect) and
           (mode != "patched" or not started),
           "%s: migration %s is refused: %s" % (mode, what, " & ".join(
               ["libvirt says /%s/" % e for e in expect] +
               ["destination QEMU says /%s/" % e for e in dst_expect] +
               (["no QEMU started on %s" % dst.name] if mode == "patched" else []))),
           err + "\n" + dlog[-2000:])
    state = domstate(src, dom)
    good, diag = answers(console)
    suite.ok(state.startswith("running"),
           "%s: after the refused migration %s the source domain runs (%s)"
           % (mode, what, state), "")
    suite.ok(good, "%s: after the refused migration %s the guest answers" % (mode, what),
           diag)


def migration(suite, steps, a, b, c, mode, notes):
    dom = "pv-%s-mig" % mode
    console = os.path.join(E2E, "console", dom + ".log")
    if os.path.exists(console):
        os.remove(console)
    xml = write(os.path.join(E2E, dom + ".xml"),
                domain_xml(dom, mode, True, console, ["loop"], uuid_for(mode, "mig")))
    with steps("%s: migration guest: define, start, boot" % mode):
        r = a.virsh("define", xml)
        if r.returncode == 0:
            r = a.virsh("start", dom)
        good, diag = answers(console, timeout=120) if r.returncode == 0 else (False, "")
    if not suite.ok(r.returncode == 0 and good,
                  "%s: a pvlock=on guest runs on daemon a, checking its flags" % mode,
                  r.stdout + r.stderr + diag):
        return
    hop(suite, steps, a, b, dom, console, mode, notes)
    hop(suite, steps, b, a, dom, console, mode, notes)

    # (a) C's emulator, at the same path, is a QEMU without the option.
    if mode == "patched":
        # libvirt itself, from the capabilities it probed on C.
        expect, dst_expect = [r"'pvspinlock'", r"QEMU binary|'pvlock' option"], []
    else:
        # libvirt passes on QEMU's refusal to start.
        expect, dst_expect = [r"Property 'virt-[0-9.]+-machine\.pvlock' not found"], []
    refused(suite, steps, a, c, dom, console, mode,
            "to a daemon whose emulator lacks pvlock", expect, dst_expect)
    # (b) The destination's domain XML has PV-lock off.
    mx = a.virsh("dumpxml", "--migratable", dom).stdout
    if mode == "patched":
        # libvirt's ABI check compares the feature before anything starts.
        off = mx.replace("<pvspinlock state='on'/>", "<pvspinlock state='off'/>")
        expect = [r"State of feature 'pvspinlock' differs: source: 'on', "
                  r"destination: 'off'"]
        dst_expect = []
    else:
        # libvirt does not compare <qemu:commandline>: the destination QEMU
        # starts without pvlock and refuses the stream; libvirt's error
        # says only that loading failed, QEMU's (in the log) says why.
        off = re.sub(r"\s*<qemu:commandline>.*?</qemu:commandline>", "", mx, flags=re.S)
        expect = [r"job 'migration in' failed: load of migration failed"]
        dst_expect = [r'Unknown ramblock "pvlock", cannot accept migration']
    if not suite.ok(off != mx, "%s: the destination XML with PV-lock off differs" % mode, mx):
        return
    refused(suite, steps, a, b, dom, console, mode, "with --xml turning PV-lock off",
            expect, dst_expect, "--xml", write(os.path.join(E2E, dom + "-off.xml"), off))

    r = a.virsh("destroy", dom)
    suite.ok(r.returncode == 0 and domstate(a, dom) == "shut off (destroyed)",
           "%s: virsh destroy ends the migration guest (%s)" % (mode, domstate(a, dom)),
           r.stderr)
    a.virsh("undefine", dom)


def run_mode(suite, mode, build, steps, notes):
    net = Netns(LINKS)
    uuid = "6a1b0b4c-3d2e-4f10-9a8b-%012x" % (0 if mode == "passthrough" else 16)
    daemons = {
        n: Daemon("%s-%s" % (mode, n), uuid[:-1] + "abc"[i], build=build, netns=NS[n],
                  addr=ADDR[n],
                  binds=[(DEBIAN_QEMU, QEMU)] if n == "c" else ())
        for i, n in enumerate("abc")}
    try:
        with steps("%s: network namespaces, three libvirtd + virtlogd" % mode):
            try:
                net.setup()
                versions = [daemons[n].start() for n in "abc"]
                err = ""
            except RuntimeError as e:
                err = str(e)
        if not suite.ok(not err, "%s: libvirtd and virtlogd start in their own mount and "
                      "network namespaces, without systemd (a, b, c)" % mode, err):
            return
        suite.note("%s: %s" % (mode, " / ".join(versions[0].split("\n")[:4])))
        for pvlock in (True, False):
            try:
                boot_once(suite, steps, daemons["a"], mode, pvlock, notes)
            except Exception:
                suite.ok(False, "%s: pvlock %s: no exception" % (mode, pvlock),
                       traceback.format_exc())
        try:
            migration(suite, steps, daemons["a"], daemons["b"], daemons["c"], mode, notes)
        except Exception:
            suite.ok(False, "%s: migration: no exception" % mode, traceback.format_exc())
    finally:
        with steps("%s: stop daemons" % mode):
            killed = {d.name: d.stop() for d in daemons.values()}
            net.teardown()
        left = {d.name: d.processes() for d in daemons.values()}
        suite.ok(not any(left.values()) and not any(killed.values()),
               "%s: stopped: nothing left in the daemons' namespaces, nothing "
               "needed SIGKILL" % mode, "left %s, killed %s" % (left, killed))


def patched_build(arg):
    """(build dir or None, why not)."""
    d = arg or os.environ.get("PVLOCK_LIBVIRT_BUILD") or PATHS["LIBVIRT_BUILD"]
    d = os.path.abspath(d)
    for f in ("run", "src/libvirtd", "tools/virsh"):
        if not os.path.exists(os.path.join(d, f)):
            return None, "no patched libvirt build: %s is missing" % os.path.join(d, f)
    return d, None


def prerequisites():
    """Why the suite cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (libvirtd as root, mount and network namespaces)"
    for tool in ("unshare", "nsenter", "ip"):
        if not shutil.which(tool):
            return "%s is missing" % tool
    if not os.path.exists(QEMU):
        return "QEMU is not built (%s)" % QEMU
    return None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--libvirt", metavar="BUILD_DIR",
                   help="patched libvirt build tree (default: $PVLOCK_LIBVIRT_BUILD, "
                   "else build/libvirt-build)")
    args = p.parse_args()
    if args.libvirt and not os.path.isdir(args.libvirt):
        p.error("--libvirt %s: no such directory" % args.libvirt)
    return args


class Libvirt(testing.Suite):
    """Debian's libvirt first (passthrough), then our patched one."""
    libvirt = None          # --libvirt

    @classmethod
    def setUpClass(cls):
        # A CI timeout's SIGTERM still runs the finally: blocks that stop
        # the daemons and their QEMUs.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit("libvirt suite: terminated"))
        cls.why = prerequisites()
        if not cls.why:
            require("libvirt")
            os.makedirs(os.path.join(E2E, "console"), exist_ok=True)
        cls.notes = []
        cls.t0 = time.time()

    @classmethod
    def tearDownClass(cls):
        for n in cls.notes:
            cls.note("command line, " + n)
        cls.note("time: total %.1f s" % (time.time() - cls.t0))

    def test_1_passthrough(self):
        if self.why:
            self.skip("libvirt suite", self.why)
            return
        run_mode(self, "passthrough", None, Steps(self), self.notes)

    def test_2_patched(self):
        if self.why:
            return
        build, why = patched_build(self.libvirt)
        if build:
            run_mode(self, "patched", build, Steps(self), self.notes)
        else:
            self.skip("patched libvirt: <pvspinlock state='on'/>, migration", why)


if __name__ == "__main__":
    Libvirt.libvirt = parse_args().libvirt
    sys.argv[1:] = []
    sys.exit(testing.main())

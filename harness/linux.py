# SPDX-License-Identifier: GPL-2.0-or-later
"""The Linux test guest: Debian's arm64 cloud kernel and a busybox
initramfs around guests/linux/init, prepared (and cached) by
scripts/setup/fetch-linux-guest.sh. Used by the linux, migration and kvm
suites and the TCG benchmark.

The PV-lock aware guest (pv_guest()) is the same initramfs with the lock
workloads of guests/workloads/ in /wl/, on our own guest kernel
(kernel/guest/, built by scripts/build/kernel.sh guest); its init
reports with "pvlock" on the command line."""

import os
import re
import shutil
import subprocess

from harness import OUT, TOP, script
from harness import guests


class LinuxGuest:
    def __init__(self):
        self.kernel, self.initrd = script("scripts/setup/fetch-linux-guest.sh")[-2:]
        d = os.path.dirname(self.kernel)
        # The Debian package the kernel came from, for the suites' notes.
        with open(os.path.join(d, "kernel-package")) as f:
            self.package = f.read().strip()
        # The initramfs's tree: the kvm suite reuses its arm64 busybox.
        self.root = os.path.join(d, "root")

    def args(self, *append):
        """-kernel/-initrd/-append for QEMU; append: words for
        guests/linux/init ("loop", "bootonly")."""
        return ["-kernel", self.kernel, "-initrd", self.initrd,
                "-append", " ".join(("console=ttyAMA0", "quiet") + append)]


class PvGuest(LinuxGuest):
    """Our PV-lock aware kernel and the initramfs with the workloads;
    tools: also the benchmarks people use (harness/benchtools.py), for
    the benchmark only (they make the initramfs far larger)."""

    def __init__(self, tools=False):
        base = guest()
        self.package = "kernel/guest (Linux 7.1.8 + the guest series)"
        self.kernel = script("scripts/build/kernel.sh", "guest")[-1]
        self.root = os.path.join(OUT, "linux-guest-pv-tools" if tools else "linux-guest-pv",
                                 "root")
        self.initrd = workload_initrd(base.root, self.root, tools)

    def args(self, *append):
        """As LinuxGuest.args, with "pvlock" (the init's PV-lock report)
        and append: "nopvlock", "wl=NAME:THREADS:SECONDS[:pin]",
        "pvhotplug"."""
        return LinuxGuest.args(self, "pvlock", *append)


def workload_initrd(base_root, root, tools=False):
    """base_root's tree (busybox), guests/linux/init, the workloads in
    /wl/ and /bin/ptpcheck, as an initramfs next to root; returns its
    path. tools: also hackbench, stress-ng, sysbench and perf, with
    /wl/NAME for each of guests/linux/benchtool's benchmarks and
    /bin/spinshare (the init's "prof"). Cheap: rebuilt every time."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(base_root, root, symlinks=True)
    os.makedirs(os.path.join(root, "wl"))
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    shutil.copy(os.path.join(TOP, "guests", "linux", "init"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    for name, path in guests.workloads().items():
        shutil.copy(path, os.path.join(root, "wl", name))
    # The init's "ptp" mode (the kvm suite's PTP checks).
    shutil.copy(guests.build_linux("ptpcheck"), os.path.join(root, "bin", "ptpcheck"))
    if tools:
        from harness import benchtools
        benchtools.install(root)
        for f in ("benchtool", "spinshare"):
            shutil.copy(os.path.join(TOP, "guests", "linux", f), os.path.join(root, "bin", f))
            os.chmod(os.path.join(root, "bin", f), 0o755)
        for name in TOOL_WORKLOADS:
            os.symlink("/bin/benchtool", os.path.join(root, "wl", name))
    # With the benchmarks, uncompressed: inflating 60 MB took L2, nested
    # under TCG, a minute of host time per boot; a plain cpio is copied.
    img = os.path.join(os.path.dirname(root), "initramfs.cpio" + ("" if tools else ".gz"))
    subprocess.check_call("cd %s && find . | cpio -o -H newc --quiet %s> %s"
                          % (root, "" if tools else "| gzip -1 ", img), shell=True)
    return img


# guests/linux/benchtool's benchmarks, as workloads in /wl/.
TOOL_WORKLOADS = ("hackbench-pipe-process", "hackbench-pipe-thread",
                  "hackbench-socket-process", "hackbench-socket-thread",
                  "stress-ng-mmap", "stress-ng-fork", "stress-ng-futex", "stress-ng-mutex",
                  "stress-ng-dentry",
                  "sysbench-threads", "sysbench-mutex",
                  "perf-sched-messaging", "perf-futex-hash")

_guest = None
_pv_guests = {}


def guest():
    """The prepared guest; fetched once per process."""
    global _guest
    if _guest is None:
        _guest = LinuxGuest()
    return _guest


def pv_guest(tools=False):
    """The PV-lock aware guest (tools: with the benchmarks); built once
    per process."""
    if tools not in _pv_guests:
        _pv_guests[tools] = PvGuest(tools)
    return _pv_guests[tools]


def _cpus(words):
    """"cpu0=1 cpu1=0 ..." -> [1, 0, ...]"""
    return [int(v) for _, v in sorted((int(k[3:]), v) for k, v in
                                      (w.split("=") for w in words))]


SAMPLE = re.compile(r"SAMPLE (\S+) own: (.*) all: (.*)")


def samples(out):
    """The SAMPLE lines of the probe guest's init (guests/linux/init):
    (phase, the flags each vCPU read of itself, vCPU 0's read of all)."""
    return [(m.group(1), [int(v, 16) for v in m.group(2).split()],
             [int(v, 16) for v in m.group(3).split()])
            for m in SAMPLE.finditer(out)]


def pv_report(out):
    """What the init's "pvlock" mode printed, as a dict:
    lines: the kernel's arm64-pvlock lines; enabled: 0/1 or None;
    flags: [(reader cpu, [flag per cpu])...] in order (None for an
    offline reader); busy: [[flag per cpu]...] ("pvbusy", read on CPU 0);
    counts: [(after workload or None, [preempted answers per cpu])...];
    results: {workload: {"ops", "secs", "ops_per_sec", "threads"}};
    stats: {workload: {"ctxt", "idle"}}: context switches and idle jiffies
    (all CPUs, /proc/stat) during the workload;
    spin: {workload: {symbol: percent, "samples": n}} ("prof");
    hotplug: [(offline|online, cpu1's online file)...] ("pvhotplug");
    failed: workloads that exited non-zero; done: the init finished."""
    r = {"lines": [], "enabled": None, "flags": [], "busy": [], "counts": [],
         "results": {}, "stats": {}, "spin": {}, "hotplug": [], "failed": [],
         "done": "LINUX done" in out}
    before = {}
    for line in out.replace("\r", "").splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "PVLOCK":
            r["lines"].append(line[len("PVLOCK "):])
        elif w[0] == "PVENABLED":
            r["enabled"] = int(w[1])
        elif w[0] == "PVFLAGS":
            cpu = int(w[1][len("reader=cpu"):])
            r["flags"].append((cpu, None if w[2:] == ["offline"] else _cpus(w[2:])))
        elif w[0] == "PVBUSY":
            r["busy"].append(_cpus(w[1:]))
        elif w[0] == "PVCOUNT":
            after = w[2] if w[1:2] == ["after"] else None
            r["counts"].append((after, _cpus(w[3:] if after else w[1:])))
        elif w[0] == "RESULT":
            kv = dict(x.split("=") for x in w[2:])
            r["results"][w[1]] = {"threads": int(kv["threads"]), "ops": int(kv["ops"]),
                                  "secs": float(kv["secs"]),
                                  "ops_per_sec": float(kv["ops_per_sec"])}
        elif w[0] == "PVSTAT" and len(w) == 5:
            kv = {k: int(v) for k, v in (x.split("=") for x in w[3:])}
            if w[1] == "before":
                before[w[2]] = kv
            elif w[2] in before:
                r["stats"][w[2]] = {k: kv[k] - before[w[2]][k] for k in kv}
        elif w[0] == "PVSPIN":
            r["spin"][w[1]] = {k: float(v) for k, v in (x.split("=") for x in w[2:])}
        elif w[0] == "PVHOTPLUG" and len(w) == 4:
            r["hotplug"].append((w[1], int(w[3][len("online="):])))
        elif w[0] == "WLFAIL":
            r["failed"].append(w[1])
    return r


ARMS = ("pv", "nopvlock")


def pv_ab_report(out, names):
    """What the init's "pvab" mode printed (both arms in one boot, PV-lock
    switched at run time): {arm: (results, spin)}, results: workload ->
    {"ops_per_sec", "answers"}, spin: the profiles ("prof"), workload ->
    {symbol: percent, "samples": n}. Each arm's run starts at its PVARM
    line and is read by pv_report(); its answers count from the PVCOUNT
    taken after the switch. Raises RuntimeError unless each arm took
    effect and every workload of names gave a result in each."""
    got = {arm: ({}, {}) for arm in ARMS}
    failed = []
    for part in re.split(r"^(?=PVARM )", out.replace("\r", ""), flags=re.M)[1:]:
        arm, enabled = part.split()[1:3]
        if enabled != "enabled=%d" % (arm == "pv"):
            raise RuntimeError("arm %s: the guest says %s:\n%s" % (arm, enabled, out[-3000:]))
        r = pv_report(part)
        start = [sum(c) for after, c in r["counts"] if after is None][:1]
        for after, c in r["counts"]:
            if after in r["results"] and start:
                got[arm][0][after] = {"ops_per_sec": r["results"][after]["ops_per_sec"],
                                      "answers": sum(c) - start[0]}
        got[arm][1].update(r["spin"])
        failed += [(arm, n) for n in r["failed"]]
    missing = ["%s/%s" % (a, n) for a in ARMS for n in names
               if n not in got[a][0] and n not in got[a][1]]
    if missing or failed:
        raise RuntimeError("no result for %s (failed: %s):\n%s"
                           % (", ".join(missing), failed, out[-4000:]))
    return got

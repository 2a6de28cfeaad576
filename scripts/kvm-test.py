#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The KVM path on a real arm64 KVM (TAP): Debian's arm64 cloud kernel,
booted under TCG with virtualization=on, is a nested KVM host (L1). In
it, this project's cross-built arm64 QEMU runs the bare-metal probe as
an L2 guest with -accel kvm: pvlock=off boots it; pvlock=on refuses with
the documented message, since the stock kernel has no PV-lock support;
kvm-steal-time works as upstream."""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from qemu import TOP, OUT, VM, TAP, probe_stats  # noqa: E402

L1_DIR = os.path.join(OUT, "kvm-host")


def needed(elf, sysroot):
    """Shared libraries elf needs, recursively, as paths in sysroot."""
    libdirs = [os.path.join(sysroot, d) for d in
               ("usr/lib/aarch64-linux-gnu", "lib/aarch64-linux-gnu", "usr/lib", "lib")]
    todo, found = [elf], {}
    while todo:
        out = subprocess.check_output(["aarch64-linux-gnu-readelf", "-d", todo.pop()],
                                      text=True)
        for lib in re.findall(r"Shared library: \[(.+?)\]", out):
            if lib in found:
                continue
            for d in libdirs:
                p = os.path.join(d, lib)
                if os.path.exists(p):
                    found[lib] = os.path.realpath(p)
                    todo.append(found[lib])
                    break
            else:
                sys.exit("%s: %s not in the sysroot" % (elf, lib))
    return found


def make_initramfs(qemu, guests, busybox_root):
    """busybox (from the Linux guest's initramfs tree), our QEMU and its
    libraries, the probe, guests/kvm-host/init."""
    sysroot = os.path.join(OUT, "arm64-sysroot")
    root = os.path.join(L1_DIR, "root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "tmp", "qemu", "lib/aarch64-linux-gnu", "lib64"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(os.path.join(busybox_root, "bin", "busybox"), os.path.join(root, "bin"))
    shutil.copy(qemu, os.path.join(root, "qemu"))
    for name, path in guests.items():
        shutil.copy(path, os.path.join(root, name))
    shutil.copy(os.path.join(TOP, "guests", "kvm-host", "init"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    for lib, path in needed(qemu, sysroot).items():
        dest = "lib" if lib.startswith("ld-linux") else "lib/aarch64-linux-gnu"
        shutil.copy(path, os.path.join(root, dest, lib))
    subprocess.check_call(["aarch64-linux-gnu-strip", os.path.join(root, "qemu",
                                                                   "qemu-system-aarch64")])
    img = os.path.join(L1_DIR, "initramfs.cpio.gz")
    subprocess.check_call("cd %s && find . | cpio -o -H newc --quiet | gzip -1 > %s"
                          % (root, img), shell=True)
    return img


def section(out, name):
    m = re.search(r"L1OUT %s begin\n(.*?)L1OUT %s end" % (name, name), out, re.S)
    return m.group(1) if m else ""


def boot_l1(kernel, initrd, name, append=""):
    # A panic in L1 reboots it, and -no-reboot then ends QEMU.
    vm = VM(["-machine", "virt,virtualization=on,gic-version=3", "-cpu", "max",
             "-smp", "2", "-m", "2G", "-kernel", kernel, "-initrd", initrd,
             "-no-reboot", "-append", "console=ttyAMA0 quiet panic=-1 " + append],
            name=name)
    try:
        rc = vm.wait_exit(900)
        return rc, vm.output().replace("\r", "")
    finally:
        vm.close()


def attr_results(out):
    return dict(re.findall(r"ATTR (\S+) ret=(-?\d+)", section(out, "attr")))


def stock_kernel(tap, kernel, initrd):
    rc, out = boot_l1(kernel, initrd, "l1-stock")
    tap.ok(rc == 0 and "L1 done" in out and "L1 /dev/kvm present" in out,
           "stock kernel L1 (Debian arm64 cloud kernel under TCG) boots, has "
           "/dev/kvm and runs the tests", out[-3000:])
    off = section(out, "pvlock-off")
    tap.note("stock kernel, L2 with pvlock=off:\n" + off)
    tap.ok("L1TEST pvlock-off rc=0" in out and "PROBE mode=off" in off and
           "PROBE RESULT: PASS" in off,
           "stock kernel, pvlock=off: the L2 probe boots, finds no PV-lock "
           "(0x86000001 is PTP there) and passes", off)
    on = section(out, "pvlock-on")
    tap.note("stock kernel, L2 with pvlock=on:\n" + on)
    tap.ok("L1TEST pvlock-on rc=1" in out and
           "pvlock=on: the host kernel has no KVM PV-lock support" in on and
           "PROBE start" not in on,
           "stock kernel, pvlock=on: exit 1 with the documented message", on)
    st = section(out, "steal-time")
    tap.ok("L1TEST steal-time rc=0" in out and "PROBE start" in st,
           "stock kernel, kvm-steal-time=on: the L2 guest boots as upstream", st)
    tap.ok(attr_results(out).get("has") == str(-6),
           "stock kernel: KVM_HAS_DEVICE_ATTR(3, 0) is -ENXIO", section(out, "attr"))


def reference_kernel(tap, initrd):
    kernel = subprocess.check_output(
        [os.path.join(TOP, "scripts", "build-kvm-host-kernel.sh")],
        text=True).strip().splitlines()[-1]
    rc, out = boot_l1(kernel, initrd, "l1-ref")
    tap.ok(rc == 0 and "L1 done" in out and "L1 /dev/kvm present" in out,
           "reference kernel L1 (linux-source-6.1 + tests/kvm-host patch) boots "
           "and runs the tests", out[-3000:])
    on = section(out, "pvlock-on")
    tap.note("reference kernel, L2 -smp 4 with pvlock=on:\n" + on)
    tap.ok("L1TEST pvlock-on rc=0" in out and "PROBE mode=on" in on and
           "PROBE RESULT: PASS" in on,
           "reference kernel, pvlock=on: the L2 probe passes the ABI checks "
           "under KVM", on)
    stats = probe_stats(on)
    tap.ok(len(stats) == 4 and all(s[0] > 0 and s[1] == 0 for s in stats.values()),
           "reference kernel: each of 4 L2 vCPUs reads its own flag as 0", on)
    tap.ok(len(stats) == 4 and sum(s[2] for s in stats.values()) > 0 and
           sum(s[4] for s in stats.values()) > 0,
           "reference kernel: 4 vCPUs on 2 L1 CPUs see other vCPUs preempted, "
           "and the flags change", stats)
    off = section(out, "pvlock-off")
    tap.ok("L1TEST pvlock-off rc=0" in out and "PROBE RESULT: PASS" in off,
           "reference kernel, pvlock=off: the probe finds no PV-lock and passes", off)
    attrs = attr_results(out)
    tap.note("reference kernel, vCPU attribute: %s" % attrs)
    want = {"has": "0", "has-unknown-attr": "-6", "set-misaligned": "-22",
            "set-outside-memory": "-22", "set-bad-pointer": "-14", "set": "0",
            "set-twice": "-17", "get": "0"}
    tap.ok(attrs == want and "ATTR get-value 0x40000040" in out,
           "reference kernel: the attribute's errors are the documented ones "
           "(EINVAL, EFAULT, EEXIST, ENXIO) and GET returns the address",
           "%s\nwant %s" % (attrs, want))
    mig = section(out, "migrate")
    tap.note("reference kernel, migration in L1:\n" + mig[-1500:])
    dst = mig.split("== destination serial")[-1].split("== destination log")[0]
    tap.ok("Migration status: completed" in mig and
           re.search(r"LOOP t=\d+ iter=\d+ errors=0", dst) is not None and
           "LOOP error" not in dst,
           "reference kernel: L2 migrates between two QEMUs in L1 with "
           "pvlock=on and keeps passing its checks", mig[-3000:])


def prepare():
    """Cross-built QEMU, guests and the L1 initramfs; returns the stock
    kernel's and the initramfs's paths."""
    qemu = subprocess.check_output([os.path.join(TOP, "scripts", "cross-build.sh")],
                                   text=True).strip().splitlines()[-1]
    kernel, _ = subprocess.check_output(
        [os.path.join(TOP, "scripts", "fetch-linux-guest.sh")], text=True).split()
    build = os.path.join(TOP, "guests", "build.sh")
    guests = {n + ".elf": subprocess.check_output([build, n], text=True).strip()
              for n in ("pvlock-probe", "pvlock-loop", "pvlock-bench")}
    attr_test = os.path.join(L1_DIR, "kvm-attr-test")
    os.makedirs(L1_DIR, exist_ok=True)
    subprocess.check_call(["aarch64-linux-gnu-gcc", "-static", "-O2", "-Wall",
                           "-Werror", "-o", attr_test,
                           os.path.join(TOP, "guests", "kvm-host", "kvm-attr-test.c")])
    guests["probe.elf"] = guests.pop("pvlock-probe.elf")
    guests["loop.elf"] = guests.pop("pvlock-loop.elf")
    guests["bench.elf"] = guests.pop("pvlock-bench.elf")
    guests["kvm-attr-test"] = attr_test
    busybox_root = os.path.join(os.path.dirname(kernel), "root")
    return kernel, make_initramfs(qemu, guests, busybox_root)


def main():
    tap = TAP()
    kernel, initrd = prepare()
    stock_kernel(tap, kernel, initrd)
    if os.environ.get("PVLOCK_SKIP_REF_KERNEL"):
        tap.skip("reference kernel", "PVLOCK_SKIP_REF_KERNEL is set")
    else:
        reference_kernel(tap, initrd)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

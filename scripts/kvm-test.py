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
from qemu import TOP, OUT, VM, TAP  # noqa: E402

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


def make_initramfs(qemu, probe, busybox_root):
    """busybox (from the Linux guest's initramfs tree), our QEMU and its
    libraries, the probe, guests/kvm-host/init."""
    sysroot = os.path.join(OUT, "arm64-sysroot")
    root = os.path.join(L1_DIR, "root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "qemu", "lib/aarch64-linux-gnu", "lib64"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(os.path.join(busybox_root, "bin", "busybox"), os.path.join(root, "bin"))
    shutil.copy(qemu, os.path.join(root, "qemu"))
    shutil.copy(probe, os.path.join(root, "probe.elf"))
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


def main():
    tap = TAP()
    qemu = subprocess.check_output([os.path.join(TOP, "scripts", "cross-build.sh")],
                                   text=True).strip().splitlines()[-1]
    kernel, _ = subprocess.check_output(
        [os.path.join(TOP, "scripts", "fetch-linux-guest.sh")], text=True).split()
    probe = subprocess.check_output([os.path.join(TOP, "guests", "build.sh"),
                                     "pvlock-probe"], text=True).strip()
    busybox_root = os.path.join(os.path.dirname(kernel), "root")
    if not os.path.exists(os.path.join(busybox_root, "bin", "busybox")):
        # fetch-linux-guest.sh keeps the tree it made the initramfs from
        sys.exit("no busybox tree in %s" % busybox_root)
    os.makedirs(L1_DIR, exist_ok=True)
    initrd = make_initramfs(qemu, probe, busybox_root)

    vm = VM(["-machine", "virt,virtualization=on,gic-version=3", "-cpu", "max",
             "-smp", "2", "-m", "2G", "-kernel", kernel, "-initrd", initrd,
             "-append", "console=ttyAMA0 quiet"], name="l1")
    try:
        rc = vm.wait_exit(900)
        out = vm.output().replace("\r", "")
    finally:
        vm.close()

    tap.ok(rc == 0 and "L1 done" in out, "L1 (Debian arm64 kernel under TCG) boots and "
           "runs the tests", out[-3000:])
    tap.ok("L1 /dev/kvm present" in out, "L1 has /dev/kvm", out[-3000:])
    off = section(out, "pvlock-off")
    tap.note("L2 with pvlock=off:\n" + off)
    tap.ok("L1TEST pvlock-off rc=0" in out and "PROBE mode=off" in off and
           "PROBE RESULT: PASS" in off,
           "KVM, pvlock=off: the L2 probe boots, finds no PV-lock (0x86000001 "
           "is PTP on a stock kernel) and passes", off)
    on = section(out, "pvlock-on")
    tap.note("L2 with pvlock=on:\n" + on)
    tap.ok("L1TEST pvlock-on rc=1" in out and
           "pvlock=on: the host kernel has no KVM PV-lock support" in on and
           "PROBE start" not in on,
           "KVM, pvlock=on on a stock kernel: exit 1 with the documented message", on)
    st = section(out, "steal-time")
    tap.ok("L1TEST steal-time rc=0" in out and "PROBE start" in st,
           "KVM, kvm-steal-time=on: the L2 guest boots as upstream", st)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

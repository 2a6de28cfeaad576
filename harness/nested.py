# SPDX-License-Identifier: GPL-2.0-or-later
"""The nested arm64 KVM host (L1) of the kvm suite and the KVM benchmark:
Debian's arm64 kernel (stock) or Linux 7.1.8 with our PV-lock host
series (kernel/kvm-host/, built by scripts/build/kernel.sh host),
booted under TCG with virtualization=on. Its initramfs carries this
project's cross-built arm64 QEMU (scripts/build/cross.sh), the
bare-metal guests and kernel/kvm-host/l1/ (init, kvm-attr-test.c); the
init reports each L2 run between "L1OUT NAME begin/end" lines."""

import os
import re
import shutil
import subprocess
import sys

from harness import PATHS, TOP, OUT, script
from harness import guests, linux
from harness.qemu import VM

L1_SRC = os.path.join(TOP, "kernel", "kvm-host", "l1")
L1_DIR = os.path.join(OUT, "kvm-host")
SYSROOT = PATHS["ARM64_SYSROOT"]                 # scripts/build/cross.sh's


def cross_qemu():
    """Path of the cross-built arm64 qemu-system-aarch64 (KVM only)."""
    return script("scripts/build/cross.sh")[-1]


def reference_kernel():
    """Path of the L1 Image with the reference PV-lock host handler."""
    return script("scripts/build/kernel.sh", "host")[-1]


def stock_kernel():
    """Debian's arm64 cloud kernel, the Linux test guest's."""
    return linux.guest().kernel


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


def build_attr_test():
    """kernel/kvm-host/l1/kvm-attr-test.c, a static arm64 Linux program."""
    attr_test = os.path.join(L1_DIR, "kvm-attr-test")
    os.makedirs(L1_DIR, exist_ok=True)
    subprocess.check_call(["aarch64-linux-gnu-gcc", "-static", "-O2", "-Wall",
                           "-Werror", "-pthread", "-o", attr_test,
                           os.path.join(L1_SRC, "kvm-attr-test.c")])
    return attr_test


def make_initramfs(qemu, files, busybox_root, base="initramfs", compress=True):
    """busybox (from the Linux guest's initramfs tree), our QEMU and its
    libraries, files (name in / -> path), kernel/kvm-host/l1/init, as
    L1_DIR/base.cpio.gz (.cpio if not compress: the benchmark's, whose
    L2 initramfs is a plain cpio too; its tree in L1_DIR/base-root;
    "initramfs" keeps the suite's names, root/)."""
    root = os.path.join(L1_DIR, "root" if base == "initramfs" else base + "-root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "tmp", "qemu", "pv", "stock", "lib/aarch64-linux-gnu",
              "lib64"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(os.path.join(busybox_root, "bin", "busybox"), os.path.join(root, "bin"))
    shutil.copy(qemu, os.path.join(root, "qemu"))
    for name, path in files.items():
        shutil.copy(path, os.path.join(root, name))
    shutil.copy(os.path.join(L1_SRC, "init"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    for lib, path in needed(qemu, SYSROOT).items():
        dest = "lib" if lib.startswith("ld-linux") else "lib/aarch64-linux-gnu"
        shutil.copy(path, os.path.join(root, dest, lib))
    subprocess.check_call(["aarch64-linux-gnu-strip", os.path.join(root, "qemu",
                                                                   "qemu-system-aarch64")])
    img = os.path.join(L1_DIR, base + (".cpio.gz" if compress else ".cpio"))
    subprocess.check_call("cd %s && find . | cpio -o -H newc --quiet %s> %s"
                          % (root, "| gzip -1 " if compress else "", img), shell=True)
    return img


def initramfs():
    """Cross-built QEMU, guests and the L1 initramfs; returns its path."""
    qemu = cross_qemu()
    files = {"probe.elf": guests.build("pvlock-probe"),
             "loop.elf": guests.build("pvlock-loop"),
             "bench.elf": guests.build("pvlock-bench"),
             "kvm-attr-test": build_attr_test()}
    return make_initramfs(qemu, files, linux.guest().root)


def pv_initramfs(tools=False):
    """L1's initramfs for the PV-lock benchmark (init's "pvbench" mode):
    the cross-built QEMU and the PV-lock aware Linux guest, our guest
    kernel and its initramfs with the workloads (tools: and the
    benchmarks people use), as /pv/Image and /pv/initrd, and Debian's
    stock kernel as /stock/Image (the PTP checks); returns its path."""
    pv = linux.pv_guest(tools)
    return make_initramfs(cross_qemu(), {"pv/Image": pv.kernel, "pv/initrd": pv.initrd,
                                         "stock/Image": linux.guest().kernel},
                          linux.guest().root,
                          base="initramfs-pvbench" if tools else "initramfs-pv",
                          compress=not tools)


def wfe_policy(out):
    """The WFE trap policy L1's init reported (its L1WFE lines): "" for
    KVM's default, "kvm-arm.wfe_trap_policy=..." if one was set."""
    return [l[len("L1WFE"):].strip() for l in out.splitlines() if l.startswith("L1WFE")]


def wfe_exits(out):
    """KVM's WFE exits of each L2 run ("l2wfestat": L1STAT lines)."""
    return [int(x) for x in re.findall(r"L1STAT wfe_exit_stat=(\d+)", out)]


def section(out, name):
    """What L1's init printed between L1OUT name begin and end."""
    m = re.search(r"L1OUT %s begin\n(.*?)L1OUT %s end" % (name, name), out, re.S)
    return m.group(1) if m else ""


# The deterministic L1 of the benchmark and the kvm suite's short pair:
# one host thread runs every L1 vCPU in turn (round-robin TCG) and L1's
# clock counts instructions (-icount shift=0: 1 ns each, sleep=off: no
# waiting for the host's clock), so what L1's scheduler does, and with it
# the preemption of L2's vCPUs, follows from the instructions alone; -seed
# fixes QEMU's random numbers (the device tree's seeds, RNDR) and
# -rtc clock=vm the wall clock L1 reads.
DETERMINISTIC = ["-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off",
                 "-rtc", "clock=vm"]


def boot_l1(kernel, initrd, name, append="", timeout=900, smp=2, seed=None,
            deterministic=False):
    """Boot L1 (smp vCPUs) to its poweroff; returns (exit status, serial
    output); the status is None if it did not power off within timeout
    seconds. deterministic: L1 under DETERMINISTIC, with -seed seed."""
    # A panic in L1 reboots it, and -no-reboot then ends QEMU.
    args = ["-machine", "virt,virtualization=on,gic-version=3", "-cpu", "max",
            "-smp", str(smp), "-m", "2G", "-kernel", kernel, "-initrd", initrd,
            "-no-reboot", "-append", "console=ttyAMA0 quiet panic=-1 " + append]
    if deterministic:
        args += DETERMINISTIC
    if seed is not None:
        args += ["-seed", str(seed)]
    vm = VM(args, name=name)
    try:
        rc = vm.wait_exit(timeout)
        return rc, vm.output().replace("\r", "")
    finally:
        vm.close()

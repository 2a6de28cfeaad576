# SPDX-License-Identifier: GPL-2.0-or-later
"""The one builder of the aarch64 test guests in guests/, with Debian's
cross compiler: the bare-metal guests, and the static Linux programs of
guests/workloads/ (the lock workloads the Linux guest runs); and the
parser of the bare-metal guests' reports.

    python3 -m harness.guests NAME...       prints the path of each ELF image
    python3 -m harness.guests --linux NAME...   the same for Linux programs"""

import os
import re
import subprocess
import sys

from harness import TOP, OUT, require

SRC = os.path.join(TOP, "guests")
CC = "aarch64-linux-gnu-gcc"
CFLAGS = ["-O2", "-g", "-ffreestanding", "-nostdlib", "-static", "-mgeneral-regs-only",
          "-march=armv8.1-a", "-mno-outline-atomics", "-fno-stack-protector",
          "-Wall", "-Wextra", "-Werror", "-Wl,--build-id=none",
          "-Wl,--no-warn-rwx-segments"]


def build(name):
    """Path of guest name's ELF, rebuilt when a source or this builder is
    newer. A guest is NAME.S (alone), or NAME.c with the shared boot code
    and lib."""
    require("guests")
    out = os.path.join(OUT, "guests")
    os.makedirs(out, exist_ok=True)
    elf = os.path.join(out, name + ".elf")
    if os.path.exists(os.path.join(SRC, name + ".S")):
        srcs = [os.path.join(SRC, name + ".S")]
        ld = ["-Wl,-Ttext=0x40080000"]
    elif os.path.exists(os.path.join(SRC, name + ".c")):
        srcs = [os.path.join(SRC, f) for f in ("boot.S", "lib.c", name + ".c")]
        ld = ["-T", os.path.join(SRC, "guest.ld")]
    else:
        raise SystemExit("no guest named %s in guests/" % name)
    deps = srcs + [os.path.join(SRC, "lib.h"), os.path.join(SRC, "guest.ld"),
                   os.path.abspath(__file__)]
    if (not os.path.exists(elf) or
            max(os.path.getmtime(f) for f in deps) > os.path.getmtime(elf)):
        if subprocess.call([CC] + CFLAGS + ld + ["-I", SRC, "-o", elf] + srcs):
            raise SystemExit("building guest %s failed" % name)
    return elf


WORKLOADS_SRC = os.path.join(SRC, "workloads")
# Static, so that a busybox initramfs needs no libraries.
LINUX_CFLAGS = ["-O2", "-static", "-pthread", "-Wall", "-Wextra", "-Werror"]


def build_linux(name):
    """Path of the static arm64 Linux program built from
    guests/workloads/NAME.c (with workload.h) or, for the guest's own
    tools, guests/linux/NAME.c, rebuilt when a source or this builder is
    newer."""
    require("guests")
    out = os.path.join(OUT, "guests", "linux")
    os.makedirs(out, exist_ok=True)
    exe = os.path.join(out, name)
    src = os.path.join(WORKLOADS_SRC, name + ".c")
    if not os.path.exists(src):
        src = os.path.join(SRC, "linux", name + ".c")
    if not os.path.exists(src):
        raise SystemExit("no program named %s in guests/workloads/ or guests/linux/"
                         % name)
    deps = [src, os.path.join(WORKLOADS_SRC, "workload.h"), os.path.abspath(__file__)]
    if (not os.path.exists(exe) or
            max(os.path.getmtime(f) for f in deps) > os.path.getmtime(exe)):
        if subprocess.call([CC] + LINUX_CFLAGS + ["-o", exe, src]):
            raise SystemExit("building %s failed" % name)
    return exe


def workloads():
    """Name -> path of every guest workload (guests/workloads/*.c)."""
    return {f[:-2]: build_linux(f[:-2])
            for f in sorted(os.listdir(WORKLOADS_SRC)) if f.endswith(".c")}


PROBE_STATS = re.compile(r"PROBE cpu(\d+): reads=(\d+) own!=0:(\d+) others==1:(\d+) "
                         r"others==0:(\d+) changes:(\d+)")


def probe_stats(out):
    """guests/pvlock-probe.c's spin statistics: cpu -> [reads, own!=0,
    others==1, others==0, changes]."""
    return {int(m.group(1)): [int(x) for x in m.groups()[1:]]
            for m in PROBE_STATS.finditer(out)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--linux"]:
        for n in sys.argv[2:]:
            print(build_linux(n))
    else:
        for n in sys.argv[1:]:
            print(build(n))

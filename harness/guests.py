# SPDX-License-Identifier: GPL-2.0-or-later
"""The one builder of the bare-metal aarch64 test guests in guests/, with
Debian's cross compiler, and the parser of their reports.

    python3 -m harness.guests NAME...   prints the path of each ELF image"""

import os
import re
import subprocess
import sys

from harness import TOP, OUT, install_deps

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
    install_deps("guests")
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


PROBE_STATS = re.compile(r"PROBE cpu(\d+): reads=(\d+) own!=0:(\d+) others==1:(\d+) "
                         r"others==0:(\d+) changes:(\d+)")


def probe_stats(out):
    """guests/pvlock-probe.c's spin statistics: cpu -> [reads, own!=0,
    others==1, others==0, changes]."""
    return {int(m.group(1)): [int(x) for x in m.groups()[1:]]
            for m in PROBE_STATS.finditer(out)}


if __name__ == "__main__":
    for n in sys.argv[1:]:
        print(build(n))

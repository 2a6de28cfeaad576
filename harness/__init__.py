# SPDX-License-Identifier: GPL-2.0-or-later
"""The qemu-pvlock test harness: suites, benchmarks and the demo, one
module per job. Standard library only. Run its modules from the
repository's top directory: python3 -m harness.suites.tcg, ...

Paths follow scripts/common.sh: everything generated goes to
$QEMU_PVLOCK_OUT (default build/). The QEMU under test is the build in
$QEMU_PVLOCK_QEMU_BUILD (default build/qemu-build), so that the suites
run as they are on another build of the same tree, e.g. the sanitizer
build of scripts/build/asan.sh (scripts/sanitize.sh)."""

import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("QEMU_PVLOCK_OUT", os.path.join(TOP, "build"))
QEMU_TREE = os.path.join(OUT, "qemu")
QEMU_BUILD = os.path.abspath(os.environ.get("QEMU_PVLOCK_QEMU_BUILD") or
                             os.path.join(OUT, "qemu-build"))
if (os.environ.get("QEMU_PVLOCK_QEMU_BUILD") and
        not os.access(os.path.join(QEMU_BUILD, "qemu-system-aarch64"), os.X_OK)):
    sys.exit("QEMU_PVLOCK_QEMU_BUILD=%s: no qemu-system-aarch64 there"
             % os.environ["QEMU_PVLOCK_QEMU_BUILD"])


def script(path, *args):
    """Run the repository's script path (relative to TOP) and return the
    lines it prints. The scripts print the paths they produce, last;
    their progress goes to stderr, which is passed through."""
    out = subprocess.check_output([os.path.join(TOP, path)] + list(args),
                                  text=True)
    return out.strip().splitlines()


def install_deps(*groups):
    """scripts/setup/install-deps.sh GROUP...: apt only when a package
    is missing. Its output goes to stderr, not into a caller's result."""
    subprocess.check_call([os.path.join(TOP, "scripts", "setup", "install-deps.sh")]
                          + list(groups), stdout=sys.stderr)

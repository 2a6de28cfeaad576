# SPDX-License-Identifier: GPL-2.0-or-later
"""The qemu-pvlock test harness: suites, benchmarks and the demo, one
module per job. Standard library, and QEMU's own Python packages from
the pinned tree (harness.qemu). Run its modules from the
repository's top directory: python3 -m harness.suites.tcg, ...

Paths follow scripts/common.sh: everything generated goes to
$QEMU_PVLOCK_OUT (default build/). The QEMU under test is the build in
$QEMU_PVLOCK_QEMU_BUILD (default build/qemu-build), so that the suites
run as they are on another build of the same tree, e.g. the sanitizer
build of scripts/build/asan.sh (scripts/sanitize.sh)."""

import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _paths():
    """scripts/paths.sh's assignments as bash expands them here (the one
    definition of the project's paths, shared with the scripts)."""
    names = ("CACHE_DIR", "OUT", "QEMU_TREE", "TEST_BUILD", "ARM64_SYSROOT",
             "LIBVIRT_BUILD", "TEST_RESULTS_CACHE")
    out = subprocess.check_output(
        ["bash", "-c", 'set -eu; TOP=$1; . "$TOP/scripts/paths.sh"; shift; '
         'for n; do printf "%s\\0" "${!n}"; done', "paths", TOP] + list(names),
        text=True)
    return dict(zip(names, out.split("\0")))


PATHS = _paths()
OUT = PATHS["OUT"]
QEMU_TREE = PATHS["QEMU_TREE"]
# The build under test: scripts/paths.sh's TEST_BUILD.
QEMU_BUILD = PATHS["TEST_BUILD"]


def script(path, *args):
    """Run the repository's script path (relative to TOP) and return the
    lines it prints. The scripts print the paths they produce, last;
    their progress goes to stderr, which is passed through."""
    out = subprocess.check_output([os.path.join(TOP, path)] + list(args),
                                  text=True)
    return out.strip().splitlines()


def require(*groups):
    """Fail, saying what to install, unless every Debian package of these
    scripts/setup/install-deps.sh groups is there. The harness never
    calls apt: scripts/test.sh installs what its suites need first."""
    r = subprocess.run([os.path.join(TOP, "scripts", "setup", "install-deps.sh"),
                        "--check"] + list(groups), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())

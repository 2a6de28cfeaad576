# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/test.sh's qtest suite: meson's qtest-aarch64 suite of the
build under test, whose JSON log (meson-logs/qtest-aarch64.json)
scripts/test.sh counts and the pristine suite reads.

The series' own tests (OWN) run every time. The others are QEMU's, and
their results depend only on the source tree's content, the configure
arguments and the test list (harness.qemutests.cache_key()): a full run
takes one and a half minutes of a warm CI run's twelve, so once every
one of them has passed for a key, later runs take their results from the
cache and say so; the log then holds both. QEMU_PVLOCK_TESTS_RERUN=1,
another tree, other arguments or another list run them all again.

Usage: python3 -m harness.qtest"""

import json
import os
import subprocess
import sys

from harness import QEMU_BUILD
from harness import qemutests

SUITE = "qtest-aarch64"
OWN = ("qtest-aarch64/pvlock-test",)
PASSED = ("OK", "SKIP", "EXPECTEDFAIL")


def write_log(path, res):
    """res as a meson JSON log: one {"name", "result"} object a line."""
    with open(path + ".tmp", "w") as f:
        for name, result in sorted(res.items()):
            f.write(json.dumps({"name": name, "result": result}) + "\n")
    os.replace(path + ".tmp", path)


def main():
    log = os.path.join(QEMU_BUILD, "meson-logs", SUITE + ".json")
    cached, where = qemutests.cached(QEMU_BUILD, SUITE)
    if cached is None:
        subprocess.run(["meson", "test", "-C", QEMU_BUILD, "--no-rebuild",
                        "--suite", SUITE, "--num-processes", str(os.cpu_count() or 1),
                        "--print-errorlogs", "--logbase", SUITE])
        res = qemutests.read_log(log)
        if where and all(r in PASSED for r in res.values()):
            qemutests.store(where, res)
            print("qtest: every result cached as key %s" % where[1])
        return 0
    own = qemutests.run_meson(QEMU_BUILD, SUITE, OWN)
    for name in OWN:
        print("%s: %s (ran now)" % (name, own.get(name, "missing")))
    res = {n: r for n, r in cached.items() if n not in OWN}
    res.update({n: own.get(n, "ERROR") for n in OWN})
    print("qtest: QEMU's %d other tests' results %s" % (len(res) - len(OWN), where))
    write_log(log, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())

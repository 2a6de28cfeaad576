# SPDX-License-Identifier: GPL-2.0-or-later
"""pvlock=off is upstream QEMU, byte for byte (TAP).

Pristine QEMU 10.2.2 (the work tree's tag 'base': upstream and the local
build fixes, none of the series) is built beside the patched build by
scripts/build/pristine.sh. For -machine virt and virt,pvlock=off, the
patched build must give exactly what the pristine one gives: the dumped
device tree, 'info mtree -f', 'info qtree', 'info qom-tree' and the
migration stream of a guest that never ran (-S, migrated to a file).
Two runs of one binary are compared first, so that a difference means
the builds differ, not the runs; pvlock=on is compared too and must
differ, so that the comparison is seen to be able to fail.

Then QEMU's own qtest-aarch64 suite and its unit tests: a test that
fails when a test that passes on pristine does not pass on the patched
build (compare_suites(): pristine runs all of them only when asked, or
once their results are cached; otherwise only those that did not pass on
the patched build). The patched build's
qtest-aarch64 result is scripts/test.sh's 'qtest' suite's (its JSON log),
when it is newer than every binary it tested. Other results are cached,
keyed by the source tree's content, the configure arguments and the
test list (see cached_results()), and the output says which were."""

import difflib
import os
import subprocess
import sys
import tempfile

from harness import QEMU_BUILD, QEMU_TREE, TOP, script
from harness import migration
from harness.qemutests import (cached, cached_results, fresh_qtest_log,
                                list_names, run_meson)
from harness.qemu import QEMU, VM
from harness import testing

# Everything that makes a run depend on more than the binary is pinned:
# -seed makes the device tree's kaslr-seed and rng-seed (random on every
# run otherwise, and the device tree is in guest RAM, so in the stream
# too) the same, and the PL031 RTC counts guest time from a fixed date
# instead of reading the host's clock (its VMState holds the offset:
# two runs a second apart differ otherwise).
COMMON = ["-cpu", "max", "-smp", "2", "-m", "256", "-accel", "tcg",
          "-seed", "1", "-rtc", "base=2026-01-01T00:00:00,clock=vm"]
ARTIFACTS = ("device tree", "info mtree -f", "info qtree", "info qom-tree",
             "migration stream")
# What pvlock=on must change: its RAM region, its device, its VMState.
# The device tree stays the same: the guest finds the structures by
# hypercall, not in the device tree (docs/specs/arm-pvlock.rst).
PVLOCK_ON_DIFFERS = ("info mtree -f", "info qtree", "info qom-tree",
                     "migration stream")
SUITES = ("qtest-aarch64", "unit")


def collect(binary, machine):
    """The artifacts of one machine on one binary: name -> bytes."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="pvlock-pristine-") as d:
        dtb = os.path.join(d, "virt.dtb")
        r = subprocess.run([binary, "-machine", "%s,dumpdtb=%s" % (machine, dtb),
                            "-display", "none", "-nodefaults"] + COMMON,
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or not os.path.exists(dtb):
            raise RuntimeError("%s -machine %s,dumpdtb: exit %d\n%s"
                               % (binary, machine, r.returncode, r.stderr))
        out["device tree"] = open(dtb, "rb").read()

        vm = VM(["-machine", machine, "-S"] + COMMON, name="pristine",
                binary=binary)
        try:
            qmp = vm.connect()
            for cmd in ("info mtree -f", "info qtree", "info qom-tree"):
                out[cmd] = qmp.hmp(cmd).encode()
            out["info mtree -f"] = mtree_flat(out["info mtree -f"].decode())
            stream = os.path.join(d, "stream")
            migration.to_file(qmp, stream)
            out["migration stream"] = open(stream, "rb").read()
            qmp.cmd("quit")
            vm.wait_exit(30)
        finally:
            vm.close()
    return out


def _tool_text(name, argv, blob, suffix):
    """The lines that tool name (command argv, then a file holding blob)
    prints about blob, or its error."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(blob)
        f.flush()
        r = subprocess.run(argv + [f.name], capture_output=True, text=True,
                           errors="replace", timeout=120)
    if r.returncode != 0:
        return ["(%s failed: %s)" % (name, r.stderr.strip()[-500:])]
    return r.stdout.splitlines()


def fdt_text(blob):
    """A flattened device tree as source, for diffs: dtc's."""
    return _tool_text("dtc", ["dtc", "-q", "-I", "dtb", "-O", "dts"], blob, ".dtb")


def stream_text(blob):
    """What a migration stream holds, for diffs: its size, then every
    device's state as QEMU's scripts/analyze-migration.py reads it."""
    return ["%d bytes" % len(blob)] + _tool_text(
        "analyze-migration.py", [sys.executable, os.path.join(QEMU_TREE, "scripts", "analyze-migration.py"),
         "-d", "state", "-f"], blob, ".stream")


def mtree_flat(text):
    """'info mtree -f' with its FlatViews in a fixed order: QEMU prints
    them by walking a hash table keyed by FlatView pointers
    (mtree_info_flatview() in system/memory.c), so their order and
    numbers follow the host's heap addresses and change from run to run.
    Each view is sorted by content and renumbered; nothing else changes."""
    out, blocks = [], []
    for line in text.splitlines():
        if line.startswith("FlatView #"):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
        else:
            out.append(line)
    for i, b in enumerate(sorted(blocks)):
        out += ["FlatView #%d" % i] + b
    return ("\n".join(out) + "\n").encode()


def as_lines(name, blob):
    if name == "device tree":
        return fdt_text(blob)
    if name == "migration stream":
        return stream_text(blob)
    return blob.decode(errors="replace").splitlines()


def difference(name, a, b, a_name, b_name):
    """'' if a == b, else a unified diff excerpt of their text forms (and,
    for binary artifacts, where they first differ)."""
    if a == b:
        return ""
    diff = list(difflib.unified_diff(as_lines(name, a), as_lines(name, b),
                                     a_name, b_name, lineterm="", n=2))
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y),
                 min(len(a), len(b)))
    head = ["%s: %d bytes, %s: %d bytes, first difference at byte %d"
            % (a_name, len(a), b_name, len(b), first)]
    if len(diff) > 34:
        diff = diff[:34] + ["... (%d more lines of diff)" % (len(diff) - 34)]
    return "\n".join(head + (diff or ["(the text forms are the same: the "
                                      "difference is in the raw bytes)"]))


def compare_machines(suite, pristine):
    ref = [collect(pristine, "virt"), collect(pristine, "virt")]
    patched = [collect(QEMU, "virt"), collect(QEMU, "virt")]
    off = collect(QEMU, "virt,pvlock=off")
    on = collect(QEMU, "virt,pvlock=on")
    for name in ARTIFACTS:
        for build, runs in (("pristine", ref), ("patched", patched)):
            d = difference(name, runs[0][name], runs[1][name], "run 1", "run 2")
            suite.ok(not d, "%s: two runs of the %s build give the same %s"
                   % (name, build, name), d)
    for name in ARTIFACTS:
        for machine, got in (("virt", patched[0]), ("virt,pvlock=off", off)):
            d = difference(name, ref[0][name], got[name], "pristine virt",
                           "patched " + machine)
            suite.ok(not d, "%s: patched -machine %s is pristine's, byte for byte "
                   "(%d bytes)" % (name, machine, len(got[name])), d)
    for name in ARTIFACTS:
        d = difference(name, ref[0][name], on[name], "pristine virt",
                       "patched virt,pvlock=on")
        if name in PVLOCK_ON_DIFFERS:
            suite.ok(bool(d), "%s: pvlock=on differs from pristine (the comparison "
                   "can fail)" % name, "no difference")
            suite.note("\n".join(d.splitlines()[:12]))
        else:
            suite.ok(not d, "%s: pvlock=on is pristine's too (found by hypercall, "
                   "not in the device tree)" % name, d)


# ---- QEMU's own tests on both builds ------------------------------------

def counts(res):
    c = {"OK": 0, "FAIL": 0, "SKIP": 0}
    for r in res.values():
        k = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        c[k] += 1
    return "%d/%d/%d" % (c["OK"], c["FAIL"], c["SKIP"])


def compare_suites(t, pristine_build):
    """No test that passes on pristine may fail, or be skipped or missing,
    on the patched build. With every result of both builds (cached, or
    QEMU_PVLOCK_PRISTINE_FULL=1: make compare-pristine) the counts go
    side by side. Otherwise pristine runs only the tests that did not pass
    on the patched build: a test that passes there cannot have regressed,
    and a first run on a new machine is spared pristine's whole suites."""
    full = os.environ.get("QEMU_PVLOCK_PRISTINE_FULL") == "1"
    build_all = lambda: script("scripts/build/pristine.sh")
    ok = lambda r: r in ("OK", "EXPECTEDFAIL")
    rows = []
    for suite in SUITES:
        after = fresh_qtest_log(QEMU_BUILD) if suite == "qtest-aarch64" else None
        how_q = "scripts/test.sh's qtest suite's log"
        if after is None:
            # scripts/test.sh built the patched build whole.
            after, how_q = cached_results(QEMU_BUILD, suite, lambda: None)
        listed = list_names(pristine_build, suite)
        before, how_p = cached(pristine_build, suite)
        if before is None and full:
            # Only the pristine qemu-system-aarch64 was built so far (main()).
            before, how_p = cached_results(pristine_build, suite, build_all)
        if before is not None:
            rows.append((suite, counts(before), counts(after)))
        else:
            redo = sorted(n for n in listed if n in after and not ok(after[n]))
            if redo:
                build_all()
                before = run_meson(pristine_build, suite, redo)
            else:
                before = {}
            how_p = "ran only the %d test(s) that did not pass on patched%s" % (
                len(redo), ": " + ", ".join(redo)
                if redo else "")
            rows.append((suite, "%d of %d run" % (len(redo), len(listed)),
                         counts(after)))
        t.note("%s, pristine: %s; patched: %s" % (suite, how_p, how_q))
        lost = sorted("%s: %s on pristine, %s on patched" % (n, r, after.get(n, "missing"))
                      for n, r in before.items() if ok(r) and not ok(after.get(n)))
        lost += sorted("%s: on pristine, missing on patched" % n
                       for n in listed if n not in after)
        t.ok(listed and not lost, "%s: every test that passes on pristine "
               "passes on patched (%d tests)" % (suite, len(listed)),
               "\n".join(lost) or "pristine lists no tests")
        added = sorted(set(after) - listed)
        if added:
            t.note("%s: only on patched: %s" % (
                suite, ", ".join("%s %s" % (n, after[n]) for n in added)))
    t.note("QEMU's tests, OK/FAIL/SKIP (FAIL counts every other result):")
    t.note("%-15s %-16s %-12s" % ("suite", "pristine", "patched"))
    for suite, p, q in rows:
        t.note("%-15s %-16s %-12s" % (suite, p, q))


def base_is_upstream(suite):
    """The pristine tree is upstream plus the local build fixes only."""
    changed = subprocess.check_output(
        ["git", "-C", QEMU_TREE, "diff", "--name-only", "upstream", "base"],
        text=True).split()
    fixed = set()
    local = os.path.join(TOP, "patches", "local")
    for p in os.listdir(local):
        if p.endswith(".patch"):
            for line in open(os.path.join(local, p)):
                if line.startswith("diff --git a/"):
                    fixed.add(line.split()[2][2:])
    suite.ok(changed and set(changed) <= fixed,
           "pristine (tag base) differs from upstream's tarball only in the "
           "files of patches/local/ (%s)" % ", ".join(changed),
           "changed: %s\npatches/local touches: %s" % (changed, sorted(fixed)))


class Pristine(testing.Suite):
    @classmethod
    def setUpClass(cls):
        # The tests' binaries are built only if their results are not
        # cached (cached_results()): in a fresh clone that saves their links.
        cls.pristine = script("scripts/build/pristine.sh", "qemu-system-aarch64")[-1]

    def test_1_base_is_upstream(self):
        base_is_upstream(self)

    def test_2_machines(self):
        compare_machines(self, self.pristine)

    def test_3_suites(self):
        compare_suites(self, os.path.dirname(self.pristine))


if __name__ == "__main__":
    sys.exit(testing.main())

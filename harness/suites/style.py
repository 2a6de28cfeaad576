# SPDX-License-Identifier: GPL-2.0-or-later
"""The series as a maintainer receives it (TAP): patches/ applies with
git am to pristine QEMU, each patch passes QEMU's checkpatch.pl and is
signed off by its author, qemu/ holds exactly the files the series adds,
and the code keeps its shape: no accelerator #ifdef in hw/, one home for
each ABI number."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import QEMU_TREE, TOP
from harness import testing

SERIES = os.path.join(TOP, "patches")
MIRROR = os.path.join(TOP, "qemu")


def series_patches():
    with open(os.path.join(SERIES, "series")) as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return [os.path.join(SERIES, n) for n in names]


def git(*args, cwd=QEMU_TREE):
    return subprocess.run(["git"] + list(args), cwd=cwd, capture_output=True,
                          text=True)


# The patches of patches/local/ that go upstream on their own, outside
# the series (the others are local build fixes).
STANDALONE = ("0002-target-arm-take-the-WFE-trap.patch",)


def applies_to_pristine(suite, patches, what="patches/ applies with git am to "
                        "pristine QEMU (no local fixes)"):
    """git am, as a maintainer would, on the untouched tarball."""
    tmp = tempfile.mkdtemp(prefix="pvlock-am-")
    wt = os.path.join(tmp, "qemu")
    try:
        r = git("worktree", "add", "-q", "--detach", wt, "upstream")
        if r.returncode == 0:
            env = dict(os.environ,
                       GIT_COMMITTER_NAME="qemu-pvlock style suite (not a sign-off)",
                       GIT_COMMITTER_EMAIL="style-suite@qemu-pvlock.invalid")
            r = subprocess.run(["git", "am", "-q"] + patches, cwd=wt, env=env,
                               capture_output=True, text=True)
        suite.ok(r.returncode == 0, what, r.stdout + r.stderr)
    finally:
        git("worktree", "remove", "--force", wt)
        shutil.rmtree(tmp, ignore_errors=True)


def checkpatch(suite, patch):
    r = subprocess.run([os.path.join(QEMU_TREE, "scripts", "checkpatch.pl"),
                        patch], cwd=QEMU_TREE, capture_output=True, text=True)
    out = r.stdout + r.stderr
    name = os.path.basename(patch)
    if suite.ok(re.search(r"^total: 0 errors", out, re.M) is not None,
              "checkpatch: %s" % name, out):
        for block in re.findall(r"^WARNING.*\n(?:.+\n){0,2}", out, re.M):
            suite.note("  " + block.rstrip().replace("\n", "\n  "))


def signed_off(suite, patch):
    """The Developer's Certificate of Origin: the author signs off, with
    an identity that is not a placeholder."""
    text = open(patch).read()
    head = text.split("\n---\n", 1)[0]
    m = re.search(r"^From: (.+(?:\n .+)?)$", head, re.M)
    author = re.sub(r"\s+", " ", m.group(1)) if m else ""
    sobs = re.findall(r"^Signed-off-by: (.+)$", head, re.M)
    fake = [s for s in sobs if re.search(r"@localhost|\.invalid>", s)]
    suite.ok(author in sobs and not fake,
           "signed off by its author: %s" % os.path.basename(patch),
           "From: %s\nSigned-off-by: %s" % (author, sobs))


def mirror_matches(suite):
    """qemu/ is the series' new files as plain files, nothing else."""
    added = git("diff", "--name-only", "--diff-filter=A", "base", "HEAD").stdout.split()
    problems = []
    for f in added:
        want = git("show", "HEAD:" + f).stdout
        path = os.path.join(MIRROR, f)
        if not os.path.isfile(path):
            problems.append("qemu/%s is missing" % f)
        elif open(path).read() != want:
            problems.append("qemu/%s differs from the series" % f)
    for root, _, files in os.walk(MIRROR):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), MIRROR)
            if rel not in added:
                problems.append("qemu/%s is not added by the series" % rel)
    suite.ok(added and not problems,
           "qemu/ holds exactly the %d files the series adds" % len(added),
           "\n".join(problems))


def added_lines(patch):
    """{file: [added lines]} of one patch."""
    out, cur = {}, None
    for line in open(patch):
        if line.startswith("+++ b/"):
            cur = line[6:].strip()
            out.setdefault(cur, [])
        elif cur and line.startswith("+") and not line.startswith("+++"):
            out[cur].append(line[1:])
    return out


def code_shape(suite, patches):
    per_file = {}
    for p in patches:
        for f, lines in added_lines(p).items():
            per_file.setdefault(f, []).extend(lines)
    ifdefs = ["%s: %s" % (f, l.strip()) for f, ls in per_file.items()
              if f.startswith("hw/") for l in ls
              if re.match(r"\s*#\s*if.*CONFIG_(TCG|KVM)", l)]
    suite.ok(not ifdefs, "no #ifdef CONFIG_TCG/CONFIG_KVM added in hw/",
           "\n".join(ifdefs))
    # Each ABI number is defined once in QEMU's C code, and its tests
    # read it from there. Guest programs (tests/tcg) are the exception:
    # they state the numbers of the spec, so that a wrong number in QEMU
    # cannot go unnoticed.
    for number, home in (("0x86000001", "target/arm/kvm-consts.h"),
                         ("0x09ff0000", "hw/arm/virt.c")):
        where = sorted({f for f, ls in per_file.items()
                        if f.endswith((".c", ".h")) and
                        not f.startswith("tests/tcg/") for l in ls
                        if number in l.lower()})
        suite.ok(where == [home], "%s is written in C only in %s" % (number, home),
               "found in: %s" % where)


class Style(testing.Suite):
    @classmethod
    def setUpClass(cls):
        cls.patches = series_patches()

    def test_1_applies(self):
        applies_to_pristine(self, self.patches)

    def test_2_checkpatch(self):
        for p in self.patches:
            checkpatch(self, p)

    def test_3_signed_off(self):
        for p in self.patches:
            signed_off(self, p)

    def test_4_mirror(self):
        mirror_matches(self)

    def test_5_code_shape(self):
        code_shape(self, self.patches)

    def test_6_standalone(self):
        """The WFE trap: posted on its own, so it applies alone and is
        held to the same rules."""
        for name in STANDALONE:
            p = os.path.join(SERIES, "local", name)
            applies_to_pristine(self, [p], "%s applies with git am to pristine "
                                "QEMU on its own" % name)
            checkpatch(self, p)
            signed_off(self, p)


if __name__ == "__main__":
    sys.exit(testing.main())

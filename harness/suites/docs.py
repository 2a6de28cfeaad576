# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's manual with the series, built from the work tree by Debian's
Sphinx with warnings as errors, as QEMU's --enable-docs -Werror build
does (TAP): the spec and the user's page are rendered and linked.

The build takes a minute and its result depends only on the work tree's
content, Sphinx and this file: it is cached in ~/.cache/qemu-pvlock/docs
under a key of those (never for a tree with uncommitted changes), with
Sphinx's output and the pages the checks read, and the suite says when a
result is cached. QEMU_PVLOCK_TESTS_RERUN=1 builds again."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

from harness import OUT, PATHS, QEMU_TREE, require
from harness import testing

HTML = os.path.join(OUT, "docs", "html")
CACHE = os.path.join(PATHS["CACHE_DIR"], "docs")
# The pages the checks read.
PAGES = ("specs/arm-pvlock.html", "system/arm/pvlock.html", "specs/index.html",
         "system/arm/virt.html", "system/target-arm.html")


def cache_key():
    """(key, tree id) of what the manual is built from, or (None, None)
    for a work tree with changes that are not committed."""
    git = ["git", "-C", QEMU_TREE]
    if subprocess.check_output(git + ["status", "--porcelain"], text=True):
        return None, None
    tree = subprocess.check_output(git + ["rev-parse", "HEAD^{tree}"],
                                   text=True).strip()
    sphinx = subprocess.check_output(["sphinx-build", "--version"], text=True)
    with open(__file__, "rb") as f:
        me = hashlib.sha256(f.read()).hexdigest()
    key = hashlib.sha256(("%s\n%s\n%s" % (tree, sphinx, me)).encode()).hexdigest()
    return key[:16], tree


def build():
    """Sphinx's (exit status, output) and the pages the checks read."""
    shutil.rmtree(HTML, ignore_errors=True)
    os.makedirs(HTML)
    r = subprocess.run(["sphinx-build", "-q", "-W", "-Dkerneldoc_werror=1",
                        "-j", "auto", "-b", "html", "docs", HTML],
                       cwd=QEMU_TREE, capture_output=True, text=True,
                       env=dict(os.environ, CONFDIR="/usr/local/etc/qemu"))
    pages = {}
    for rel in PAGES:
        try:
            with open(os.path.join(HTML, rel)) as f:
                pages[rel] = f.read()
        except OSError:
            pass
    return {"returncode": r.returncode, "output": r.stdout + r.stderr,
            "pages": pages}


def manual():
    """build()'s result, from the cache when it has one for this tree;
    and how it was obtained."""
    key, tree = cache_key()
    path = key and os.path.join(CACHE, key + ".json")
    if path and os.path.exists(path) and \
            os.environ.get("QEMU_PVLOCK_TESTS_RERUN") != "1":
        with open(path) as f:
            res = json.load(f)
        return res, "cached %s (key %s: tree %s, Sphinx, this suite)" % (
            res["date"], key, tree[:12])
    start = time.time()
    res = build()
    how = "built now, %.0f s" % (time.time() - start)
    if path and res["returncode"] == 0:
        res["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        os.makedirs(CACHE, exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(res, f)
        os.replace(path + ".tmp", path)
        how += ", cached as key %s" % key
    return res, how


class Docs(testing.Suite):
    def test_manual(self):
        require("docs")
        res, how = manual()
        self.note("QEMU's manual: %s" % how)

        def page(rel):
            return res["pages"].get(rel, "")

        self.ok(res["returncode"] == 0, "QEMU manual builds with warnings as errors",
                res["output"])
        self.ok("The structure" in page("specs/arm-pvlock.html") and
                "Enabling it" in page("system/arm/pvlock.html"),
                "docs/specs/arm-pvlock.rst and docs/system/arm/pvlock.rst are rendered")
        self.ok('href="arm-pvlock.html"' in page("specs/index.html"),
                "the spec is in the specs index")
        self.ok('href="pvlock.html' in page("system/arm/virt.html") and
                'href="arm/pvlock.html"' in page("system/target-arm.html") and
                "../../specs/arm-pvlock.html" in page("system/arm/pvlock.html"),
                "the user's page is linked from virt.rst and the Arm toctree, "
                "and links the spec")


if __name__ == "__main__":
    sys.exit(testing.main())

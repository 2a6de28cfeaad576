# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's manual with the series, built from the work tree by Debian's
Sphinx with warnings as errors, as QEMU's --enable-docs -Werror build
does (TAP): the spec and the user's page are rendered and linked."""

import os
import shutil
import subprocess
import sys

from harness import OUT, QEMU_TREE, require
from harness import testing

HTML = os.path.join(OUT, "docs", "html")


def page(rel):
    try:
        with open(os.path.join(HTML, rel)) as f:
            return f.read()
    except OSError:
        return ""


class Docs(testing.Suite):
    def test_manual(self):
        require("docs")
        shutil.rmtree(HTML, ignore_errors=True)
        os.makedirs(HTML)
        r = subprocess.run(["sphinx-build", "-q", "-W", "-Dkerneldoc_werror=1",
                            "-j", "auto", "-b", "html", "docs", HTML],
                           cwd=QEMU_TREE, capture_output=True, text=True,
                           env=dict(os.environ, CONFDIR="/usr/local/etc/qemu"))
        self.ok(r.returncode == 0, "QEMU manual builds with warnings as errors",
                r.stdout + r.stderr)
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

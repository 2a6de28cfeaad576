# SPDX-License-Identifier: GPL-2.0-or-later
"""The test suites that scripts/test.sh runs: one module each, each a
unittest module (harness.testing: TAP from pycotap, one line per check)
that exits non-zero if a check failed. With QEMU built, from the top
directory, with Debian's python3:

    /usr/bin/python3 -m harness.suites.NAME

NAME: smoke style docs tcg linux migration kvm libvirt pristine (qtest is
meson's, run by scripts/test.sh)."""

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build QEMU's manual from the work tree with Debian's Sphinx, warnings
# as errors (as QEMU's own --enable-docs -Werror build does), and check
# that the PV-lock page is there and linked. TAP output.

. "$(dirname "$0")/common.sh"

"$TOP/scripts/install-deps.sh" docs >&2
html=$OUT/docs/html
log=$OUT/docs/sphinx.log
rm -rf "$html"
mkdir -p "$html"

echo "1..3"
if (cd "$QEMU_TREE" && CONFDIR=/usr/local/etc/qemu \
        sphinx-build -q -W -Dkerneldoc_werror=1 -j auto -b html docs "$html") \
        > "$log" 2>&1; then
    echo "ok 1 - QEMU manual builds with warnings as errors"
else
    echo "not ok 1 - QEMU manual builds with warnings as errors"
    sed 's/^/#   /' "$log" | tail -n 30
fi
if grep -q 'Guest-visible\|The guest ABI' "$html/system/arm/pvlock.html" 2>/dev/null; then
    echo "ok 2 - docs/system/arm/pvlock.rst is rendered"
else
    echo "not ok 2 - docs/system/arm/pvlock.rst is rendered"
fi
if grep -q 'href="pvlock.html' "$html/system/arm/virt.html" 2>/dev/null &&
   grep -q 'href="arm/pvlock.html"' "$html/system/target-arm.html" 2>/dev/null; then
    echo "ok 3 - the page is linked from virt.rst and the Arm toctree"
else
    echo "not ok 3 - the page is linked from virt.rst and the Arm toctree"
fi

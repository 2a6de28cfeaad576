# SPDX-License-Identifier: GPL-2.0-or-later
"""The trusted benchmarks for the arm64 Linux guest: Debian 13's
hackbench (rt-tests), stress-ng, sysbench and perf (linux-perf), with
their shared libraries and the dynamic loader, as a tree that
scripts/setup/fetch-benchmarks.sh prepares (and caches) in
$QEMU_PVLOCK_OUT/bench-tools/root, laid out as merged /usr: the
binaries in /usr/bin, the libraries in /usr/lib/aarch64-linux-gnu (a
directory the loader searches without ld.so.cache), /lib a link to
usr/lib, so that /lib/ld-linux-aarch64.so.1, the binaries' interpreter,
is there.

    python3 -m harness.benchtools            prints the tree's path
    python3 -m harness.benchtools ROOT       installs it into ROOT, prints
                                             the binaries' guest paths

In the guest, perf wants --no-pager (or PAGER=cat) on a console."""

import os
import shutil
import sys

from harness import script

BIN_DIR = "usr/bin"


def tree():
    """Path of the benchmarks' tree, fetched and unpacked unless cached."""
    return script("scripts/setup/fetch-benchmarks.sh")[-1]


def _merge(src, dst, top):
    """Copy directory src into dst, symbolic links as links. A link in
    src where dst already has a real directory (/lib in a root that has
    one) is merged instead: each entry of the directory it points to is
    linked into dst's directory by its absolute guest path, unless dst
    has that entry already."""
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.islink(s):
            if os.path.isdir(d) and not os.path.islink(d):
                target = os.path.realpath(s)
                if not os.path.isdir(target) or os.path.commonpath([target, top]) != top:
                    raise RuntimeError("%s: a link to %s, but %s is a directory" % (s, target, d))
                _link_into(target, d, top)
                continue
            if os.path.lexists(d):
                os.remove(d)
            os.symlink(os.readlink(s), d)
        elif os.path.isdir(s):
            _merge(s, d, top)
        else:
            if os.path.islink(d):
                os.remove(d)    # never write through a link of root's
            elif os.path.lexists(d) and not os.path.isfile(d):
                raise RuntimeError("%s: in the way of %s" % (d, s))
            shutil.copy2(s, d)


def _link_into(target, d, top):
    """Link each entry of target (a directory of the tree top) into the
    real directory d, by absolute guest path; recurse where both are
    directories."""
    for name in sorted(os.listdir(target)):
        t, e = os.path.join(target, name), os.path.join(d, name)
        if not os.path.lexists(e):
            os.symlink("/" + os.path.relpath(t, top), e)
        elif os.path.isdir(e) and not os.path.islink(e) and os.path.isdir(t):
            _link_into(t, e, top)


def install(root, src=None):
    """Copy the tree (src, default tree()) on top of the initramfs root
    directory root, keeping its symbolic links; returns the guest paths
    of the benchmarks installed, e.g. /usr/bin/hackbench."""
    src = os.path.realpath(src or tree())
    _merge(src, root, src)
    bins = os.path.join(src, BIN_DIR)
    return ["/%s/%s" % (BIN_DIR, name) for name in sorted(os.listdir(bins))
            if os.access(os.path.join(bins, name), os.X_OK)]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print("\n".join(install(sys.argv[1])))
    else:
        print(tree())

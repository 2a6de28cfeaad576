# SPDX-License-Identifier: GPL-2.0-or-later
"""Read LeakSanitizer reports (scripts/sanitize.sh's leak step):

    python3 -m harness.sanitizers leaks DIR

Each leak of each report file under DIR (report.PID, as log_path names them) is the series' if a frame of its
allocation stack is in the series' code: a function or file whose name
holds "pvlock" (hw/arm/pvlock.c, and every function the series adds to
virt.c, psci.c and kvm.c carries the word). Those are printed whole and
make the exit status 1. The others are upstream QEMU's: counted, by the
first frames in QEMU past the allocator, and printed in one line each.
Any other report (an ASan error, UBSan's "runtime error") also fails."""

import collections
import os
import re
import sys

FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ in (\S+)(?: (\S+))?")
LEAK = re.compile(r"^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object")
ALLOCATORS = re.compile(r"^(malloc|calloc|realloc|posix_memalign|aligned_alloc|"
                        r"operator new|g_\w+|strdup|strndup)")


def leaks(path):
    """The leaks of one report file: [(header line, bytes, [frame lines])]."""
    out, cur = [], None
    for line in open(path, errors="replace"):
        m = LEAK.match(line)
        if m:
            cur = (line.strip(), int(m.group(2)), [])
            out.append(cur)
        elif cur is not None and FRAME.match(line):
            cur[2].append(line.rstrip())
        elif cur is not None and not line.strip() and cur[2]:
            cur = None
    return out


def ours(frames, word="pvlock"):
    for f in frames:
        fn, loc = FRAME.match(f).group(2, 3)
        if word in ("%s %s" % (fn, loc or "")).lower():
            return True
    return False


def where(frames):
    """The first three frames in QEMU's own code past the allocator."""
    qemu = []
    for f in frames:
        fn, loc = FRAME.match(f).group(2, 3)
        if ALLOCATORS.match(fn) or not (loc or "").startswith("/"):
            continue
        qemu.append("%s %s" % (fn, re.sub(r"^.*/qemu/", "", loc)))
    return " < ".join(qemu[:3]) or "?"


def main(argv):
    if len(argv) != 3 or argv[1] != "leaks" or not os.path.isdir(argv[2]):
        sys.exit("usage: python3 -m harness.sanitizers leaks DIR")
    series, upstream = [], collections.Counter()
    size = collections.Counter()
    files, other = 0, []
    for root, _, names in os.walk(argv[2]):
        for n in sorted(x for x in names if x.startswith("report.")):
            text = open(os.path.join(root, n), errors="replace").read()
            if "ERROR: AddressSanitizer" in text or "runtime error:" in text:
                other.append(os.path.join(root, n))
            found = leaks(os.path.join(root, n))
            files += bool(found)
            for head, nbytes, frames in found:
                if ours(frames):
                    series.append((os.path.join(root, n), head, frames))
                else:
                    upstream[where(frames)] += 1
                    size[where(frames)] += nbytes
    print("leak reports in %d processes: %d leaks in the series' code, %d upstream"
          % (files, len(series), sum(upstream.values())))
    for w, n in upstream.most_common():
        print("  upstream: %d leaks, %d bytes, allocated at %s" % (n, size[w], w))
    for path, head, frames in series:
        print("--- %s\n%s\n%s" % (path, head, "\n".join(frames)))
    for path in other:
        print("--- %s: a report other than a leak\n%s" % (path, open(path, errors="replace").read()[:4000]))
    return 1 if series or other else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

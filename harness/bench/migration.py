# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration figures, pvlock=on vs off, for the same running guest
(guests/pvlock-bench.c mode 4: 2 vCPUs computing, no PV-lock call), over
a unix socket, interleaved runs: bytes transferred and downtime from
query-migrate. Target: the byte difference is the PV-lock region's size
or less; downtime ratio on/off <= 1.05.

Usage: python3 -m harness.bench.migration [--runs N]"""

import argparse
import os
import statistics
import sys
import tempfile
import time

from harness import guests, migration
from harness.qemu import VM

REGION = 64 * 1024


def once(pvlock, d, bench):
    args = ["-machine", "virt,pvlock=%s" % pvlock, "-cpu", "max", "-smp", "2",
            "-m", "256", "-kernel", bench,
            "-device", "loader,addr=0x47fff000,data=4,data-len=8"]
    sock = os.path.join(d, "m.sock")
    src = VM(args, name="msrc")
    dst = VM(args + ["-incoming", "unix:" + sock], name="mdst")
    try:
        q = src.connect()
        dst.connect()
        time.sleep(0.5)                    # let the guest run
        migration.start(q, "unix:" + sock, caps=())
        info = migration.wait(q, 120)
        if info["status"] != "completed":
            sys.exit("migration failed: %s" % info)
        return info["ram"]["transferred"], info["downtime"], info["ram"]
    finally:
        src.close()
        dst.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    bench = guests.build("pvlock-bench")
    res = {"on": [], "off": []}
    with tempfile.TemporaryDirectory(prefix="pvlock-migbench-") as d:
        for _ in range(a.runs):
            for pv in ("off", "on"):
                res[pv].append(once(pv, d, bench))
    b = {pv: statistics.median(r[0] for r in res[pv]) for pv in res}
    t = {pv: statistics.median(r[1] for r in res[pv]) for pv in res}
    tmin = {pv: min(r[1] for r in res[pv]) for pv in res}
    print("migration of a running 2-vCPU guest, 256 MiB, unix socket, "
          "median of %d runs each:" % a.runs)
    for pv in ("off", "on"):
        ram = res[pv][-1][2]
        print("  pvlock=%-3s transferred %d bytes (normal pages %d, zero pages %d), "
              "downtime %d ms (min %d)" % (pv, b[pv], ram["normal"], ram["duplicate"],
                                            t[pv], tmin[pv]))
    print("  bytes on - off: %+d (the region is %d bytes; target: no more)"
          % (b["on"] - b["off"], REGION))
    print("  downtime ratio on/off: %.3f (medians), %.3f (minima) (target <= 1.05)"
          % (t["on"] / t["off"], tmin["on"] / max(tmin["off"], 1)))


if __name__ == "__main__":
    main()

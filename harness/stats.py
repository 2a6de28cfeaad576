# SPDX-License-Identifier: GPL-2.0-or-later
"""Statistics for the benchmarks: is a PV/nopvlock difference real?

ratio_ci() gives the ratio of the medians of two arms and a 95 %
percentile-bootstrap confidence interval for it. When the two arms have
the same number of runs and run i of each shares its seed (the nested
benchmark's design: one seed, one L1 boot, both arms), the runs are
resampled as pairs; otherwise each arm is resampled on its own. The
bootstrap's own random numbers are seeded, so the same results give the
same interval. A ratio whose interval contains 1 is "no difference".

With few runs (5 to 9) a percentile interval is rough: it cannot be
wider than the spread of what was measured, and with 5 runs its ends
are close to the smallest and largest resampled medians. The tables say
how many runs each cell has."""

import random
import statistics

REPS = 10000


def ratio_ci(a, b, paired=True, level=0.95, reps=REPS, seed=1):
    """(median(a) / median(b), low, high) for the arms a and b (lists of
    positive numbers); None if either is empty or b's median is 0."""
    if not a or not b or statistics.median(b) == 0:
        return None
    ratio = statistics.median(a) / statistics.median(b)
    rng = random.Random(seed)
    boots = []
    pair = paired and len(a) == len(b)
    for _ in range(reps):
        if pair:
            idx = [rng.randrange(len(a)) for _ in a]
            ra, rb = [a[i] for i in idx], [b[i] for i in idx]
        else:
            ra = [rng.choice(a) for _ in a]
            rb = [rng.choice(b) for _ in b]
        mb = statistics.median(rb)
        if mb:
            boots.append(statistics.median(ra) / mb)
    boots.sort()
    lo = boots[int((1 - level) / 2 * len(boots))]
    hi = boots[min(len(boots) - 1, int((1 + level) / 2 * len(boots)))]
    return ratio, lo, hi


def median_ci(xs, level=0.95, reps=REPS, seed=1):
    """(median(xs), low, high): the median of per-seed paired ratios and
    its percentile-bootstrap interval; None if xs is empty."""
    if not xs:
        return None
    rng = random.Random(seed)
    boots = sorted(statistics.median([rng.choice(xs) for _ in xs]) for _ in range(reps))
    return (statistics.median(xs), boots[int((1 - level) / 2 * reps)],
            boots[min(reps - 1, int((1 + level) / 2 * reps))])


def verdict(ci):
    """"faster", "slower" or "no difference" for a ratio_ci() result."""
    if ci is None:
        return "-"
    _, lo, hi = ci
    if lo > 1:
        return "faster"
    if hi < 1:
        return "slower"
    return "no difference"


def spread(xs):
    """(max - min) / median of xs, as a fraction: 0.02 is 2 %."""
    m = statistics.median(xs)
    return (max(xs) - min(xs)) / m if m else float("inf")


if __name__ == "__main__":
    # Self-check: identical arms give 1 and an interval that contains
    # it; clearly separated arms an interval that excludes it.
    same = ratio_ci([10, 11, 9, 10, 10], [10, 9, 11, 10, 10])
    assert same[0] == 1 and same[1] <= 1 <= same[2], same
    apart = ratio_ci([20, 21, 19, 20, 22], [10, 11, 9, 10, 10])
    assert apart[1] > 1.5, apart
    assert verdict(apart) == "faster" and verdict(same) == "no difference"
    print("stats self-check ok: %s %s" % (same, apart))

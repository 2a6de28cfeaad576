# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's own tests (meson's qtest-aarch64 and unit suites) of a build:
listing them, running them, reading meson's JSON log, and their results
cached in ~/.cache/qemu-pvlock/test-results, keyed by what determines
them (cache_key()). The pristine suite compares two builds' results;
harness.qtest is scripts/test.sh's qtest suite."""

import hashlib
import json
import os
import subprocess
import time

from harness import PATHS

CACHE = PATHS["TEST_RESULTS_CACHE"]


def test_list(build, suite):
    return subprocess.run(["meson", "test", "-C", build, "--no-rebuild", "--list",
                           "--suite", suite],
                          capture_output=True, text=True, check=True).stdout


def short(name):
    """A test's name without meson's "project:suite / " prefix."""
    return name.split(" / ", 1)[-1]


def list_names(build, suite):
    """The names of suite's tests in build (short())."""
    return {short(l.strip()) for l in test_list(build, suite).split("\n") if " / " in l}


def run_meson(build, suite, names=()):
    """meson test --suite suite in build, only the tests names if given;
    returns {name: result}."""
    subprocess.run(["meson", "test", "-C", build, "--no-rebuild", "--suite", suite,
                    "--num-processes", str(os.cpu_count() or 1),
                    "--logbase", "pvlock-" + suite] +
                   list(names),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_log(os.path.join(build, "meson-logs", "pvlock-%s.json" % suite))


def read_log(path):
    res = {}
    for line in open(path):
        t = json.loads(line)
        res[short(t["name"])] = t["result"]
    return res


def fresh_qtest_log(build):
    """scripts/test.sh's qtest-aarch64 result for this build, if it is
    newer than every binary it ran and lists the same tests; else None."""
    log = os.path.join(build, "meson-logs", "qtest-aarch64.json")
    if not os.path.exists(log):
        return None
    qtests = os.path.join(build, "tests", "qtest")
    binaries = [os.path.join(build, b) for b in
                ("qemu-system-aarch64", "qemu-img", "qemu-storage-daemon",
                 "qemu-io", "qemu-nbd")]
    binaries += [os.path.join(qtests, f) for f in os.listdir(qtests)]
    newest = max(os.path.getmtime(b) for b in binaries
                 if os.path.isfile(b) and os.access(b, os.X_OK))
    if os.path.getmtime(log) < newest:
        return None
    res = read_log(log)
    return res if set(res) == list_names(build, "qtest-aarch64") else None


def cache_key(build, suite):
    """What determines the pristine build's results of suite: the source
    tree's content (its git tree id: commit ids differ between clones,
    whose work trees prepare.sh commits at different times), the
    configure arguments and the list of tests. None for a tree with
    changes that are not committed: the id would not name them."""
    tree = os.path.join(os.path.dirname(build), "qemu")
    if subprocess.check_output(["git", "-C", tree, "status", "--porcelain"], text=True):
        return None, None
    tree_id = subprocess.check_output(["git", "-C", tree, "rev-parse", "HEAD^{tree}"],
                                      text=True).strip()
    args = open(os.path.join(build, ".pvlock-configure-args")).read()
    key = hashlib.sha256(("%s\n%s\n%s\n%s" % (tree_id, args, suite,
                                              test_list(build, suite))).encode()
                         ).hexdigest()[:16]
    return key, tree_id


def cached(build, suite):
    """(results, how) of suite from the cache (cached_results()), or
    (None, path to cache them at, or None for an uncommitted tree)."""
    key, tree_id = cache_key(build, suite)
    path = key and os.path.join(CACHE, "%s-%s.json" % (suite, key))
    if path and os.path.exists(path) and \
            os.environ.get("QEMU_PVLOCK_TESTS_RERUN") != "1":
        c = json.load(open(path))
        return {short(n): r for n, r in c["results"].items()}, "cached %s (key %s: tree %s, configure args, test list)" \
            % (c["date"], key, tree_id[:12])
    return None, path and (path, key, tree_id)


def cached_results(build, suite, rebuild):
    """A build's results of suite, cached in ~/.cache/qemu-pvlock keyed
    by cache_key(): a run of qtest-aarch64 takes 3 minutes, more than
    CI's warm budget has, and a fresh clone's tree is the same content
    as the last run's. Returns (results, how they were obtained, said in
    the TAP output). rebuild() first builds what the tests need.
    QEMU_PVLOCK_TESTS_RERUN=1 reruns them."""
    res, where = cached(build, suite)
    if res is not None:
        return res, where
    path, key, tree_id = where or (None, None, None)
    rebuild()
    start = time.time()
    res = run_meson(build, suite)
    how = "ran now, %.0f s" % (time.time() - start)
    if where:
        store(where, res)
        how += ", cached as key %s" % key
    return res, how


def store(where, res):
    """Cache results res where cached() said they go: (path, key, tree id)."""
    path, _, tree_id = where
    os.makedirs(CACHE, exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "tree": tree_id, "results": res}, f)
    os.replace(path + ".tmp", path)

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The project's test command (README: 'make check'). Installs what it
# needs, builds, then runs every suite and prints one summary line:
#   N passed, N failed, N skipped
# Suites may be chosen: test.sh [SUITE...]  (default: all of them)

. "$(dirname "$0")/common.sh"
# The harness runs as python3 -m harness.X from the top directory.
cd "$TOP"

# pristine last: it reuses the qtest suite's result (harness/suites/pristine.py).
ALL_SUITES="smoke style docs tcg linux migration kvm libvirt qtest pristine"
suites=${*:-$ALL_SUITES}

# Every Debian package the chosen suites need, before any suite starts:
# no suite calls apt (they check, harness.require()).
groups="build test docs guests linux"
for s in $suites; do
    case "$s" in
    linux|migration|kvm|libvirt) groups+=" cross kernel";;&
    libvirt) groups+=" libvirt";;
    esac
done
# shellcheck disable=SC2086
"$TOP/scripts/setup/install-deps.sh" $(printf '%s\n' $groups | sort -u)
"$TOP/scripts/build/qemu.sh"

RESULTS=$OUT/test-results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
pass=0 fail=0 skip=0
failed_names=()

# Count a TAP stream's results (ok / not ok / # SKIP).
count_tap() {
    local suite=$1 file=$2 line
    while IFS= read -r line; do
        case "$line" in
        "not ok"*) fail=$((fail + 1)); failed_names+=("$suite: ${line#not ok }");;
        ok*"# SKIP"*|ok*"# skip"*) skip=$((skip + 1));;
        ok*) pass=$((pass + 1));;
        esac
    done < "$file"
}

# Count meson's per-test results from its JSON log.
count_meson() {
    local suite=$1 json=$2 res
    while IFS=$'\t' read -r res name; do
        case "$res" in
        OK|EXPECTEDFAIL) pass=$((pass + 1));;
        SKIP) skip=$((skip + 1));;
        *) fail=$((fail + 1)); failed_names+=("$suite: $name ($res)");;
        esac
    done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    print(t["result"] + "\t" + t["name"])' "$json")
}

run_tap_suite() {
    local suite=$1; shift
    msg "suite $suite"
    local start=$SECONDS rc=0
    "$@" 2>&1 | tee "$RESULTS/$suite.tap" || rc=$?
    count_tap "$suite" "$RESULTS/$suite.tap"
    # A crashed script that printed no 'not ok' still fails the run.
    if [ $rc -ne 0 ] && ! grep -q '^not ok' "$RESULTS/$suite.tap"; then
        fail=$((fail + 1)); failed_names+=("$suite: exited with status $rc")
    fi
    msg "suite $suite took $((SECONDS - start)) s"
}

for s in $suites; do
    case "$s" in
    smoke|style|docs|tcg|linux|migration|kvm|libvirt|pristine)
        run_tap_suite "$s" "$PYTHON" -m "harness.suites.$s";;
    qtest)
        msg "suite qtest (meson test --suite qtest-aarch64, harness/qtest.py)"
        start=$SECONDS
        "$PYTHON" -m harness.qtest || true
        count_meson qtest "$TEST_BUILD/meson-logs/qtest-aarch64.json"
        msg "suite qtest took $((SECONDS - start)) s"
        ;;
    *) die "unknown suite '$s' (known: $ALL_SUITES)";;
    esac
done

echo
for n in "${failed_names[@]}"; do echo "FAILED: $n"; done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The series under AddressSanitizer and UndefinedBehaviorSanitizer:
# builds build/qemu-asan (scripts/build/asan.sh), then runs with it the
# series' qtest (pvlock-test) and the tcg (with the SMCCC fuzzer), linux
# and migration suites, and checks that no sanitizer reported anything.
# Prints a summary; exits non-zero on a failed test or any report.
#   sanitize.sh [SUITE...]   (default: pvlock-test tcg linux migration leaks)
#
# Every report is written to a file that this script reads afterwards
# (log_path), so "no report" is checked, not assumed from exit codes:
# the harness kills some QEMUs, and some tests expect QEMU to fail.
# The build is clang's (scripts/build/asan.sh says why), whose one
# runtime writes ASan's and UBSan's reports alike to log_path.
# - UBSan: halt_on_error=1, so the first report also ends QEMU non-zero.
# - ASan: halts on its first report (halt_on_error=1, its default).
#   detect_leaks=0: QEMU leaves much allocated at exit on purpose (it
#   exits without tearing the machine down), and upstream's own
#   sanitizer run does the same (tests/docker/test-debug).
# - 'leaks' runs pvlock-test and the tcg suite again with LeakSanitizer
#   (full stacks, exit status untouched): a leak with a frame in the
#   series' code fails, upstream's are listed (harness/sanitizers.py).

. "$(dirname "$0")/common.sh"
cd "$TOP"

ALL="pvlock-test tcg linux migration leaks"
suites=${*:-$ALL}
for s in $suites; do
    case " $ALL " in *" $s "*) ;; *) die "unknown suite '$s' (known: $ALL)";; esac
done

start_all=$SECONDS
ASAN_BUILD=$("$TOP/scripts/build/asan.sh" | tail -n 1)
msg "sanitizer build ready in $((SECONDS - start_all)) s"
REPORTS=$OUT/sanitize
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

# sanitizer_env DIR: the options, with reports written under DIR.
sanitizer_env() {
    mkdir -p "$1"
    # One runtime, so one log_path (the last one parsed wins): the same.
    export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$1/report"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$1/report"
    STEP_DIR=$1
}

# First, that the options do what this script relies on: a program
# built with the same sanitizers, made to commit each kind of error,
# must exit non-zero and leave a report where the scan looks.
selfcheck() {
    local d=$REPORTS/selfcheck kind rc
    mkdir -p "$d"
    cat > "$d/probe.c" <<'C'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    volatile int big = 0x7fffffff;
    char *p = malloc(8);
    if (!strcmp(argv[1], "ubsan")) {
        return big + argc;              /* signed overflow */
    }
    p[8] = 1;                           /* heap overflow */
    return p[0];
}
C
    clang -g -fsanitize=address,undefined -o "$d/probe" "$d/probe.c" || return 1
    for kind in asan ubsan; do
        rc=0
        (sanitizer_env "$d/$kind"; "$d/probe" "$kind") 2>/dev/null || rc=$?
        if [ $rc -eq 0 ] || [ -z "$(real_reports "$d/$kind")" ]; then
            msg "self-check: a $kind error gave exit $rc and no report in $d/$kind"
            return 1
        fi
    done
}

# Warnings that are not reports; every other line in a log file is one.
# - ASan's interceptor of swapcontext() warns once per process that it
#   "doesn't fully support makecontext/swapcontext" (QEMU's coroutines use
#   them, and tell ASan about every stack switch: util/coroutine-ucontext.c
#   calls __sanitizer_start_switch_fiber).
# - A coroutine that leaves its stack through siglongjmp() makes ASan
#   "ignore requested __asan_handle_no_return" (three lines: the warning,
#   "False positive error reports may follow", the link to ASan's issue
#   189); no report followed it in any run.
BENIGN_LINES=(
    "WARNING: ASan doesn't fully support makecontext/swapcontext functions"
    "WARNING: ASan is ignoring requested __asan_handle_no_return"
    "False positive error reports may follow"
    "For details see https://github.com/google/sanitizers/issues/189"
)
BENIGN_ARGS=("${BENIGN_LINES[@]/#/-e}")

# real_reports DIR: the log files under DIR that hold a report.
real_reports() {
    local f
    find "$1" -type f -name 'report.*' | sort | while read -r f; do
        if grep -qvF "${BENIGN_ARGS[@]}" "$f"; then echo "$f"; fi
    done
}

# leak_env DIR: the same, with LeakSanitizer on; the slow unwinder gives
# whole allocation stacks (glib has no frame pointers), and the exit
# status stays QEMU's (the tests check it; the leak step reads the logs).
leak_env() {
    sanitizer_env "$1"
    export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1:log_path=$1/report"
    export LSAN_OPTIONS=exitcode=0
}

# suite_cmd NAME: run one suite on the sanitizer build, TAP on stdout.
suite_cmd() {
    case "$1" in
    pvlock-test)
        # meson test prints one line per test: make it TAP-like for run().
        # Its 60 s timeout is for a normal build: under the sanitizers,
        # and with LeakSanitizer's slow unwinder on every allocation (the
        # leak step), each QEMU the test starts runs several times slower.
        meson test -C "$ASAN_BUILD" --no-rebuild --logbase pvlock-test-asan \
            --timeout-multiplier 10 \
            qtest-aarch64/pvlock-test --print-errorlogs >"$STEP_DIR/meson.log" 2>&1 &&
            echo "ok - pvlock-test" || {
            cat "$STEP_DIR/meson.log"; echo "not ok - pvlock-test"; return 1; }
        ;;
    *)  QEMU_PVLOCK_QEMU_BUILD="$ASAN_BUILD" "$PYTHON" -m "harness.suites.$1";;
    esac
}

leak_suites() {
    local rc=0
    suite_cmd pvlock-test || rc=1
    suite_cmd tcg || rc=1
    return $rc
}

total_fail=0 total_reports=0 benign=0
rows=()
run() {     # name, environment function, command...
    local name=$1 envfn=$2 t=$SECONDS rc=0 log pass fail skip n
    shift 2
    log=$REPORTS/$name.log
    msg "running $name under the sanitizers"
    ("$envfn" "$REPORTS/$name"; "$@") > "$log" 2>&1 || rc=$?
    pass=$(grep -c '^ok' "$log" || true)
    skip=$(grep -c '^ok.*# SKIP' "$log" || true)
    fail=$(grep -c '^not ok' "$log" || true)
    pass=$((pass - skip))
    # A command that failed without a 'not ok' line still failed.
    [ $rc -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
    if [ "$name" = leaks ]; then
        # Leak reports are expected (upstream's): only the series' count.
        "$PYTHON" -m harness.sanitizers leaks "$REPORTS/$name" > "$REPORTS/leaks.summary" || true
        n=$(sed -n '1s/.*: \([0-9]*\) leaks in the series.*/\1/p' "$REPORTS/leaks.summary")
        grep -q "a report other than a leak" "$REPORTS/leaks.summary" && n=$((n + 1))
    else
        n=$(real_reports "$REPORTS/$name" | wc -l)
    fi
    benign=$((benign + $(grep -rlF "${BENIGN_ARGS[@]}" "$REPORTS/$name" | wc -l || true)))
    rows+=("$(printf '%-12s %4d %4d %4d %8d %6d s' "$name" "$pass" "$fail" "$skip" "$n" $((SECONDS - t)))")
    total_fail=$((total_fail + fail)) total_reports=$((total_reports + n))
    grep '^not ok' "$log" | sed "s/^/$name: /" >&2 || true
}

selfcheck_ok=yes
selfcheck || selfcheck_ok=no
[ $selfcheck_ok = yes ] || total_fail=$((total_fail + 1))

for s in $suites; do
    case "$s" in
    leaks) run leaks leak_env leak_suites;;
    *) run "$s" sanitizer_env suite_cmd "$s";;
    esac
done

echo
echo "Sanitizers (ASan+UBSan) on $ASAN_BUILD; reports and logs in $REPORTS"
echo "self-check (an ASan and a UBSan error are reported and fail): $selfcheck_ok"
printf '%-12s %4s %4s %4s %8s %8s\n' suite pass fail skip reports time
printf '%s\n' "${rows[@]}"
echo "($benign processes logged ASan's coroutine warnings (makecontext/swapcontext, __asan_handle_no_return), which are not reports)"
for s in $suites; do
    [ "$s" != leaks ] || continue       # summarised below
    for f in $(real_reports "$REPORTS/$s"); do
        echo "--- $f"
        grep -vF "${BENIGN_ARGS[@]}" "$f" | head -n 40
    done
done
if [ -f "$REPORTS/leaks.summary" ]; then
    echo "leaks (pvlock-test and tcg again, LeakSanitizer on):"
    sed 's/^/  /' "$REPORTS/leaks.summary"
fi
echo "total: $total_fail failed, $total_reports sanitizer reports, $((SECONDS - start_all)) s"
[ $total_fail -eq 0 ] && [ $total_reports -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark: start-up (to QMP 'quit') of a 512-vCPU virt machine under
# qtest, pvlock=on vs pvlock=off, runs interleaved, median of each.
#   scripts/bench/startup.sh [RUNS]     (default 7)
# Prints both medians and the on/off ratio (target: <= 1.10).

. "$(dirname "$0")/../common.sh"

runs=${1:-7}
[ -x "$QEMU_BIN" ] || "$TOP/scripts/build.sh" >&2

one() {
    local t0 t1
    t0=$(date +%s%N)
    printf '%s\n' '{"execute": "qmp_capabilities"}' '{"execute": "quit"}' |
        "$QEMU_BIN" -machine "virt,gic-version=3,pvlock=$1" -cpu max -smp 512 \
            -accel qtest -qtest null -display none -nodefaults -qmp stdio \
            >/dev/null 2>&1 || die "QEMU failed with pvlock=$1"
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

on=() off=()
one off >/dev/null      # warm the page cache
for ((i = 0; i < runs; i++)); do
    off+=("$(one off)")
    on+=("$(one on)")
done
m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
echo "startup -smp 512 (qtest), median of $runs runs:"
echo "  pvlock=off: $((m_off / 1000)) ms"
echo "  pvlock=on:  $((m_on / 1000)) ms"
awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "  ratio on/off: %.3f (target <= 1.10)\n", a / b}'

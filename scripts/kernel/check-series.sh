#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What a kernel maintainer checks before taking a series:
#   check-series.sh host|guest
# scripts/checkpatch.pl --strict, from the same tree, on every patch of
# kernel/DIR/patches/ and patches/test/, then a build of the Image at
# every step (the project's config; incremental after the first step).
# Not part of scripts/test.sh: the builds take minutes per step.

. "$(dirname "$0")/lib.sh"

kernel_kind "${1:-}"
"$TOP/scripts/setup/install-deps.sh" guests cross kernel kernel-check
"$TOP/scripts/kernel/prepare.sh" "$KIND"
fail=0
mapfile -t patches < <(series_files "$KSERIES"; series_files "$KTEST")
for p in "${patches[@]}"; do
    if out=$(cd "$KTREE" && scripts/checkpatch.pl --strict --terse "$p" 2>&1); then
        echo "checkpatch: ok   ${p#"$TOP"/}"
    else
        echo "checkpatch: FAIL ${p#"$TOP"/}"; fail=1
    fi
    echo "$out" | grep -E "^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK)|total:" | sed 's/^/  /'
done

case "$KIND" in host) K=$OUT/kvm-host-kernel;; guest) K=$OUT/guest-kernel;; esac
O=$K/steps
mkdir -p "$O"
M=(make -C "$KTREE" O="$O" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)")
head=$(ktgit rev-parse HEAD)
trap 'ktgit checkout -q -f "$KIND"' EXIT
for c in $(ktgit rev-list --reverse "upstream..$head"); do
    ktgit checkout -q -f "$c"
    "${M[@]}" -s tinyconfig
    (cd "$KTREE" && ARCH=arm64 scripts/kconfig/merge_config.sh -m -O "$O" "$O/.config" "$FRAG" >/dev/null)
    "${M[@]}" -s olddefconfig
    if "${M[@]}" -s Image > "$O/build.log" 2>&1 && ! grep -q "warning:" "$O/build.log"; then
        echo "build: ok   $(ktgit log -1 --format=%s "$c")"
    else
        echo "build: FAIL $(ktgit log -1 --format=%s "$c") ($O/build.log)"; fail=1
    fi
done
exit $fail

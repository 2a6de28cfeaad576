#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libvirt patches' test command (make libvirt-check): fetch and
# prepare libvirt, build what the tests need (scripts/build/libvirt.sh),
# then run libvirt's own tests for the files the series changes, and
# the check of the QMP replies files. Ends with meson's summary and
# exits non-zero if a test failed. Not part of scripts/test.sh: the
# first build takes too long for CI (docs/libvirt-patches.md).

. "$(dirname "$0")/lib.sh"

start=$SECONDS
"$TOP/scripts/build/libvirt.sh"
# --no-rebuild: a plain 'meson test' would build the whole tree first.
meson test -C "$LIBVIRT_BUILD" --no-rebuild --print-errorlogs \
    "${LIBVIRT_TESTS[@]}" "qemu replies check" || rc=$?
# meson counts test programs; the test cases inside them are in the log
# (libvirt's progress lines: '.' passed, '_' skipped, '!' failed).
awk '/^test: /{name = $NF}
     /^ +[._!]+ +[0-9]+( +(OK|FAIL))?$/ {
        l = $1; skip[name] += gsub(/_/, "", l); fail[name] += gsub(/!/, "", l)
        total[name] = $2 }
     END { for (t in total)
        printf "%s: %d test cases, %d skipped, %d failed\n", t, total[t], skip[t], fail[t] }' \
    "$LIBVIRT_BUILD/meson-logs/testlog.txt" | sort
msg "build and tests took $((SECONDS - start)) s"
exit "${rc:-0}"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Smoke tests of the built qemu-system-aarch64 (TAP): -machine virt
# starts under qtest, and runs guest code under TCG.

. "$(dirname "$0")/common.sh"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; printf '#   %s\n' "$@"; }

echo "1..3"

# qtest: the machine is built and answers QMP.
out=$(printf '%s\n' '{"execute": "qmp_capabilities"}' \
          '{"execute": "qom-get", "arguments": {"path": "/machine", "property": "type"}}' \
          '{"execute": "quit"}' |
      timeout 60 "$QEMU_BIN" -machine virt -accel qtest -qtest null \
          -display none -nodefaults -qmp stdio 2>&1)
if grep -q '"return": "virt-10.0-machine"' <<<"$out"; then
    ok "virt starts under qtest"
else
    not_ok "virt starts under qtest" "$out"
fi

# TCG: a guest prints through the PL011 and powers off through PSCI.
guest=$("$TOP/guests/build.sh" hello)
out=$(timeout 60 "$QEMU_BIN" -machine virt -cpu max -accel tcg -m 128 \
          -display none -nodefaults -serial stdio -kernel "$guest" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q 'hello from aarch64 guest code' <<<"$out"; then
    ok "virt runs guest code under TCG and powers off"
else
    not_ok "virt runs guest code under TCG and powers off" "exit status $rc" "$out"
fi

# The firmware path finds the ROMs the +ds tarball lacks.
if "$QEMU_BIN" -L help 2>&1 | grep -q /usr/lib/ipxe/qemu &&
   [ -f /usr/lib/ipxe/qemu/efi-virtio.rom ]; then
    ok "firmware path includes Debian's ipxe-qemu ROMs"
else
    not_ok "firmware path includes Debian's ipxe-qemu ROMs" "$("$QEMU_BIN" -L help 2>&1)"
fi

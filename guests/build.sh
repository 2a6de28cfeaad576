#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the bare-metal aarch64 test guests with Debian's cross compiler.
#   guests/build.sh NAME...   prints the path of each guest's ELF image

. "$(dirname "$0")/../scripts/common.sh"

"$TOP/scripts/install-deps.sh" guests
GUESTS_OUT=$OUT/guests
mkdir -p "$GUESTS_OUT"
CC=aarch64-linux-gnu-gcc
CFLAGS=(-O2 -g -ffreestanding -nostdlib -static -mgeneral-regs-only
        -Wall -Wextra -Werror -Wl,--build-id=none -Wl,-Ttext=0x40080000)

for name in "$@"; do
    src=("$TOP/guests/$name".[Sc])
    [ -f "${src[0]}" ] || die "no guest named $name in guests/"
    elf=$GUESTS_OUT/$name.elf
    if [ ! -f "$elf" ] || [ "${src[0]}" -nt "$elf" ] || [ "$0" -nt "$elf" ]; then
        "$CC" "${CFLAGS[@]}" -o "$elf" "${src[@]}" || die "building guest $name failed"
    fi
    echo "$elf"
done

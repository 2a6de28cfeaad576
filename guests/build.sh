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
        -march=armv8.1-a -mno-outline-atomics -fno-stack-protector
        -Wall -Wextra -Werror -Wl,--build-id=none -Wl,--no-warn-rwx-segments)

# A guest is NAME.S (alone), or NAME.c with the shared boot code and lib.
for name in "$@"; do
    elf=$GUESTS_OUT/$name.elf
    if [ -f "$TOP/guests/$name.S" ]; then
        srcs=("$TOP/guests/$name.S")
        ld=(-Wl,-Ttext=0x40080000)
    elif [ -f "$TOP/guests/$name.c" ]; then
        srcs=("$TOP/guests/boot.S" "$TOP/guests/lib.c" "$TOP/guests/$name.c")
        ld=(-T "$TOP/guests/guest.ld")
    else
        die "no guest named $name in guests/"
    fi
    stale=0
    for f in "${srcs[@]}" "$TOP/guests/lib.h" "$TOP/guests/guest.ld" "$0"; do
        [ "$f" -nt "$elf" ] && stale=1
    done
    if [ ! -f "$elf" ] || [ $stale = 1 ]; then
        "$CC" "${CFLAGS[@]}" "${ld[@]}" -I "$TOP/guests" -o "$elf" "${srcs[@]}" ||
            die "building guest $name failed"
    fi
    echo "$elf"
done

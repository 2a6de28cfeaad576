/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Smallest useful aarch64 guest: print a line on the virt machine's
 * PL011 and power off through PSCI (HVC conduit). Proves that the
 * built QEMU runs guest code under TCG.
 */
        .text
        .global _start
_start:
        ldr     x1, =0x09000000         /* PL011 data register */
        adr     x2, msg
1:      ldrb    w3, [x2], #1
        cbz     w3, 2f
        strb    w3, [x1]
        b       1b
2:      ldr     x0, =0x84000008         /* PSCI SYSTEM_OFF */
        hvc     #0
        b       .

        .section .rodata
msg:    .asciz  "hello from aarch64 guest code\n"

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up code of the bare-metal test guests, at EL1 or EL2
 * (-machine virt,virtualization=on). CPU 0 enters at _start; the others
 * at secondary_entry, started by PSCI CPU_ON with their index in x0.
 */
#define STACK_SIZE 16384

        .section .text.boot
        .global _start
_start:
        /* Zero .bss (the stacks are in it, so before using one). */
        ldr     x1, =__bss_start
        ldr     x2, =__bss_end
1:      cmp     x1, x2
        b.hs    2f
        stp     xzr, xzr, [x1], #16
        b       1b
2:      mov     x0, #0
        bl      setup_cpu
        bl      main
        b       .

        .global secondary_entry
secondary_entry:
        bl      setup_cpu
        bl      secondary_main
        b       .

/* x0 = CPU index, kept: stack, exception vectors, FP/SIMD access. */
setup_cpu:
        ldr     x1, =stacks + STACK_SIZE
        mov     x2, #STACK_SIZE
        madd    x1, x0, x2, x1
        mov     sp, x1
        adr     x1, vectors
        mrs     x2, CurrentEL
        cmp     x2, #(2 << 2)
        b.eq    3f
        msr     vbar_el1, x1
        mov     x2, #(3 << 20)          /* CPACR_EL1.FPEN: no FP traps */
        msr     cpacr_el1, x2
        isb
        ret
3:      msr     vbar_el2, x1
        msr     cptr_el2, xzr           /* no FP traps to EL2 */
        isb
        ret

/*
 * Exception vectors: synchronous exceptions from the current EL (SP_ELx)
 * go to sync_handler(esr, elr) in C, which returns the address to
 * resume at. Everything else is unexpected.
 */
        .macro  vector  handler
        .balign 0x80
        b       \handler
        .endm

        .balign 0x800
vectors:
        vector  unexpected              /* current EL, SP_EL0 */
        vector  unexpected
        vector  unexpected
        vector  unexpected
        vector  sync_entry              /* current EL, SP_ELx: sync */
        vector  unexpected
        vector  unexpected
        vector  unexpected
        .rept   8
        vector  unexpected              /* lower ELs */
        .endr

sync_entry:
        sub     sp, sp, #(20 * 8)
        stp     x0, x1, [sp, #0]
        stp     x2, x3, [sp, #16]
        stp     x4, x5, [sp, #32]
        stp     x6, x7, [sp, #48]
        stp     x8, x9, [sp, #64]
        stp     x10, x11, [sp, #80]
        stp     x12, x13, [sp, #96]
        stp     x14, x15, [sp, #112]
        stp     x16, x17, [sp, #128]
        stp     x18, x30, [sp, #144]
        mrs     x2, CurrentEL
        cmp     x2, #(2 << 2)
        b.eq    4f
        mrs     x0, esr_el1
        mrs     x1, elr_el1
        bl      sync_handler
        msr     elr_el1, x0
        b       5f
4:      mrs     x0, esr_el2
        mrs     x1, elr_el2
        bl      sync_handler
        msr     elr_el2, x0
5:      ldp     x0, x1, [sp, #0]
        ldp     x2, x3, [sp, #16]
        ldp     x4, x5, [sp, #32]
        ldp     x6, x7, [sp, #48]
        ldp     x8, x9, [sp, #64]
        ldp     x10, x11, [sp, #80]
        ldp     x12, x13, [sp, #96]
        ldp     x14, x15, [sp, #112]
        ldp     x16, x17, [sp, #128]
        ldp     x18, x30, [sp, #144]
        add     sp, sp, #(20 * 8)
        eret

unexpected:
        bl      unexpected_exception
        b       .

        .bss
        .balign 16
        .global stacks
stacks: .skip   STACK_SIZE * 8

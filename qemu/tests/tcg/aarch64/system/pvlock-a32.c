/*
 * PV-lock and an AArch32 caller (docs/specs/arm-pvlock.rst: "A caller in
 * AArch32 state gets -1 for every sub-call"), under a hypervisor.
 *
 * Runs at EL2 (-machine virt,virtualization=on,pvlock=on), where QEMU's
 * conduit is SMC. The same vCPU makes the calls from AArch64 at EL2,
 * then from AArch32 at EL1: there SMCCC 1.1 and KVM's UID still answer,
 * but SMCCC_ARCH_FEATURES does not list PV-lock and every PV-lock
 * sub-call returns NOT_SUPPORTED, since the structure's address does not
 * fit an AArch32 result. Back in AArch64 the call works again.
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdint.h>
#include <minilib.h>

#define SMCCC_VERSION               0x80000000
#define SMCCC_ARCH_FEATURES         0x80000001
#define VENDOR_HYP_CALL_UID         0x8600ff01
#define PV_LOCK                     0x86000001
#define PV_LOCK_FEATURES            0
#define PV_LOCK_PREEMPTED           1
#define NOT_SUPPORTED32             0xffffffffUL
#define NOT_SUPPORTED               ((uint64_t)-1)
#define SLOT_SIZE                   64

#define HCR_RW                      (1UL << 31)
#define ESR_EC(esr)                 (((esr) >> 26) & 0x3f)
#define EC_HVC32                    0x12
/* AArch32 SVC mode, ARM state, A, I and F masked */
#define SPSR_A32_SVC                0x1d3

static int failures;

/* Written by the EL2 handler below. */
uint64_t a32_x[4], a32_esr, saved_lr;
/* The call that run_a32 makes: function ID and x1 */
uint64_t a32_fn, a32_arg;

/*
 * run_a32 enters a32_call in AArch32 SVC mode at EL1 with r0 and r1 from
 * a32_fn and a32_arg: SMC, then HVC back to EL2, whose handler saves
 * r0-r3 and ESR_EL2 and returns to run_a32's caller. The A32 code is
 * given as words: this file is built by an AArch64 assembler. Any
 * exception at EL1 takes the AArch32 vectors at a32_vectors, each an
 * HVC #1, so it comes back to EL2 too.
 */
asm(
    "    .pushsection .text\n"
    "    .balign 2048\n"
    "el2_vectors:\n"
    "    .rept 12\n"
    "    .balign 128\n"
    "    b el2_unexpected\n"
    "    .endr\n"
    "    .balign 128\n"                 /* lower EL, AArch32, synchronous */
    "    b el2_lower_a32_sync\n"
    "    .rept 3\n"
    "    .balign 128\n"
    "    b el2_unexpected\n"
    "    .endr\n"
    "el2_lower_a32_sync:\n"
    "    adrp x4, a32_x\n"
    "    add x4, x4, :lo12:a32_x\n"
    "    stp x0, x1, [x4]\n"
    "    stp x2, x3, [x4, #16]\n"
    "    mrs x0, esr_el2\n"
    "    adrp x4, a32_esr\n"
    "    str x0, [x4, :lo12:a32_esr]\n"
    "    adrp x4, saved_lr\n"
    "    ldr x30, [x4, :lo12:saved_lr]\n"
    "    ret\n"
    "run_a32:\n"
    "    adrp x4, saved_lr\n"
    "    str x30, [x4, :lo12:saved_lr]\n"
    "    adrp x4, a32_fn\n"
    "    ldr x0, [x4, :lo12:a32_fn]\n"
    "    adrp x4, a32_arg\n"
    "    ldr x1, [x4, :lo12:a32_arg]\n"
    "    adr x4, a32_call\n"
    "    msr elr_el2, x4\n"
    "    mov x4, #0x1d3\n"              /* SPSR_A32_SVC */
    "    msr spsr_el2, x4\n"
    "    isb\n"
    "    eret\n"
    "    .balign 32\n"
    "a32_vectors:\n"
    "    .rept 8\n"
    "    .word 0xe1400071\n"            /* hvc #1 */
    "    .endr\n"
    "a32_call:\n"
    "    .word 0xe1600070\n"            /* smc #0 */
    "    .word 0xe1400070\n"            /* hvc #0 */
    "    .popsection\n");

void el2_unexpected(void)
{
    uint64_t esr, elr;

    asm volatile("mrs %0, esr_el2" : "=r"(esr));
    asm volatile("mrs %0, elr_el2" : "=r"(elr));
    ml_printf("FAIL: unexpected exception at EL2: ESR_EL2 %lx ELR_EL2 %lx\n",
              esr, elr);
    {
        /* SYS_EXIT's block: ADP_Stopped_ApplicationExit, exit status 1. */
        uint64_t block[2] = { 0x20026, 1 };
        register uint64_t x0 asm("x0") = 0x18;
        register uint64_t x1 asm("x1") = (uint64_t)block;

        asm volatile("hlt 0xf000" : : "r"(x0), "r"(x1) : "memory");
    }
    while (1) {
        asm volatile("wfi");
    }
}

/* The address of a label of the asm above. */
#define ASM_ADDR(label) ({                              \
            uint64_t __addr;                            \
            asm("adr %0, " #label : "=r"(__addr));      \
            __addr;                                     \
})

static void check(int ok, const char *what, uint64_t got)
{
    if (ok) {
        ml_printf("ok: %s\n", what);
    } else {
        ml_printf("FAIL: %s (got 0x%lx)\n", what, got);
        failures++;
    }
}

/* An SMCCC call from AArch64 at EL2: the conduit is SMC */
static uint64_t smc64(uint64_t fn, uint64_t arg)
{
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = arg;

    asm volatile("smc #0" : "+r"(x0), "+r"(x1) : : "x2", "x3", "memory");
    return x0;
}

/*
 * The same call from AArch32 at EL1; returns r0, and r0-r3 in a32_x.
 * Returns NOT_SUPPORTED and counts a failure when EL1 did not get as
 * far as its HVC #0. Coming back from AArch32 leaves only the low half
 * of X0-X30 (AArch32's registers), hence the clobbers: the compiler
 * keeps nothing in them across the call but the frame pointer, which
 * holds a stack address below 4 GiB.
 */
static uint64_t smc32(uint64_t fn, uint64_t arg)
{
    a32_esr = 0;
    a32_fn = fn;
    a32_arg = arg;
    asm volatile("bl run_a32"
                 : :
                 : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8",
                   "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",
                   "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24",
                   "x25", "x26", "x27", "x28", "x30", "cc", "memory");
    if (ESR_EC(a32_esr) != EC_HVC32 || (a32_esr & 0xffff) != 0) {
        ml_printf("FAIL: AArch32 call 0x%lx did not return (ESR_EL2 0x%lx)\n",
                  fn, a32_esr);
        failures++;
        return NOT_SUPPORTED;
    }
    return a32_x[0] & 0xffffffff;
}

int main(void)
{
    uint64_t el, hcr, r;

    asm volatile("mrs %0, CurrentEL" : "=r"(el));
    if (((el >> 2) & 3) != 2) {
        ml_printf("FAIL: not at EL2 (CurrentEL %lx)\n", el);
        return 1;
    }
    asm volatile("msr vbar_el2, %0\n\tisb" : : "r"(ASM_ADDR(el2_vectors)));

    /* AArch64 at EL2: PV-lock is there */
    check(smc64(SMCCC_ARCH_FEATURES, PV_LOCK) == 0,
          "AArch64: SMCCC_ARCH_FEATURES(PV-lock) = 0", 0);
    r = smc64(PV_LOCK, PV_LOCK_PREEMPTED);
    check(r != NOT_SUPPORTED && r && !(r % SLOT_SIZE),
          "AArch64: PREEMPTED returns an aligned address", r);

    /* AArch32 at EL1, MMU off, its exceptions back to EL2 */
    asm volatile("mrs %0, hcr_el2" : "=r"(hcr));
    asm volatile("msr hcr_el2, %0\n\t"
                 "msr sctlr_el1, xzr\n\t"
                 "msr vbar_el1, %1\n\t"
                 "isb"
                 : : "r"(hcr & ~HCR_RW), "r"(ASM_ADDR(a32_vectors)));
    r = smc32(SMCCC_VERSION, 0);
    check(r == 0x10001, "AArch32: SMCCC_VERSION = 1.1", r);
    r = smc32(VENDOR_HYP_CALL_UID, 0);
    check(r == 0xb66fb428 && (a32_x[1] & 0xffffffff) == 0xe911c52e &&
          (a32_x[2] & 0xffffffff) == 0x564bcaa9 &&
          (a32_x[3] & 0xffffffff) == 0x743a004d,
          "AArch32: VENDOR_HYP_CALL_UID = KVM's UID", r);
    r = smc32(SMCCC_ARCH_FEATURES, PV_LOCK);
    check(r == NOT_SUPPORTED32,
          "AArch32: SMCCC_ARCH_FEATURES(PV-lock) = -1", r);
    r = smc32(PV_LOCK, PV_LOCK_FEATURES);
    check(r == NOT_SUPPORTED32, "AArch32: PV-lock FEATURES = -1", r);
    r = smc32(PV_LOCK, PV_LOCK_PREEMPTED);
    check(r == NOT_SUPPORTED32, "AArch32: PV-lock PREEMPTED = -1", r);
    r = smc32(PV_LOCK, 2);
    check(r == NOT_SUPPORTED32, "AArch32: PV-lock sub-call 2 = -1", r);

    /* AArch64 again */
    asm volatile("msr hcr_el2, %0\n\tisb" : : "r"(hcr));
    r = smc64(PV_LOCK, PV_LOCK_PREEMPTED);
    check(r != NOT_SUPPORTED && r && !(r % SLOT_SIZE),
          "AArch64 again: PREEMPTED returns an aligned address", r);

    ml_printf("%d failures\n", failures);
    return failures != 0;
}

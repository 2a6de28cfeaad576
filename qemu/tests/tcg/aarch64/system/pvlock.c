/*
 * The guest side of the Arm PV-lock interface under TCG
 * (docs/specs/arm-pvlock.rst), as a guest kernel discovers and uses it.
 *
 * Built twice: "pvlock" runs on -machine virt,pvlock=on -smp 2 under
 * round-robin TCG and checks every answer and the structures, and that
 * QEMU's flag stores drop code translated from them; "pvlock-off"
 * (EXPECT_OFF) runs on a plain virt machine and checks that none of it is
 * there; "pvlock-rr" (SINGLE_VCPU) is recorded and replayed with one
 * vCPU.
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdint.h>
#include <minilib.h>

#define PSCI_VERSION                0x84000000
#define PSCI_FEATURES               0x8400000a
#define PSCI_CPU_ON                 0xc4000003
#define SMCCC_VERSION               0x80000000
#define SMCCC_ARCH_FEATURES         0x80000001
#define VENDOR_HYP_KVM_FEATURES     0x86000000
#define VENDOR_HYP_CALL_UID         0x8600ff01
#define PV_LOCK                     0x86000001
#define PV_LOCK_FEATURES            0
#define PV_LOCK_PREEMPTED           1
#define NOT_SUPPORTED               ((uint64_t)-1)
#define SLOT_SIZE                   64

static int failures;

struct res {
    uint64_t x0, x1, x2, x3;
};

/* An SMCCC call through the PSCI conduit: HVC, as boot.S runs at EL1 */
static struct res smccc(uint64_t fn, uint64_t arg)
{
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = arg;
    register uint64_t x2 asm("x2") = 0xdead;
    register uint64_t x3 asm("x3") = 0xbeef;
    struct res r;

    asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                 : : "memory");
    r.x0 = x0;
    r.x1 = x1;
    r.x2 = x2;
    r.x3 = x3;
    return r;
}

static void check(int ok, const char *what, uint64_t got)
{
    if (ok) {
        ml_printf("ok: %s\n", what);
    } else {
        ml_printf("FAIL: %s (got 0x%lx)\n", what, got);
        failures++;
    }
}

#ifdef EXPECT_OFF
static void test_off(void)
{
    check(smccc(PSCI_FEATURES, SMCCC_VERSION).x0 == NOT_SUPPORTED,
          "PSCI_FEATURES(SMCCC_VERSION) = -1: SMCCC 1.0 firmware", 0);
    check(smccc(SMCCC_VERSION, 0).x0 == NOT_SUPPORTED,
          "SMCCC_VERSION = -1", 0);
    check(smccc(SMCCC_ARCH_FEATURES, PV_LOCK).x0 == NOT_SUPPORTED,
          "SMCCC_ARCH_FEATURES = -1", 0);
    check(smccc(VENDOR_HYP_CALL_UID, 0).x0 == NOT_SUPPORTED,
          "VENDOR_HYP_CALL_UID = -1", 0);
    check(smccc(VENDOR_HYP_KVM_FEATURES, 0).x0 == NOT_SUPPORTED,
          "VENDOR_HYP_KVM_FEATURES = -1", 0);
    check(smccc(PV_LOCK, PV_LOCK_FEATURES).x0 == NOT_SUPPORTED,
          "PV-lock FEATURES = -1", 0);
    check(smccc(PV_LOCK, PV_LOCK_PREEMPTED).x0 == NOT_SUPPORTED,
          "PV-lock PREEMPTED = -1", 0);
}
#else
static const uint32_t kvm_uid[4] = {
    0xb66fb428, 0xe911c52e, 0x564bcaa9, 0x743a004d,
};

/*
 * boot.S maps only the test image: read guest physical memory with the
 * MMU off for one load (device memory, so it must be aligned).
 */
static uint64_t read_phys(uint64_t pa)
{
    uint64_t val, sctlr, tmp;

    asm volatile("mrs %1, sctlr_el1\n\t"
                 "bic %2, %1, #1\n\t"
                 "msr sctlr_el1, %2\n\t"
                 "isb\n\t"
                 "ldr %0, [%3]\n\t"
                 "msr sctlr_el1, %1\n\t"
                 "isb"
                 : "=&r"(val), "=&r"(sctlr), "=&r"(tmp) : "r"(pa) : "memory");
    return val;
}

/* One 32-bit store to guest physical memory, with the MMU off */
static void write_phys32(uint64_t pa, uint32_t val)
{
    uint64_t sctlr, tmp;

    asm volatile("mrs %0, sctlr_el1\n\t"
                 "bic %1, %0, #1\n\t"
                 "msr sctlr_el1, %1\n\t"
                 "isb\n\t"
                 "str %w2, [%3]\n\t"
                 "dsb ish\n\t"
                 "ic iallu\n\t"
                 "dsb ish\n\t"
                 "msr sctlr_el1, %0\n\t"
                 "isb"
                 : "=&r"(sctlr), "=&r"(tmp) : "r"(val), "r"(pa) : "memory");
}

/*
 * While call_phys() runs code outside the image, a synchronous exception
 * returns to its caller with x0 = bit 63 | ESR_EL1.
 */
asm(".balign 2048\n"
    "catch_vectors:\n"
    "   mrs x0, esr_el1\n"          /* current EL, SP_EL0 */
    "   orr x0, x0, #(1 << 63)\n"
    "   msr elr_el1, x30\n"
    "   eret\n"
    "   .balign 0x200\n"
    "   mrs x0, esr_el1\n"          /* current EL, SP_ELx */
    "   orr x0, x0, #(1 << 63)\n"
    "   msr elr_el1, x30\n"
    "   eret\n");

/* Branch to guest physical address @pa with x0 = @x0, the MMU off */
static uint64_t call_phys(uint64_t pa, uint64_t arg)
{
    register uint64_t x0 asm("x0") = arg;
    uint64_t vbar, sctlr, tmp;

    asm volatile("mrs %1, vbar_el1\n\t"
                 "adr %3, catch_vectors\n\t"
                 "msr vbar_el1, %3\n\t"
                 "mrs %2, sctlr_el1\n\t"
                 "bic %3, %2, #1\n\t"
                 "msr sctlr_el1, %3\n\t"
                 "isb\n\t"
                 "blr %4\n\t"
                 "msr sctlr_el1, %2\n\t"
                 "msr vbar_el1, %1\n\t"
                 "isb"
                 : "+r"(x0), "=&r"(vbar), "=&r"(sctlr), "=&r"(tmp)
                 : "r"(pa) : "x30", "memory");
    return x0;
}

#define A64_RET                     0xd65f03c0
#define EXCEPTION_TAKEN             (1ull << 63)
#define ESR_EC(esr)                 (((esr) >> 26) & 0x3f)
#define EC_UNKNOWN                  0

/* vCPU 1 spins here, with the MMU off and no stack, never halting */
asm("spin_forever:\n"
    "   b spin_forever\n");

static void test_on(void)
{
    struct res r;
    uint64_t addr, i, flag, entry;

    /* Discovery, in a guest kernel's order */
    r = smccc(PSCI_FEATURES, SMCCC_VERSION);
    check(r.x0 == 0, "PSCI_FEATURES(SMCCC_VERSION) = 0", r.x0);
    r = smccc(SMCCC_VERSION, 0);
    check(r.x0 == 0x10001, "SMCCC_VERSION = 1.1", r.x0);
    check(r.x1 == 0 && r.x2 == 0 && r.x3 == 0, "x1 to x3 cleared", r.x2);
    r = smccc(VENDOR_HYP_CALL_UID, 0);
    check(r.x0 == kvm_uid[0] && r.x1 == kvm_uid[1] && r.x2 == kvm_uid[2] &&
          r.x3 == kvm_uid[3], "VENDOR_HYP_CALL_UID = KVM's UID", r.x0);
    r = smccc(SMCCC_ARCH_FEATURES, PV_LOCK);
    check(r.x0 == 0, "SMCCC_ARCH_FEATURES(PV-lock) = 0", r.x0);
    r = smccc(VENDOR_HYP_KVM_FEATURES, 0);
    check(r.x0 == 1, "KVM feature bitmap = bit 0 only, never PTP's bit 1",
          r.x0);
    r = smccc(PV_LOCK, PV_LOCK_FEATURES);
    check(r.x0 == 0, "PV-lock FEATURES = 0", r.x0);
    r = smccc(PV_LOCK, 2);
    check(r.x0 == NOT_SUPPORTED, "PV-lock sub-call 2 = -1", r.x0);
    r = smccc(PSCI_VERSION, 0);
    check(r.x0 == 0x10001, "PSCI_VERSION still 1.1", r.x0);

    /* The structure of this vCPU (0), then of vCPU 1 */
    r = smccc(PV_LOCK, PV_LOCK_PREEMPTED);
    addr = r.x0;
    check(addr != NOT_SUPPORTED && addr && !(addr % SLOT_SIZE),
          "PREEMPTED returns a 64-byte aligned address", addr);
    if (addr == NOT_SUPPORTED || addr % SLOT_SIZE) {
        return;
    }
    check(read_phys(addr) == 0, "own preempted flag is 0 while it runs",
          read_phys(addr));
    for (i = 8; i < SLOT_SIZE; i += 8) {
        if (read_phys(addr + i)) {
            break;
        }
    }
    check(i == SLOT_SIZE, "reserved bytes are zero", i);
#ifdef SINGLE_VCPU
    /*
     * Record/replay (one vCPU: QEMU refuses it with more): YIELD leaves
     * the execution loop under round-robin TCG, so each one makes QEMU
     * write the flag twice. The virtual counter, an instruction count
     * under -icount, must read the same in the recording and the replay.
     */
    for (i = 0; i < 1000; i++) {
        asm volatile("yield" : : : "memory");
        if (read_phys(addr) != 0 ||
            smccc(PV_LOCK, PV_LOCK_PREEMPTED).x0 != addr) {
            break;
        }
    }
    check(i == 1000, "1000 yields: own flag 0, PREEMPTED the same address",
          i);
    asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(flag));
    ml_printf("virtual counter at the end: %ld\n", flag);
}
#else
    /* vCPU 1 is off, which is not preempted */
    flag = read_phys(addr + SLOT_SIZE);
    check(flag == 0, "a vCPU that is off reads 0", flag);

    /*
     * Run code from the region: a RET where vCPU 1's flag is, which QEMU
     * has not written since reset. Its next store to the flag (0 or 1, an
     * undefined instruction either way) must drop the translation, so
     * that the same branch then takes an Undefined Instruction exception.
     * A guest has no reason to do this; QEMU must still not run stale
     * code.
     */
    write_phys32(addr + SLOT_SIZE, A64_RET);
    r.x0 = call_phys(addr + SLOT_SIZE, 42);
    check(r.x0 == 42, "code written into the region runs", r.x0);

    /*
     * Start vCPU 1 in a loop that never halts: round-robin runs one vCPU
     * at a time, so once vCPU 1 has had its first turn, it reads 1 (it
     * could run, but this vCPU does) whenever this vCPU looks.
     */
    asm("adr %0, spin_forever" : "=r"(entry));
    {
        register uint64_t x0 asm("x0") = PSCI_CPU_ON;
        register uint64_t x1 asm("x1") = 1;
        register uint64_t x2 asm("x2") = entry;
        register uint64_t x3 asm("x3") = 0;

        asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     : : "memory");
        check(x0 == 0, "PSCI CPU_ON of vCPU 1", x0);
    }
    for (i = 0; i < 100000000 && read_phys(addr + SLOT_SIZE) != 1; i++) {
        continue;
    }
    flag = read_phys(addr + SLOT_SIZE);
    check(flag == 1, "a runnable vCPU waiting for its turn reads 1", flag);
    ml_printf("vCPU 1's flag read 1 after %ld reads\n", i);
    r.x0 = call_phys(addr + SLOT_SIZE, 42);
    check((r.x0 & EXCEPTION_TAKEN) && ESR_EC(r.x0) == EC_UNKNOWN,
          "once QEMU has written the flag, the code there is gone", r.x0);
    check(read_phys(addr) == 0, "own flag still 0", read_phys(addr));
}
#endif /* SINGLE_VCPU */
#endif /* EXPECT_OFF */

int main(void)
{
#ifdef EXPECT_OFF
    ml_printf("PV-lock off\n");
    test_off();
#else
    ml_printf("PV-lock on\n");
    test_on();
#endif
    ml_printf("%d failures\n", failures);
    return failures != 0;
}

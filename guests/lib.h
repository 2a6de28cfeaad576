/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small runtime for the bare-metal test guests on -machine virt:
 * PL011 output, SMCCC/PSCI calls, an identity-mapped MMU, counters.
 */
#ifndef GUESTS_LIB_H
#define GUESTS_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define MAX_CPUS            8
#define PVLOCK_BASE         0x09ff0000UL
#define PVLOCK_SLOT_SIZE    64

/* SMCCC and PSCI function IDs */
#define SMCCC_VERSION               0x80000000u
#define SMCCC_ARCH_FEATURES         0x80000001u
#define SMCCC_ARCH_WORKAROUND_3     0x80003fffu
#define PSCI_VERSION                0x84000000u
#define PSCI_SYSTEM_OFF             0x84000008u
#define PSCI_FEATURES               0x8400000au
#define PSCI_CPU_ON                 0xc4000003u
#define VENDOR_HYP_KVM_FEATURES     0x86000000u
#define VENDOR_HYP_PV_LOCK          0x86000001u
#define VENDOR_HYP_PTP_64           0xc6000001u
#define VENDOR_HYP_CALL_UID         0x8600ff01u
#define PV_LOCK_FEATURES            0
#define PV_LOCK_PREEMPTED           1

#define SMCCC_NOT_SUPPORTED         ((uint64_t)-1)

/* KVM's vendor hypervisor UID: VENDOR_HYP_CALL_UID's a0..a3. */
#define KVM_UID_0                   0xb66fb428u
#define KVM_UID_1                   0xe911c52eu
#define KVM_UID_2                   0x564bcaa9u
#define KVM_UID_3                   0x743a004du

struct smccc_res {
    uint64_t a0, a1, a2, a3;
};

/* vCPU cpu's PV-lock structure, where this machine type puts it. */
static inline volatile uint64_t *pvlock_slot(unsigned cpu)
{
    return (volatile uint64_t *)(PVLOCK_BASE + cpu * PVLOCK_SLOT_SIZE);
}

/* Whether VENDOR_HYP_CALL_UID's answer r is KVM's UID. */
static inline bool is_kvm_uid(struct smccc_res r)
{
    return r.a0 == KVM_UID_0 && r.a1 == KVM_UID_1 &&
           r.a2 == KVM_UID_2 && r.a3 == KVM_UID_3;
}

/*
 * One check of a guest's: a failure is printed ("FAIL - what (got x)")
 * and counted in check_failures; a pass is printed ("ok - what") unless
 * check_quiet is set (the fuzzer checks too often to print passes).
 */
extern unsigned check_failures;
extern bool check_quiet;
void check(bool ok, const char *what, uint64_t got);

/* Set by setup: the PSCI conduit, SMC when running at EL2. */
extern bool use_smc;

struct smccc_res smccc(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
static inline uint64_t smccc0(uint32_t fn, uint64_t a1)
{
    return smccc(fn, a1, 0, 0).a0;
}

void putc_uart(char c);
void puts_uart(const char *s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
/* printf subset: %s %d %u %x (64-bit arguments: use long) %c %% */
void print(const char *fmt, ...);

/* Build the identity map once (CPU 0), then enable it on each CPU. */
void mmu_build(void);
void mmu_enable(void);
unsigned current_el(void);

/* Start CPUs 1..MAX_CPUS-1 that exist; returns how many CPUs run. */
unsigned start_secondaries(void);
void __attribute__((noreturn)) power_off(void);

static inline uint64_t read_cntvct(void)
{
    uint64_t v;

    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
    return v;
}

static inline uint64_t read_cntfrq(void)
{
    uint64_t v;

    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

static inline void cpu_relax(void)
{
    asm volatile("yield" ::: "memory");
}

/* One data abort may be expected: the handler skips the access. */
extern volatile int aborts_seen;
extern volatile bool abort_expected;

#endif

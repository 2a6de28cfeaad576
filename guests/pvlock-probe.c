/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PV-lock probe: discovers PV-lock exactly as a Linux guest would, checks
 * every value of the guest ABI (qemu/docs/specs/arm-pvlock.rst), maps the
 * region and reads each vCPU's structure, then lets every vCPU spin for
 * a while, watching its own flag and the others' (the host side judges
 * the others' flags: it knows how QEMU schedules). With pvlock=off it
 * checks that every call answers NOT_SUPPORTED and that there is no
 * region. Prints one line per check on the PL011 and a verdict:
 *   PROBE RESULT: PASS | FAIL
 */
#include "lib.h"

#define SPIN_MS     1500

static unsigned ncpus;
static volatile unsigned ready, finished;
static volatile bool go, all_done;
static bool pvlock_on;

/* What each vCPU saw; written by that vCPU, read by CPU 0 at the end. */
static struct {
    uint64_t ipa;               /* PREEMPTED's answer */
    uint64_t slot_after_call[8];
    uint64_t reads;             /* spin loop iterations */
    uint64_t own_nonzero;       /* own flag read non-zero */
    uint64_t others_one;        /* another vCPU's flag read as 1 */
    uint64_t others_zero;       /* another vCPU's flag read as 0 */
    uint64_t changes;           /* another vCPU's flag changed */
} seen[MAX_CPUS];

/*
 * The calls of a Linux guest's PV-lock probe, in its order: SMCCC 1.1,
 * a KVM hypervisor, then SMCCC_ARCH_FEATURES for the PV-lock call. Only
 * if all three say yes is 0x86000001 the PV-lock call: on a mainline
 * KVM host the same ID is the PTP service (feature bitmap bit 1).
 */
static void probe_discovery(void)
{
    uint64_t v, smccc_ver, features;
    struct smccc_res r, uid;
    bool kvm;

    v = smccc0(PSCI_FEATURES, SMCCC_VERSION);
    smccc_ver = v == 0 ? smccc0(SMCCC_VERSION, 0) : SMCCC_NOT_SUPPORTED;
    uid = smccc(VENDOR_HYP_CALL_UID, 0, 0, 0);
    kvm = is_kvm_uid(uid);
    features = smccc0(SMCCC_ARCH_FEATURES, VENDOR_HYP_PV_LOCK);
    pvlock_on = smccc_ver >= 0x10001 && smccc_ver != SMCCC_NOT_SUPPORTED &&
                kvm && features == 0;
    print("PROBE mode=%s el=%u conduit=%s\n", pvlock_on ? "on" : "off",
          current_el(), use_smc ? "smc" : "hvc");
    if (!pvlock_on && smccc_ver != SMCCC_NOT_SUPPORTED) {
        /* A hypervisor with SMCCC 1.1 but no PV-lock (e.g. mainline KVM). */
        r = smccc(VENDOR_HYP_KVM_FEATURES, 0, 0, 0);
        print("PROBE no PV-lock: SMCCC %x, KVM UID %s, KVM features %x, "
              "ARCH_FEATURES(0x86000001) %x%s\n", (unsigned long)smccc_ver,
              kvm ? "yes" : "no", (unsigned long)r.a0, (unsigned long)features,
              kvm && (r.a0 & 2) ? ": 0x86000001 is PTP here, not called" : "");
        check(features != 0, "SMCCC_ARCH_FEATURES(0x86000001) != 0", features);
        return;
    }
    if (!pvlock_on) {
        check(v == SMCCC_NOT_SUPPORTED,
              "PSCI_FEATURES(SMCCC_VERSION) = -1", v);
        v = smccc0(SMCCC_VERSION, 0);
        check(v == SMCCC_NOT_SUPPORTED, "SMCCC_VERSION = -1 (SMCCC 1.0)", v);
        check(features == SMCCC_NOT_SUPPORTED,
              "SMCCC_ARCH_FEATURES(0x86000001) = -1", features);
        check(uid.a0 == SMCCC_NOT_SUPPORTED, "VENDOR_HYP_CALL_UID = -1",
              uid.a0);
        v = smccc0(VENDOR_HYP_KVM_FEATURES, 0);
        check(v == SMCCC_NOT_SUPPORTED, "VENDOR_HYP_KVM_FEATURES = -1", v);
        v = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_FEATURES);
        check(v == SMCCC_NOT_SUPPORTED, "PV_LOCK FEATURES = -1", v);
        v = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);
        check(v == SMCCC_NOT_SUPPORTED, "PV_LOCK PREEMPTED = -1", v);
        v = smccc0(PSCI_VERSION, 0);
        check(v >> 16 == 1 && (v & 0xffff) >= 1, "PSCI_VERSION still 1.1 or later (KVM 7.1: 1.3)", v);
        return;
    }
    check(true, "PSCI_FEATURES(SMCCC_VERSION) = 0", 0);
    check(smccc_ver == 0x10001, "SMCCC_VERSION = 0x10001 (1.1)", smccc_ver);
    check(kvm, "VENDOR_HYP_CALL_UID = KVM's UID", uid.a0);
    /*
     * Bit 1 means PTP at the same ID: QEMU's TCG never sets it; a KVM
     * host may (the host side judges which it expects).
     */
    r = smccc(VENDOR_HYP_KVM_FEATURES, 0, 0, 0);
    print("PROBE kvm-features=%x\n", (unsigned long)r.a0);
    check((r.a0 & 1) && !r.a1 && !r.a2 && !r.a3,
          "VENDOR_HYP_KVM_FEATURES has bit 0", r.a0);
    v = smccc0(SMCCC_ARCH_FEATURES, VENDOR_HYP_PV_LOCK);
    check(v == 0, "SMCCC_ARCH_FEATURES(0x86000001) = 0", v);
    /* What else ARCH_FEATURES offers is the hypervisor's business. */
    print("PROBE arch-features 0x8600ff01=%x 0x80003fff=%x\n",
          (unsigned long)smccc0(SMCCC_ARCH_FEATURES, VENDOR_HYP_CALL_UID),
          (unsigned long)smccc0(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3));
    v = smccc0(SMCCC_ARCH_FEATURES, VENDOR_HYP_PTP_64);
    check(v == SMCCC_NOT_SUPPORTED,
          "SMCCC_ARCH_FEATURES(0xc6000001, PTP) = -1", v);
    v = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_FEATURES);
    check(v == 0, "PV_LOCK FEATURES = 0", v);
    v = smccc0(VENDOR_HYP_PV_LOCK, 2);
    check(v == SMCCC_NOT_SUPPORTED, "PV_LOCK sub-call 2 = -1", v);
    v = smccc0(VENDOR_HYP_PV_LOCK, 0xffffffffffffffffULL);
    check(v == SMCCC_NOT_SUPPORTED, "PV_LOCK sub-call ~0 = -1", v);
    v = smccc0(PSCI_VERSION, 0);
    check(v >> 16 == 1 && (v & 0xffff) >= 1, "PSCI_VERSION still 1.1 or later (KVM 7.1: 1.3)", v);
}

/* Each vCPU: PREEMPTED, then read its structure (mapped write-back). */
static void probe_own_slot(unsigned cpu)
{
    unsigned i;

    if (!pvlock_on) {
        return;         /* 0x86000001 may be another service (PTP) */
    }
    /* Dirty the structure first: the call must zero all of it. */
    for (i = 0; i < 8; i++) {
        pvlock_slot(cpu)[i] = 0xdeadbeef00000000ULL | i;
    }
    seen[cpu].ipa = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);
    for (i = 0; i < 8; i++) {
        seen[cpu].slot_after_call[i] = pvlock_slot(cpu)[i];
    }
}

static void spin(unsigned me)
{
    uint64_t end = read_cntvct() + read_cntfrq() * SPIN_MS / 1000;
    uint64_t last[MAX_CPUS];
    unsigned i;

    for (i = 0; i < ncpus; i++) {
        last[i] = *pvlock_slot(i);
    }
    while (read_cntvct() < end) {
        seen[me].reads++;
        if (*pvlock_slot(me) != 0) {
            seen[me].own_nonzero++;
        }
        for (i = 0; i < ncpus; i++) {
            uint64_t f;

            if (i == me) {
                continue;
            }
            f = *pvlock_slot(i);
            if (f == 1) {
                seen[me].others_one++;
            } else if (f == 0) {
                seen[me].others_zero++;
            }
            if (f != last[i]) {
                seen[me].changes++;
                last[i] = f;
            }
        }
    }
}

void secondary_main(unsigned cpu);
void secondary_main(unsigned cpu)
{
    mmu_enable();
    probe_own_slot(cpu);
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    while (!go) {
        cpu_relax();
    }
    if (pvlock_on) {
        spin(cpu);
    }
    __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
    /*
     * Stay runnable until every vCPU has finished its spin: a vCPU halted
     * in WFI is not preempted, and reads 0 to the others.
     */
    while (!all_done) {
        cpu_relax();
    }
    for (;;) {
        asm volatile("wfi");
    }
}

static void report_slots(void)
{
    unsigned cpu, i;
    bool zero;

    for (cpu = 0; cpu < ncpus; cpu++) {
        uint64_t want = PVLOCK_BASE + cpu * PVLOCK_SLOT_SIZE;

        if (!pvlock_on) {
            continue;
        }
        print("PROBE cpu%u: PREEMPTED = %x\n", cpu,
              (unsigned long)seen[cpu].ipa);
        check(seen[cpu].ipa == want,
              "PREEMPTED returns this vCPU's structure address",
              seen[cpu].ipa);
        zero = true;
        for (i = 0; i < 8; i++) {
            zero &= seen[cpu].slot_after_call[i] == 0;
        }
        check(zero, "PREEMPTED zeroed the whole 64-byte structure",
              seen[cpu].slot_after_call[1]);
    }
}

static void report_spin(void)
{
    unsigned cpu;

    for (cpu = 0; cpu < ncpus; cpu++) {
        print("PROBE cpu%u: reads=%u own!=0:%u others==1:%u others==0:%u "
              "changes:%u\n", cpu, (unsigned long)seen[cpu].reads,
              (unsigned long)seen[cpu].own_nonzero,
              (unsigned long)seen[cpu].others_one,
              (unsigned long)seen[cpu].others_zero,
              (unsigned long)seen[cpu].changes);
        check(seen[cpu].reads > 0 && seen[cpu].own_nonzero == 0,
              "own flag is 0 whenever this vCPU reads it",
              seen[cpu].own_nonzero);
    }
}

int main(void)
{
    mmu_build();
    mmu_enable();
    print("PROBE start\n");
    probe_discovery();
    probe_own_slot(0);
    if (!pvlock_on) {
        /*
         * No region: what is written there does not stick. Under TCG the
         * accesses fault, as for any unassigned address; under KVM QEMU
         * ignores the write and reads 0.
         */
        uint64_t v;

        abort_expected = true;
        *pvlock_slot(0) = 0x55;
        v = *pvlock_slot(0);
        abort_expected = false;
        check(aborts_seen > 0 || v != 0x55, "no PV-lock region at 0x09ff0000",
              v);
    }
    ncpus = start_secondaries();
    print("PROBE cpus=%u\n", (unsigned long)ncpus);
    while (ready != ncpus - 1) {
        cpu_relax();
    }
    print("PROBE spin start\n");
    go = true;
    if (pvlock_on) {
        spin(0);
    }
    while (finished != ncpus - 1) {
        cpu_relax();
    }
    all_done = true;
    print("PROBE spin end\n");
    report_slots();
    if (pvlock_on) {
        report_spin();
    }
    print("PROBE RESULT: %s (%u failures)\n", check_failures ? "FAIL" : "PASS",
          (unsigned long)check_failures);
    power_off();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PV-lock loop guest, for migration, snapshot and reset tests: probes
 * PV-lock at boot, then every vCPU loops forever: PREEMPTED must return
 * its structure's address, and its own flag must read 0. On a machine
 * without PV-lock (no SMCCC 1.1 at all: pvlock=off) the vCPUs only count
 * their loops, so that it can be a migration source there too. CPU 0
 * reports about every 100 ms (virtual time):
 *   LOOP boot probe=ok|off|FAIL cpus=N
 *   LOOP t=MS iter=N errors=N
 * and each failed check at once:
 *   LOOP error cpu=N what=... got=X
 */
#include "lib.h"

#define REPORT_MS   100

static unsigned ncpus;
static volatile uint64_t iters[MAX_CPUS];
static volatile uint64_t errors;
static volatile unsigned last_error_cpu;
static volatile const char *last_error_what;
static volatile uint64_t last_error_got;
static bool checks = true;

static void fail(unsigned cpu, const char *what, uint64_t got)
{
    last_error_cpu = cpu;
    last_error_what = what;
    last_error_got = got;
    __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
}

static void one_check(unsigned me)
{
    uint64_t ipa, f;

    if (!checks) {
        iters[me]++;
        return;
    }
    ipa = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);

    if (ipa != PVLOCK_BASE + me * PVLOCK_SLOT_SIZE) {
        fail(me, "PREEMPTED address", ipa);
        return;
    }
    f = *pvlock_slot(me);
    if (f != 0) {
        fail(me, "own flag", f);
    }
    iters[me]++;
}

/* "ok", "off" (no SMCCC 1.1: a machine without PV-lock) or "FAIL" */
static const char *probe(void)
{
    struct smccc_res r;

    if (smccc0(PSCI_FEATURES, SMCCC_VERSION) != 0) {
        checks = false;
        return "off";
    }
    if (smccc0(SMCCC_VERSION, 0) != 0x10001 ||
        smccc0(SMCCC_ARCH_FEATURES, VENDOR_HYP_PV_LOCK) != 0 ||
        smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_FEATURES) != 0) {
        return "FAIL";
    }
    r = smccc(VENDOR_HYP_CALL_UID, 0, 0, 0);
    return is_kvm_uid(r) && smccc0(VENDOR_HYP_KVM_FEATURES, 0) == 1 ? "ok" : "FAIL";
}

void secondary_main(unsigned cpu);
void secondary_main(unsigned cpu)
{
    mmu_enable();
    for (;;) {
        one_check(cpu);
    }
}

int main(void)
{
    uint64_t next, step, reported_errors = 0;
    const char *ok;

    mmu_build();
    mmu_enable();
    ok = probe();
    ncpus = start_secondaries();
    print("LOOP boot probe=%s cpus=%u\n", ok, (unsigned long)ncpus);
    step = read_cntfrq() * REPORT_MS / 1000;
    next = read_cntvct() + step;
    for (;;) {
        uint64_t total = 0;
        unsigned c;

        one_check(0);
        if (read_cntvct() < next) {
            continue;
        }
        next += step;
        if (errors != reported_errors) {
            reported_errors = errors;
            print("LOOP error cpu=%u what=%s got=%x\n",
                  (unsigned long)last_error_cpu, last_error_what,
                  (unsigned long)last_error_got);
        }
        for (c = 0; c < ncpus; c++) {
            total += iters[c];
        }
        print("LOOP t=%u iter=%u errors=%u\n",
              (unsigned long)(read_cntvct() / (read_cntfrq() / 1000)),
              (unsigned long)total, (unsigned long)errors);
    }
}

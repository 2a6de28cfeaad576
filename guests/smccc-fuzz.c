/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMCCC fuzzer: makes FUZZ_CALLS calls through the PSCI conduit with
 * random x0..x7, x0 drawn in and around the SMCCC architecture, PSCI,
 * vendor hypervisor and SMC64 ranges (and now and then anywhere, or with
 * junk in its upper half), skipping the PSCI calls that change power
 * state. It checks that every call QEMU does not implement returns -1,
 * and, at the end, that no call wrote where it should not: a canary
 * buffer in RAM, the reserved bytes of this vCPU's structure, and the
 * other structures of the PV-lock region (if there is one).
 *   FUZZ calls=N known=N unknown=N bad=N
 *   FUZZ RESULT: PASS | FAIL
 */
#include "lib.h"

#define FUZZ_CALLS      100000
#define CANARY_WORDS    (64 * 1024)
#define CANARY(i)       (0xc0ffee0000000000ULL ^ ((uint64_t)(i) * 0x9e3779b97f4a7c15ULL))
#define REGION_SIZE     0x10000

static uint64_t canary[CANARY_WORDS];
static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rand64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct res8 {
    uint64_t x[4];
};

static struct res8 call8(const uint64_t *in)
{
    register uint64_t x0 asm("x0") = in[0];
    register uint64_t x1 asm("x1") = in[1];
    register uint64_t x2 asm("x2") = in[2];
    register uint64_t x3 asm("x3") = in[3];
    register uint64_t x4 asm("x4") = in[4];
    register uint64_t x5 asm("x5") = in[5];
    register uint64_t x6 asm("x6") = in[6];
    register uint64_t x7 asm("x7") = in[7];

    if (use_smc) {
        asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3),
                     "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7) ::
                     "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                     "x16", "x17", "memory");
    } else {
        asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3),
                     "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7) ::
                     "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                     "x16", "x17", "memory");
    }
    return (struct res8){ { x0, x1, x2, x3 } };
}

/* PSCI calls that change power state, by function number (32 and 64) */
static bool power_state_call(uint64_t fn)
{
    uint32_t n;

    if ((fn >> 32) != 0) {
        return false;           /* junk upper half: not PSCI to QEMU */
    }
    if ((fn & 0xbfffff00) == 0x84000000) {
        n = fn & 0xff;
        /* CPU_SUSPEND, CPU_OFF, CPU_ON, SYSTEM_OFF, SYSTEM_RESET,
         * CPU_FREEZE, CPU_DEFAULT_SUSPEND, SYSTEM_SUSPEND, SYSTEM_RESET2 */
        return n == 1 || n == 2 || n == 3 || n == 8 || n == 9 ||
               n == 0xb || n == 0xc || n == 0xe || n == 0x12;
    }
    /* PSCI 0.1's IDs (KVM's): CPU_SUSPEND, CPU_OFF, CPU_ON */
    return fn >= 0x95c1ba5e && fn <= 0x95c1ba60;
}

/*
 * The calls QEMU implements (target/arm/tcg/psci.c), whole 64-bit x0:
 * PSCI always, SMCCC 1.1 and the KVM vendor service with pvlock=on.
 */
static bool known_call(uint64_t fn, bool pvlock)
{
    switch (fn) {
    case 0x84000000:    /* PSCI_VERSION */
    case 0x84000004:    /* AFFINITY_INFO */
    case 0xc4000004:
    case 0x84000006:    /* MIGRATE_INFO_TYPE */
    case 0x8400000a:    /* PSCI_FEATURES */
        return true;
    case SMCCC_VERSION:
    case SMCCC_ARCH_FEATURES:
    case VENDOR_HYP_KVM_FEATURES:
    case VENDOR_HYP_CALL_UID:
    case VENDOR_HYP_PV_LOCK:
        return pvlock;
    default:
        return false;
    }
}

static uint64_t random_fn(void)
{
    static const uint64_t bases[] = {
        0x80000000, 0xc0000000,     /* SMCCC architecture, SMC32/SMC64 */
        0x84000000, 0xc4000000,     /* PSCI */
        0x86000000, 0xc6000000,     /* vendor hypervisor */
        0x8600ff00, 0xc600ff00,     /* vendor hypervisor: UID, revision */
        0x95c1ba5e,                 /* PSCI 0.1 (KVM's IDs) */
    };
    uint64_t r = rand64(), fn;

    switch (r % 16) {
    case 0:
        return rand64();                            /* anywhere */
    case 1:
        fn = bases[(r >> 8) % 9] + ((r >> 16) & 0xff);
        return fn | (rand64() << 32);               /* junk upper half */
    case 2:
        return (uint32_t)rand64();                  /* any 32-bit ID */
    default:
        return bases[(r >> 8) % 9] + ((r >> 16) & 0x1f);
    }
}

int main(void);
int main(void)
{
    uint64_t in[8], known = 0, unknown = 0, bad = 0, i, v;
    bool pvlock;
    struct res8 r;

    check_quiet = true;
    mmu_build();
    mmu_enable();
    for (i = 0; i < CANARY_WORDS; i++) {
        canary[i] = CANARY(i);
    }
    /* As a guest would find out: SMCCC 1.1 is there only with pvlock=on. */
    pvlock = smccc0(PSCI_FEATURES, SMCCC_VERSION) == 0;
    print("FUZZ start el=%u conduit=%s pvlock=%s\n", current_el(),
          use_smc ? "smc" : "hvc", pvlock ? "on" : "off");

    for (i = 0; i < FUZZ_CALLS; i++) {
        unsigned j;

        do {
            in[0] = random_fn();
        } while (power_state_call(in[0]));
        for (j = 1; j < 8; j++) {
            in[j] = (rand64() & 1) ? rand64() : rand64() % 4;
        }
        r = call8(in);
        if (known_call(in[0], pvlock)) {
            known++;
        } else {
            unknown++;
            if (r.x[0] != SMCCC_NOT_SUPPORTED) {
                if (bad++ < 10) {
                    print("FAIL - x0=%x x1=%x returned %x, not -1\n",
                          (unsigned long)in[0], (unsigned long)in[1],
                          (unsigned long)r.x[0]);
                }
            }
        }
    }
    print("FUZZ calls=%u known=%u unknown=%u bad=%u\n", (unsigned long)i,
          (unsigned long)known, (unsigned long)unknown, (unsigned long)bad);
    check_failures += bad != 0;

    for (i = 0; i < CANARY_WORDS; i++) {
        if (canary[i] != CANARY(i)) {
            check(false, "canary in RAM intact", i);
            break;
        }
    }
    if (pvlock) {
        volatile uint64_t *region = (volatile uint64_t *)PVLOCK_BASE;

        /* Own structure: only "preempted" may be non-zero. Others: their
         * flag is QEMU's to write (0 or 1), the rest stays zero. */
        for (i = 0; i < REGION_SIZE / 8; i++) {
            v = region[i];
            if (i % (PVLOCK_SLOT_SIZE / 8) == 0) {
                check(v <= 1, "flags are 0 or 1", i);
            } else {
                check(v == 0, "reserved bytes and unused structures are zero", i);
            }
        }
    }
    print("FUZZ RESULT: %s\n", check_failures ? "FAIL" : "PASS");
    power_off();
}

void secondary_main(unsigned cpu);
void secondary_main(unsigned cpu)
{
    (void)cpu;              /* not started: the fuzzer runs on CPU 0 */
    for (;;) {
        asm volatile("wfi");
    }
}

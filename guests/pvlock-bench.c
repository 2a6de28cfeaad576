/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PV-lock benchmarks, run by harness/bench/tcg.py. The host selects one
 * with -device loader,addr=0x47fff000,data=MODE,data-len=8:
 *
 *  1 calls:  round trip of the PV-lock PREEMPTED call against PSCI_VERSION
 *            (the cheapest call QEMU answers), interleaved blocks, in
 *            counter ticks per call, on CPU 0.
 *  2 cpu:    a CPU-bound loop on every vCPU; prints the ticks it took.
 *  3 lock:   a ticket lock shared by all vCPUs, in alternating phases of
 *            plain spinning waiters and PV-aware waiters that give up
 *            their time slice (WFE: a trap to KVM, a yield under TCG) when
 *            the vCPU whose turn it is is not running. Prints
 *            acquisitions per phase.
 *  4 run:    every vCPU dirties 16 MiB of memory forever; makes
 *            no PV-lock call (the same guest with pvlock on or off, for
 *            the migration figures).
 *  5 yield:  every vCPU executes YIELD 2,000,000 times and nothing else: on
 *            one TCG thread each YIELD ends the vCPU's turn, so QEMU
 *            writes two flags per instruction with pvlock=on and none
 *            with pvlock=off (the price of the flag stores, timed by the
 *            host).
 */
#include "lib.h"

#define MODE_ADDR       0x47fff000UL
#define MODE_CALLS      1
#define MODE_CPU        2
#define MODE_LOCK       3
#define MODE_RUN        4
#define MODE_YIELD      5

#define CALL_BLOCKS     20
#define CALLS_PER_BLOCK 5000
#define CPU_ITERS       40000000UL
#ifndef YIELD_ITERS
#define YIELD_ITERS     2000000UL
#endif
#define LOCK_PHASES     8
#define LOCK_PHASE_MS   1250

static unsigned ncpus;
static volatile unsigned ready, finished;
static volatile unsigned phase = ~0u;
static volatile uint64_t cpu_ticks[MAX_CPUS];
static volatile uint64_t sink[MAX_CPUS];
static uint64_t my_slot_ipa[MAX_CPUS];

/* ---- 1: calls ---- */

static uint64_t time_calls(uint32_t fn, uint64_t arg)
{
    uint64_t t0 = read_cntvct();
    unsigned i;

    for (i = 0; i < CALLS_PER_BLOCK; i++) {
        smccc0(fn, arg);
    }
    return read_cntvct() - t0;
}

static void bench_calls(void)
{
    bool pv = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED) == PVLOCK_BASE;
    uint64_t t_pv = 0, t_psci = 0, t_feat = 0;
    unsigned b;

    time_calls(PSCI_VERSION, 0);                    /* warm up */
    for (b = 0; b < CALL_BLOCKS; b++) {
        t_psci += time_calls(PSCI_VERSION, 0);
        if (pv) {
            t_pv += time_calls(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);
            t_feat += time_calls(VENDOR_HYP_PV_LOCK, PV_LOCK_FEATURES);
        }
    }
    print("BENCH calls=%u freq=%u pvlock=%s psci_version=%u preempted=%u "
          "pv_features=%u\n", (unsigned long)(CALL_BLOCKS * CALLS_PER_BLOCK),
          (unsigned long)read_cntfrq(), pv ? "on" : "off",
          (unsigned long)t_psci, (unsigned long)t_pv, (unsigned long)t_feat);
}

/* ---- 2: cpu ---- */

/* Each vCPU dirties its own 16 MiB, one word per 4 KiB page, forever. */
#define RUN_BUF         0x42000000UL
#define RUN_BUF_SIZE    (16UL << 20)

static void run_forever(unsigned me)
{
    volatile uint64_t *buf = (uint64_t *)(RUN_BUF + me * RUN_BUF_SIZE);
    uint64_t x = 0x9e3779b97f4a7c15ULL + me;
    unsigned long i;

    for (;;) {
        for (i = 0; i < RUN_BUF_SIZE / 8; i += 4096 / 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = x;
        }
    }
}

static void cpu_work(unsigned me)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL + me, t0 = read_cntvct();
    unsigned long i;

    for (i = 0; i < CPU_ITERS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    sink[me] = x;
    cpu_ticks[me] = read_cntvct() - t0;
}

/* ---- 5: yield ---- */

static void yield_loop(void)
{
    unsigned long i;

    for (i = 0; i < YIELD_ITERS; i++) {
        asm volatile("yield" : : : "memory");
    }
}

/* ---- 3: lock ---- */

static struct {
    volatile uint32_t next;         /* next ticket to hand out */
    volatile uint32_t serving;      /* ticket allowed in */
    volatile uint32_t owner[MAX_CPUS * 4]; /* vCPU holding each ticket */
    volatile uint64_t shared;       /* what the lock protects */
} lock;

static volatile uint64_t acquired[LOCK_PHASES][MAX_CPUS];
static volatile uint64_t long_waits[LOCK_PHASES][MAX_CPUS];   /* > 10 ms */

static inline bool pv_waiters(unsigned ph)
{
    return ph & 1;
}

/* Returns how long the caller waited, in counter ticks. */
static uint64_t ticket_lock(unsigned me, bool pv)
{
    uint32_t t = __atomic_fetch_add(&lock.next, 1, __ATOMIC_RELAXED);
    uint64_t t0 = read_cntvct();

    lock.owner[t % (MAX_CPUS * 4)] = me;
    while (__atomic_load_n(&lock.serving, __ATOMIC_ACQUIRE) != t) {
        if (pv) {
            uint32_t s = lock.serving;
            unsigned turn = lock.owner[s % (MAX_CPUS * 4)];

            /*
             * The vCPU whose turn it is does not run: let it. WFE traps
             * to KVM when it overcommits (a directed yield); TCG treats
             * it as YIELD. SEVL first, so it never waits for an event.
             */
            if (turn < ncpus && turn != me && *pvlock_slot(turn)) {
                asm volatile("sevl; wfe" ::: "memory");
            }
        }
    }
    return read_cntvct() - t0;
}

static void ticket_unlock(void)
{
    __atomic_store_n(&lock.serving, lock.serving + 1, __ATOMIC_RELEASE);
}

static void busy_work(unsigned n)
{
    volatile unsigned i;

    for (i = 0; i < n; i++) {
        /* nothing */
    }
}

static volatile uint64_t lock_start, phase_ticks;

static void lock_loop(unsigned me)
{
    unsigned ph;

    while (phase == ~0u) {
        /* wait for CPU 0 to start the first phase */
    }
    for (ph = 0; ph < LOCK_PHASES; ph++) {
        uint64_t end = lock_start + (ph + 1) * phase_ticks, n = 0, longw = 0;

        while (phase == ph) {
            if (ticket_lock(me, pv_waiters(ph)) > read_cntfrq() / 100) {
                longw++;
            }
            lock.shared++;
            busy_work(200);         /* critical section */
            ticket_unlock();
            busy_work(200);         /* outside the lock */
            n++;
            if (read_cntvct() >= end) {
                phase = ph + 1;
            }
        }
        acquired[ph][me] = n;
        long_waits[ph][me] = longw;
    }
}

/* ---- common ---- */

static uint64_t mode(void)
{
    return *(volatile uint64_t *)MODE_ADDR;
}

static void run(unsigned me)
{
    switch (mode()) {
    case MODE_CPU:
        cpu_work(me);
        break;
    case MODE_LOCK:
        lock_loop(me);
        break;
    case MODE_RUN:
        run_forever(me);
        break;
    case MODE_YIELD:
        yield_loop();
        break;
    }
}

void secondary_main(unsigned cpu);
void secondary_main(unsigned cpu)
{
    mmu_enable();
    if (mode() != MODE_RUN && mode() != MODE_YIELD) {
        my_slot_ipa[cpu] = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);
    }
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    run(cpu);
    __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        asm volatile("wfi");
    }
}

int main(void)
{
    unsigned ph, c;

    mmu_build();
    mmu_enable();
    print("BENCH mode=%u\n", (unsigned long)mode());
    if (mode() == MODE_CALLS) {
        bench_calls();
        power_off();
    }
    if (mode() != MODE_RUN && mode() != MODE_YIELD) {
        my_slot_ipa[0] = smccc0(VENDOR_HYP_PV_LOCK, PV_LOCK_PREEMPTED);
    }
    ncpus = start_secondaries();
    while (ready != ncpus - 1) {
        cpu_relax();
    }
    if (mode() == MODE_LOCK && my_slot_ipa[0] != PVLOCK_BASE) {
        print("BENCH error: no PV-lock (run with pvlock=on)\n");
        power_off();
    }
    if (mode() == MODE_LOCK) {
        phase_ticks = read_cntfrq() * LOCK_PHASE_MS / 1000;
        lock_start = read_cntvct();
        phase = 0;
    }
    run(0);
    while (finished != ncpus - 1) {
        cpu_relax();
    }
    if (mode() == MODE_CPU) {
        uint64_t max = 0;

        for (c = 0; c < ncpus; c++) {
            max = cpu_ticks[c] > max ? cpu_ticks[c] : max;
        }
        print("BENCH cpu cpus=%u freq=%u ticks=%u\n", (unsigned long)ncpus,
              (unsigned long)read_cntfrq(), (unsigned long)max);
    } else if (mode() == MODE_YIELD) {
        print("BENCH yield cpus=%u yields=%u\n", (unsigned long)ncpus,
              (unsigned long)(ncpus * YIELD_ITERS));
    } else if (mode() == MODE_LOCK) {
        for (ph = 0; ph < LOCK_PHASES; ph++) {
            uint64_t total = 0, longw = 0;

            for (c = 0; c < ncpus; c++) {
                total += acquired[ph][c];
                longw += long_waits[ph][c];
            }
            print("BENCH lock phase=%u waiters=%s cpus=%u ms=%u "
                  "acquisitions=%u waits_over_10ms=%u\n", (unsigned long)ph,
                  pv_waiters(ph) ? "pv" : "spin", (unsigned long)ncpus,
                  (unsigned long)LOCK_PHASE_MS, (unsigned long)total,
                  (unsigned long)longw);
        }
    }
    power_off();
}

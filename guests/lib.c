/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small runtime for the bare-metal test guests on -machine virt.
 */
#include <stdarg.h>
#include "lib.h"

#define UART_DR     ((volatile uint32_t *)0x09000000UL)
#define UART_FR     ((volatile uint32_t *)0x09000018UL)
#define UART_FR_TXFF (1u << 5)

bool use_smc;
volatile int aborts_seen;
volatile bool abort_expected;

struct smccc_res smccc(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = a1;
    register uint64_t x2 asm("x2") = a2;
    register uint64_t x3 asm("x3") = a3;

    if (use_smc) {
        asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) ::
                     "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                     "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    } else {
        asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) ::
                     "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                     "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    }
    return (struct smccc_res){ x0, x1, x2, x3 };
}

void putc_uart(char c)
{
    while (*UART_FR & UART_FR_TXFF) {
        /* wait */
    }
    *UART_DR = (unsigned char)c;
}

void puts_uart(const char *s)
{
    while (*s) {
        putc_uart(*s++);
    }
}

void put_hex(uint64_t v)
{
    int shift = 60;

    puts_uart("0x");
    while (shift > 0 && !(v >> shift)) {
        shift -= 4;
    }
    for (; shift >= 0; shift -= 4) {
        putc_uart("0123456789abcdef"[(v >> shift) & 0xf]);
    }
}

void put_dec(uint64_t v)
{
    char buf[21];
    int i = 20;

    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    puts_uart(&buf[i]);
}

unsigned check_failures;
bool check_quiet;

void check(bool ok, const char *what, uint64_t got)
{
    if (ok) {
        if (!check_quiet) {
            print("ok - %s\n", what);
        }
    } else {
        check_failures++;
        print("FAIL - %s (got %x)\n", what, (unsigned long)got);
    }
}

void print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            if (*fmt == '\n') {
                putc_uart('\r');
            }
            putc_uart(*fmt);
            continue;
        }
        switch (*++fmt) {
        case 's':
            puts_uart(va_arg(ap, const char *));
            break;
        case 'd': {
            long v = va_arg(ap, long);

            if (v < 0) {
                putc_uart('-');
                v = -v;
            }
            put_dec(v);
            break;
        }
        case 'u':
            put_dec(va_arg(ap, unsigned long));
            break;
        case 'x':
            put_hex(va_arg(ap, unsigned long));
            break;
        case 'c':
            putc_uart(va_arg(ap, int));
            break;
        case '%':
            putc_uart('%');
            break;
        default:
            putc_uart('?');
            break;
        }
    }
    va_end(ap);
}

unsigned current_el(void)
{
    uint64_t el;

    asm volatile("mrs %0, CurrentEL" : "=r"(el));
    return (el >> 2) & 3;
}

void power_off(void)
{
    smccc(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;) {
        asm volatile("wfi");
    }
}

/*
 * Called from boot.S for a synchronous exception at the current EL. A
 * data abort is skipped (the faulting load is not retried) when the
 * code said it expects one; anything else ends the run.
 */
uint64_t sync_handler(uint64_t esr, uint64_t elr);
uint64_t sync_handler(uint64_t esr, uint64_t elr)
{
    unsigned ec = esr >> 26;

    if (ec == 0x25 && abort_expected) {
        aborts_seen++;
        return elr + 4;
    }
    print("\nFAIL unexpected synchronous exception: ESR %x ELR %x\n",
          (unsigned long)esr, (unsigned long)elr);
    power_off();
}

void unexpected_exception(void);
void unexpected_exception(void)
{
    print("\nFAIL unexpected exception\n");
    power_off();
}

/*
 * Identity map, 4 KiB granule, 39-bit VA starting at level 1:
 *   0x00000000-0x3fffffff via a level 2 table: the 2 MiB at 0x09000000
 *   via a level 3 table with the PL011 page as Device-nGnRnE, the 2 MiB
 *   that hold the PV-lock region via another with its 64 KiB as Normal
 *   write-back; the rest unmapped.
 *   0x40000000-0x7fffffff (RAM): one Normal write-back block.
 */
#define DESC_BLOCK      1ULL
#define DESC_TABLE      3ULL
#define DESC_PAGE       3ULL
#define DESC_AF         (1ULL << 10)
#define DESC_SH_INNER   (3ULL << 8)
#define DESC_ATTR(i)    ((uint64_t)(i) << 2)
#define DESC_XN         (3ULL << 53)
#define ATTR_DEVICE     0
#define ATTR_NORMAL     1
#define MAIR_VALUE      (0x00ULL | (0xffULL << 8))

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l3[512] __attribute__((aligned(4096)));
static uint64_t l3_pvlock[512] __attribute__((aligned(4096)));

void mmu_build(void)
{
    uint64_t normal = DESC_AF | DESC_SH_INNER | DESC_ATTR(ATTR_NORMAL);
    uint64_t device = DESC_AF | DESC_ATTR(ATTR_DEVICE) | DESC_XN;
    unsigned i;

    l1[0] = (uint64_t)l2 | DESC_TABLE;
    l1[1] = 0x40000000ULL | normal | DESC_BLOCK;
    l2[0x09000000 >> 21] = (uint64_t)l3 | DESC_TABLE;
    l3[0] = 0x09000000ULL | device | DESC_PAGE;
    /* The PV-lock region: 64 KiB in another 2 MiB block */
    _Static_assert(PVLOCK_BASE >> 21 != 0x09000000 >> 21,
                   "the PV-lock region shares the PL011's level 3 table");
    l2[PVLOCK_BASE >> 21] = (uint64_t)l3_pvlock | DESC_TABLE;
    for (i = 0; i < 16; i++) {
        l3_pvlock[((PVLOCK_BASE >> 12) & 511) + i] =
            (PVLOCK_BASE + i * 4096) | normal | DESC_XN | DESC_PAGE;
    }
    asm volatile("dsb ish" ::: "memory");
}

#define SYSREG_WRITE(reg, v) \
    asm volatile("msr " #reg ", %0" :: "r"((uint64_t)(v)) : "memory")
#define SYSREG_READ(reg) \
    ({ uint64_t v_; asm volatile("mrs %0, " #reg : "=r"(v_)); v_; })
#define SCTLR_MCI   (1ULL | (1ULL << 2) | (1ULL << 12))     /* M, C, I */

void mmu_enable(void)
{
    /* T0SZ=25, inner/outer WB WA, inner shareable, 4K granule */
    uint64_t tcr = 25 | (1 << 8) | (1 << 10) | (3 << 12);

    use_smc = current_el() == 2;
    if (current_el() == 2) {
        tcr |= (2ULL << 16) | (1ULL << 23) | (1ULL << 31);   /* PS=40 bits */
        SYSREG_WRITE(mair_el2, MAIR_VALUE);
        SYSREG_WRITE(tcr_el2, tcr);
        SYSREG_WRITE(ttbr0_el2, (uint64_t)l1);
        asm volatile("tlbi alle2; dsb ish; isb" ::: "memory");
        SYSREG_WRITE(sctlr_el2, SYSREG_READ(sctlr_el2) | SCTLR_MCI);
    } else {
        tcr |= (2ULL << 32) | (1ULL << 23);                  /* IPS, EPD1 */
        SYSREG_WRITE(mair_el1, MAIR_VALUE);
        SYSREG_WRITE(tcr_el1, tcr);
        SYSREG_WRITE(ttbr0_el1, (uint64_t)l1);
        asm volatile("tlbi vmalle1; dsb ish; isb" ::: "memory");
        SYSREG_WRITE(sctlr_el1, SYSREG_READ(sctlr_el1) | SCTLR_MCI);
    }
    asm volatile("isb" ::: "memory");
}

extern char secondary_entry[];

unsigned start_secondaries(void)
{
    unsigned n = 1, i;

    for (i = 1; i < MAX_CPUS; i++) {
        /* virt's MPIDR: Aff0 is the CPU index below 8 CPUs. */
        if (smccc(PSCI_CPU_ON, i, (uint64_t)secondary_entry, i).a0 != 0) {
            break;
        }
        n++;
    }
    return n;
}

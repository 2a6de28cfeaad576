// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run in the nested KVM host (L1): exercises the PV-lock vCPU attribute
 * directly, as QEMU cannot (it sets each address once, aligned, inside
 * its region). Prints one line per case:
 *   ATTR <case> ret=<0 or -errno>
 * then one line for the flag writes and KVM's dirty log:
 *   DIRTY cleared-at-run=<0|1> flag-seen=<0|1> page-dirty=<0|1>
 * (or DIRTY skipped: why)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#ifndef KVM_ARM_VCPU_PVLOCK_CTRL
#define KVM_ARM_VCPU_PVLOCK_CTRL    3
#define KVM_ARM_VCPU_PVLOCK_IPA     0
#endif

#define MEM_BASE    0x40000000ULL
#define MEM_SIZE    0x10000ULL

static int attr(int vcpu, unsigned long req, uint64_t *val, uint64_t a)
{
    struct kvm_device_attr at = {
        .group = KVM_ARM_VCPU_PVLOCK_CTRL,
        .attr = a,
        .addr = (uint64_t)(uintptr_t)val,
    };

    return ioctl(vcpu, req, &at) ? -errno : 0;
}

static void report(const char *what, int ret)
{
    printf("ATTR %s ret=%d\n", what, ret);
}

/*
 * The flag writes and KVM's dirty log. A VM whose vCPU spins (b .) at
 * guest address 0 and whose PV-lock structure lies in a slot of its own
 * with dirty logging on. The vCPU's thread runs alone on CPU 0 until the
 * dirty log has been read (and so cleared); then a SCHED_FIFO thread
 * takes CPU 0 from it. The vCPU is now scheduled out while runnable
 * inside KVM_RUN, so the host handler writes preempted=1 from vcpu_put,
 * through the userspace mapping, which stage 2 does not see; and the
 * real-time thread keeps the vCPU off its CPU, so no load writes 0
 * after it. The page is in KVM_GET_DIRTY_LOG then only if the put
 * marked it dirty (mark_page_dirty_in_slot()), which a live migration
 * needs to carry the flags. main() reads the flag from CPU 1.
 */
#define CODE_SIZE   0x10000ULL
#define FLAG_BASE   0x100000ULL
#define FLAG_SIZE   0x10000ULL

static volatile int stop_spinning;
static int dirty_vcpu;

static void pin_cpu(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

static void *spinner(void *arg)
{
    pin_cpu(0);
    while (!stop_spinning) {
        /* keeps CPU 0: real-time, it wins over the vCPU's thread */
    }
    return arg;
}

static void *vcpu_thread(void *arg)
{
    pin_cpu(0);
    /* Returns with EINTR at the signal from main(). */
    ioctl(dirty_vcpu, KVM_RUN, 0);
    return arg;
}

static void on_signal(int sig)
{
    (void)sig;
}

/* Wait up to ms milliseconds until the flag is want: 1 if it was. */
static int wait_flag(volatile uint64_t *flag, uint64_t want, int ms)
{
    struct timespec step = { 0, 100000 };
    int i;

    for (i = 0; i < ms * 10; i++) {
        if (*flag == want) {
            return 1;
        }
        nanosleep(&step, NULL);
    }
    return 0;
}

static void dirty_log_test(int kvm)
{
    struct kvm_userspace_memory_region code_slot, flag_slot;
    struct kvm_dirty_log log = { .slot = 1 };
    struct sched_param rt = { .sched_priority = 1 };
    struct kvm_vcpu_init init;
    volatile uint64_t *flag;
    uint64_t bitmap[4] = { 0 };
    uint64_t ipa = FLAG_BASE;
    pthread_attr_t rt_attr;
    pthread_t spin, run;
    int vm, seen, dirty, ran;
    uint32_t *code;
    char *flags;

    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        printf("DIRTY skipped: needs two CPUs\n");
        return;
    }
    pin_cpu(1);
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    flags = mmap(NULL, FLAG_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (vm < 0 || code == MAP_FAILED || flags == MAP_FAILED) {
        printf("DIRTY skipped: cannot create the VM\n");
        return;
    }
    code[0] = 0x14000000;       /* b . (the reset PC is 0) */
    code_slot = (struct kvm_userspace_memory_region) {
        .slot = 0, .guest_phys_addr = 0, .memory_size = CODE_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)code,
    };
    flag_slot = (struct kvm_userspace_memory_region) {
        .slot = 1, .flags = KVM_MEM_LOG_DIRTY_PAGES,
        .guest_phys_addr = FLAG_BASE, .memory_size = FLAG_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)flags,
    };
    dirty_vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &code_slot) ||
        ioctl(vm, KVM_SET_USER_MEMORY_REGION, &flag_slot) || dirty_vcpu < 0 ||
        ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) ||
        ioctl(dirty_vcpu, KVM_ARM_VCPU_INIT, &init)) {
        printf("DIRTY skipped: VM set-up failed: %s\n", strerror(errno));
        return;
    }
    if (attr(dirty_vcpu, KVM_SET_DEVICE_ATTR, &ipa, KVM_ARM_VCPU_PVLOCK_IPA)) {
        printf("DIRTY skipped: no PV-lock attribute\n");
        return;
    }
    flag = (volatile uint64_t *)flags;
    *flag = 1;      /* stale, as a migration source may leave it */
    signal(SIGUSR1, on_signal);
    pthread_create(&run, NULL, vcpu_thread, NULL);
    /* The vCPU runs: KVM cleared the flag before entering the guest. */
    ran = wait_flag(flag, 0, 2000);

    log.dirty_bitmap = bitmap;
    ioctl(vm, KVM_GET_DIRTY_LOG, &log);     /* clears it */
    memset(bitmap, 0, sizeof(bitmap));
    pthread_attr_init(&rt_attr);
    pthread_attr_setinheritsched(&rt_attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&rt_attr, SCHED_FIFO);
    pthread_attr_setschedparam(&rt_attr, &rt);
    if (pthread_create(&spin, &rt_attr, spinner, NULL)) {
        printf("DIRTY skipped: no SCHED_FIFO thread\n");
        return;
    }
    /* Well inside the real-time thread's 950 ms of each second. */
    seen = wait_flag(flag, 1, 200);
    dirty = ioctl(vm, KVM_GET_DIRTY_LOG, &log) ? -1 : (int)(bitmap[0] & 1);

    stop_spinning = 1;
    pthread_join(spin, NULL);
    pthread_kill(run, SIGUSR1);
    pthread_join(run, NULL);
    printf("DIRTY cleared-at-run=%d flag-seen=%d page-dirty=%d\n", ran, seen, dirty);
}

int main(void)
{
    struct kvm_userspace_memory_region region;
    struct kvm_vcpu_init init;
    uint64_t ipa, got = 0;
    int kvm, vm, vcpu;
    void *mem;

    kvm = open("/dev/kvm", O_RDWR);
    vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        perror("KVM_CREATE_VM");
        return 1;
    }
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    region = (struct kvm_userspace_memory_region) {
        .slot = 0, .guest_phys_addr = MEM_BASE, .memory_size = MEM_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) || vcpu < 0 ||
        ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) ||
        ioctl(vcpu, KVM_ARM_VCPU_INIT, &init)) {
        perror("VM set-up");
        return 1;
    }

    report("has", attr(vcpu, KVM_HAS_DEVICE_ATTR, NULL,
                       KVM_ARM_VCPU_PVLOCK_IPA));
    report("has-unknown-attr", attr(vcpu, KVM_HAS_DEVICE_ATTR, NULL, 1));
    ipa = MEM_BASE + 8;
    report("set-misaligned", attr(vcpu, KVM_SET_DEVICE_ATTR, &ipa,
                                  KVM_ARM_VCPU_PVLOCK_IPA));
    ipa = MEM_BASE + MEM_SIZE;
    report("set-outside-memory", attr(vcpu, KVM_SET_DEVICE_ATTR, &ipa,
                                      KVM_ARM_VCPU_PVLOCK_IPA));
    report("set-bad-pointer", attr(vcpu, KVM_SET_DEVICE_ATTR,
                                   (uint64_t *)8, KVM_ARM_VCPU_PVLOCK_IPA));
    ipa = MEM_BASE + 64;
    report("set", attr(vcpu, KVM_SET_DEVICE_ATTR, &ipa,
                       KVM_ARM_VCPU_PVLOCK_IPA));
    report("set-twice", attr(vcpu, KVM_SET_DEVICE_ATTR, &ipa,
                             KVM_ARM_VCPU_PVLOCK_IPA));
    report("get", attr(vcpu, KVM_GET_DEVICE_ATTR, &got,
                       KVM_ARM_VCPU_PVLOCK_IPA));
    printf("ATTR get-value 0x%llx\n", (unsigned long long)got);
    fflush(stdout);
    dirty_log_test(kvm);
    return 0;
}

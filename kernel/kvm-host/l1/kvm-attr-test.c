// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run in the nested KVM host (L1): exercises the PV-lock vCPU attribute
 * directly, as QEMU cannot (it sets each address once, aligned, inside
 * its region). Prints one line per case:
 *   ATTR <case> ret=<0 or -errno>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
    return 0;
}

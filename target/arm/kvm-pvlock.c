/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM side of arm64 PV-lock: tell KVM where each vCPU's structure is
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "kvm-pvlock.h"
#include "trace.h"

bool kvm_arm_pvlock_set_ipa(ARMCPU *cpu, uint64_t ipa, Error **errp)
{
    CPUState *cs = CPU(cpu);
    struct kvm_device_attr attr = {
        .group = KVM_ARM_VCPU_PVLOCK_CTRL,
        .attr = KVM_ARM_VCPU_PVLOCK_IPA,
        .addr = (uint64_t)(uintptr_t)&ipa,
    };
    int ret;

    ret = kvm_vcpu_ioctl(cs, KVM_HAS_DEVICE_ATTR, &attr);
    if (ret == -ENXIO) {
        error_setg(errp, "pvlock=on: the host kernel has no KVM PV-lock "
                   "support (vCPU attribute group %d); run a kernel with "
                   "the arm64 PV-lock series or turn the option off with "
                   "-machine virt,pvlock=off", KVM_ARM_VCPU_PVLOCK_CTRL);
        return false;
    }
    if (ret) {
        error_setg_errno(errp, -ret, "pvlock: KVM_HAS_DEVICE_ATTR failed "
                         "on vCPU %d", cs->cpu_index);
        return false;
    }

    ret = kvm_vcpu_ioctl(cs, KVM_SET_DEVICE_ATTR, &attr);
    trace_kvm_arm_pvlock_set_ipa(cs->cpu_index, ipa, ret);
    switch (ret) {
    case 0:
        return true;
    case -EINVAL:
        error_setg(errp, "pvlock: KVM refused address 0x%" PRIx64 " for "
                   "vCPU %d: not 64-byte aligned or not in guest memory",
                   ipa, cs->cpu_index);
        break;
    case -EEXIST:
        error_setg(errp, "pvlock: vCPU %d already has a PV-lock address in "
                   "KVM; it can be set only once (asked for 0x%" PRIx64 ")",
                   cs->cpu_index, ipa);
        break;
    case -EFAULT:
        error_setg(errp, "pvlock: KVM could not read the PV-lock address "
                   "0x%" PRIx64 " for vCPU %d (bad pointer)",
                   ipa, cs->cpu_index);
        break;
    default:
        error_setg_errno(errp, -ret, "pvlock: KVM_SET_DEVICE_ATTR failed "
                         "for vCPU %d, address 0x%" PRIx64,
                         cs->cpu_index, ipa);
        break;
    }
    return false;
}

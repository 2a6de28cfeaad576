/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM side of arm64 PV-lock
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 */

#ifndef TARGET_ARM_KVM_PVLOCK_H
#define TARGET_ARM_KVM_PVLOCK_H

#include "cpu.h"

#ifdef CONFIG_KVM
/*
 * kvm_arm_pvlock_set_ipa:
 * @cpu: the vCPU
 * @ipa: guest physical address of its PV-lock structure
 * @errp: error
 *
 * Tell KVM where @cpu's structure is (vCPU device attribute
 * KVM_ARM_VCPU_PVLOCK_CTRL/KVM_ARM_VCPU_PVLOCK_IPA). KVM accepts it once
 * per vCPU; the address must be 64-byte aligned and in a memslot.
 * Returns false with @errp set when KVM lacks support or refuses.
 */
bool kvm_arm_pvlock_set_ipa(ARMCPU *cpu, uint64_t ipa, Error **errp);
#endif

#endif

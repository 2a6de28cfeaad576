/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 PV-lock: which vCPU structure addresses the accelerator is told
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * Kept apart from the device so that tests/unit/test-arm-pvlock.c can
 * check it without an accelerator.
 */

#ifndef HW_ARM_PVLOCK_IPA_H
#define HW_ARM_PVLOCK_IPA_H

#include "qapi/error.h"

/* Size (and alignment) of one vCPU's structure. */
#define ARM_PVLOCK_SLOT_SIZE 64

/* Tell the accelerator that @cpu_index's structure is at @ipa. */
typedef bool (*ArmPVLockSetIPA)(void *opaque, int cpu_index, uint64_t ipa,
                                Error **errp);

/*
 * arm_pvlock_program_ipa:
 * @base: guest physical address of the region
 * @num_slots: structures in the region
 * @ipa_set: per cpu_index, whether the accelerator has its address
 * @cpu_index: the vCPU
 * @set_ipa: how to tell the accelerator, with @opaque
 * @errp: error
 *
 * KVM takes a vCPU's address once (a second KVM_SET_DEVICE_ATTR fails
 * with EEXIST) and keeps it across resets, so a vCPU that was given its
 * address is never given it again, whoever asks. Returns false with
 * @errp set if the vCPU has no structure or @set_ipa failed; the vCPU
 * then counts as not programmed.
 */
static inline bool arm_pvlock_program_ipa(uint64_t base, uint32_t num_slots,
                                          bool *ipa_set, int cpu_index,
                                          ArmPVLockSetIPA set_ipa,
                                          void *opaque, Error **errp)
{
    if (cpu_index < 0 || cpu_index >= num_slots) {
        error_setg(errp, "pvlock: vCPU %d has no PV-lock structure "
                   "(%" PRIu32 " slots)", cpu_index, num_slots);
        return false;
    }
    if (ipa_set[cpu_index]) {
        return true;
    }
    if (!set_ipa(opaque, cpu_index,
                 base + (uint64_t)cpu_index * ARM_PVLOCK_SLOT_SIZE, errp)) {
        return false;
    }
    ipa_set[cpu_index] = true;
    return true;
}

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 paravirtualized lock (PV-lock) support
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * One 64-byte structure per possible vCPU, whose first 64-bit field,
 * "preempted", tells the guest whether that vCPU is running. The guest
 * ABI is specified in docs/specs/arm-pvlock.rst; its numbers are in
 * target/arm/kvm-consts.h.
 */

#ifndef HW_ARM_PVLOCK_H
#define HW_ARM_PVLOCK_H

#include "hw/sysbus.h"
#include "qom/object.h"

#define TYPE_ARM_PVLOCK "arm-pvlock"
OBJECT_DECLARE_SIMPLE_TYPE(ArmPVLockState, ARM_PVLOCK)

struct ArmPVLockState {
    SysBusDevice parent_obj;

    MemoryRegion mem;
    uint32_t num_slots;     /* property: one slot per possible vCPU */
    bool halted_is_preempted;   /* property: TCG, the kernel series' rule */

    /* The migration source's num_slots, checked in post_load */
    uint32_t mig_num_slots;
};

/*
 * arm_pvlock_region_size:
 * @num_slots: number of vCPU structures
 *
 * Returns: the size of the region that holds @num_slots structures,
 * rounded up to 64 KiB, the largest arm64 page, so that a guest may map
 * it whole. A board reserves at least that much for it.
 */
uint64_t arm_pvlock_region_size(uint32_t num_slots);

/*
 * arm_pvlock_create:
 * @base: guest physical address of the region
 * @num_slots: number of vCPU structures, one per possible vCPU
 * @errp: error
 *
 * Create the PV-lock device and map its region at @base in system
 * memory, as kvmclock_create() does for kvmclock. The board checks that
 * the region fits the room it reserved (arm_pvlock_region_size()), and
 * gives vCPU n the structure at @base + n * ARM_PVLOCK_SLOT_SIZE. Call it
 * before the vCPUs are realized, so that they can find their structure.
 */
ArmPVLockState *arm_pvlock_create(hwaddr base, uint32_t num_slots,
                                  Error **errp);

#endif

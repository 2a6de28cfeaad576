/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paravirtualized lock (PV-lock) support for arm64 guests
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * The device owns a region with one 64-byte structure per possible vCPU,
 * in cpu_index order. The first 8 bytes of each structure, "preempted",
 * are non-zero while that vCPU is not running. The guest ABI is in
 * docs/system/arm/pvlock.rst.
 */

#ifndef HW_ARM_PVLOCK_H
#define HW_ARM_PVLOCK_H

#include "hw/sysbus.h"
#include "hw/arm/pvlock-ipa.h"
#include "qom/object.h"

#define TYPE_ARM_PVLOCK "arm-pvlock"
OBJECT_DECLARE_SIMPLE_TYPE(ArmPVLockState, ARM_PVLOCK)

/* The region is a whole number of the largest arm64 page size. */
#define ARM_PVLOCK_REGION_ALIGN (64 * KiB)

struct ArmPVLockState {
    SysBusDevice parent_obj;

    MemoryRegion mem;
    uint32_t num_slots;     /* property: one slot per possible vCPU */
    uint64_t base;          /* property: guest physical address */
    uint64_t window;        /* property: room the board set aside */
    bool *ipa_set;          /* KVM: attribute set, per cpu_index */

    /* Configuration of the migration source, checked in post_load. */
    uint32_t mig_num_slots;
    uint64_t mig_base;
};

/*
 * Create the PV-lock device for the machine's possible vCPUs, map it at
 * @base in system memory (@window bytes are reserved there) and tell the
 * accelerator where each vCPU's structure is. Call after the vCPUs are
 * realized. Errors say what to change on the command line.
 */
ArmPVLockState *arm_pvlock_create(hwaddr base, hwaddr window, Error **errp);

/* Guest physical address of @cpu_index's structure. */
static inline hwaddr arm_pvlock_slot_addr(ArmPVLockState *s, int cpu_index)
{
    return s->base + (hwaddr)cpu_index * ARM_PVLOCK_SLOT_SIZE;
}

#endif

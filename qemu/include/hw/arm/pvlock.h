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

#include "qemu/atomic.h"
#include "qemu/bswap.h"
#include "hw/sysbus.h"
#include "qom/object.h"

#define TYPE_ARM_PVLOCK "arm-pvlock"
OBJECT_DECLARE_SIMPLE_TYPE(ArmPVLockState, ARM_PVLOCK)

struct ArmPVLockState {
    SysBusDevice parent_obj;

    MemoryRegion mem;
    uint32_t num_slots;     /* property: one slot per possible vCPU */
    uint64_t base;          /* property: guest physical address */
    uint64_t window;        /* property: room the board set aside */
    bool halted_is_preempted;   /* property: TCG, the kernel series' rule */

    /* The migration source's num_slots, checked in post_load */
    uint32_t mig_num_slots;
};

/*
 * arm_pvlock_create:
 * @base: guest physical address of the region
 * @window: bytes the board reserves at @base
 * @errp: error
 *
 * Create the PV-lock device with one structure per possible vCPU, map it
 * at @base in system memory and give each vCPU its structure. Call once
 * the vCPUs are realized. Errors say what to change on the command line.
 */
ArmPVLockState *arm_pvlock_create(hwaddr base, hwaddr window, Error **errp);

/*
 * arm_pvlock_set_preempted:
 * @slot: host address of a vCPU's structure
 * @preempted: the new value of its "preempted" field
 *
 * The field only ever holds 0 or 1 and its upper 32 bits stay zero (the
 * PREEMPTED call and reset zero the whole structure), so a single-copy
 * atomic store of the low 32 bits updates the 64-bit field atomically.
 * It is 32 bits because this code is also built into qemu-system-arm,
 * which 32-bit hosts still build, and where qatomic_set() of 64 bits
 * fails its ATOMIC_REG_SIZE check.
 */
static inline void arm_pvlock_set_preempted(void *slot, bool preempted)
{
    qatomic_set((uint32_t *)slot, cpu_to_le32(preempted));
}

#endif

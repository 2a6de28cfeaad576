/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 paravirtualized lock (PV-lock) support
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * One 64-byte structure per possible vCPU, in a RAM region that the guest
 * finds through the PV-lock hypercall (docs/specs/arm-pvlock.rst); the
 * accelerator answers the call and writes the "preempted" flags. Under
 * TCG this device also zeroes them at reset and sets them when the VM
 * stops; target/arm/cpu.c keeps them while it runs. A thin helper, as
 * kvmclock is: the board sizes and places the region, and tells each
 * vCPU where its structure is before realize.
 *
 * The region's contents migrate as RAM. This device's own state is the
 * configuration, so that a destination that does not match refuses the
 * stream.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/arm/pvlock.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "system/tcg.h"
#include "cpu.h"
#include "target/arm/internals.h"
#include "trace.h"

/* The region is a whole number of the largest arm64 page size. */
#define ARM_PVLOCK_REGION_ALIGN (64 * KiB)

uint64_t arm_pvlock_region_size(uint32_t num_slots)
{
    return ROUND_UP((uint64_t)num_slots * ARM_PVLOCK_SLOT_SIZE,
                    ARM_PVLOCK_REGION_ALIGN);
}

/*
 * TCG: when the VM stops, every vCPU is out of its execution loop, so
 * set each flag by the rule. The loop's exit hook has done so for a
 * vCPU that left normally, but not for one that left
 * cpu_exec_step_atomic() through a longjmp, whose flag would stay 0.
 * The flag stores do not mark the region dirty (they are raw stores,
 * arm_pvlock_set_preempted()), so mark it here: the last pass of a
 * migration and a snapshot, which stop the VM first, then carry the
 * flags as they are.
 */
static void arm_pvlock_vm_state_change(void *opaque, bool running,
                                       RunState state)
{
    ArmPVLockState *s = opaque;
    CPUState *cs;

    if (running) {
        return;
    }
    CPU_FOREACH(cs) {
        ARMCPU *cpu = ARM_CPU(cs);

        if (arm_cpu_has_pvlock(cpu)) {
            arm_pvlock_set_preempted(cpu, arm_pvlock_cpu_preempted(cpu));
        }
    }
    memory_region_set_dirty(&s->mem, 0, memory_region_size(&s->mem));
}

static void arm_pvlock_realize(DeviceState *dev, Error **errp)
{
    ArmPVLockState *s = ARM_PVLOCK(dev);

    if (!s->num_slots) {
        error_setg(errp, "pvlock: num-slots must be at least 1");
        return;
    }
    /* RAM, so that KVM can map it and it migrates with guest memory. */
    if (!memory_region_init_ram(&s->mem, OBJECT(dev), "pvlock",
                                arm_pvlock_region_size(s->num_slots), errp)) {
        return;
    }
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mem);
    if (tcg_enabled()) {
        qemu_add_vm_change_state_handler(arm_pvlock_vm_state_change, s);
    }
}

static void arm_pvlock_reset_hold(Object *obj, ResetType type)
{
    CPUState *cs;

    /*
     * TCG: the guest starts again with no structure handed out, and no
     * vCPU is runnable yet: every flag is 0, or 1 under the kernel
     * series' rule, since every vCPU is halted until it is started. KVM
     * keeps its own flags, and its addresses.
     */
    if (!tcg_enabled()) {
        return;
    }
    CPU_FOREACH(cs) {
        ARMCPU *cpu = ARM_CPU(cs);

        if (arm_cpu_has_pvlock(cpu)) {
            address_space_set(cs->as, cpu->pvlock_addr, 0,
                              ARM_PVLOCK_SLOT_SIZE, MEMTXATTRS_UNSPECIFIED);
            arm_pvlock_set_preempted(cpu, cpu->pvlock_halted_is_preempted);
        }
    }
}

ArmPVLockState *arm_pvlock_create(hwaddr base, uint32_t num_slots,
                                  Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_ARM_PVLOCK);

    qdev_prop_set_uint32(dev, "num-slots", num_slots);
    object_property_add_child(qdev_get_machine(), TYPE_ARM_PVLOCK,
                              OBJECT(dev));
    object_unref(OBJECT(dev));
    if (!sysbus_realize(SYS_BUS_DEVICE(dev), errp)) {
        object_unparent(OBJECT(dev));
        return NULL;
    }
    /* Mapping the region also gives it a KVM memslot. */
    sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, base);
    trace_arm_pvlock_create(base, arm_pvlock_region_size(num_slots),
                            num_slots);
    return ARM_PVLOCK(dev);
}

static int arm_pvlock_pre_save(void *opaque)
{
    ArmPVLockState *s = opaque;

    s->mig_num_slots = s->num_slots;
    return 0;
}

/*
 * Not VMSTATE_UINT32_EQUAL: it reports only "4 != 2", while this says
 * what differs and what to change. The region's address is not in the
 * stream: the machine type fixes it, as it fixes the address of every
 * other region of the board, and none of them migrates its address.
 */
static bool arm_pvlock_post_load(void *opaque, int version_id, Error **errp)
{
    ERRP_GUARD();
    ArmPVLockState *s = opaque;

    if (s->mig_num_slots != s->num_slots) {
        error_setg(errp, "pvlock: the migration source has %" PRIu32
                   " vCPU slots, this machine has %" PRIu32,
                   s->mig_num_slots, s->num_slots);
        error_append_hint(errp, "Start the destination with the same "
                          "maxcpus as the source.\n");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_arm_pvlock = {
    .name = "arm-pvlock",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = arm_pvlock_pre_save,
    .post_load_errp = arm_pvlock_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mig_num_slots, ArmPVLockState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property arm_pvlock_properties[] = {
    DEFINE_PROP_UINT32("num-slots", ArmPVLockState, num_slots, 0),
    /*
     * TCG, for comparison only: the kernel series' rule, where a vCPU
     * halted in WFI also reads as preempted. The board gives it to each
     * vCPU (x-pvlock-halted-is-preempted).
     */
    DEFINE_PROP_BOOL("x-halted-is-preempted", ArmPVLockState,
                     halted_is_preempted, false),
};

static void arm_pvlock_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    dc->desc = "arm64 PV-lock vCPU state";
    dc->realize = arm_pvlock_realize;
    dc->vmsd = &vmstate_arm_pvlock;
    rc->phases.hold = arm_pvlock_reset_hold;
    /* Created by the board, which also gives the vCPUs their slots. */
    dc->user_creatable = false;
    device_class_set_props(dc, arm_pvlock_properties);
}

static const TypeInfo arm_pvlock_info = {
    .name = TYPE_ARM_PVLOCK,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(ArmPVLockState),
    .class_init = arm_pvlock_class_init,
};

static void arm_pvlock_register_types(void)
{
    type_register_static(&arm_pvlock_info);
}

type_init(arm_pvlock_register_types)

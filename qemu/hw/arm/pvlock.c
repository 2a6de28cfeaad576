/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 paravirtualized lock (PV-lock) support
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * One 64-byte structure per possible vCPU, in a RAM region that the guest
 * finds through the PV-lock hypercall (docs/specs/arm-pvlock.rst). Under
 * KVM the kernel answers the call and writes the "preempted" flags: QEMU
 * only tells it where each vCPU's structure is. Under TCG, QEMU answers
 * the call (target/arm/tcg/psci.c) and writes the flags itself: each vCPU
 * clears its own as it enters its execution loop and sets it as it leaves,
 * unless it leaves halted (target/arm/cpu.c). "Preempted" means runnable
 * but not running, as on x86: a vCPU idling in WFI is not preempted.
 *
 * The region's contents migrate as RAM. This device's own state is the
 * configuration, so that a destination that does not match refuses the
 * stream.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/arm/pvlock.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/kvm.h"
#include "system/qtest.h"
#include "system/runstate.h"
#include "system/tcg.h"
#include "qemu/accel.h"
#include "cpu.h"
#include "kvm_arm.h"
#include "trace.h"

/* The region is a whole number of the largest arm64 page size. */
#define ARM_PVLOCK_REGION_ALIGN (64 * KiB)

static hwaddr arm_pvlock_slot_addr(ArmPVLockState *s, int cpu_index)
{
    return s->base + (hwaddr)cpu_index * ARM_PVLOCK_SLOT_SIZE;
}

static void *arm_pvlock_slot_ptr(ArmPVLockState *s, int cpu_index)
{
    uint8_t *host = memory_region_get_ram_ptr(&s->mem);

    return host + (size_t)cpu_index * ARM_PVLOCK_SLOT_SIZE;
}

/*
 * TCG: QEMU's own stores to the region do not mark it dirty (that would
 * put a bitmap update on every entry to and exit from the execution
 * loop), so mark the whole region when the VM stops: every migration's
 * last pass and every snapshot stop it first, once each vCPU has left
 * its loop and stored its flag.
 */
static void arm_pvlock_vm_state_change(void *opaque, bool running,
                                       RunState state)
{
    ArmPVLockState *s = opaque;

    if (!running) {
        memory_region_set_dirty(&s->mem, 0, (hwaddr)s->num_slots *
                                ARM_PVLOCK_SLOT_SIZE);
    }
}

static uint64_t arm_pvlock_region_size(uint32_t num_slots)
{
    return ROUND_UP((uint64_t)num_slots * ARM_PVLOCK_SLOT_SIZE,
                    ARM_PVLOCK_REGION_ALIGN);
}

static void arm_pvlock_realize(DeviceState *dev, Error **errp)
{
    ERRP_GUARD();
    ArmPVLockState *s = ARM_PVLOCK(dev);
    uint64_t size = arm_pvlock_region_size(s->num_slots);

    if (!s->num_slots) {
        error_setg(errp, "pvlock: num-slots must be at least 1");
        return;
    }
    if (size > s->window) {
        error_setg(errp, "pvlock=on: %" PRIu32 " vCPUs need %" PRIu64
                   " bytes of PV-lock structures, more than the %" PRIu64
                   " bytes the machine reserves at 0x%" PRIx64,
                   s->num_slots, size, s->window, s->base);
        error_append_hint(errp, "Lower maxcpus, or turn pvlock off.\n");
        return;
    }
    /* RAM, so that KVM can map it and it migrates with guest memory. */
    if (!memory_region_init_ram(&s->mem, OBJECT(dev), "pvlock", size, errp)) {
        return;
    }
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mem);
    if (tcg_enabled()) {
        qemu_add_vm_change_state_handler(arm_pvlock_vm_state_change, s);
    }
    trace_arm_pvlock_realize(s->base, size, s->num_slots);
}

static void arm_pvlock_reset_hold(Object *obj, ResetType type)
{
    ArmPVLockState *s = ARM_PVLOCK(obj);
    uint32_t i;

    /*
     * TCG: the guest starts again with no structure handed out, and no
     * vCPU is runnable yet. KVM keeps its own flags, and its addresses.
     */
    if (tcg_enabled()) {
        memset(memory_region_get_ram_ptr(&s->mem), 0,
               (size_t)s->num_slots * ARM_PVLOCK_SLOT_SIZE);
        if (s->halted_is_preempted) {
            for (i = 0; i < s->num_slots; i++) {
                arm_pvlock_set_preempted(arm_pvlock_slot_ptr(s, i), true);
            }
        }
        memory_region_set_dirty(&s->mem, 0, (hwaddr)s->num_slots *
                                ARM_PVLOCK_SLOT_SIZE);
    }
}

/* Give each vCPU its structure. */
static bool arm_pvlock_connect_cpus(ArmPVLockState *s, Error **errp)
{
    CPUState *cs;

    CPU_FOREACH(cs) {
        ARMCPU *cpu = ARM_CPU(cs);
        hwaddr addr = arm_pvlock_slot_addr(s, cs->cpu_index);

        trace_arm_pvlock_slot(cs->cpu_index, addr);
        if (kvm_enabled()) {
            if (!kvm_arm_pvlock_init(cpu, addr, errp)) {
                return false;
            }
        } else if (tcg_enabled()) {
            /* Used by the conduit (psci.c) and the execution loop hooks */
            cpu->pvlock_slot = arm_pvlock_slot_ptr(s, cs->cpu_index);
            cpu->pvlock_slot_addr = addr;
            cpu->pvlock_halted_is_preempted = s->halted_is_preempted;
            cpu->smccc_v1_1 = true;
        }
    }
    return true;
}

ArmPVLockState *arm_pvlock_create(hwaddr base, hwaddr window, Error **errp)
{
    ERRP_GUARD();
    MachineState *ms = MACHINE(qdev_get_machine());
    DeviceState *dev;
    ArmPVLockState *s;

    if (!kvm_enabled() && !tcg_enabled() && !qtest_enabled()) {
        error_setg(errp, "pvlock=on: the %s accelerator does not implement "
                   "PV-lock", current_accel_name());
        error_append_hint(errp, "Use -accel kvm or -accel tcg, or turn "
                          "pvlock off.\n");
        return NULL;
    }
    if (!arm_feature(&ARM_CPU(first_cpu)->env, ARM_FEATURE_AARCH64)) {
        error_setg(errp, "pvlock=on needs AArch64 vCPUs");
        error_append_hint(errp, "The PV-lock interface does not exist for "
                          "AArch32 guests: choose an AArch64 CPU, or turn "
                          "pvlock off.\n");
        return NULL;
    }

    dev = qdev_new(TYPE_ARM_PVLOCK);
    s = ARM_PVLOCK(dev);
    qdev_prop_set_uint32(dev, "num-slots", ms->smp.max_cpus);
    qdev_prop_set_uint64(dev, "base", base);
    qdev_prop_set_uint64(dev, "window", window);
    object_property_add_child(OBJECT(ms), TYPE_ARM_PVLOCK, OBJECT(dev));
    object_unref(OBJECT(dev));
    if (!sysbus_realize(SYS_BUS_DEVICE(dev), errp)) {
        object_unparent(OBJECT(dev));
        return NULL;
    }
    /* Mapping the region also gives it a KVM memslot. */
    sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, base);
    if (!arm_pvlock_connect_cpus(s, errp)) {
        return NULL;
    }
    return s;
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
    DEFINE_PROP_UINT64("base", ArmPVLockState, base, 0),
    DEFINE_PROP_UINT64("window", ArmPVLockState, window,
                       ARM_PVLOCK_REGION_ALIGN),
    /*
     * TCG, for comparison only: the kernel series' rule, where a vCPU
     * halted in WFI also reads as preempted.
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
    /* Created by the board, which also connects it to the vCPUs. */
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

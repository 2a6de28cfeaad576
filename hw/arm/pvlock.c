/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paravirtualized lock (PV-lock) support for arm64 guests
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * One 64-byte structure per possible vCPU, in a RAM region the guest
 * finds through the PV-lock hypercall. Under KVM the kernel writes the
 * "preempted" flags; QEMU only tells it where each vCPU's structure is.
 * Under TCG, QEMU answers the hypercall and writes the flags itself
 * (target/arm/tcg/tcg-pvlock.c).
 * The region's contents migrate as RAM; this device's own state is the
 * configuration, so that a mismatched destination refuses the stream.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/arm/pvlock.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/kvm.h"
#include "system/qtest.h"
#include "system/tcg.h"
#include "qemu/accel.h"
#include "cpu.h"
#include "kvm-pvlock.h"
#ifdef CONFIG_TCG
#include "tcg/tcg-pvlock.h"
#endif
#include "trace.h"

/* Bytes of guest memory the region takes for @num_slots vCPUs. */
static uint64_t arm_pvlock_region_size(uint32_t num_slots)
{
    return ROUND_UP((uint64_t)num_slots * ARM_PVLOCK_SLOT_SIZE,
                    ARM_PVLOCK_REGION_ALIGN);
}

static void arm_pvlock_realize(DeviceState *dev, Error **errp)
{
    ArmPVLockState *s = ARM_PVLOCK(dev);
    uint64_t size = arm_pvlock_region_size(s->num_slots);

    if (!s->num_slots) {
        error_setg(errp, "pvlock: num-slots must be at least 1");
        return;
    }
    if (size > s->window) {
        error_setg(errp, "pvlock=on: %" PRIu32 " vCPUs need %" PRIu64
                   " bytes of PV-lock structures, but the machine reserves"
                   " only %" PRIu64 " bytes at 0x%" PRIx64
                   "; lower maxcpus or turn pvlock off",
                   s->num_slots, size, s->window, s->base);
        return;
    }
    /* RAM, so that KVM can map it and it migrates with guest memory. */
    if (!memory_region_init_ram(&s->mem, OBJECT(dev), "pvlock", size, errp)) {
        return;
    }
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mem);
    s->ipa_set = g_new0(bool, s->num_slots);
    trace_arm_pvlock_realize(s->base, size, s->num_slots);
}

static void arm_pvlock_unrealize(DeviceState *dev)
{
    ArmPVLockState *s = ARM_PVLOCK(dev);

    g_free(s->ipa_set);
    s->ipa_set = NULL;
#ifdef CONFIG_TCG
    if (tcg_enabled()) {
        arm_pvlock_tcg_disable();
    }
#endif
}

static void arm_pvlock_reset_hold(Object *obj, ResetType type)
{
#ifdef CONFIG_TCG
    /*
     * The guest starts again from a state where no vCPU runs; KVM keeps
     * its own flags, and its addresses stay set.
     */
    if (tcg_enabled()) {
        arm_pvlock_tcg_reset_slots();
    }
#endif
}

#ifdef CONFIG_KVM
static bool arm_pvlock_kvm_set_ipa(void *opaque, int cpu_index, uint64_t ipa,
                                   Error **errp)
{
    return kvm_arm_pvlock_set_ipa(ARM_CPU(opaque), ipa, errp);
}
#endif

/* Tell KVM where each vCPU's structure lives, once per vCPU. */
static bool arm_pvlock_connect_cpus(ArmPVLockState *s, Error **errp)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        trace_arm_pvlock_slot(cpu->cpu_index,
                              arm_pvlock_slot_addr(s, cpu->cpu_index));
#ifdef CONFIG_KVM
        if (kvm_enabled() &&
            !arm_pvlock_program_ipa(s->base, s->num_slots, s->ipa_set,
                                    cpu->cpu_index, arm_pvlock_kvm_set_ipa,
                                    cpu, errp)) {
            return false;
        }
#endif
    }
    return true;
}

ArmPVLockState *arm_pvlock_create(hwaddr base, hwaddr window, Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    DeviceState *dev;
    ArmPVLockState *s;

    if (!kvm_enabled() && !tcg_enabled() && !qtest_enabled()) {
        error_setg(errp, "pvlock=on: the %s accelerator does not implement "
                   "PV-lock; use -accel kvm or -accel tcg, or pvlock=off",
                   current_accel_name());
        return NULL;
    }
    if (!arm_feature(&ARM_CPU(first_cpu)->env, ARM_FEATURE_AARCH64)) {
        error_setg(errp, "pvlock=on needs AArch64 vCPUs: the PV-lock "
                   "interface does not exist for AArch32 guests");
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
#ifdef CONFIG_TCG
    if (tcg_enabled()) {
        arm_pvlock_tcg_enable(&s->mem, base, s->num_slots);
    }
#endif
    return s;
}

static int arm_pvlock_pre_save(void *opaque)
{
    ArmPVLockState *s = opaque;

    s->mig_num_slots = s->num_slots;
    s->mig_base = s->base;
    return 0;
}

static int arm_pvlock_post_load(void *opaque, int version_id)
{
    ArmPVLockState *s = opaque;

    if (s->mig_num_slots != s->num_slots) {
        error_report("pvlock: the migration source has %" PRIu32
                     " vCPU slots, this machine has %" PRIu32
                     ": start the destination with the same maxcpus",
                     s->mig_num_slots, s->num_slots);
        return -EINVAL;
    }
    if (s->mig_base != s->base) {
        error_report("pvlock: the migration source has its region at 0x%"
                     PRIx64 ", this machine at 0x%" PRIx64
                     ": use the same machine type on both sides",
                     s->mig_base, s->base);
        return -EINVAL;
    }
    return 0;
}

static const VMStateDescription vmstate_arm_pvlock = {
    .name = "arm-pvlock",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = arm_pvlock_pre_save,
    .post_load = arm_pvlock_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mig_num_slots, ArmPVLockState),
        VMSTATE_UINT64(mig_base, ArmPVLockState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property arm_pvlock_properties[] = {
    DEFINE_PROP_UINT32("num-slots", ArmPVLockState, num_slots, 0),
    DEFINE_PROP_UINT64("base", ArmPVLockState, base, 0),
    DEFINE_PROP_UINT64("window", ArmPVLockState, window,
                       ARM_PVLOCK_REGION_ALIGN),
};

static void arm_pvlock_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    dc->desc = "arm64 PV-lock vCPU state";
    dc->realize = arm_pvlock_realize;
    dc->unrealize = arm_pvlock_unrealize;
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 PV-lock under TCG: QEMU answers the hypercall, keeps the flags
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 *
 * The guest ABI is in docs/system/arm/pvlock.rst. A vCPU's "preempted"
 * flag is 0 while its thread runs guest code (inside cpu_exec()) and 1
 * otherwise: another vCPU holds the round-robin thread, it is halted in
 * WFI, stopped or paused. Each vCPU thread stores its own flag when it
 * enters or leaves cpu_exec(), with a single-copy atomic 64-bit store and
 * no lock.
 *
 * QEMU's own writes (the flags, and the zeroing done by the PREEMPTED
 * call) do not mark the region dirty for migration: that would put a
 * bitmap update on the execution path. Instead, whenever the VM stops
 * (which every migration's final pass and every snapshot does first),
 * all flags are set to 1 and the whole region is marked dirty, so the
 * stream always carries the region as it is once the vCPUs are stopped.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/bswap.h"
#include "system/runstate.h"
#include "cpu.h"
#include "internals.h"
#include "tcg-pvlock.h"

#define SMCCC_VERSION               0x80000000
#define SMCCC_ARCH_FEATURES         0x80000001
#define PSCI_FEATURES               0x8400000a
#define VENDOR_HYP_KVM_FEATURES     0x86000000
#define VENDOR_HYP_PV_LOCK          0x86000001
#define VENDOR_HYP_CALL_UID         0x8600ff01

#define SMCCC_VERSION_1_1           0x10001
#define SMCCC_RET_SUCCESS           0
#define SMCCC_RET_NOT_SUPPORTED     (-1)

/* PV-lock sub-calls, in x1 */
#define PV_LOCK_FEATURES            0
#define PV_LOCK_PREEMPTED           1

/* VENDOR_HYP_KVM_FEATURES bitmap: bit 0, the bitmap call. Never bit 1. */
#define KVM_FEATURES_BITMAP         (1ULL << 0)

#define SLOT_SIZE                   64
#define SLOT_WORDS                  (SLOT_SIZE / sizeof(uint64_t))

/* KVM's vendor hypervisor UID, 28b46fb6-2ec5-11e9-a9ca-4b564d003a74 */
static const uint32_t kvm_uid[4] = {
    0xb66fb428, 0xe911c52e, 0x564bcaa9, 0x743a004d,
};

static struct {
    uint64_t *slots;            /* host view of the region; NULL when off */
    MemoryRegion *mr;
    hwaddr base;
    uint32_t num_slots;
    VMChangeStateEntry *vmstate_entry;
} pvlock;

static void set_flag(int cpu_index, uint64_t value)
{
    uint64_t *slots = qatomic_read(&pvlock.slots);

    if (slots && cpu_index < pvlock.num_slots) {
        qatomic_set(&slots[cpu_index * SLOT_WORDS], cpu_to_le64(value));
    }
}

void arm_pvlock_tcg_exec_enter(CPUState *cs)
{
    set_flag(cs->cpu_index, 0);
}

void arm_pvlock_tcg_exec_exit(CPUState *cs)
{
    set_flag(cs->cpu_index, 1);
}

/* No vCPU runs: every flag 1, and the structures go to migration. */
static void mark_all_stopped(void)
{
    uint32_t i;

    for (i = 0; i < pvlock.num_slots; i++) {
        set_flag(i, 1);
    }
    memory_region_set_dirty(pvlock.mr, 0,
                            (hwaddr)pvlock.num_slots * SLOT_SIZE);
}

void arm_pvlock_tcg_reset_slots(void)
{
    if (!pvlock.slots) {
        return;
    }
    memset(pvlock.slots, 0, (size_t)pvlock.num_slots * SLOT_SIZE);
    mark_all_stopped();
}

static void arm_pvlock_tcg_vm_state(void *opaque, bool running,
                                    RunState state)
{
    if (!running) {
        mark_all_stopped();
    }
    /* else each vCPU clears its own flag as it starts to run */
}

void arm_pvlock_tcg_enable(MemoryRegion *mr, hwaddr base, uint32_t num_slots)
{
    pvlock.mr = mr;
    pvlock.base = base;
    pvlock.num_slots = num_slots;
    qatomic_set(&pvlock.slots, memory_region_get_ram_ptr(mr));
    pvlock.vmstate_entry =
        qemu_add_vm_change_state_handler(arm_pvlock_tcg_vm_state, NULL);
    arm_pvlock_tcg_reset_slots();
}

void arm_pvlock_tcg_disable(void)
{
    if (pvlock.vmstate_entry) {
        qemu_del_vm_change_state_handler(pvlock.vmstate_entry);
    }
    memset(&pvlock, 0, sizeof(pvlock));
}

/* PREEMPTED: zero the caller's structure, return its address. */
static int64_t pv_lock_preempted(CPUState *cs)
{
    if (cs->cpu_index >= pvlock.num_slots) {
        return SMCCC_RET_NOT_SUPPORTED;
    }
    /* Not marked dirty: the VM state handler does it for the region. */
    memset(&pvlock.slots[cs->cpu_index * SLOT_WORDS], 0, SLOT_SIZE);
    return pvlock.base + (hwaddr)cs->cpu_index * SLOT_SIZE;
}

static int64_t pv_lock_call(ARMCPU *cpu, uint64_t subcall)
{
    /* The structure's address does not fit AArch32's return value. */
    if (!is_a64(&cpu->env)) {
        return SMCCC_RET_NOT_SUPPORTED;
    }
    switch (subcall) {
    case PV_LOCK_FEATURES:
        return SMCCC_RET_SUCCESS;
    case PV_LOCK_PREEMPTED:
        return pv_lock_preempted(CPU(cpu));
    default:
        return SMCCC_RET_NOT_SUPPORTED;
    }
}

static bool implemented_here(uint32_t fn)
{
    switch (fn) {
    case SMCCC_VERSION:
    case SMCCC_ARCH_FEATURES:
    case VENDOR_HYP_KVM_FEATURES:
    case VENDOR_HYP_PV_LOCK:
    case VENDOR_HYP_CALL_UID:
        return true;
    default:
        return false;
    }
}

bool arm_pvlock_tcg_smccc(ARMCPU *cpu)
{
    CPUARMState *env = &cpu->env;
    bool a64 = is_a64(env);
    uint32_t fn = a64 ? env->xregs[0] : env->regs[0];
    uint64_t x1 = a64 ? env->xregs[1] : env->regs[1];
    uint64_t ret[4] = { 0 };
    int i;

    if (!qatomic_read(&pvlock.slots)) {
        return false;
    }

    switch (fn) {
    case PSCI_FEATURES:
        /* PSCI answers for its own functions; SMCCC_VERSION is ours. */
        if ((uint32_t)x1 != SMCCC_VERSION) {
            return false;
        }
        ret[0] = SMCCC_RET_SUCCESS;
        break;
    case SMCCC_VERSION:
        ret[0] = SMCCC_VERSION_1_1;
        break;
    case SMCCC_ARCH_FEATURES:
        ret[0] = implemented_here(x1) ? SMCCC_RET_SUCCESS
                                      : SMCCC_RET_NOT_SUPPORTED;
        break;
    case VENDOR_HYP_CALL_UID:
        for (i = 0; i < 4; i++) {
            ret[i] = kvm_uid[i];
        }
        break;
    case VENDOR_HYP_KVM_FEATURES:
        ret[0] = KVM_FEATURES_BITMAP;
        break;
    case VENDOR_HYP_PV_LOCK:
        ret[0] = pv_lock_call(cpu, x1);
        break;
    default:
        return false;
    }

    for (i = 0; i < 4; i++) {
        if (a64) {
            env->xregs[i] = ret[i];
        } else {
            env->regs[i] = ret[i];
        }
    }
    return true;
}

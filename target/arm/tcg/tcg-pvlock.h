/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arm64 PV-lock under TCG: QEMU answers the hypercall, keeps the flags
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 */

#ifndef TARGET_ARM_TCG_PVLOCK_H
#define TARGET_ARM_TCG_PVLOCK_H

#include "exec/memory.h"
#include "cpu.h"

/*
 * Start answering the PV-lock calls and keeping the "preempted" flags of
 * the @num_slots structures that @mr holds at guest address @base.
 */
void arm_pvlock_tcg_enable(MemoryRegion *mr, hwaddr base, uint32_t num_slots);
void arm_pvlock_tcg_disable(void);

/* Mark every vCPU not running: used at reset and when the VM stops. */
void arm_pvlock_tcg_reset_slots(void);

/*
 * Handle the SMCCC call in @cpu's registers if it is one that PV-lock
 * needs (SMCCC version and features, the KVM vendor service, the
 * PV-lock call). Returns false, changing nothing, for every other call
 * and always when PV-lock is off. Called from the PSCI conduit handler.
 */
bool arm_pvlock_tcg_smccc(ARMCPU *cpu);

/* TCGCPUOps hooks: the vCPU enters or leaves its execution loop. */
void arm_pvlock_tcg_exec_enter(CPUState *cs);
void arm_pvlock_tcg_exec_exit(CPUState *cs);

#endif

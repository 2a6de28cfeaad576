/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test: arm64 PV-lock tells the accelerator each vCPU's address once
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 */

#include "qemu/osdep.h"
#include "hw/arm/pvlock-ipa.h"

#define BASE        0x090c0000ULL
#define NCPUS       4

/* A stand-in for KVM: records each call, refuses a second address. */
typedef struct {
    int calls[NCPUS];
    uint64_t ipa[NCPUS];
    int fail_cpu;
} FakeKVM;

static bool fake_set_ipa(void *opaque, int cpu_index, uint64_t ipa,
                         Error **errp)
{
    FakeKVM *k = opaque;

    k->calls[cpu_index]++;
    if (cpu_index == k->fail_cpu) {
        error_setg(errp, "refused vCPU %d", cpu_index);
        return false;
    }
    if (k->calls[cpu_index] > 1) {
        error_setg(errp, "EEXIST for vCPU %d", cpu_index);
        return false;
    }
    k->ipa[cpu_index] = ipa;
    return true;
}

static void program_all(FakeKVM *k, bool *ipa_set, Error **errp)
{
    for (int i = 0; i < NCPUS; i++) {
        if (!arm_pvlock_program_ipa(BASE, NCPUS, ipa_set, i, fake_set_ipa, k,
                                    errp)) {
            return;
        }
    }
}

/* Machine creation, then a reset and anything else that asks again. */
static void test_once(void)
{
    FakeKVM k = { .fail_cpu = -1 };
    bool ipa_set[NCPUS] = { false };

    program_all(&k, ipa_set, &error_abort);
    program_all(&k, ipa_set, &error_abort);
    program_all(&k, ipa_set, &error_abort);
    for (int i = 0; i < NCPUS; i++) {
        g_assert_cmpint(k.calls[i], ==, 1);
        g_assert_cmphex(k.ipa[i], ==, BASE + i * ARM_PVLOCK_SLOT_SIZE);
        g_assert_true(ipa_set[i]);
    }
}

/* A refusal stops there and says why; a later call finishes the rest. */
static void test_failure(void)
{
    FakeKVM k = { .fail_cpu = 2 };
    bool ipa_set[NCPUS] = { false };
    Error *err = NULL;

    program_all(&k, ipa_set, &err);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "refused vCPU 2");
    error_free(err);
    g_assert_true(ipa_set[0] && ipa_set[1]);
    g_assert_false(ipa_set[2] || ipa_set[3]);
    g_assert_cmpint(k.calls[3], ==, 0);

    k.fail_cpu = -1;
    k.calls[2] = 0;
    program_all(&k, ipa_set, &error_abort);
    g_assert_cmpint(k.calls[0], ==, 1);
    g_assert_cmpint(k.calls[1], ==, 1);
    g_assert_cmpint(k.calls[2], ==, 1);
    g_assert_cmpint(k.calls[3], ==, 1);
}

static void test_no_slot(void)
{
    FakeKVM k = { .fail_cpu = -1 };
    bool ipa_set[NCPUS] = { false };
    Error *err = NULL;

    g_assert_false(arm_pvlock_program_ipa(BASE, NCPUS, ipa_set, NCPUS,
                                          fake_set_ipa, &k, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "vCPU 4 has no PV-lock structure"));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm-pvlock/ipa-set-once", test_once);
    g_test_add_func("/arm-pvlock/ipa-failure", test_failure);
    g_test_add_func("/arm-pvlock/ipa-no-slot", test_no_slot);
    return g_test_run();
}

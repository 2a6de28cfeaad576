/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QTest for the arm64 PV-lock region of the virt machine (pvlock=on)
 *
 * Copyright (c) 2026 The qemu-pvlock authors
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include <sys/utsname.h>
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "migration/migration-qmp.h"

/* The spec's number (docs/specs/arm-pvlock.rst), not QEMU's */
#define SLOT_SIZE       64
#define VIRT_MAX_CPUS   512
/* The region, 64 KiB: the largest arm64 page, room for 1024 vCPUs */
#define REGION_SIZE     (64 * KiB)

#define MACHINE_ARGS    "-cpu max -display none -nodefaults "

/* An unsigned integer property of the object at @path */
static uint64_t qom_get_uint(QTestState *qts, const char *path,
                             const char *name)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': {"
                           " 'path': %s, 'property': %s } }", path, name);
    uint64_t value = qnum_get_uint(qobject_to(QNum, qdict_get(rsp, "return")));

    qobject_unref(rsp);
    return value;
}

static uint64_t pvlock_prop(QTestState *qts, const char *name)
{
    return qom_get_uint(qts, "/machine/arm-pvlock", name);
}

/* vCPU @index's pvlock-addr property, which the board sets before realize */
static uint64_t cpu_pvlock_addr(QTestState *qts, int64_t index)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-cpus-fast' }");
    QList *cpus = qdict_get_qlist(rsp, "return");
    g_autofree char *path = NULL;
    QListEntry *e;

    QLIST_FOREACH_ENTRY(cpus, e) {
        QDict *cpu = qobject_to(QDict, qlist_entry_obj(e));

        if (qdict_get_int(cpu, "cpu-index") == index) {
            path = g_strdup(qdict_get_str(cpu, "qom-path"));
        }
    }
    qobject_unref(rsp);
    g_assert(path);
    return qom_get_uint(qts, path, "pvlock-addr");
}

/* Where the board put the region: vCPU 0's structure comes first. */
static uint64_t base_of(QTestState *qts)
{
    return cpu_pvlock_addr(qts, 0);
}

static bool mtree_has_pvlock(QTestState *qts)
{
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");

    return strstr(mtree, "pvlock") != NULL;
}

/* How 'info mtree' ends the line of the PV-lock region */
#define MTREE_PVLOCK    "(prio 0, ram): pvlock"

/*
 * The region is RAM named pvlock, 64 KiB at vCPU 0's structure: as big as
 * the room the board reserves, for up to 1024 vCPUs.
 */
static void check_mtree(QTestState *qts)
{
    uint64_t base = base_of(qts);
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");
    g_autofree char *line = g_strdup_printf(
        "%016" PRIx64 "-%016" PRIx64 " " MTREE_PVLOCK,
        base, base + REGION_SIZE - 1);

    if (!strstr(mtree, line)) {
        g_test_message("no '%s' in: %s", line, mtree);
        g_assert_not_reached();
    }
}

static void check_property(const char *machine_type)
{
    QTestState *qts = qtest_init("-machine none");
    QDict *rsp;
    QList *props;
    QListEntry *e;
    bool found = false;

    rsp = qtest_qmp(qts, "{ 'execute': 'qom-list-properties',"
                    "  'arguments': { 'typename': %s } }", machine_type);
    g_assert(qdict_haskey(rsp, "return"));
    props = qdict_get_qlist(rsp, "return");
    QLIST_FOREACH_ENTRY(props, e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (strcmp(qdict_get_str(p, "name"), "pvlock")) {
            continue;
        }
        found = true;
        g_assert_cmpstr(qdict_get_str(p, "type"), ==, "bool");
        g_assert(strstr(qdict_get_str(p, "description"), "PV-lock"));
        g_assert(qdict_haskey(p, "default-value"));
        g_assert_false(qdict_get_bool(p, "default-value"));
    }
    g_assert(found);
    qobject_unref(rsp);
    qtest_quit(qts);
}

static void test_property(void)
{
    /* libvirt looks on the versioned type; older versions have it too. */
    check_property("virt-10.2-machine");
    check_property("virt-9.2-machine");
    check_property("virt-5.0-machine");
}

static void test_default_off(void)
{
    QTestState *qts = qtest_init("-machine virt,pvlock=on " MACHINE_ARGS);
    uint64_t base = base_of(qts);
    QDict *rsp;

    qtest_quit(qts);
    qts = qtest_init("-machine virt " MACHINE_ARGS);
    g_assert_false(mtree_has_pvlock(qts));
    /* No vCPU has a structure. */
    g_assert_cmphex(cpu_pvlock_addr(qts, 0), ==, UINT64_MAX);
    rsp = qtest_qmp(qts, "{ 'execute': 'qom-list', 'arguments': {"
                    " 'path': '/machine/arm-pvlock' } }");
    g_assert(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    /* Nothing is mapped where pvlock=on puts it: writes are lost. */
    qtest_writeq(qts, base, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readq(qts, base), ==, 0);
    qtest_quit(qts);

    qts = qtest_init("-machine virt,pvlock=off " MACHINE_ARGS);
    g_assert_false(mtree_has_pvlock(qts));
    qtest_quit(qts);
}

static void test_region(void)
{
    QTestState *qts = qtest_init("-machine virt,pvlock=on -smp 4 "
                                 MACHINE_ARGS);
    uint64_t base = base_of(qts), size = REGION_SIZE;
    uint64_t off;

    check_mtree(qts);
    /* The largest arm64 page: the guest may map it whole. */
    g_assert_cmphex(base % (64 * KiB), ==, 0);
    g_assert_cmphex(size, ==, 64 * KiB);
    /* Zero-filled, then every slot keeps what is written to it. */
    for (off = 0; off < size; off += SLOT_SIZE) {
        g_assert_cmphex(qtest_readq(qts, base + off), ==, 0);
    }
    for (off = 0; off < size; off += 8) {
        qtest_writeq(qts, base + off, 0xa5a5000000000000ULL | off);
    }
    for (off = 0; off < size; off += 8) {
        g_assert_cmphex(qtest_readq(qts, base + off), ==,
                        0xa5a5000000000000ULL | off);
    }
    qtest_quit(qts);
}

/* The range of an 'info mtree' line, false for a line without one */
static bool mtree_range(const char *line, uint64_t *start, uint64_t *end)
{
    return sscanf(line + strspn(line, " "), "%" SCNx64 "-%" SCNx64,
                  start, end) == 2;
}

/*
 * No other region overlaps the PV-lock region, in any address space.
 * Read from the tree of 'info mtree', not the flat view, which would
 * hide a region that a higher-priority one covers. Only the containers
 * that the region sits in may overlap it.
 */
static void check_no_overlap(const char *args)
{
    QTestState *qts = qtest_initf("-machine virt,pvlock=on%s " MACHINE_ARGS,
                                  args);
    uint64_t base = base_of(qts), last = base + REGION_SIZE - 1;
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");
    g_auto(GStrv) lines = NULL;
    g_autofree bool *container = NULL;
    g_autoptr(GArray) stack = g_array_new(false, false, sizeof(int));
    const char *space = "";
    bool in_memory = false;
    uint64_t start, end;
    int i, n;

    g_strdelimit(mtree, "\r", ' ');
    lines = g_strsplit(mtree, "\n", -1);
    n = g_strv_length(lines);
    container = g_new0(bool, n);
    /* Mark the lines that contain a PV-lock line: its ancestors */
    for (i = 0; i < n; i++) {
        int indent = strspn(lines[i], " ");

        g_strchomp(lines[i]);
        if (g_str_has_prefix(lines[i], "address-space: ")) {
            space = lines[i] + strlen("address-space: ");
            g_array_set_size(stack, 0);
            continue;
        }
        /*
         * The regions that aliases point into come last, each with its
         * own addresses, not those of an address space: leave them out.
         */
        if (g_str_has_prefix(lines[i], "memory-region: ")) {
            n = i;
            break;
        }
        if (!mtree_range(lines[i], &start, &end)) {
            continue;
        }
        while (stack->len &&
               strspn(lines[g_array_index(stack, int, stack->len - 1)], " ")
               >= indent) {
            g_array_set_size(stack, stack->len - 1);
        }
        if (g_str_has_suffix(lines[i], MTREE_PVLOCK)) {
            guint j;

            g_assert_cmphex(start, ==, base);
            g_assert_cmphex(end, ==, last);
            in_memory |= !strcmp(space, "memory");
            for (j = 0; j < stack->len; j++) {
                container[g_array_index(stack, int, j)] = true;
            }
        }
        g_array_append_val(stack, i);
    }
    g_assert(in_memory);
    /*
     * Any other line that overlaps it is a clash, but for the root of an
     * address space and an alias of all of system memory (a bus master's
     * view): they hold the region, not another one.
     */
    for (i = 0; i < n; i++) {
        if (mtree_range(lines[i], &start, &end) &&
            start <= last && end >= base && !container[i] &&
            strspn(lines[i], " ") > 2 &&
            !strstr(lines[i], " @system 0000000000000000-ffffffffffffffff") &&
            !g_str_has_suffix(lines[i], MTREE_PVLOCK)) {
            g_test_message("'%s' overlaps the PV-lock region (-machine "
                           "virt,pvlock=on%s)", lines[i], args);
            g_assert_not_reached();
        }
    }
    qtest_quit(qts);
}

static void test_no_overlap(void)
{
    /* virt creates its ACPI devices only when it loads firmware */
    g_autofree char *fw = NULL;
    g_autofree char *zeros = g_malloc0(4 * KiB);
    g_autofree char *acpi = NULL, *pcihp = NULL, *largest = NULL;
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("pvlock-test-fw-XXXXXX", &fw, &err);

    g_assert_no_error(err);
    g_assert(g_file_set_contents(fw, zeros, 4 * KiB, &err));
    close(fd);
    acpi = g_strdup_printf(",acpi=on -bios %s", fw);
    /* The ACPI PCI hotplug registers (10.1) took the slot PV-lock had */
    pcihp = g_strdup_printf("%s -global "
                            "acpi-ged.acpi-pci-hotplug-with-bridge-support=on",
                            acpi);
    largest = g_strdup_printf(",gic-version=3,its=on,virtualization=on%s "
                              "-smp %d", pcihp, VIRT_MAX_CPUS);

    check_no_overlap("");
    check_no_overlap(",acpi=off");
    check_no_overlap(acpi);
    check_no_overlap(pcihp);
    check_no_overlap(",highmem=off");
    check_no_overlap(",gic-version=2,its=off,virtualization=on");
    check_no_overlap(",secure=on");
    check_no_overlap(largest);
    unlink(fw);
}

static void check_slots(const char *smp, int present, unsigned expected_slots)
{
    QTestState *qts = qtest_initf("-machine virt,pvlock=on,gic-version=3 "
                                  "-smp %s " MACHINE_ARGS, smp);
    uint64_t base = base_of(qts);
    uint64_t last = base + (expected_slots - 1) * SLOT_SIZE;

    check_mtree(qts);
    g_assert_cmpint(pvlock_prop(qts, "num-slots"), ==, expected_slots);
    /*
     * Each present vCPU has its own structure, in order: the first ones
     * and the last (each look-up lists every vCPU, so not all 512).
     */
    for (int64_t i = 1; i < MIN(present, 4); i++) {
        g_assert_cmphex(cpu_pvlock_addr(qts, i), ==, base + i * SLOT_SIZE);
    }
    if (present > 1) {
        g_assert_cmphex(cpu_pvlock_addr(qts, present - 1), ==,
                        base + (present - 1) * SLOT_SIZE);
    }
    /* The last vCPU's slot is inside the region and usable. */
    qtest_writeq(qts, last, 7);
    g_assert_cmphex(qtest_readq(qts, last), ==, 7);
    qtest_quit(qts);
}

static void test_sizes(void)
{
    check_slots("1", 1, 1);
    check_slots("4", 4, 4);
    check_slots("512", 512, 512);
    /* Slots are per possible vCPU, not per present one. */
    check_slots("2,maxcpus=" stringify(VIRT_MAX_CPUS), 2, VIRT_MAX_CPUS);
}

/*
 * Start QEMU with @args (which name the accelerator), expect exit status 1
 * and @message on stderr.
 */
static void check_rejected(const char *args, const char *message)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = g_strdup_printf("%s %s", qemu, args);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert(g_spawn_command_line_sync(cmd, &out, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    if (!strstr(err, message)) {
        g_test_message("stderr of '%s': %s", cmd, err);
        g_assert_not_reached();
    }
}

static void test_bad_values(void)
{
    check_rejected("-accel qtest -machine virt,pvlock=maybe -cpu max "
                   "-display none",
                   "Parameter 'pvlock' expects 'on' or 'off'");
    check_rejected("-accel qtest -machine virt,pvlock=1 -cpu max "
                   "-display none",
                   "Parameter 'pvlock' expects 'on' or 'off'");
    /* virt takes AArch32 vCPUs under TCG only */
    if (qtest_has_accel("tcg")) {
        check_rejected("-accel tcg -machine virt,pvlock=on -cpu cortex-a15 "
                       "-display none", "pvlock=on needs AArch64 vCPUs");
        /* The vCPU checks the address that a board gives it */
        check_rejected("-accel tcg -machine virt -cpu max,pvlock-addr=0x1000 "
                       "-display none", "pvlock-addr 0x1000 is not in RAM");
        check_rejected("-accel tcg -machine virt "
                       "-cpu max,pvlock-addr=0x9ff0008 -display none",
                       "pvlock-addr 0x9ff0008 is not 64-byte aligned");
    }
}

/* Migration between two QEMU processes over a unix socket. */

typedef struct {
    QTestState *src, *dst;
    char *dir, *sock, *dst_log;
} Mig;

/*
 * Both sides use the return path, as management software does: the
 * destination then tells the source that it refused the stream, and the
 * source resumes its guest instead of stopping in postmigrate.
 */
static void mig_start(Mig *m, const char *src_args, const char *dst_args)
{
    g_autofree char *uri = NULL;

    m->dir = g_dir_make_tmp("pvlock-test-XXXXXX", NULL);
    g_assert(m->dir);
    m->sock = g_strdup_printf("%s/migsock", m->dir);
    m->dst_log = g_strdup_printf("%s/dst.log", m->dir);
    m->src = qtest_initf("%s " MACHINE_ARGS, src_args);
    /* libqtest starts QEMU through sh -c: keep the destination's stderr. */
    m->dst = qtest_initf("%s " MACHINE_ARGS "-incoming defer 2>%s",
                         dst_args, m->dst_log);
    migrate_set_capability(m->src, "return-path", true);
    migrate_set_capability(m->dst, "return-path", true);
    uri = g_strdup_printf("unix:%s", m->sock);
    migrate_incoming_qmp(m->dst, uri, NULL, "{}");
}

static void mig_migrate(Mig *m)
{
    g_autofree char *uri = g_strdup_printf("unix:%s", m->sock);

    migrate_qmp(m->src, m->dst, uri, NULL, "{}");
}

static char *runstate(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-status' }");
    char *st = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "return"),
                                      "status"));

    qobject_unref(rsp);
    return st;
}

static void mig_end(Mig *m)
{
    qtest_quit(m->src);
    qtest_quit(m->dst);
    unlink(m->sock);
    unlink(m->dst_log);
    rmdir(m->dir);
    g_free(m->sock);
    g_free(m->dst_log);
    g_free(m->dir);
}

static uint64_t pattern(unsigned slot)
{
    return 0x5eed000000000000ULL | ((uint64_t)slot << 8) | 1;
}

static void fill_slots(QTestState *qts, unsigned n)
{
    uint64_t base = base_of(qts);

    for (unsigned i = 0; i < n; i++) {
        qtest_writeq(qts, base + i * SLOT_SIZE, pattern(i));
        qtest_writeq(qts, base + i * SLOT_SIZE + SLOT_SIZE - 8, ~pattern(i));
    }
}

static void check_slots_hold(QTestState *qts, unsigned n)
{
    uint64_t base = base_of(qts);

    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(qtest_readq(qts, base + i * SLOT_SIZE), ==,
                        pattern(i));
        g_assert_cmphex(qtest_readq(qts, base + i * SLOT_SIZE + SLOT_SIZE - 8),
                        ==, ~pattern(i));
    }
}

static void test_migrate_on_on(void)
{
    Mig m;
    g_autofree char *st = NULL;

    mig_start(&m, "-machine virt,pvlock=on -smp 4",
              "-machine virt,pvlock=on -smp 4");
    fill_slots(m.src, 4);
    mig_migrate(&m);
    wait_for_migration_complete(m.src);
    wait_for_migration_complete(m.dst);
    check_slots_hold(m.dst, 4);
    st = runstate(m.dst);
    g_assert_cmpstr(st, ==, "running");
    mig_end(&m);
}

/* The destination refuses the stream; the source keeps its guest. */
static const char *not_completed[] = { "completed", NULL };

static void check_migrate_refused(const char *src_args, const char *dst_args,
                                  const char *message)
{
    Mig m;
    g_autofree char *st = NULL;
    g_autofree char *log = NULL;
    bool src_pvlock;

    mig_start(&m, src_args, dst_args);
    qtest_set_expected_status(m.dst, 1);
    src_pvlock = cpu_pvlock_addr(m.src, 0) != UINT64_MAX;
    if (src_pvlock) {
        fill_slots(m.src, 2);
    }
    mig_migrate(&m);
    /* Through "device" (the last pass) to "failed", never "completed". */
    wait_for_migration_status(m.src, "failed", not_completed);
    st = runstate(m.src);
    g_assert_cmpstr(st, ==, "running");
    if (src_pvlock) {
        check_slots_hold(m.src, 2);
    }
    /* Wait for the destination to exit, then read what it said. */
    while (qtest_probe_child(m.dst)) {
        g_usleep(20 * 1000);
    }
    g_assert(g_file_get_contents(m.dst_log, &log, NULL, NULL));
    if (!strstr(log, message)) {
        g_test_message("destination said: %s", log);
        g_assert_not_reached();
    }
    mig_end(&m);
}

static void test_migrate_on_off(void)
{
    check_migrate_refused("-machine virt,pvlock=on -smp 2",
                          "-machine virt,pvlock=off -smp 2",
                          "Unknown ramblock \"pvlock\"");
}

/* Both accelerators refuse it: under KVM it would bring PTP back. */
static void test_migrate_off_on(void)
{
    check_migrate_refused("-machine virt,pvlock=off -smp 2",
                          "-machine virt,pvlock=on -smp 2",
                          "pvlock: the migration source has no PV-lock "
                          "structure for vCPU 0");
}

static void test_migrate_slot_mismatch(void)
{
    check_migrate_refused("-machine virt,pvlock=on -smp 2,maxcpus=4",
                          "-machine virt,pvlock=on -smp 2,maxcpus=8",
                          "pvlock: the migration source has 4 vCPU slots, "
                          "this machine has 8");
}

/*
 * Under KVM on an arm64 host, QEMU either starts (the host kernel has
 * PV-lock) or refuses with the documented message and exit status 1.
 */
static void test_kvm(void)
{
    struct utsname host;
    g_autofree char *cmd = NULL, *out = NULL, *err = NULL;
    int status;

    if (uname(&host) || strcmp(host.machine, "aarch64") ||
        access("/dev/kvm", R_OK | W_OK) || !qtest_has_accel("kvm")) {
        g_test_skip("no /dev/kvm for aarch64 guests on this host");
        return;
    }
    cmd = g_strdup_printf("sh -c 'echo quit | %s -accel kvm "
                          "-machine virt,pvlock=on -cpu host -S -display none "
                          "-nodefaults -monitor stdio'",
                          g_getenv("QTEST_QEMU_BINARY"));
    g_assert(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) {
        return;
    }
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert(strstr(err, "the host kernel has no KVM PV-lock support"));
    g_test_message("host kernel without PV-lock: %s", err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/pvlock/property", test_property);
    qtest_add_func("/pvlock/default-off", test_default_off);
    qtest_add_func("/pvlock/region", test_region);
    qtest_add_func("/pvlock/no-overlap", test_no_overlap);
    qtest_add_func("/pvlock/sizes", test_sizes);
    qtest_add_func("/pvlock/bad-values", test_bad_values);
    qtest_add_func("/pvlock/migrate/on-on", test_migrate_on_on);
    qtest_add_func("/pvlock/migrate/on-off", test_migrate_on_off);
    qtest_add_func("/pvlock/migrate/off-on", test_migrate_off_on);
    qtest_add_func("/pvlock/migrate/slot-mismatch",
                   test_migrate_slot_mismatch);
    qtest_add_func("/pvlock/kvm", test_kvm);

    return g_test_run();
}

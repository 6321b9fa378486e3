/*
 * sys — the machine at a glance, as crash shows it: which kernel and dump, how many CPUs, when it
 * was dumped and how long it had been up, how much memory, and which kernel release. ksleuth adds
 * the paging mode, where KASLR put the kernel, and the dump's format.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../kernel/panic.h"
#include "../mm/task.h"
#include "../output/output.h"
#include "commands.h"

struct sys_info {
    char release[65], version[65], machine[65], nodename[65];
    uint64_t cpus, present_pages, tasks;
    bool have_memory; /* false on a kernel without contig_page_data (NUMA): unknown, not 0 */
    int64_t wall_sec, uptime_sec;
    bool have_time;
    struct panic_info panic;
    bool have_panic_task;
    struct task_info panic_task;
};

static int read_uts(struct kernel *k, const char *field, char *out, ks_err *err)
{
    char path[32];
    uint64_t addr;
    snprintf(path, sizeof path, "name.%s", field);
    return kvar_addr(k, "init_uts_ns", path, &addr, NULL, err) || kread_string(k, addr, out, 65, err) ? -1 : 0;
}

/* Wall time and uptime from the timekeeper as of its last tick before the dump: uptime is
 * ktime_get_boottime() (what /proc/uptime shows) = wall time + wall_to_monotonic + offs_boot.
 * A kernel without tk_core's clock leaves them unknown; one whose clock cannot be read fails. */
static int read_times(struct kernel *k, struct sys_info *si, ks_err *err)
{
    static const char *const parts[] = {
        "timekeeper.xtime_sec",           "timekeeper.wall_to_monotonic.tv_sec", "timekeeper.wall_to_monotonic.tv_nsec",
        "timekeeper.tkr_mono.xtime_nsec", "timekeeper.tkr_mono.shift",           "timekeeper.offs_boot"};
    uint64_t v[ARRAY_SIZE(parts)] = {0};
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        int r = kvar_read_int_opt(k, "tk_core", parts[i], &v[i], err);
        if (r < 0)
            return -1;
        if (r == 0 && i < 2)
            return 0; /* no clock to read: DATE and UPTIME unknown */
    }
    uint64_t xtime = v[0], wtm = v[1], wtm_ns = v[2], xnsec = v[3], shift = v[4], boot_ns = v[5];
    int64_t ns = (int64_t)(shift < 64 ? xnsec >> shift : 0) + (int64_t)wtm_ns + (int64_t)boot_ns;
    si->wall_sec = (int64_t)xtime;
    si->uptime_sec = (int64_t)xtime + (int64_t)wtm + ns / 1000000000;
    si->have_time = true;
    return 0;
}

static int count_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    (void)k;
    (void)ti;
    (*(uint64_t *)arg)++;
    return 0;
}

/* The panic (or the oops that led to it) and the task its CPU was running. A kernel whose log
 * ksleuth cannot read (before 5.10) simply shows no PANIC line; a log that cannot be read fails. */
static int gather_panic(struct kernel *k, struct sys_info *si, ks_err *err)
{
    uint64_t task;
    ks_err e;
    if (panic_find(k, &si->panic, &e)) {
        if (!ks_err_is(&e, KS_E_UNSUPPORTED))
            return ks_pass(err, &e);
        memset(&si->panic, 0, sizeof si->panic);
    }
    if (!si->panic.have_cpu)
        return 0;
    if (cpu_curr(k, si->panic.cpu, &task, err) || task_info_read(k, task, &si->panic_task, err))
        return ks_wrap(err, "the task on panic CPU %u", si->panic.cpu);
    si->have_panic_task = true;
    return 0;
}

/* Every field is read or the command fails: a value is never shown in place of a read that failed. */
static int gather(struct kernel *k, struct sys_info *si, ks_err *err)
{
    memset(si, 0, sizeof *si);
    if (read_uts(k, "release", si->release, err) || read_uts(k, "version", si->version, err) ||
        read_uts(k, "machine", si->machine, err) || read_uts(k, "nodename", si->nodename, err))
        return -1;
    unsigned cpus;
    if (dump_cpus_read(k, &cpus, err))
        return -1;
    si->cpus = cpus;
    int r = kvar_read_int_opt(k, "contig_page_data", "node_present_pages", &si->present_pages, err);
    if (r < 0)
        return -1;
    si->have_memory = r > 0;
    if (read_times(k, si, err) || for_each_task(k, count_task, &si->tasks, err))
        return -1;
    return gather_panic(k, si, err);
}

static void human_size(uint64_t bytes, char *out, size_t n)
{
    double mb = (double)bytes / (1024.0 * 1024.0);
    if (mb >= 1024.0)
        snprintf(out, n, "%.1f GB", mb / 1024.0);
    else
        snprintf(out, n, "%.1f MB", mb);
}

static void format_date(const struct sys_info *si, char *date, size_t n)
{
    time_t t = (time_t)si->wall_sec;
    struct tm tm;
    strftime(date, n, "%a %b %e %H:%M:%S UTC %Y", gmtime_r(&t, &tm));
}

static void format_uptime(const struct sys_info *si, char *up, size_t n)
{
    int64_t u = si->uptime_sec;
    int h = (int)(u % 86400 / 3600), m = (int)(u % 3600 / 60), sec = (int)(u % 60);
    if (u >= 86400)
        snprintf(up, n, "%" PRId64 " days, %02d:%02d:%02d", u / 86400, h, m, sec);
    else
        snprintf(up, n, "%02d:%02d:%02d", (int)(u / 3600), m, sec);
}

/* One label line per field, as crash lays them out; JSON members in the order programs have
 * always had them (the fields people and programs see differently are separate columns). */
#define SYS_LABEL(key, title) COL_TEXT(CT_STR, title, key, 0, 0)
static const struct column sys_cols[] = {
    COL_JSON(CT_STR, "release"),
    COL_JSON(CT_STR, "version"),
    COL_JSON(CT_STR, "machine"),
    COL_JSON(CT_STR, "nodename"),
    COL_JSON(CT_BOOL, "pae"),
    COL_JSON(CT_HEX, "kaslr_offset"),
    SYS_LABEL("kernel", "      KERNEL: "),
    SYS_LABEL("dumpfile", "    DUMPFILE: "),
    COL_U("        CPUS: ", "cpus", 0, 0),
    SYS_LABEL("date", "        DATE: "),
    SYS_LABEL("uptime", "      UPTIME: "),
    COL_U("       TASKS: ", "tasks", 0, 0),
    SYS_LABEL("nodename_", "    NODENAME: "),
    SYS_LABEL("release_", "     RELEASE: "),
    SYS_LABEL("version_", "     VERSION: "),
    SYS_LABEL("machine_", "     MACHINE: "),
    SYS_LABEL("memory", "      MEMORY: "),
    COL_JSON(CT_UNSIGNED, "memory_bytes"),
    COL_JSON(CT_STR, "format"),
    COL_JSON(CT_SIGNED, "date_epoch"),
    COL_JSON(CT_SIGNED, "uptime_sec"),
    COL_LIST("panic"),
    COLUMN(CT_STR, "       PANIC: ", "headline", 0, 0, 0, COL_QUOTED | COL_TEXT_ONLY),
    SYS_LABEL("paging", "      PAGING: "),
    SYS_LABEL("kaslr", "       KASLR: "),
};
static const struct column sys_cr3_cols[] = {COL_X(NULL, "cr3", 0, 0)};
static const struct column sys_panic_cols[] = {
    COL_JSON(CT_STR, "message"),
    COL_JSON(CT_STR, "panic"),
    COL_JSON(CT_STR, "oops"),
    COL_JSON(CT_UNSIGNED, "cpu"),
    COL_U("         PID: ", "pid", 0, 0),
    COLUMN(CT_STR, "     COMMAND: ", "command_", 0, 0, 0, COL_QUOTED | COL_TEXT_ONLY),
    COL_X("        TASK: ", "task", 0, 0),
    COL_JSON(CT_STR, "command"),
    COL_TEXT(CT_UNSIGNED, "         CPU: ", "cpu_", 0, 0),
};

/* A field on a line of its own. */
static void put_line_s(struct table *t, const char *key, const char *v)
{
    row_begin(t);
    put_s(t, key, v);
    row_end(t);
}

static void put_line_u(struct table *t, const char *key, uint64_t v)
{
    row_begin(t);
    put_u(t, key, v);
    row_end(t);
}

static void put_identity(struct session *s, struct table *t, const struct sys_info *si)
{
    char dumpfile[600];
    put_s(t, "release", si->release);
    put_s(t, "version", si->version);
    put_s(t, "machine", si->machine);
    put_s(t, "nodename", si->nodename);
    put_b(t, "pae", s->k.pae);
    put_u(t, "kaslr_offset", (uint64_t)s->k.kaslr_offset);
    put_line_s(t, "kernel", s->vmlinux_path);
    snprintf(dumpfile, sizeof dumpfile, "%s  [%s]", s->dump_path, s->k.dump->desc);
    put_line_s(t, "dumpfile", dumpfile);
    put_line_u(t, "cpus", si->cpus);
}

static void put_times_and_names(struct table *t, const struct sys_info *si)
{
    char date[64] = "(unknown)", up[64] = "(unknown)";
    if (si->have_time) {
        format_date(si, date, sizeof date);
        format_uptime(si, up, sizeof up);
    }
    put_line_s(t, "date", date);
    put_line_s(t, "uptime", up);
    put_line_u(t, "tasks", si->tasks);
    put_line_s(t, "nodename_", si->nodename);
    put_line_s(t, "release_", si->release);
    put_line_s(t, "version_", si->version);
    put_line_s(t, "machine_", si->machine);
}

static void put_memory(struct session *s, struct table *t, const struct sys_info *si)
{
    char mem[32] = "(unknown)";
    if (si->have_memory) {
        human_size(si->present_pages * KS_PAGE_SIZE, mem, sizeof mem);
        put_u(t, "memory_bytes", si->present_pages * KS_PAGE_SIZE);
    } else {
        put_null(t, "memory_bytes");
    }
    put_line_s(t, "memory", mem);
    put_s(t, "format", s->k.dump->desc);
    struct table cr3;
    values_begin_in(t, &cr3, "cr3", sys_cr3_cols);
    for (int c = 0; c < s->k.dump->ncpus; c++)
        if (s->k.dump->cpu[c].has_cr3)
            put_value_u(&cr3, s->k.dump->cpu[c].cr3);
    table_end(&cr3, 0);
    if (si->have_time) {
        put_i(t, "date_epoch", si->wall_sec);
        put_i(t, "uptime_sec", si->uptime_sec);
    }
}

static void put_panic(struct table *t, const struct sys_info *si)
{
    const struct panic_info *p = &si->panic;
    const char *headline = panic_headline(p);
    if (headline[0])
        put_line_s(t, "headline", headline);
    if (!headline[0] && !p->have_cpu) {
        put_null(t, "panic");
        return;
    }
    struct table o;
    object_begin_in(t, &o, "panic", sys_panic_cols);
    table_set_style(&o, STYLE_LABELS);
    put_s(&o, "message", headline);
    put_s(&o, "panic", p->panic[0] ? p->panic : NULL);
    put_s(&o, "oops", p->oops[0] ? p->oops : NULL);
    if (p->have_cpu)
        put_u(&o, "cpu", p->cpu);
    else
        put_null(&o, "cpu");
    if (si->have_panic_task) {
        const struct task_info *ti = &si->panic_task;
        put_line_u(&o, "pid", ti->pid);
        put_line_s(&o, "command_", ti->comm);
        put_line_u(&o, "task", ti->task);
        put_s(&o, "command", ti->comm);
        put_line_u(&o, "cpu_", ti->cpu);
    }
    table_end(&o, 0);
}

static void put_placement(struct session *s, struct table *t)
{
    char kaslr[96];
    put_line_s(t, "paging", s->k.paging->name);
    snprintf(kaslr, sizeof kaslr, "offset %#" PRIx64 " (%s)", (uint64_t)s->k.kaslr_offset, s->k.kaslr_source);
    put_line_s(t, "kaslr", kaslr);
    for (int c = 0; c < s->k.dump->ncpus; c++) /* QEMU's per-CPU notes record the page directory each CPU ran on */
        if (s->k.dump->cpu[c].has_cr3)
            table_text(t, "%12s%d: CR3 %" PRIx64 "\n", "CPU ", c, s->k.dump->cpu[c].cr3);
}

/* sys -f: how ksleuth reads this kernel (kernel/features.c), one KEY: value line each. */
static void put_features(struct session *s, struct table *t)
{
    static const struct column cols[] = {COL_S(NULL, "label", 0, 0), COL_S(NULL, "value", 0, 0)};
    struct feature_line lines[FEATURE_LINES_MAX];
    size_t n = features_describe(&s->k.features, lines);
    struct table f;
    object_begin_in(t, &f, "features", cols);
    for (size_t i = 0; i < n; i++) {
        const struct feature_line *l = &lines[i];
        if (!table_is_json(&f)) {
            table_text(&f, "%12s: %s\n", l->label, l->shown);
            continue;
        }
        if (l->kind == FEATURE_NAME)
            json_str(f.j, l->key, l->name);
        else if (l->kind == FEATURE_BOOL)
            json_bool(f.j, l->key, l->n != 0);
        else
            json_int(f.j, l->key, l->n);
    }
    table_end(&f, 0);
}

static int run_sys(struct session *s, int argc, char **argv)
{
    bool features = argc == 2 && !strcmp(argv[1], "-f");
    if (argc > 1 && !features)
        return cmd_fail(s, argv[0], "takes no arguments but -f");
    struct sys_info si;
    ks_err err;
    if (gather(&s->k, &si, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct table t;
    record_begin(s, &t, sys_cols);
    put_identity(s, &t, &si);
    put_times_and_names(&t, &si);
    put_memory(s, &t, &si);
    put_panic(&t, &si);
    put_placement(s, &t);
    /* Text shows the answers under -f; JSON always carries them (programs ask for keys, not lines). */
    if (features || table_is_json(&t))
        put_features(s, &t);
    return record_end(&t, 0);
}

const struct command cmd_sys = {
    "sys",
    "sys [-f]",
    "the system: kernel, dump, CPUs, date, uptime, release, memory, paging, KASLR",
    "Fields: KERNEL and DUMPFILE (with the dump's format), CPUS (online at dump time, and those a\n"
    "panic stopped and took offline: up to the highest present CPU), DATE (the timekeeper's wall\n"
    "clock at its last tick), UPTIME (boot time, as /proc/uptime), TASKS (every\n"
    "thread, each CPU's idle task included), NODENAME, RELEASE, VERSION and MACHINE (from\n"
    "init_uts_ns), MEMORY (present pages of the node), PAGING (2-level or PAE), KASLR (the offset and\n"
    "how it was found), and for QEMU dumps each CPU's CR3 from QEMU's per-CPU notes.\n"
    "After a crash: PANIC (the oops line of the log if the crash began with one, else the panic()\n"
    "message), and the PID, COMMAND, TASK and CPU of the task the panicking CPU ran (panic_cpu).\n"
    "JSON: {\"release\",\"version\",\"machine\",\"nodename\",\"pae\",\"kaslr_offset\",\"cpus\",\"tasks\",\"memory_bytes\",\n"
    "\"format\",\"cr3\":[per CPU, QEMU dumps],\"date_epoch\",\"uptime_sec\",\"panic\":null or {\"message\",\"panic\",\n"
    "\"oops\",\"cpu\",\"pid\",\"task\",\"command\"}}\n"
    "sys -f adds how ksleuth reads this kernel, decided once from its DWARF when the dump was opened:\n"
    "VMAS (maple tree or vm_next list), RSS (the mm's counters), MEMORY_MODEL, PAGE_BUDDY (how a free\n"
    "page is marked), TASK_STATE, PRINTK (the log ring), SLAB, MODULES (struct module's layout),\n"
    "IRQ_STACKS (the per-CPU variables), RSS_DELTAS, PG_SLAB, SLAB_PAGES, TASK_CPU, THREADS,\n"
    "FREE_LISTS, FREELIST (how SLUB free pointers are stored), and VMCOREINFO (whether the dump's\n"
    "own VMCOREINFO agrees). JSON (with or without -f): a \"features\" object: {\"vma_container\",\n"
    "\"rss_counters\",\"memory_model\",\"buddy_mark\",\"task_state\",\"printk_ring\",\n"
    "\"slab_allocator\",\"module_layout\",\"irq_stacks\",\"rss_task_deltas\",\"pg_slab_bit\",\"slab_pages\",\n"
    "\"task_cpu\",\"thread_list\",\"free_list_link\",\"freelist_ptr\",\"vmcoreinfo_agrees\"}.",
    run_sys,
};

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
    (void)k; (void)ti;
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
    if (mb >= 1024.0) snprintf(out, n, "%.1f GB", mb / 1024.0);
    else snprintf(out, n, "%.1f MB", mb);
}

static void print_text(struct session *s, const struct sys_info *si)
{
    FILE *o = s->out;
    char date[64] = "(unknown)", up[32] = "(unknown)", mem[32];
    if (si->have_time) {
        time_t t = (time_t)si->wall_sec;
        struct tm tm;
        strftime(date, sizeof date, "%a %b %e %H:%M:%S UTC %Y", gmtime_r(&t, &tm));
        int64_t u = si->uptime_sec;
        if (u >= 86400) snprintf(up, sizeof up, "%" PRId64 " days, %02d:%02d:%02d", u / 86400, (int)(u % 86400 / 3600), (int)(u % 3600 / 60), (int)(u % 60));
        else snprintf(up, sizeof up, "%02d:%02d:%02d", (int)(u / 3600), (int)(u % 3600 / 60), (int)(u % 60));
    }
    if (si->have_memory)
        human_size(si->present_pages * KS_PAGE_SIZE, mem, sizeof mem);
    else
        snprintf(mem, sizeof mem, "(unknown)");
    fprintf(o, "      KERNEL: %s\n", s->vmlinux_path);
    fprintf(o, "    DUMPFILE: %s  [%s]\n", s->dump_path, s->k.dump->desc);
    fprintf(o, "        CPUS: %" PRIu64 "\n", si->cpus);
    fprintf(o, "        DATE: %s\n", date);
    fprintf(o, "      UPTIME: %s\n", up);
    fprintf(o, "       TASKS: %" PRIu64 "\n", si->tasks);
    fprintf(o, "    NODENAME: %s\n", si->nodename);
    fprintf(o, "     RELEASE: %s\n", si->release);
    fprintf(o, "     VERSION: %s\n", si->version);
    fprintf(o, "     MACHINE: %s\n", si->machine);
    fprintf(o, "      MEMORY: %s\n", mem);
    const char *headline = panic_headline(&si->panic);
    if (headline[0]) fprintf(o, "       PANIC: \"%s\"\n", headline);
    if (si->have_panic_task) {
        const struct task_info *t = &si->panic_task;
        fprintf(o, "         PID: %" PRIu64 "\n     COMMAND: \"%s\"\n        TASK: %" PRIx64 "\n         CPU: %u\n", t->pid, t->comm, t->task, t->cpu);
    }
    fprintf(o, "      PAGING: %s\n", s->k.paging->name);
    fprintf(o, "       KASLR: offset %#" PRIx64 " (%s)\n", (uint64_t)s->k.kaslr_offset, s->k.kaslr_source);
    for (int c = 0; c < s->k.dump->ncpus; c++)   /* QEMU's per-CPU notes record the page directory each CPU ran on */
        if (s->k.dump->cpu[c].has_cr3) fprintf(o, "%12s%d: CR3 %" PRIx64 "\n", "CPU ", c, s->k.dump->cpu[c].cr3);
}

static void print_json_panic(struct json *j, const struct sys_info *si)
{
    const struct panic_info *p = &si->panic;
    if (!panic_headline(p)[0] && !p->have_cpu) {
        json_null(j, "panic");
        return;
    }
    json_obj_begin(j, "panic");
    json_str(j, "message", panic_headline(p));
    json_str(j, "panic", p->panic[0] ? p->panic : NULL);
    json_str(j, "oops", p->oops[0] ? p->oops : NULL);
    if (p->have_cpu) json_uint(j, "cpu", p->cpu); else json_null(j, "cpu");
    if (si->have_panic_task) {
        json_uint(j, "pid", si->panic_task.pid);
        json_hex(j, "task", si->panic_task.task);
        json_str(j, "command", si->panic_task.comm);
    }
    json_obj_end(j);
}

static void print_json(struct session *s, const struct sys_info *si)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_str(&j, "release", si->release);
    json_str(&j, "version", si->version);
    json_str(&j, "machine", si->machine);
    json_str(&j, "nodename", si->nodename);
    json_bool(&j, "pae", s->k.pae);
    json_hex(&j, "kaslr_offset", (uint64_t)s->k.kaslr_offset);
    json_int(&j, "cpus", (int64_t)si->cpus);
    json_uint(&j, "tasks", si->tasks);
    if (si->have_memory)
        json_int(&j, "memory_bytes", (int64_t)(si->present_pages * KS_PAGE_SIZE));
    else
        json_null(&j, "memory_bytes");
    json_str(&j, "format", s->k.dump->desc);
    json_arr_begin(&j, "cr3");
    for (int c = 0; c < s->k.dump->ncpus; c++)
        if (s->k.dump->cpu[c].has_cr3) json_hex(&j, NULL, s->k.dump->cpu[c].cr3);
    json_arr_end(&j);
    if (si->have_time) { json_int(&j, "date_epoch", si->wall_sec); json_int(&j, "uptime_sec", si->uptime_sec); }
    print_json_panic(&j, si);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

static int run_sys(struct session *s, int argc, char **argv)
{
    if (argc > 1) return cmd_fail(s, argv[0], "takes no arguments");
    struct sys_info si;
    ks_err err;
    if (gather(&s->k, &si, &err))
        return cmd_fail_err(s, argv[0], &err);
    if (s->json) print_json(s, &si); else print_text(s, &si);
    return 0;
}

const struct command cmd_sys = {
    "sys", "sys", "the system: kernel, dump, CPUs, date, uptime, release, memory, paging, KASLR",
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
    "\"oops\",\"cpu\",\"pid\",\"task\",\"command\"}}",
    run_sys,
};

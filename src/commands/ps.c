/*
 * ps — the tasks, in crash's columns: PID PPID CPU TASK ST %MEM VSZ RSS COMM, with ">" in front of
 * a task that was running on a CPU at dump time and kernel threads' names in [brackets].
 *   ps [-k|-u] [PID|TASK...]
 * Each CPU's idle task comes first (all PID 0), then every thread of every process.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/task.h"
#include "../output/output.h"
#include "commands.h"
#include "mem_usage.h"

struct ps_ctx {
    bool only_kernel, only_user;
    uint64_t *want; /* PIDs or task addresses asked for; NULL for all */
    int nwant;
    uint64_t totalram;
    struct table t;
    int shown;
};

/* crash's columns; JSON members come in the order show_task puts them. */
static const struct column ps_cols[] = {
    COL_MARK(">", "running"),
    COL_U("   PID", "pid", 1, 6),
    COL_U("    PPID", "ppid", 1, 7),
    COL_U("  CPU", "cpu", 1, 3),
    COL_ADDR("    TASK", "task", 2, 8),
    COL_S("    ST", "state", 2, 0),
    COLUMN(CT_FLOAT, "  %MEM", "mem_percent", 1, 5, 1, COL_TEXT_ONLY),
    COL_U("      VSZ", "vsz_kb", 1, 8),
    COL_U("     RSS", "rss_kb", 1, 7),
    COL_S("  COMM", "comm", 2, 0),
    COL_JSON(CT_BOOL, "kernel_thread"),
};

static bool wanted(const struct ps_ctx *c, const struct task_info *ti)
{
    if (c->only_kernel && !ti->kthread)
        return false;
    if (c->only_user && ti->kthread)
        return false;
    return cmd_task_wanted(c->want, c->nwant, ti);
}

static int show_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct ps_ctx *c = arg;
    (void)k;
    if (!wanted(c, ti))
        return 0;
    c->shown++;
    char comm[24];
    snprintf(comm, sizeof comm, ti->kthread ? "[%s]" : "%s", ti->comm);
    struct table *t = &c->t;
    row_begin(t);
    put_u(t, "pid", ti->pid);
    put_u(t, "ppid", ti->ppid);
    put_u(t, "cpu", ti->cpu);
    put_u(t, "task", ti->task);
    put_s(t, "state", ti->state);
    put_s_as(t, "comm", ti->comm, comm);
    put_f(t, "mem_percent", c->totalram ? 100.0 * (double)ti->rss / (double)c->totalram : 0.0);
    put_u(t, "vsz_kb", ti->total_vm * 4);
    put_u(t, "rss_kb", ti->rss * 4);
    put_b(t, "running", ti->running);
    put_b(t, "kernel_thread", ti->kthread);
    row_end(t);
    return 0;
}

static int run_ps(struct session *s, int argc, char **argv)
{
    struct ps_ctx c = {0};
    uint64_t want[64];
    bool memory = false;
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "-k"))
            c.only_kernel = true;
        else if (!strcmp(argv[i], "-u"))
            c.only_user = true;
        else if (!strcmp(argv[i], "-m"))
            memory = true;
        else if (c.nwant < 64 && (parse_u64(argv[i], 10, &v) || parse_u64(argv[i], 16, &v)))
            want[c.nwant++] = v;
        else
            return cmd_fail(s, argv[0], "not a PID, task address or option: %s", argv[i]);
    }
    if (c.nwant)
        c.want = want;
    if (memory && c.only_kernel)
        return cmd_fail(s, argv[0], "-m shows user address spaces: not with -k");
    if (memory)
        return ps_memory(s, argv[0], c.want, c.nwant);
    ks_err err;
    /* _totalram_pages (5.0+) or none: %MEM 0.0; one that cannot be read fails. */
    if (kvar_read_int_opt(&s->k, "_totalram_pages", "counter", &c.totalram, &err) < 0)
        return cmd_fail_err(s, argv[0], &err);
    table_begin(s, &c.t, "tasks", ps_cols);
    if (table_end(&c.t, for_each_task(&s->k, show_task, &c, &err)))
        return cmd_fail_err(s, argv[0], &err);
    if (c.want && !c.shown)
        return cmd_fail(s, argv[0], "no such task");
    return 0;
}

const struct command cmd_ps = {
    "ps",
    "ps [-k|-u|-m] [PID|TASK...]",
    "the tasks: PID, parent, CPU, state, memory, command",
    "Columns: PID, PPID (the real parent's thread-group ID), CPU (the task's CPU), TASK (task_struct\n"
    "address), ST (RU running, IN interruptible, UN uninterruptible, ID idle, ST stopped, TR traced,\n"
    "ZO zombie, DE dead, PA parked, WA waking, NE new), %MEM (RSS of total RAM), VSZ and RSS in KB\n"
    "(mm->total_vm and get_mm_rss()), COMM ([bracketed] for kernel threads). \">\" marks the task each\n"
    "CPU was running (rq->curr) at dump time. Each CPU's idle task comes first. -k kernel threads only,\n"
    "-u user tasks only; PIDs or task addresses select tasks.\n"
    "-m: each user task's memory from its page tables, as /proc/PID/smaps_rollup counts it: RSS, PSS (a\n"
    "page mapped by N processes counts 1/N, page_mapcount()), USS (pages it alone maps), RSS split into\n"
    "ANON, FILE and SHMEM as the kernel's mm counters split it, and SWAP (swap entries), all in KB.\n"
    "Threads sharing an mm show the same figures. JSON: {\"tasks\":[{\"pid\",\"task\",\"rss_kb\",\"pss_kb\",\n"
    "\"uss_kb\",\"anon_kb\",\"file_kb\",\"shmem_kb\",\"swap_kb\",\"comm\"}]}\n"
    "JSON: {\"tasks\":[{\"pid\",\"ppid\",\"cpu\",\"task\",\"state\",\"comm\",\"vsz_kb\",\"rss_kb\",\"running\",\n"
    "\"kernel_thread\"}]}",
    run_ps,
};

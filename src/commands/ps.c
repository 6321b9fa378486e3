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
#include "commands.h"

struct ps_ctx {
    struct session *s;
    bool only_kernel, only_user;
    uint64_t *want;          /* PIDs or task addresses asked for; NULL for all */
    int nwant;
    uint64_t totalram;
    struct json *j;
    int shown;
};

static bool wanted(const struct ps_ctx *c, const struct task_info *ti)
{
    if (c->only_kernel && !ti->kthread) return false;
    if (c->only_user && ti->kthread) return false;
    if (!c->want) return true;
    for (int i = 0; i < c->nwant; i++)
        if (c->want[i] == ti->pid || c->want[i] == ti->task) return true;
    return false;
}

static int show_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct ps_ctx *c = arg;
    (void)k;
    if (!wanted(c, ti)) return 0;
    double mem = c->totalram ? 100.0 * (double)ti->rss / (double)c->totalram : 0.0;
    c->shown++;
    if (c->j) {
        json_obj_begin(c->j, NULL);
        json_uint(c->j, "pid", ti->pid);
        json_uint(c->j, "ppid", ti->ppid);
        json_uint(c->j, "cpu", ti->cpu);
        json_hex(c->j, "task", ti->task);
        json_str(c->j, "state", ti->state);
        json_str(c->j, "comm", ti->comm);
        json_uint(c->j, "vsz_kb", ti->total_vm * 4);
        json_uint(c->j, "rss_kb", ti->rss * 4);
        json_bool(c->j, "running", ti->running);
        json_bool(c->j, "kernel_thread", ti->kthread);
        json_obj_end(c->j);
        return 0;
    }
    char comm[24];
    snprintf(comm, sizeof comm, ti->kthread ? "[%s]" : "%s", ti->comm);
    fprintf(c->s->out, "%c %6" PRIu64 " %7" PRIu64 " %3u  %8" PRIx64 "  %s %5.1f %8" PRIu64 " %7" PRIu64 "  %s\n",
            ti->running ? '>' : ' ', ti->pid, ti->ppid, ti->cpu, ti->task, ti->state, mem, ti->total_vm * 4, ti->rss * 4, comm);
    return 0;
}

static int run_ps(struct session *s, int argc, char **argv)
{
    struct ps_ctx c = { .s = s };
    uint64_t want[64];
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "-k")) c.only_kernel = true;
        else if (!strcmp(argv[i], "-u")) c.only_user = true;
        else if (c.nwant < 64 && (parse_u64(argv[i], 10, &v) || parse_u64(argv[i], 16, &v))) want[c.nwant++] = v;
        else return cmd_fail(s, argv[0], "not a PID, task address or option: %s", argv[i]);
    }
    if (c.nwant) c.want = want;
    kvar_read_int(&s->k, "_totalram_pages", "counter", &c.totalram, NULL);
    struct json j;
    if (!(c.j = cmd_json_list_begin(s, &j, "tasks"))) fprintf(s->out, "   PID    PPID  CPU    TASK    ST  %%MEM      VSZ     RSS  COMM\n");
    ks_err err;
    if (cmd_json_list_end(s, c.j, for_each_task(&s->k, show_task, &c, &err))) return cmd_fail(s, argv[0], "%s", err.msg);
    if (c.want && !c.shown) return cmd_fail(s, argv[0], "no such task");
    return 0;
}

const struct command cmd_ps = {
    "ps", "ps [-k|-u] [PID|TASK...]", "the tasks: PID, parent, CPU, state, memory, command",
    "Columns: PID, PPID (the real parent's thread-group ID), CPU (the task's CPU), TASK (task_struct\n"
    "address), ST (RU running, IN interruptible, UN uninterruptible, ID idle, ST stopped, TR traced,\n"
    "ZO zombie, DE dead, PA parked, WA waking, NE new), %MEM (RSS of total RAM), VSZ and RSS in KB\n"
    "(mm->total_vm and get_mm_rss()), COMM ([bracketed] for kernel threads). \">\" marks the task each\n"
    "CPU was running (rq->curr) at dump time. Each CPU's idle task comes first. -k kernel threads only,\n"
    "-u user tasks only; PIDs or task addresses select tasks.\n"
    "JSON: {\"tasks\":[{\"pid\",\"ppid\",\"cpu\",\"task\",\"state\",\"comm\",\"vsz_kb\",\"rss_kb\",\"running\",\n"
    "\"kernel_thread\"}]}",
    run_ps,
};

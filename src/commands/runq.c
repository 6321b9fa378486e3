/*
 * runq — each CPU's runqueue, as crash shows it: the runqueue's address, the task it was running
 * (CURRENT), then the real-time priority array and the CFS tree with the tasks queued on each.
 *   runq [-c CPU]
 * The walks are kernel/sched.c's.
 */
#include <inttypes.h>
#include <string.h>

#include "../kernel/sched.h"
#include "../mm/task.h"
#include "../output/output.h"
#include "commands.h"

/* One CPU's queues: the walk gives the RT tasks first, then the CFS ones; each list is told under
 * its own title, so the RT list is closed and the CFS one opened when the first CFS task comes. */
struct runq_ctx {
    struct session *s;
    struct table *row;
    const struct rq_info *rq;
    struct table rt, cfs;
    bool in_cfs;
    unsigned n;
    unsigned *bad; /* tasks that could not be read, each said on its error line */
    ks_err *err;
};

static const struct column rq_cols[] = {
    COL_U("CPU ", "cpu", 0, 0),
    COL_ADDR(" RUNQUEUE: ", "runqueue", 0, 0),
    COL_LIST("current"),
    COL_JSON(CT_HEX, "rt_prio_array"),
    COL_LIST("rt"),
    COL_JSON(CT_HEX, "cfs_root"),
    COL_LIST("cfs"),
};

static const struct column current_cols[] = {
    COL_U("  CURRENT: PID: ", "pid", 0, -6),
    COL_ADDR("TASK: ", "task", 1, 0),
    COL_QS("COMMAND: ", "comm", 2),
};

static const struct column queued_cols[] = {
    COL_TEXT(CT_STR, "", "prio_shown", 5, 0), COL_JSON(CT_UNSIGNED, "prio"),  COL_U("PID: ", "pid", 1, -6),
    COL_ADDR("TASK: ", "task", 1, 0),         COL_QS("COMMAND: ", "comm", 2),
};

/* PID, TASK and COMMAND of a task; one that could not be read (!read) keeps its address but shows
 * no PID or COMMAND: PID 0 is the idle task, a real one. */
static void put_task(struct table *t, const struct task_info *ti, uint64_t task, bool read)
{
    if (read)
        put_u(t, "pid", ti->pid);
    else
        put_null_as(t, "pid", "?");
    put_u(t, "task", task);
    if (read)
        put_s(t, "comm", ti->comm);
    else
        put_null_as(t, "comm", "(unreadable)");
}

/* A queued task that cannot be read keeps its place, priority and address but shows PID "?" and
 * COMMAND (unreadable), as the running task does; the walk goes on. */
static void queued_row(struct runq_ctx *c, struct table *t, struct kernel *k, const struct rq_task *q)
{
    struct task_info ti;
    ks_err err;
    char prio[24];
    int rc = task_info_read(k, q->task, &ti, &err);
    snprintf(prio, sizeof prio, "%*s[%" PRIu64 "]", (int)q->depth * 2, "", q->prio);
    row_begin(t);
    put_s(t, "prio_shown", prio);
    put_u(t, "prio", q->prio);
    put_task(t, &ti, q->task, !rc);
    row_end(t);
    if (rc) {
        cmd_fail_line(c->s, "runq", "queued task %#" PRIx64 ": %s", q->task, err.msg);
        (*c->bad)++;
    }
}

static void close_list(struct runq_ctx *c, struct table *t)
{
    if (!c->n)
        table_text(t, "     [no tasks queued]\n");
    table_end(t, 0);
    c->n = 0;
}

static void open_cfs(struct runq_ctx *c)
{
    close_list(c, &c->rt);
    c->in_cfs = true;
    table_text(c->row, "  CFS RB_ROOT: %" PRIx64 "\n", c->rq->cfs_root);
    put_u(c->row, "cfs_root", c->rq->cfs_root);
    table_begin_in(c->row, &c->cfs, "cfs", queued_cols);
    table_set_style(&c->cfs, STYLE_LABELS);
}

static int show_queued(struct kernel *k, const struct rq_task *q, void *arg)
{
    struct runq_ctx *c = arg;
    if (q->cls == RQ_CFS && !c->in_cfs)
        open_cfs(c);
    c->n++;
    queued_row(c, c->in_cfs ? &c->cfs : &c->rt, k, q);
    return 0;
}

/* The running task (rq->curr was read). -1 with err when it cannot be: the caller says so. */
static int show_current(struct table *r, struct kernel *k, const struct rq_info *rq, ks_err *err)
{
    struct task_info ti;
    struct table cur;
    object_begin_in(r, &cur, "current", current_cols);
    table_set_style(&cur, STYLE_LABELS);
    row_begin(&cur);
    int rc = task_info_read(k, rq->curr, &ti, err);
    put_task(&cur, &ti, rq->curr, !rc);
    row_end(&cur);
    table_end(&cur, 0);
    return rc;
}

static int show_queues(struct session *s, struct table *r, const struct rq_info *rq, unsigned *bad, ks_err *err)
{
    struct kernel *k = &s->k;
    struct runq_ctx c = {.s = s, .row = r, .rq = rq, .bad = bad, .err = err};
    table_text(r, "  RT PRIO_ARRAY: %" PRIx64 "\n", rq->rt_array);
    put_u(r, "rt_prio_array", rq->rt_array);
    table_begin_in(r, &c.rt, "rt", queued_cols);
    table_set_style(&c.rt, STYLE_LABELS);
    int rc = for_each_rq_task(k, rq, show_queued, &c, err);
    if (!c.in_cfs)
        open_cfs(&c);
    close_list(&c, &c.cfs);
    return rc;
}

/* *bad counts the tasks, running or queued, that could not be read (each said on its own error line). */
static int show_cpu(struct session *s, struct table *t, unsigned cpu, unsigned *bad, ks_err *err)
{
    struct rq_info rq;
    ks_err cur_err;
    if (rq_info_read(&s->k, cpu, &rq, err))
        return -1;
    row_begin(t);
    put_u(t, "cpu", cpu);
    put_u(t, "runqueue", rq.rq);
    if (show_current(t, &s->k, &rq, &cur_err)) {
        cmd_fail_line(s, "runq", "CPU %u: current task %#" PRIx64 ": %s", cpu, rq.curr, cur_err.msg);
        (*bad)++;
    }
    int rc = show_queues(s, t, &rq, bad, err);
    row_end(t);
    return rc;
}

static int run_runq(struct session *s, int argc, char **argv)
{
    unsigned ncpus, only = ~0u, bad = 0;
    uint64_t v;
    ks_err err;
    if (argc == 3 && !strcmp(argv[1], "-c") && parse_u64(argv[2], 10, &v) && v < 4096)
        only = (unsigned)v;
    else if (argc != 1)
        return cmd_fail(s, argv[0], "usage: runq [-c CPU]");
    if (dump_cpus_read(&s->k, &ncpus, &err))
        return cmd_fail_err(s, argv[0], &err);
    if (only != ~0u && only >= ncpus)
        return cmd_fail(s, argv[0], "no CPU %u: the dump has CPUs 0-%u", only, ncpus - 1);
    struct table t;
    int rc = 0;
    table_begin(s, &t, "runqueues", rq_cols);
    table_set_style(&t, STYLE_LABELS);
    for (unsigned cpu = 0; cpu < ncpus && !rc; cpu++)
        if (only == ~0u || cpu == only)
            rc = show_cpu(s, &t, cpu, &bad, &err);
    if (table_end(&t, rc))
        return cmd_fail_err(s, argv[0], &err);
    return bad ? 1 : 0;
}

const struct command cmd_runq = {
    "runq",
    "runq [-c CPU]",
    "each CPU's runqueue: the running task, the RT and CFS queues",
    "Per CPU (or only CPU with -c): RUNQUEUE (its struct rq, per-CPU runqueues), CURRENT (rq->curr: PID,\n"
    "TASK, COMMAND), RT PRIO_ARRAY (rq->rt.active) with each queued real-time task as [PRIO] PID TASK\n"
    "COMMAND by priority, and CFS RB_ROOT (rq->cfs.tasks_timeline) with the queued fair tasks in\n"
    "vruntime order (tasks of a group's own queue indented). The running task is on neither queue,\n"
    "as in the kernel. \"[no tasks queued]\" for an empty one.\n"
    "JSON: {\"runqueues\":[{\"cpu\",\"runqueue\",\"current\":{\"pid\",\"task\",\"comm\"},\"rt_prio_array\",\n"
    "\"rt\":[{\"prio\",\"pid\",\"task\",\"comm\"}],\"cfs_root\",\"cfs\":[...]}]}. A running task that cannot be\n"
    "read shows PID \"?\" (JSON pid and comm null), with an error line and exit status 1; so does a queued\n"
    "task that cannot be read, in its place on its queue (the queues go on).",
    run_runq,
};

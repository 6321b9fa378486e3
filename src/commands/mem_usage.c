/* ps -m and vm -m: RSS by kind, PSS and USS from the page tables (mm/pss.c). */
#include "mem_usage.h"

#include <stdlib.h>
#include <string.h>

#include "../mm/pss.h"
#include "../mm/task.h"
#include "../mm/vma.h"

/* The figures both commands show, in the same columns. */
#define USAGE_COLUMNS                                                                                                            \
    COL_U("      RSS", "rss_kb", 1, 8), COL_U("      PSS", "pss_kb", 1, 8), COL_U("      USS", "uss_kb", 1, 8),                  \
        COL_U("     ANON", "anon_kb", 1, 8), COL_U("     FILE", "file_kb", 1, 8), COL_U("    SHMEM", "shmem_kb", 1, 8),          \
        COL_U("     SWAP", "swap_kb", 1, 8)

static void put_usage(struct table *t, const struct page_usage *u)
{
    put_u(t, "rss_kb", u->rss * 4);
    put_u(t, "pss_kb", pss_kb(u));
    put_u(t, "uss_kb", u->uss * 4);
    put_u(t, "anon_kb", u->anon * 4);
    put_u(t, "file_kb", u->file * 4);
    put_u(t, "shmem_kb", u->shmem * 4);
    put_u(t, "swap_kb", u->swap * 4);
}

/* ---- ps -m ---- */

static const struct column ps_mem_cols[] = {
    COL_U("   PID", "pid", 0, 6),
    COL_ADDR("    TASK", "task", 2, 8),
    USAGE_COLUMNS,
    COL_S("  COMM", "comm", 2, 0),
};

/* Threads share their mm: each address space is walked once. */
struct mm_seen {
    uint64_t mm;
    struct page_usage u;
};

struct ps_mem_ctx {
    const uint64_t *want;
    int nwant, shown;
    struct mm_seen *seen;
    size_t nseen, capacity;
    struct table t;
    ks_err *err;
};

bool cmd_task_wanted(const uint64_t *want, int nwant, const struct task_info *ti)
{
    if (!want)
        return true;
    for (int i = 0; i < nwant; i++)
        if (want[i] == ti->pid || want[i] == ti->task)
            return true;
    return false;
}

static const struct page_usage *usage_of(struct kernel *k, struct ps_mem_ctx *c, uint64_t mm)
{
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i].mm == mm)
            return &c->seen[i].u;
    if (c->nseen == c->capacity) {
        c->capacity = c->capacity ? 2 * c->capacity : 64;
        c->seen = xrealloc(c->seen, c->capacity * sizeof *c->seen);
    }
    struct mm_seen *m = &c->seen[c->nseen];
    m->mm = mm;
    if (mm_usage(k, mm, &m->u, NULL, NULL, c->err))
        return NULL;
    c->nseen++;
    return &m->u;
}

static int ps_mem_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct ps_mem_ctx *c = arg;
    if (!ti->mm || !cmd_task_wanted(c->want, c->nwant, ti)) /* kernel threads map nothing of their own */
        return 0;
    const struct page_usage *u = usage_of(k, c, ti->mm);
    if (!u)
        return -1;
    c->shown++;
    row_begin(&c->t);
    put_u(&c->t, "pid", ti->pid);
    put_u(&c->t, "task", ti->task);
    put_usage(&c->t, u);
    put_s(&c->t, "comm", ti->comm);
    row_end(&c->t);
    return 0;
}

int ps_memory(struct session *s, const char *cmd, const uint64_t *want, int nwant)
{
    ks_err err;
    struct ps_mem_ctx c = {.want = want, .nwant = nwant, .err = &err};
    table_begin(s, &c.t, "tasks", ps_mem_cols);
    table_set_header(&c.t, HEADER_WITH_ROWS); /* no header before "no such user task" */
    int rc = for_each_task(&s->k, ps_mem_task, &c, &err);
    free(c.seen);
    if (table_end(&c.t, rc))
        return cmd_fail_err(s, cmd, &err);
    if (want && !c.shown)
        return cmd_fail(s, cmd, "no such user task");
    return 0;
}

/* ---- vm -m ---- */

static const struct column vm_mem_total_cols[] = {
    COL_ADDR("   MM", "mm", 0, 8),
    USAGE_COLUMNS,
};

static const struct column vm_mem_vma_cols[] = {
    COL_ADDR("  VMA   ", "vma", 0, 8), COL_ADDR("   START", "start", 1, 8), COL_ADDR("     END", "end", 1, 8), USAGE_COLUMNS,
    COL_S("  PATH", "file", 2, 0),
};

static int vm_mem_vma(struct kernel *k, const struct vma_info *v, const struct page_usage *u, void *arg)
{
    struct table *t = arg;
    (void)k;
    row_begin(t);
    put_u(t, "vma", v->vma);
    put_u(t, "start", v->start);
    put_u(t, "end", v->end);
    put_usage(t, u);
    put_s_as(t, "file", v->name[0] ? v->name : NULL, v->name);
    row_end(t);
    return 0;
}

int vm_memory(struct session *s, const char *cmd, uint64_t task)
{
    struct task_info ti;
    struct page_usage total;
    ks_err err;
    if (task_info_read(&s->k, task, &ti, &err))
        return cmd_fail_err(s, cmd, &err);
    if (!ti.mm)
        return cmd_fail(s, cmd, "PID %llu is a kernel thread: no user address space", (unsigned long long)ti.pid);
    struct table r, vmas, sum;
    cmd_task_record(s, &r, &ti);
    table_open_in(&r, &vmas, "vmas", SHAPE_LIST, vm_mem_vma_cols, ARRAY_SIZE(vm_mem_vma_cols));
    int rc = mm_usage(&s->k, ti.mm, &total, vm_mem_vma, &vmas, &err);
    table_end(&vmas, rc);
    if (!rc) {
        table_text(&r, "\n");
        table_begin_in(&r, &sum, NULL, vm_mem_total_cols);
        row_begin(&sum);
        put_u(&sum, "mm", ti.mm);
        put_usage(&sum, &total);
        row_end(&sum);
        table_end(&sum, 0);
    }
    return record_end(&r, rc) ? cmd_fail_err(s, cmd, &err) : 0;
}

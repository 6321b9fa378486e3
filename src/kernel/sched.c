#include "sched.h"

#include <inttypes.h>
#include <string.h>

#include "klist.h"
#include "ktree.h"

#define SCHED_MAX_GROUP_DEPTH 16

int rq_info_read(struct kernel *k, unsigned cpu, struct rq_info *rq, ks_err *err)
{
    uint64_t base, rt_off, active_off, cfs_off, timeline_off;
    memset(rq, 0, sizeof *rq);
    rq->cpu = cpu;
    if (ksym_addr(k, "runqueues", &base, err) || kper_cpu_ptr(k, base, cpu, &rq->rq, err) ||
        kread_member(k, rq->rq, "struct rq", "curr", &rq->curr, err) || kmember_off(k, "struct rq", "rt", &rt_off, err) ||
        kmember_off(k, "struct rt_rq", "active", &active_off, err) || kmember_off(k, "struct rq", "cfs", &cfs_off, err) ||
        kmember_off(k, "struct cfs_rq", "tasks_timeline", &timeline_off, err))
        return -1;
    rq->rt_array = rq->rq + rt_off + active_off;
    rq->cfs_root = rq->rq + cfs_off + timeline_off;
    return 0;
}

struct rq_walk {
    int (*fn)(struct kernel *k, const struct rq_task *t, void *arg);
    void *arg;
    unsigned depth, seen;
    ks_err *err;
};

static int emit(struct kernel *k, struct rq_walk *w, enum rq_class cls, uint64_t task)
{
    struct rq_task t = {.cls = cls, .task = task, .depth = w->depth};
    if (++w->seen > SCHED_MAX_QUEUED)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "more than %u queued tasks: a corrupt runqueue", SCHED_MAX_QUEUED);
    if (kread_member(k, task, "struct task_struct", "prio", &t.prio, w->err))
        return -1;
    return w->fn(k, &t, w->arg);
}

/* ---- real-time: rt_prio_array.queue[prio] lists of sched_rt_entity.run_list ---- */

static int rt_entity(struct kernel *k, uint64_t rt_se, void *arg)
{
    uint64_t rt_off;
    struct rq_walk *w = arg;
    if (kmember_off(k, "struct task_struct", "rt", &rt_off, w->err))
        return -1;
    return emit(k, w, RQ_RT, rt_se - rt_off); /* rt_task_of(): container_of(rt_se, task_struct, rt) */
}

static int rt_tasks(struct kernel *k, uint64_t array, struct rq_walk *w)
{
    const struct member_ref *q = kmember_ref(k, "struct rt_prio_array", "queue", w->err);
    uint64_t link_off, list_size = ktype_size(k, "struct list_head");
    if (!q || kmember_off(k, "struct sched_rt_entity", "run_list", &link_off, w->err))
        return -1;
    struct ktype *qt = kt_strip(q->type);
    unsigned prios = qt && qt->kind == KT_ARRAY ? (unsigned)qt->count : 0;
    for (unsigned p = 0; p < prios; p++) {
        int rc =
            klist_for_each(k, array + q->offset + p * list_size, link_off, SCHED_MAX_QUEUED, "RT run list", rt_entity, w, w->err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- CFS: the rbtree of sched_entity.run_node ---- */

static int cfs_tree(struct kernel *k, uint64_t root, struct rq_walk *w);

static int cfs_node(struct kernel *k, uint64_t node, void *arg)
{
    struct rq_walk *w = arg;
    uint64_t node_off, se_off, my_q = 0, timeline_off;
    if (kmember_off(k, "struct sched_entity", "run_node", &node_off, w->err))
        return -1;
    uint64_t se = node - node_off;
    if (kread_member_opt(k, se, "struct sched_entity", "my_q", &my_q, w->err) < 0)
        return -1;
    if (!my_q) { /* a task's entity: task_of(), container_of(se, task_struct, se) */
        if (kmember_off(k, "struct task_struct", "se", &se_off, w->err))
            return -1;
        return emit(k, w, RQ_CFS, se - se_off);
    }
    if (w->depth == SCHED_MAX_GROUP_DEPTH)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "task groups nested deeper than %d", SCHED_MAX_GROUP_DEPTH);
    if (kmember_off(k, "struct cfs_rq", "tasks_timeline", &timeline_off, w->err))
        return -1;
    w->depth++;
    int rc = cfs_tree(k, my_q + timeline_off, w);
    w->depth--;
    return rc;
}

static int cfs_tree(struct kernel *k, uint64_t root, struct rq_walk *w)
{
    return rbtree_for_each(k, root, cfs_node, w, w->err);
}

int for_each_rq_task(struct kernel *k, const struct rq_info *rq, int (*fn)(struct kernel *k, const struct rq_task *t, void *arg),
                     void *arg, ks_err *err)
{
    struct rq_walk w = {.fn = fn, .arg = arg, .err = err};
    int rc = rt_tasks(k, rq->rt_array, &w);
    if (!rc)
        rc = cfs_tree(k, rq->cfs_root, &w);
    return rc < 0 ? -1 : 0;
}

/*
 * sched: the scheduler's per-CPU runqueues (struct rq, per-CPU `runqueues`), as crash's runq
 * shows them: the task each CPU was running (rq->curr), the real-time queues (rq->rt.active:
 * one list of sched_rt_entity.run_list per priority) and the CFS red-black tree
 * (rq->cfs.tasks_timeline of sched_entity.run_node, in vruntime order; a group's entity is
 * followed into its own cfs_rq, se->my_q, where the kernel has group scheduling).
 * Walks are ktree.c's and klist.c's: bounded, a loop is one error.
 */
#ifndef KS_SCHED_H
#define KS_SCHED_H
#include <stdint.h>

#include "kernel.h"

#define SCHED_MAX_QUEUED 100000u

struct rq_info {
    unsigned cpu;
    uint64_t rq, curr;
    uint64_t rt_array; /* &rq->rt.active */
    uint64_t cfs_root; /* &rq->cfs.tasks_timeline */
};

enum rq_class { RQ_RT, RQ_CFS };

/* A queued task: its class, priority (task->prio) and the task_struct. depth > 0: inside a group. */
struct rq_task {
    enum rq_class cls;
    uint64_t task, prio;
    unsigned depth;
};

int rq_info_read(struct kernel *k, unsigned cpu, struct rq_info *rq, ks_err *err);
/* The tasks queued on a CPU's runqueue: RT by priority, then CFS in tree order. */
int for_each_rq_task(struct kernel *k, const struct rq_info *rq, int (*fn)(struct kernel *k, const struct rq_task *t, void *arg),
                     void *arg, ks_err *err);

#endif

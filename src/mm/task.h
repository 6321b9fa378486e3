/*
 * task: processes and their address spaces, named after the kernel's own helpers.
 *  - for_each_process(): init_task.tasks, bounded (a cycle or a wild pointer ends the walk with an error);
 *  - find_task_by_pid(); task_mm(); the mm's page directory;
 *  - user address translation and reads through an mm's own page tables.
 * Layouts come from DWARF (struct task_struct, struct mm_struct); nothing is hard-coded.
 */
#ifndef KS_TASK_H
#define KS_TASK_H
#include <stdint.h>

#include "../kernel/kernel.h"

#define MAX_TASKS 100000    /* a walk longer than this is a corrupt list, not a system */

/* Calls fn for each thread-group leader; fn returns non-zero to stop. Returns -1 on a broken list. */
int for_each_process(struct kernel *k, int (*fn)(struct kernel *k, uint64_t task, void *arg), void *arg, ks_err *err);
int find_task_by_pid(struct kernel *k, uint64_t pid, uint64_t *task, ks_err *err);
int task_pid(struct kernel *k, uint64_t task, uint64_t *pid, ks_err *err);
int task_comm(struct kernel *k, uint64_t task, char *comm, size_t n, ks_err *err);
/* The task's mm (0 for kernel threads). */
int task_mm(struct kernel *k, uint64_t task, uint64_t *mm, ks_err *err);
/* Physical address of mm->pgd. */
int mm_pgd_paddr(struct kernel *k, uint64_t mm, uint64_t *pa, ks_err *err);

int uvtop_walk(struct kernel *k, uint64_t mm, uint64_t vaddr, struct pt_walk *w, ks_err *err);

/* One task as ps shows it. */
struct task_info {
    uint64_t task, pid, tgid, ppid, mm;
    unsigned cpu;
    char comm[17];
    char state[3];          /* crash's codes: RU IN UN ST TR ZO DE PA ID WA NE */
    uint64_t total_vm, rss; /* pages */
    bool kthread, running;  /* running: it is rq->curr of its CPU at dump time */
};

int task_info_read(struct kernel *k, uint64_t task, struct task_info *ti, ks_err *err);
/* Every task: each CPU's idle task, then every thread of every process, in task-list order. */
int for_each_task(struct kernel *k, int (*fn)(struct kernel *k, const struct task_info *ti, void *arg), void *arg, ks_err *err);
/* Is this address a task: on the task list, or a CPU's idle task? A dump does not change, so the
 * walk is done once per kernel; a walk that fails is not cached. */
int task_is_known(struct kernel *k, uint64_t task, bool *known, ks_err *err);
/* The task a CPU was running (rq->curr). */
int cpu_curr(struct kernel *k, unsigned cpu, uint64_t *task, ks_err *err);
/* CPUs online at dump time (__num_online_cpus; 1 on a kernel without it). */
int online_cpus_read(struct kernel *k, unsigned *n, ks_err *err);
/* The same for callers that only bound a loop by it: 1 when it cannot be read. */
unsigned online_cpus(struct kernel *k);
/* The kernel's CPUs, 0..N-1: those with per-CPU state in the dump (idle task, runqueue, counters),
 * online or stopped by a panic (see task.c). */
int dump_cpus_read(struct kernel *k, unsigned *n, ks_err *err);
/* The same, best effort (1 or the dump's note count when it cannot be read). */
unsigned dump_cpus(struct kernel *k);
/* get_mm_rss(): file + anon + shmem pages. */
int mm_rss(struct kernel *k, uint64_t mm, uint64_t *pages, ks_err *err);
int uread(struct kernel *k, uint64_t mm, uint64_t vaddr, void *buf, size_t len, ks_err *err);

#endif

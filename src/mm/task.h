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
int uread(struct kernel *k, uint64_t mm, uint64_t vaddr, void *buf, size_t len, ks_err *err);

#endif

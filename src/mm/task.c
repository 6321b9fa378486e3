#include "task.h"

#include <stdio.h>

/* task_struct.tasks is a list_head; the task is container_of(node, struct task_struct, tasks). */
int for_each_process(struct kernel *k, int (*fn)(struct kernel *k, uint64_t task, void *arg), void *arg, ks_err *err)
{
    uint64_t init, tasks_off;
    if (ksym_addr(k, "init_task", &init, err) || kmember_off(k, "struct task_struct", "tasks", &tasks_off, err)) return -1;
    uint64_t head = init + tasks_off, node = head;
    for (unsigned n = 0; n < MAX_TASKS; n++) {
        uint64_t task = node - tasks_off;
        int stop = fn(k, task, arg);
        if (stop) return stop > 0 ? 0 : -1;
        if (kread_ulong(k, node, &node, err)) return ks_fail(err, "task list broken after task %#llx: %s", (unsigned long long)task, err->msg);
        if (node == head) return 0;
    }
    return ks_fail(err, "task list does not come back to init_task after %u entries (a cycle?)", MAX_TASKS);
}

int task_pid(struct kernel *k, uint64_t task, uint64_t *pid, ks_err *err)
{
    return kread_member(k, task, "struct task_struct", "pid", pid, err);
}

int task_comm(struct kernel *k, uint64_t task, char *comm, size_t n, ks_err *err)
{
    uint64_t off;
    if (kmember_off(k, "struct task_struct", "comm", &off, err)) return -1;
    return kread_string(k, task + off, comm, KS_MIN(n, (size_t)17), err);
}

int task_mm(struct kernel *k, uint64_t task, uint64_t *mm, ks_err *err)
{
    return kread_member(k, task, "struct task_struct", "mm", mm, err);
}

struct pid_search {
    uint64_t pid, task;
    ks_err *err;
};

static int match_pid(struct kernel *k, uint64_t task, void *arg)
{
    struct pid_search *ps = arg;
    uint64_t pid;
    if (task_pid(k, task, &pid, ps->err)) return -1;
    if (pid != ps->pid) return 0;
    ps->task = task;
    return 1;
}

int find_task_by_pid(struct kernel *k, uint64_t pid, uint64_t *task, ks_err *err)
{
    struct pid_search ps = { pid, 0, err };
    if (for_each_process(k, match_pid, &ps, err)) return -1;
    if (!ps.task) return ks_fail(err, "no process with PID %llu", (unsigned long long)pid);
    *task = ps.task;
    return 0;
}

int mm_pgd_paddr(struct kernel *k, uint64_t mm, uint64_t *pa, ks_err *err)
{
    uint64_t pgd;
    if (kread_member(k, mm, "struct mm_struct", "pgd", &pgd, err)) return -1;
    return kvtop(k, pgd, pa, err);
}

int uvtop_walk(struct kernel *k, uint64_t mm, uint64_t vaddr, struct pt_walk *w, ks_err *err)
{
    uint64_t pgd;
    if (!mm) return ks_fail(err, "a kernel thread has no user address space");
    if (mm_pgd_paddr(k, mm, &pgd, err)) return -1;
    return pt_walk(k->paging, &k->mem, pgd, vaddr, w, err);
}

int uread(struct kernel *k, uint64_t mm, uint64_t vaddr, void *buf, size_t len, ks_err *err)
{
    uint8_t *out = buf;
    while (len) {
        struct pt_walk w;
        if (uvtop_walk(k, mm, vaddr, &w, err)) return -1;
        if (w.result != PT_MAPPED)
            return ks_fail(err, "user address %#llx is not mapped (%s)", (unsigned long long)vaddr,
                           w.result == PT_SWAP ? "swapped out" : "not present");
        size_t n = KS_MIN(len, KS_PAGE_SIZE - (size_t)(vaddr & (KS_PAGE_SIZE - 1)));
        if (physmem_read(&k->mem, w.paddr, out, n, err)) return -1;
        out += n; vaddr += n; len -= n;
    }
    return 0;
}

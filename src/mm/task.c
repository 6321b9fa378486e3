#include "task.h"

#include "../util/u64set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* task_struct.tasks is a list_head; the task is container_of(node, struct task_struct, tasks).
 * Each node's next pointer is read before its task is visited, so a link into memory that cannot
 * be read is reported as the list breaking after the last good task, not as a bad task. */
int for_each_process(struct kernel *k, int (*fn)(struct kernel *k, uint64_t task, void *arg), void *arg, ks_err *err)
{
    uint64_t init, tasks_off;
    if (ksym_addr(k, "init_task", &init, err) || kmember_off(k, "struct task_struct", "tasks", &tasks_off, err)) return -1;
    uint64_t head = init + tasks_off, node = head, prev = init;
    struct u64set seen;
    int rc = ks_fail_kind(err, KS_E_CORRUPT, "task list does not come back to init_task after %u entries", MAX_TASKS);
    u64set_init(&seen);
    for (unsigned n = 0; n < MAX_TASKS; n++) {
        uint64_t task = node - tasks_off, next;
        if (!u64set_add(&seen, node)) {
            rc = ks_fail_kind(err, KS_E_CORRUPT, "task list loops: task %#llx is reached twice without coming back to init_task",
                              (unsigned long long)task);
            break;
        }
        if (kread_ulong(k, node, &next, err)) {
            rc = ks_wrap(err, "task list broken after task %#llx", (unsigned long long)prev);
            break;
        }
        int stop = fn(k, task, arg);
        if (stop) {
            rc = stop > 0 ? 0 : -1;
            break;
        }
        if (next == head) {
            rc = 0;
            break;
        }
        prev = task;
        node = next;
    }
    u64set_free(&seen);
    return rc;
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
    if (!ps.task)
        return ks_fail_kind(err, KS_E_BAD_ARG, "no process with PID %llu", (unsigned long long)pid);
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
    if (!mm)
        return ks_fail_kind(err, KS_E_BAD_ARG, "a kernel thread has no user address space");
    if (mm_pgd_paddr(k, mm, &pgd, err)) return -1;
    return kpt_walk(k, pgd, vaddr, w, err);
}

int uread(struct kernel *k, uint64_t mm, uint64_t vaddr, void *buf, size_t len, ks_err *err)
{
    uint8_t *out = buf;
    uint64_t pgd;
    if (!mm)
        return ks_fail_kind(err, KS_E_BAD_ARG, "a kernel thread has no user address space");
    if (mm_pgd_paddr(k, mm, &pgd, err)) return -1;   /* once, not per page */
    while (len) {
        struct pt_walk w;
        if (kpt_walk(k, pgd, vaddr, &w, err)) return -1;
        if (w.result != PT_MAPPED)
            return ks_fail_at(err, KS_E_NOT_MAPPED, KS_AS_UVIRT, vaddr, "user address %#llx is not mapped (%s)",
                              (unsigned long long)vaddr, w.result == PT_SWAP ? "swapped out" : "not present");
        size_t n = KS_MIN(len, KS_PAGE_SIZE - (size_t)(vaddr & (KS_PAGE_SIZE - 1)));
        if (physmem_read(&k->mem, w.paddr, out, n, err)) return -1;
        out += n; vaddr += n; len -= n;
    }
    return 0;
}

/* ---- per-CPU runqueues ---- */

int online_cpus_read(struct kernel *k, unsigned *n, ks_err *err)
{
    uint64_t v = 1; /* a kernel without the counter was built for one CPU */
    if (kvar_read_int_opt(k, "__num_online_cpus", "counter", &v, err) < 0)
        return -1;
    if (v == 0 || v > 1024)
        return ks_fail_kind(err, KS_E_CORRUPT, "__num_online_cpus is %llu: not believable", (unsigned long long)v);
    *n = (unsigned)v;
    return 0;
}

unsigned online_cpus(struct kernel *k)
{
    unsigned n = 1;
    /* A bound for loops over CPUs, never shown: unreadable, the boot CPU alone. */
    return online_cpus_read(k, &n, KS_MISSING_OK) ? 1 : n;
}

/* A panic stops the other CPUs (stop_this_cpu) and takes them out of the online count, but their
 * idle tasks, runqueues and per-CPU counters are still in memory: count up to the highest present
 * CPU (__cpu_present_mask's first word: NR_CPUS is far below 32 on these kernels), and at least
 * the online count and the CPUs the dump has register notes for. */
int dump_cpus_read(struct kernel *k, unsigned *n, ks_err *err)
{
    if (online_cpus_read(k, n, err))
        return -1;
    *n = KS_MAX(*n, (unsigned)k->dump->ncpus);
    uint64_t addr, bits;
    if (!ksym_has(k, "__cpu_present_mask"))
        return 0;
    if (ksym_addr(k, "__cpu_present_mask", &addr, err) || kread_ulong(k, addr, &bits, err))
        return -1;
    if (bits)
        *n = KS_MAX(*n, (unsigned)(64 - __builtin_clzll(bits)));
    return 0;
}

unsigned dump_cpus(struct kernel *k)
{
    unsigned n = 1;
    /* A bound for loops over CPUs, never shown: unreadable, the CPUs the dump has notes for. */
    return dump_cpus_read(k, &n, KS_MISSING_OK) ? KS_MAX(1u, (unsigned)k->dump->ncpus) : n;
}

static int per_cpu_addr(struct kernel *k, const char *var, unsigned cpu, uint64_t *addr, ks_err *err)
{
    uint64_t base;
    return ksym_addr(k, var, &base, err) ? -1 : kper_cpu_ptr(k, base, cpu, addr, err);
}

int cpu_curr(struct kernel *k, unsigned cpu, uint64_t *task, ks_err *err)
{
    uint64_t rq;
    return per_cpu_addr(k, "runqueues", cpu, &rq, err) ? -1 : kread_member(k, rq, "struct rq", "curr", task, err);
}

static int cpu_idle(struct kernel *k, unsigned cpu, uint64_t *task, ks_err *err)
{
    uint64_t rq;
    return per_cpu_addr(k, "runqueues", cpu, &rq, err) ? -1 : kread_member(k, rq, "struct rq", "idle", task, err);
}

/* ---- task fields that moved between kernel versions: each chosen here, by the DWARF ---- */

/* 5.14 renamed task_struct.state to __state (kernel/features.c: decide_tasks). */
static const char *state_member(struct kernel *k)
{
    return features_task_state_member(&k->features);
}

/* The CPU lives in task_struct.cpu on some configurations and in thread_info.cpu on x86. */
static const char *cpu_member(struct kernel *k)
{
    return k->features.task_cpu_in_task ? "cpu" : "thread_info.cpu";
}

/* The task-state bits (include/linux/sched.h); #defines, so not in the DWARF. */
static void state_code(uint64_t state, uint64_t exit_state, char out[3])
{
    static const struct { uint64_t bits; const char *code; } map[] = {
        { 0x20, "ZO" }, { 0x10, "DE" }, { 0x402, "ID" }, { 0x40, "PA" }, { 0x8, "TR" }, { 0x4, "ST" },
        { 0x2, "UN" }, { 0x1, "IN" }, { 0x200, "WA" }, { 0x800, "NE" },
    };
    uint64_t s = state | exit_state;
    snprintf(out, 3, "RU");
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if ((s & map[i].bits) == map[i].bits && (map[i].bits != 0x402 || (state & 0x402) == 0x402)) {
            snprintf(out, 3, "%s", map[i].code);
            return;
        }
}

/* The path of one RSS counter, as kernel/features.c decided the counters are kept; what
 * get_mm_counter() reads, so what /proc's VmRSS shows (per-task deltas are not added). */
static int rss_counter_path(struct kernel *k, size_t i, char *path, size_t n, ks_err *err)
{
    static const char *const counters[] = { "MM_FILEPAGES", "MM_ANONPAGES", "MM_SHMEMPAGES" };
    long long idx = (long long)k->features.rss_index[i];
    if (idx < 0)
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no enumerator %s in the DWARF", counters[i]);
    if (k->features.rss == RSS_ATOMIC_ARRAY)
        snprintf(path, n, "rss_stat.count[%lld].counter", idx);
    else if (k->features.rss == RSS_PERCPU)
        snprintf(path, n, "rss_stat[%lld].count", idx);   /* percpu_counter_read_positive() */
    else
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "struct mm_struct has no rss_stat this ksleuth knows");
    return 0;
}

int mm_rss(struct kernel *k, uint64_t mm, uint64_t *pages, ks_err *err)
{
    *pages = 0;
    for (size_t i = 0; i < ARRAY_SIZE(k->features.rss_index); i++) {
        char path[64];
        uint64_t v;
        if (rss_counter_path(k, i, path, sizeof path, err) || kread_member(k, mm, "struct mm_struct", path, &v, err))
            return -1;
        *pages += (int64_t)v > 0 ? v : 0;   /* per-thread deltas can leave a small negative */
    }
    return 0;
}

int task_info_read(struct kernel *k, uint64_t task, struct task_info *ti, ks_err *err)
{
    const char *T = "struct task_struct";
    uint64_t state, exit_state, parent, cpu, flags;
    memset(ti, 0, sizeof *ti);
    ti->task = task;
    if (kread_member(k, task, T, "pid", &ti->pid, err) || kread_member(k, task, T, "tgid", &ti->tgid, err) ||
        kread_member(k, task, T, "mm", &ti->mm, err) || kread_member(k, task, T, state_member(k), &state, err) ||
        kread_member(k, task, T, "exit_state", &exit_state, err) || kread_member(k, task, T, "real_parent", &parent, err) ||
        kread_member(k, task, T, cpu_member(k), &cpu, err) || kread_member(k, task, T, "flags", &flags, err) ||
        task_comm(k, task, ti->comm, sizeof ti->comm, err) || kread_member(k, parent, T, "tgid", &ti->ppid, err))
        return -1;
    ti->cpu = (unsigned)cpu;
    ti->kthread = (flags & 0x00200000 /* PF_KTHREAD */) || !ti->mm;
    state_code(state, exit_state, ti->state);
    if (ti->mm && (kread_member(k, ti->mm, "struct mm_struct", "total_vm", &ti->total_vm, err) || mm_rss(k, ti->mm, &ti->rss, err)))
        return -1;
    uint64_t curr;
    if (cpu_curr(k, ti->cpu, &curr, err))
        return -1;
    ti->running = curr == task;
    if (ti->pid == 0) ti->ppid = 0;
    return 0;
}

/* Threads of a process: signal->thread_head, linked through task->thread_node (3.14+); older
 * kernels only had task->thread_group. */
static int for_each_thread(struct kernel *k, uint64_t leader, int (*fn)(struct kernel *, uint64_t, void *), void *arg, ks_err *err)
{
    if (k->features.thread_list) { /* kernel/features.c: decide_tasks */
        const struct member_ref *node_ref = kmember_probe(k, "struct task_struct", "thread_node");
        const struct member_ref *head_ref = kmember_probe(k, "struct signal_struct", "thread_head");
        uint64_t node_off = node_ref->offset, head_off = head_ref->offset, signal;
        if (kread_member(k, leader, "struct task_struct", "signal", &signal, err)) return -1;
        uint64_t head = signal + head_off, node;
        if (kread_ulong(k, head, &node, err)) return -1;
        for (unsigned n = 0; node != head; n++) {
            /* signal->nr_threads bounds a sane thread list. */
            if (n == MAX_TASKS || n > 65536)
                return ks_fail_kind(err, KS_E_CORRUPT, "thread list of task %#llx does not end (a loop?)",
                                    (unsigned long long)leader);
            int stop = fn(k, node - node_off, arg);
            if (stop) return stop > 0 ? 0 : -1;
            if (kread_ulong(k, node, &node, err)) return -1;
        }
        return 0;
    }
    return fn(k, leader, arg) < 0 ? -1 : 0;
}

struct task_walk {
    int (*fn)(struct kernel *, const struct task_info *, void *);
    void *arg;
    ks_err *err;
    int stop;
};

static int visit_thread(struct kernel *k, uint64_t task, void *arg)
{
    struct task_walk *tw = arg;
    struct task_info ti;
    if (task_info_read(k, task, &ti, tw->err)) return -1;
    tw->stop = tw->fn(k, &ti, tw->arg);
    return tw->stop;
}

static int visit_process(struct kernel *k, uint64_t task, void *arg)
{
    struct task_walk *tw = arg;
    uint64_t pid;
    if (task_pid(k, task, &pid, tw->err)) return -1;
    if (pid == 0) return 0;   /* init_task heads the list; idle tasks were visited already */
    int r = for_each_thread(k, task, visit_thread, tw, tw->err);
    return r < 0 ? -1 : tw->stop;
}

int for_each_task(struct kernel *k, int (*fn)(struct kernel *k, const struct task_info *ti, void *arg), void *arg, ks_err *err)
{
    struct task_walk tw = { fn, arg, err, 0 };
    unsigned ncpus;
    if (dump_cpus_read(k, &ncpus, err))
        return -1;
    for (unsigned cpu = 0; cpu < ncpus; cpu++) {
        uint64_t idle;
        if (cpu_idle(k, cpu, &idle, err)) return -1;
        if (visit_thread(k, idle, &tw)) return tw.stop < 0 ? -1 : 0;
    }
    return for_each_process(k, visit_process, &tw, err);
}

static int add_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    (void)k;
    u64set_add(arg, ti->task);
    return 0;
}

int task_is_known(struct kernel *k, uint64_t task, bool *known, ks_err *err)
{
    if (!k->task_set) {
        struct u64set *set = xcalloc(1, sizeof *set);
        u64set_init(set);
        if (for_each_task(k, add_task, set, err)) {
            u64set_free(set);
            free(set);
            return -1;
        }
        k->task_set = set;
    }
    *known = task && u64set_has(k->task_set, task);
    return 0;
}

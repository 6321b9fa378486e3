/* The stacks a frame may lie on: the task's own and its CPU's IRQ stacks (dumpstack_32.c). */
#include "stacks.h"

#include <stddef.h>

const char *stack_type_name(enum stack_type t)
{
    switch (t) {
    case STACK_TASK:
        return "task";
    case STACK_HARDIRQ:
        return "hard IRQ";
    case STACK_SOFTIRQ:
        return "soft IRQ";
    default:
        return "unknown";
    }
}

int kthread_size(struct kernel *k, uint64_t *size, ks_err *err)
{
    *size = ktype_size(k, "union thread_union");
    if (*size >= 4096 && *size <= (1u << 20))
        return 0;
    return ks_fail(err, "the vmlinux DWARF has no usable union thread_union: THREAD_SIZE unknown");
}

/* The per-CPU variables that point at a CPU's IRQ stacks, each a pointer to the bottom of a
 * THREAD_SIZE stack: which generation's names, decided once (kernel/features.c: decide_irq_stacks). */
static const struct irq_stack_names *irq_stack_names(struct kernel *k)
{
    return features_irq_stacks(&k->features);
}

/* The bottom of one CPU's IRQ stack: the per-CPU pointer's value on that CPU. */
static int irq_stack_base(struct kernel *k, const struct irq_stack_names *n, bool hard, unsigned cpu, uint64_t *base, ks_err *err)
{
    const char *name = hard ? n->hard : n->soft;
    uint64_t link;
    if (kvar_addr(k, n->var ? n->var : name, n->var ? name : NULL, &link, NULL, err))
        return -1;
    uint64_t ptr;
    if (kper_cpu_ptr(k, link, cpu, &ptr, err))
        return -1;
    return kread_ulong(k, ptr, base, err);
}

static void add_irq_stack(struct kernel *k, const struct irq_stack_names *n, bool hard, unsigned cpu, uint64_t size,
                          struct task_stacks *ts)
{
    uint64_t base;
    /* A CPU whose IRQ stack pointer is unset or unreadable has no IRQ stack for bt to search. */
    if (!n || irq_stack_base(k, n, hard, cpu, &base, KS_MISSING_OK) || base < k->page_offset)
        return;
    struct stack_info *si = &ts->s[ts->n++];
    si->type = hard ? STACK_HARDIRQ : STACK_SOFTIRQ;
    si->begin = base;
    si->end = base + size;
    si->cpu = cpu;
    /* irq_32.c saves the interrupted stack pointer in the first word of the IRQ stack. */
    if (kread_ulong(k, base, &si->next_sp, KS_MISSING_OK))
        si->next_sp = 0; /* no link back: the walk ends on this stack */
}

int task_stacks(struct kernel *k, uint64_t task, unsigned cpu, struct task_stacks *ts, ks_err *err)
{
    uint64_t size, stack;
    ts->n = 0;
    if (kthread_size(k, &size, err))
        return -1;
    if (kread_member(k, task, "struct task_struct", "stack", &stack, err))
        return -1;
    if (stack < k->page_offset)
        return ks_fail(err, "task %#llx has no kernel stack (stack = %#llx)", (unsigned long long)task,
                       (unsigned long long)stack);
    ts->s[0] = (struct stack_info){.type = STACK_TASK, .begin = stack, .end = stack + size, .cpu = cpu};
    ts->n = 1;
    const struct irq_stack_names *n = irq_stack_names(k);
    add_irq_stack(k, n, true, cpu, size, ts);
    add_irq_stack(k, n, false, cpu, size, ts);
    return 0;
}

const struct stack_info *stack_holding(const struct task_stacks *ts, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < ts->n; i++)
        if (addr >= ts->s[i].begin && addr + len <= ts->s[i].end)
            return &ts->s[i];
    return NULL;
}

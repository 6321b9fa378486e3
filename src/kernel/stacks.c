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

/*
 * The per-CPU variables that point at a CPU's IRQ stacks, newest kernels first:
 *   6.2+      pcpu_hot.hardirq_stack_ptr / .softirq_stack_ptr
 *   5.9-6.1   hardirq_stack_ptr / softirq_stack_ptr        (struct irq_stack *)
 *   4.9-5.8   hardirq_stack / softirq_stack                (struct irq_stack *)
 *   older     hardirq_ctx / softirq_ctx                    (union irq_ctx *)
 * Each is a pointer to the bottom of a THREAD_SIZE stack.
 */
struct irq_stack_names {
    const char *var, *hard, *soft; /* hard/soft: member paths inside var, or the variables themselves */
};

static const struct irq_stack_names irq_stack_candidates[] = {
    {"pcpu_hot", "hardirq_stack_ptr", "softirq_stack_ptr"},
    {NULL, "hardirq_stack_ptr", "softirq_stack_ptr"},
    {NULL, "hardirq_stack", "softirq_stack"},
    {NULL, "hardirq_ctx", "softirq_ctx"},
};

static const struct irq_stack_names *irq_stack_names(struct kernel *k)
{
    for (size_t i = 0; i < ARRAY_SIZE(irq_stack_candidates); i++) {
        const struct irq_stack_names *c = &irq_stack_candidates[i];
        uint64_t addr;
        if (c->var && kvar_addr(k, c->var, c->hard, &addr, NULL, NULL) == 0)
            return c;
        if (!c->var && kdwarf_var_type(k->dwarf, c->hard))
            return c;
    }
    return NULL;
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
    if (!n || irq_stack_base(k, n, hard, cpu, &base, NULL) || base < k->page_offset)
        return;
    struct stack_info *si = &ts->s[ts->n++];
    si->type = hard ? STACK_HARDIRQ : STACK_SOFTIRQ;
    si->begin = base;
    si->end = base + size;
    si->cpu = cpu;
    /* irq_32.c saves the interrupted stack pointer in the first word of the IRQ stack. */
    if (kread_ulong(k, base, &si->next_sp, NULL))
        si->next_sp = 0;
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

/*
 * stacks: the places a kernel stack frame may lie, as arch/x86/kernel/dumpstack_32.c knows them.
 *  - a task's own stack: task->stack, THREAD_SIZE bytes (sizeof(union thread_union));
 *  - each CPU's hardirq and softirq stacks (struct irq_stack, reached through per-CPU pointers);
 *    the word at the bottom of an IRQ stack is the stack pointer of the stack it was entered from.
 * The per-CPU variable names changed across kernel versions; irq_stack_names() in stacks.c is the
 * one place that chooses them, by what the vmlinux has. (The SYSENTER entry stack and the
 * double-fault stack are not modelled: the entry code leaves them within a few instructions.)
 */
#ifndef KS_STACKS_H
#define KS_STACKS_H
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

enum stack_type { STACK_TASK, STACK_HARDIRQ, STACK_SOFTIRQ, STACK_UNKNOWN };

struct stack_info {
    enum stack_type type;
    uint64_t begin, end; /* [begin, end) */
    uint64_t next_sp;    /* IRQ stacks: where the interrupted stack's pointer was saved (0: none) */
    unsigned cpu;        /* IRQ stacks: whose */
};

/* Every stack a task's frames may use: its own, then the IRQ stacks of its CPU (up to 3). */
struct task_stacks {
    struct stack_info s[3];
    unsigned n;
};

/* "task", "hard IRQ", "soft IRQ" */
const char *stack_type_name(enum stack_type t);
/* THREAD_SIZE from the DWARF (0 with err if the vmlinux does not say). */
int kthread_size(struct kernel *k, uint64_t *size, ks_err *err);
/* The stacks of a task running (or last run) on cpu. */
int task_stacks(struct kernel *k, uint64_t task, unsigned cpu, struct task_stacks *ts, ks_err *err);
/* Which of them holds [addr, addr + len); NULL if none. */
const struct stack_info *stack_holding(const struct task_stacks *ts, uint64_t addr, uint64_t len);

#endif

/*
 * expr_kernel: the expression evaluator bound to a dumped kernel — names are the vmlinux's DWARF
 * variables (lvalues at their runtime address), enumerators and ELF symbols; memory is read
 * through the kernel's page tables; per_cpu() adds the CPU's __per_cpu_offset.
 */
#ifndef KS_EXPR_KERNEL_H
#define KS_EXPR_KERNEL_H
#include "../kernel/kernel.h"
#include "expr.h"

struct expr_kernel {
    struct kernel *k;
    struct expr_env env;               /* env.ctx points back here: do not move the struct */
    uint64_t percpu_start, percpu_end; /* the per-CPU template section, runtime addresses */
    struct ktype nodebug_data;         /* an ELF data symbol without DWARF (as gdb names it) */
    struct ktype nodebug_func;         /* an ELF function without DWARF */
};

/* eval_mode: crash's eval (hex numbers, symbols stand for their addresses); else C as gdb's print. */
void expr_kernel_init(struct expr_kernel *kx, struct kernel *k, bool eval_mode);
/* CPUs whose copies of a per-CPU variable `p` shows: online ones, and those the dump has notes for. */
unsigned expr_kernel_cpus(struct kernel *k);

#endif

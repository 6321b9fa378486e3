/* The evaluator's view of a dumped kernel (see expr_kernel.h). */
#include <string.h>

#include "../kernel/module.h"
#include "../kernel/module_object.h"
#include "../mm/task.h"
#include "expr_kernel.h"

static bool in_percpu(const struct expr_kernel *kx, uint64_t addr)
{
    return addr >= kx->percpu_start && addr < kx->percpu_end;
}

static int lookup_function(struct expr_kernel *kx, const char *name, uint64_t addr, struct expr_value *out)
{
    struct ktype *f = kdwarf_func_type(kx->k->dwarf, name, (uint64_t)((int64_t)addr - kx->k->kaslr_offset));
    out->type = f ? f : &kx->nodebug_func;
    out->lvalue = true;
    out->addr = addr;
    return 0;
}

/* gdb's print: a DWARF variable is an lvalue, an enumerator a constant, a function an lvalue of
 * its type, another ELF symbol an lvalue of unknown type (`&sym` works, its value needs a cast). */
static int lookup_c(void *ctx, const char *name, int cpu, struct expr_value *out, ks_err *err)
{
    struct expr_kernel *kx = ctx;
    struct kernel *k = kx->k;
    memset(out, 0, sizeof *out);
    struct ktype *t = kdwarf_var_type(k->dwarf, name);
    uint64_t addr;
    bool have_addr = ksym_addr(k, name, &addr, NULL) == 0;
    if (t && have_addr) {
        if (cpu >= 0 && in_percpu(kx, addr) && kper_cpu_ptr(k, addr, (unsigned)cpu, &addr, err))
            return -1;
        out->type = t;
        out->lvalue = true;
        out->addr = addr;
        return 0;
    }
    int64_t value;
    struct ktype *e = kdwarf_enumerator_type(k->dwarf, name);
    if (e && kdwarf_enumerator(k->dwarf, name, &value)) {
        out->type = e;
        out->v = expr_wrap(e, (uint64_t)value);
        return 0;
    }
    /* A variable of a module whose .ko was loaded with mod -s: its DWARF type, its symbol. */
    if (!t && !have_addr && kuser_var_addr(k, name, NULL, &addr, &t, NULL) == 0 && t) {
        out->type = t;
        out->lvalue = true;
        out->addr = addr;
        return 0;
    }
    have_addr = have_addr || module_sym_addr(k, name, &addr) == 0;
    struct ksym_where w;
    if (have_addr && ksym_where(k, addr, &w) && w.text && w.offset == 0)
        return lookup_function(kx, name, addr, out);
    if (have_addr) {
        out->type = &kx->nodebug_data;
        out->lvalue = true;
        out->addr = addr;
        return 0;
    }
    if (t)
        return ks_fail(err, "%s has no address in the vmlinux symbol table", name);
    return ks_fail(err, "no symbol \"%s\" in the vmlinux", name);
}

/* crash's eval: every name is an address. */
static int lookup_address(void *ctx, const char *name, int cpu, struct expr_value *out, ks_err *err)
{
    struct expr_kernel *kx = ctx;
    uint64_t addr;
    memset(out, 0, sizeof *out);
    if (ksym_addr(kx->k, name, &addr, NULL) && module_sym_addr(kx->k, name, &addr))
        return ks_fail(err, "not an address, number or symbol: %s", name);
    out->type = kx->env.type(kx, "long long unsigned int");
    out->v = addr;
    return out->type ? 0 : ks_fail(err, "the vmlinux DWARF has no long long unsigned int");
}

static bool is_percpu(void *ctx, const char *name)
{
    struct expr_kernel *kx = ctx;
    uint64_t addr;
    return kdwarf_var_type(kx->k->dwarf, name) && ksym_addr(kx->k, name, &addr, NULL) == 0 && in_percpu(kx, addr);
}

static struct ktype *type_by_name(void *ctx, const char *spec)
{
    struct expr_kernel *kx = ctx;
    return kdwarf_type_any(kx->k->dwarf, spec);
}

static int read_mem(void *ctx, uint64_t addr, void *buf, size_t len, ks_err *err)
{
    struct expr_kernel *kx = ctx;
    return kread(kx->k, addr, buf, len, err);
}

static struct ktype *target_of(void *ctx, struct ktype *ptr)
{
    struct expr_kernel *kx = ctx;
    return kt_target(kx->k->dwarf, ptr);
}

static void type_name(void *ctx, struct ktype *t, char *out, size_t n)
{
    struct expr_kernel *kx = ctx;
    kt_name(kx->k->dwarf, t, out, n);
}

static int per_cpu_addr(void *ctx, uint64_t addr, unsigned cpu, uint64_t *out, ks_err *err)
{
    struct expr_kernel *kx = ctx;
    unsigned n = kpossible_cpus(kx->k);
    if (cpu >= n)
        return ks_fail(err, "CPU %u does not exist: the kernel was built for %u", cpu, n);
    return kper_cpu_ptr(kx->k, addr, cpu, out, err);
}

void expr_kernel_init(struct expr_kernel *kx, struct kernel *k, bool eval_mode)
{
    memset(kx, 0, sizeof *kx);
    kx->k = k;
    kx->env = (struct expr_env){
        .ctx = kx,
        .lookup = eval_mode ? lookup_address : lookup_c,
        .is_percpu = eval_mode ? NULL : is_percpu,
        .type = type_by_name,
        .read = read_mem,
        .target = target_of,
        .type_name = type_name,
        .per_cpu = per_cpu_addr,
        .hex_numbers = eval_mode,
    };
    if (ksym_addr(k, "__per_cpu_start", &kx->percpu_start, NULL) || ksym_addr(k, "__per_cpu_end", &kx->percpu_end, NULL))
        kx->percpu_start = kx->percpu_end = 0;
    kx->nodebug_data.kind = KT_VOID;
    kx->nodebug_data.name = (char *)"<data variable, no debug info>";
    kx->nodebug_func.kind = KT_FUNC;
    kx->nodebug_func.target = kdwarf_type(k->dwarf, "int");
    kx->nodebug_func.name = (char *)"<text variable, no debug info>";
}

unsigned expr_kernel_cpus(struct kernel *k)
{
    unsigned n = KS_MAX(online_cpus(k), (unsigned)k->dump->ncpus);
    return KS_MIN(n, kpossible_cpus(k));
}

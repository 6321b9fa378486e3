/*
 * How ksleuth reads a kernel (src/kernel/features.c), branch by branch.
 *
 *   test_features SAMPLE_DIR... [--dump SAMPLE_DIR DUMPFILE]
 *
 * 1. Each sample's vmlinux, resolved for real, against facts from outside ksleuth: the kernel's
 *    own .config beside it (memory model, slab allocator, modules, split RSS counting) and its
 *    release (the version file), by when each layout changed in the kernel's history.
 * 2. Every branch, over a synthetic kernel: the first sample's real DWARF and symbols with the
 *    members, symbols and variables another generation has added or taken away.
 * 3. Given a dump (--dump): flipping one resolved answer (VMA container, RSS counters, task state
 *    field) makes the reads that depend on it fail with "no such member" instead of showing a
 *    value, while the resolved answer reads what the guest's /proc recorded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/symtab.h"
#include "dwarf/types.h"
#include "kernel/features.h"
#include "kernel/kernel.h"
#include "mm/task.h"
#include "mm/vma.h"
#include "check.h"

/* ---- facts from outside: .config and release ---- */

static char *slurp(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strdup(buf);
}

/* CONFIG_NAME's value in a .config ("y", "4"), or NULL when not set. */
static const char *config_value(const char *config, const char *name, char *out, size_t n)
{
    char key[128];
    snprintf(key, sizeof key, "\n%s=", name);
    const char *p = strstr(config, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t len = strcspn(p, "\n");
    snprintf(out, n, "%.*s", (int)len, p);
    return out;
}

static bool config_on(const char *config, const char *name)
{
    char v[32];
    return config_value(config, name, v, sizeof v) && !strcmp(v, "y");
}

static long config_long(const char *config, const char *name)
{
    char v[32];
    return config_value(config, name, v, sizeof v) ? strtol(v, NULL, 0) : -1;
}

/* "6.1.192-ksleuth" -> 601 */
static int release_code(const char *version)
{
    int major = 0, minor = 0;
    sscanf(version, "%d.%d", &major, &minor);
    return major * 100 + minor;
}

/* ---- a vmlinux opened without a dump ---- */

struct vmlinux {
    struct symtab syms;
    struct kdwarf *dwarf;
    struct features_vmlinux fv;
    struct feature_probe probe;
};

static int vmlinux_open(struct vmlinux *v, const char *dir)
{
    char path[1024];
    ks_err e;
    struct kdwarf_opts o = {0};
    snprintf(path, sizeof path, "%s/vmlinux", dir);
    if (symtab_open(&v->syms, path, &e) || kdwarf_open(&v->dwarf, path, &v->syms, &o, &e)) {
        fprintf(stderr, "%s: %s\n", path, e.msg);
        return -1;
    }
    v->fv = (struct features_vmlinux){&v->syms, v->dwarf};
    features_vmlinux_probe(&v->fv, &v->probe);
    return 0;
}

static void vmlinux_close(struct vmlinux *v)
{
    kdwarf_close(v->dwarf);
    symtab_close(&v->syms);
}

/* 1. One sample, for real. */
static void check_real(const char *dir)
{
    struct vmlinux v;
    char *config = slurp(dir, "config"), *version = slurp(dir, "version");
    if (!config || !version || vmlinux_open(&v, dir)) {
        CHECK(!"sample readable");
        return;
    }
    int rel = release_code(version);
    struct kernel_features f;
    features_resolve(&f, &v.probe);
    printf("%s: release %d\n", dir, rel);
    CHECK_EQ_U64(f.vmas, rel >= 601 ? VMAS_MAPLE_TREE : VMAS_LIST);  /* 6.1: maple tree */
    CHECK_EQ_U64(f.rss, rel >= 602 ? RSS_PERCPU : RSS_ATOMIC_ARRAY); /* 6.2: percpu_counter */
    bool split = config_on(config, "CONFIG_MMU") && rel < 602 &&
                 config_long(config, "CONFIG_NR_CPUS") >= config_long(config, "CONFIG_SPLIT_PTLOCK_CPUS");
    CHECK_EQ_U64(f.rss_task_deltas, split); /* SPLIT_RSS_COUNTING */
    /* include/linux/mm_types_task.h: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
    CHECK_EQ_U64(f.rss_index[0], 0);
    CHECK_EQ_U64(f.rss_index[1], 1);
    CHECK_EQ_U64(f.rss_index[2], 3);
    CHECK_EQ_U64(f.memmodel, config_on(config, "CONFIG_SPARSEMEM") ? MEMMODEL_SPARSEMEM : MEMMODEL_FLATMEM);
    CHECK_EQ_U64(f.buddy, rel >= 418 ? BUDDY_MARK_PAGE_TYPE : BUDDY_MARK_MAPCOUNT);
    CHECK(f.pg_slab > 0 && f.pg_slab < f.nr_pageflags);
    CHECK_EQ_U64(f.task_state, rel >= 514 ? TASK_STATE_DUNDER : TASK_STATE_PLAIN); /* 5.14: __state */
    CHECK_EQ_U64(f.thread_list, rel >= 314);                                       /* 3.14: thread_node */
    CHECK_EQ_U64(f.page_buddy_list, rel >= 519);                                   /* 5.19: buddy_list */
    CHECK_EQ_U64(f.printk, rel >= 510 ? PRINTK_LOCKLESS : PRINTK_LOG_BUF);         /* 5.10: lockless ring */
    CHECK_EQ_U64(f.slab, config_on(config, "CONFIG_SLUB") ? SLAB_SLUB : config_on(config, "CONFIG_SLAB") ? SLAB_SLAB : SLAB_SLOB);
    CHECK_EQ_U64(f.slab_struct, rel >= 517); /* 5.17: struct slab */
    CHECK_EQ_U64(f.cpu_slab_owner_slab, rel >= 517);
    /* mm/slub.c: CONFIG_SLAB_FREELIST_HARDENED XORs the pointer; 5.7 (1ad53d9fa3f6) byte-swaps its address */
    CHECK(v.probe.release && !strncmp(version, v.probe.release, strlen(v.probe.release))); /* the sample's version file */
    enum freelist_ptr hardened = rel >= 507 ? FREELIST_XOR_SWAB : FREELIST_XOR;
    CHECK_EQ_U64(f.freelist, config_on(config, "CONFIG_SLAB_FREELIST_HARDENED") ? hardened : FREELIST_PLAIN);
    enum module_layout ml = rel >= 604 ? MODLAYOUT_MEM_ARRAY : MODLAYOUT_CORE_LAYOUT;
    CHECK_EQ_U64(f.modules, config_on(config, "CONFIG_MODULES") ? ml : MODLAYOUT_NONE);
    CHECK_EQ_U64(f.irq_stacks, rel >= 602 ? IRQSTACK_PCPU_HOT : rel >= 509 ? IRQSTACK_STACK_PTR : IRQSTACK_STACK);
    vmlinux_close(&v);
    free(config);
    free(version);
}

/* ---- 2. a synthetic kernel: real DWARF, with names taken away or added ---- */

/* Names are "struct T.path" (members), "sym:NAME", "var:NAME[.path]", "type:T", "enum:NAME". */
struct synthetic {
    const struct feature_probe *real;
    const char *const *hidden;
    const char *const *added;
};

static bool listed(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* The synthetic answer for the name fmt makes: 1 added, 0 hidden, -1 ask the real kernel. */
static int __attribute__((format(printf, 2, 3))) overlay(const struct synthetic *s, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (listed(s->added, name))
        return 1;
    return listed(s->hidden, name) ? 0 : -1;
}

static bool syn_type(void *ctx, const char *type)
{
    const struct synthetic *s = ctx;
    int o = overlay(s, "type:%s", type);
    return o >= 0 ? o : s->real->has_type(s->real->ctx, type);
}

static bool syn_member(void *ctx, const char *type, const char *path)
{
    const struct synthetic *s = ctx;
    int o = overlay(s, "%s.%s", type, path);
    return o >= 0 ? o : s->real->has_member(s->real->ctx, type, path);
}

static bool syn_symbol(void *ctx, const char *sym)
{
    const struct synthetic *s = ctx;
    int o = overlay(s, "sym:%s", sym);
    return o >= 0 ? o : s->real->has_symbol(s->real->ctx, sym);
}

static bool syn_var(void *ctx, const char *var, const char *path)
{
    const struct synthetic *s = ctx;
    int o = overlay(s, "var:%s%s%s", var, path ? "." : "", path ? path : "");
    return o >= 0 ? o : s->real->has_var(s->real->ctx, var, path);
}

static bool syn_enum(void *ctx, const char *enumerator, int64_t *value)
{
    const struct synthetic *s = ctx;
    return overlay(s, "enum:%s", enumerator) != 0 && s->real->enumerator(s->real->ctx, enumerator, value);
}

/* Resolve the real kernel with these names hidden and added. */
static struct kernel_features synthetic(const struct feature_probe *real, const char *const *hidden, const char *const *added)
{
    struct synthetic s = {real, hidden, added};
    struct feature_probe p = {&s, syn_type, syn_member, syn_symbol, syn_var, syn_enum, NULL, {0}};
    struct kernel_features f;
    features_resolve(&f, &p);
    return f;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE       NAMES(NULL)

static void check_vma_branches(const struct feature_probe *p)
{
    CHECK_EQ_U64(synthetic(p, NAMES("struct mm_struct.mm_mt"), NAMES("struct mm_struct.mmap")).vmas, VMAS_LIST);
    CHECK_EQ_U64(synthetic(p, NAMES("struct mm_struct.mm_mt", "struct mm_struct.mmap"), NONE).vmas, VMAS_UNKNOWN);
}

static void check_rss_branches(const struct feature_probe *p)
{
    struct kernel_features f =
        synthetic(p, NAMES("struct mm_struct.rss_stat.count"), NAMES("struct mm_struct.rss_stat[0].count"));
    CHECK_EQ_U64(f.rss, RSS_PERCPU);
    f = synthetic(p, NAMES("struct mm_struct.rss_stat.count"), NONE);
    CHECK_EQ_U64(f.rss, RSS_UNKNOWN);
    CHECK_EQ_U64(synthetic(p, NONE, NAMES("struct task_struct.rss_stat")).rss_task_deltas, true);
    f = synthetic(p, NAMES("enum:MM_SHMEMPAGES"), NONE);
    CHECK_EQ_U64(f.rss_index[2], (uint64_t)-1);
}

static void check_page_branches(const struct feature_probe *p)
{
    CHECK_EQ_U64(synthetic(p, NONE, NAMES("sym:mem_section")).memmodel, MEMMODEL_SPARSEMEM);
    CHECK_EQ_U64(synthetic(p, NAMES("sym:mem_map", "sym:mem_section"), NONE).memmodel, MEMMODEL_UNKNOWN);
    CHECK_EQ_U64(synthetic(p, NAMES("struct page.page_type"), NONE).buddy, BUDDY_MARK_MAPCOUNT);
    struct kernel_features f = synthetic(p, NAMES("enum:PG_slab", "enum:__NR_PAGEFLAGS"), NONE);
    CHECK_EQ_U64(f.pg_slab, (uint64_t)-1);
    CHECK_EQ_U64(f.nr_pageflags, 0);
}

static void check_task_branches(const struct feature_probe *p)
{
    CHECK_EQ_U64(synthetic(p, NAMES("struct task_struct.__state"), NAMES("struct task_struct.state")).task_state,
                 TASK_STATE_PLAIN);
    CHECK_EQ_U64(synthetic(p, NAMES("struct task_struct.__state"), NONE).task_state, TASK_STATE_UNKNOWN);
    CHECK_EQ_U64(synthetic(p, NONE, NAMES("struct task_struct.cpu")).task_cpu_in_task, true);
    CHECK_EQ_U64(synthetic(p, NAMES("struct task_struct.thread_node"), NONE).thread_list, false);
    CHECK_EQ_U64(synthetic(p, NAMES("struct page.buddy_list"), NONE).page_buddy_list, false);
}

/* The freelist encoding: the DWARF says hardened or not, the release says swapped or not, and a
 * release that cannot be read is "unknown", never a guess. */
static void check_freelist_branches(const struct feature_probe *real)
{
    struct synthetic hardened = {real, NONE, NAMES("struct kmem_cache.random")};
    struct synthetic plain = {real, NAMES("struct kmem_cache.random"), NONE};
    struct feature_probe p = {&hardened, syn_type, syn_member, syn_symbol, syn_var, syn_enum, NULL, {0}};
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_UNKNOWN);
    p.release = "(none)";
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_UNKNOWN);
    p.release = "5.6.19";
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_XOR);
    p.release = "5.7.0-rc1";
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_XOR_SWAB);
    p.release = "4.19.0";
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_XOR);
    p.ctx = &plain;
    p.release = NULL;
    CHECK_EQ_U64(features_decide_freelist(&p), FREELIST_PLAIN);
}

static void check_printk_slab_branches(const struct feature_probe *p)
{
    CHECK_EQ_U64(synthetic(p, NAMES("var:prb"), NAMES("sym:log_buf")).printk, PRINTK_LOG_BUF);
    CHECK_EQ_U64(synthetic(p, NAMES("var:prb", "sym:log_buf"), NONE).printk, PRINTK_NONE);
    const char *const *no_slub = NAMES("struct kmem_cache.cpu_slab");
    CHECK_EQ_U64(synthetic(p, no_slub, NAMES("struct kmem_cache.cpu_cache")).slab, SLAB_SLAB);
    CHECK_EQ_U64(synthetic(p, no_slub, NAMES("sym:free_slob_small")).slab, SLAB_SLOB);
    CHECK_EQ_U64(synthetic(p, no_slub, NONE).slab, SLAB_UNKNOWN);
    struct kernel_features f = synthetic(p, NAMES("type:struct slab", "struct kmem_cache_cpu.slab"), NONE);
    CHECK_EQ_U64(f.slab_struct, false);
    CHECK_EQ_U64(f.cpu_slab_owner_slab, false);
    check_freelist_branches(p);
}

static void check_module_irq_branches(const struct feature_probe *p)
{
    CHECK_EQ_U64(synthetic(p, NONE, NAMES("struct module.mem[0].base")).modules, MODLAYOUT_MEM_ARRAY);
    CHECK_EQ_U64(synthetic(p, NAMES("struct module.core_layout.base"), NAMES("struct module.module_core")).modules,
                 MODLAYOUT_MODULE_CORE);
    CHECK_EQ_U64(synthetic(p, NAMES("struct module.core_layout.base", "struct module.mem[0].base"), NONE).modules,
                 MODLAYOUT_NONE);
    CHECK_EQ_U64(synthetic(p, NONE, NAMES("var:pcpu_hot.hardirq_stack_ptr")).irq_stacks, IRQSTACK_PCPU_HOT);
    const char *const *no_ptr = NAMES("var:hardirq_stack_ptr");
    CHECK_EQ_U64(synthetic(p, no_ptr, NAMES("var:hardirq_stack")).irq_stacks, IRQSTACK_STACK);
    CHECK_EQ_U64(synthetic(p, no_ptr, NAMES("var:hardirq_ctx")).irq_stacks, IRQSTACK_CTX);
    CHECK_EQ_U64(synthetic(p, no_ptr, NONE).irq_stacks, IRQSTACK_NONE);
    struct kernel_features f = synthetic(p, NONE, NAMES("struct module.mem[0].base"));
    CHECK(!strcmp(features_module_layout(&f)->base, "mem[0].base"));
    f.irq_stacks = IRQSTACK_CTX;
    CHECK(!strcmp(features_irq_stacks(&f)->soft, "softirq_ctx"));
}

static void check_override(const struct feature_probe *p)
{
    struct kernel_features f = synthetic(p, NONE, NONE);
    CHECK(features_override(&f, "vma_container=list,rss_counters=percpu,task_state=state") == 0);
    CHECK_EQ_U64(f.vmas, VMAS_LIST);
    CHECK_EQ_U64(f.rss, RSS_PERCPU);
    CHECK_EQ_U64(f.task_state, TASK_STATE_PLAIN);
    CHECK(!strcmp(features_task_state_member(&f), "state"));
    CHECK(features_override(&f, "vma_container=tree") == -1);
    CHECK(features_override(&f, "no_such_feature=list") == -1);
    CHECK(features_override(&f, "vma_container") == -1);
    struct feature_line lines[FEATURE_LINES_MAX];
    size_t n = features_describe(&f, lines);
    CHECK(n <= FEATURE_LINES_MAX);
    CHECK(!strcmp(lines[0].key, "vma_container") && !strcmp(lines[0].name, "list"));
}

/* The dump's VMCOREINFO: adopted where the vmlinux says nothing, refused where it disagrees. */
static void check_vmcoreinfo(const struct feature_probe *p)
{
    char why[160];
    struct kernel_features f = synthetic(p, NONE, NONE);
    CHECK(features_check_vmcoreinfo(&f, NULL, why, sizeof why) == 0 && !f.vmcoreinfo_agrees);
    CHECK(features_check_vmcoreinfo(&f, "SYMBOL(mem_map)=c142d924\nSYMBOL(prb)=c131c590\nNUMBER(PG_slab)=9\n", why, sizeof why) ==
          0);
    CHECK(f.vmcoreinfo_agrees);
    f = synthetic(p, NONE, NONE);
    CHECK(features_check_vmcoreinfo(&f, "SYMBOL(mem_section)=c1400000\n", why, sizeof why) == -1);
    CHECK(strstr(why, "memory model") != NULL);
    f = synthetic(p, NONE, NONE);
    CHECK(features_check_vmcoreinfo(&f, "NUMBER(PG_slab)=10\n", why, sizeof why) == -1);
    f = synthetic(p, NAMES("sym:mem_map", "sym:mem_section", "var:prb"), NONE);
    CHECK(features_check_vmcoreinfo(&f, "SYMBOL(mem_section)=c1400000\nSYMBOL(log_buf)=c1300000\n", why, sizeof why) == 0);
    CHECK_EQ_U64(f.memmodel, MEMMODEL_SPARSEMEM);
    CHECK_EQ_U64(f.printk, PRINTK_LOG_BUF);
}

static void check_synthetic(const char *dir)
{
    struct vmlinux v;
    if (vmlinux_open(&v, dir)) {
        CHECK(!"sample readable");
        return;
    }
    check_vma_branches(&v.probe);
    check_rss_branches(&v.probe);
    check_page_branches(&v.probe);
    check_task_branches(&v.probe);
    check_printk_slab_branches(&v.probe);
    check_module_irq_branches(&v.probe);
    check_override(&v.probe);
    check_vmcoreinfo(&v.probe);
    vmlinux_close(&v);
}

/* ---- 3. a flipped answer on a real dump ---- */

static long status_kb(const char *dir, int pid, const char *field)
{
    char name[64];
    snprintf(name, sizeof name, "truth/pid/%d/status", pid);
    char *s = slurp(dir, name);
    const char *p = s ? strstr(s, field) : NULL;
    long v = p ? strtol(p + strlen(field) + 1, NULL, 10) : -1;
    free(s);
    return v;
}

static size_t lines_of(const char *dir, const char *name)
{
    char *s = slurp(dir, name);
    size_t n = 0;
    for (const char *p = s; p && *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static int count_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    (*(size_t *)arg)++;
    return 0;
}

/* The first workload's PID (truth/workloads) and its task and mm in the dump. */
static int workload(struct kernel *k, const char *dir, uint64_t *pid, struct task_info *ti)
{
    char *w = slurp(dir, "truth/workloads");
    const char *p = w ? strstr(w, "pid=") : NULL;
    uint64_t task;
    *pid = p ? strtoull(p + 4, NULL, 10) : 0;
    free(w);
    return !*pid || find_task_by_pid(k, *pid, &task, NULL) || task_info_read(k, task, ti, NULL) ? -1 : 0;
}

static void check_flips(const char *dir, const char *dumpfile)
{
    char vmlinux[1024];
    snprintf(vmlinux, sizeof vmlinux, "%s/vmlinux", dir);
    struct kernel k;
    struct kernel_open_opts o = {.vmlinux = vmlinux, .dumpfile = dumpfile};
    ks_err e;
    uint64_t pid, rss;
    struct task_info ti;
    size_t nvmas = 0;
    if (kernel_open(&k, &o, &e) != KERNEL_OPEN_OK || workload(&k, dir, &pid, &ti)) {
        CHECK(!"dump and workload readable");
        return;
    }
    char maps[64];
    snprintf(maps, sizeof maps, "truth/pid/%llu/maps", (unsigned long long)pid);
    /* As resolved: what the guest's /proc said. */
    CHECK(for_each_vma(&k, ti.mm, count_vma, &nvmas, &e) == 0);
    CHECK_EQ_U64(nvmas, lines_of(dir, maps));
    CHECK(mm_rss(&k, ti.mm, &rss, &e) == 0);
    CHECK_EQ_U64(rss * 4, (uint64_t)status_kb(dir, (int)pid, "VmRSS:"));
    struct kernel_features good = k.features;
    /* Flipped: the read fails, saying which member this kernel lacks; no value stands in. */
    CHECK(features_override(&k.features, "vma_container=list") == 0);
    CHECK(for_each_vma(&k, ti.mm, count_vma, &nvmas, &e) == -1 && ks_err_is(&e, KS_E_NO_MEMBER));
    k.features = good;
    CHECK(features_override(&k.features, "rss_counters=percpu") == 0);
    CHECK(mm_rss(&k, ti.mm, &rss, &e) == -1 && ks_err_is(&e, KS_E_BAD_ARG)); /* 6.1's rss_stat is no array */
    k.features = good;
    CHECK(features_override(&k.features, "task_state=state") == 0);
    CHECK(task_info_read(&k, ti.task, &ti, &e) == -1 && ks_err_is(&e, KS_E_NO_MEMBER));
    kernel_close(&k);
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--dump"); i++)
        check_real(argv[i]);
    if (argc > 1 && strcmp(argv[1], "--dump"))
        check_synthetic(argv[1]);
    if (i + 2 < argc)
        check_flips(argv[i + 1], argv[i + 2]);
    else if (i < argc)
        CHECK(!"--dump needs SAMPLE_DIR DUMPFILE");
    return check_summary();
}

/* How ksleuth reads this kernel: every generation difference decided once, by what the DWARF and
 * the symbol table show (see features.h and docs/design.md). */
#include "features.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dump/vmcoreinfo.h"
#include "../dwarf/symtab.h"
#include "../dwarf/types.h"
#include "../util/util.h"

/* ---- the probe of a real vmlinux ---- */

static bool vm_has_type(void *ctx, const char *type)
{
    struct features_vmlinux *v = ctx;
    return kdwarf_type(v->dwarf, type) != NULL;
}

static bool vm_has_member(void *ctx, const char *type, const char *path)
{
    struct features_vmlinux *v = ctx;
    struct ktype *t = kdwarf_type(v->dwarf, type);
    uint64_t off;
    /* A DWARF lookup can fail only by absence: no memory is read, so nothing else can go wrong. */
    return t && kt_member_path(v->dwarf, t, path, &off, NULL, NULL, NULL) == 0;
}

static bool vm_has_symbol(void *ctx, const char *name)
{
    struct features_vmlinux *v = ctx;
    return symtab_lookup(v->syms, name) != NULL;
}

static bool vm_has_var(void *ctx, const char *var, const char *path)
{
    struct features_vmlinux *v = ctx;
    struct ktype *t = kdwarf_var_type(v->dwarf, var);
    uint64_t off;
    if (!t || !symtab_lookup(v->syms, var))
        return false;
    return !path || kt_member_path(v->dwarf, t, path, &off, NULL, NULL, NULL) == 0;
}

static bool vm_enumerator(void *ctx, const char *name, int64_t *value)
{
    struct features_vmlinux *v = ctx;
    return kdwarf_enumerator(v->dwarf, name, value);
}

/* "Linux version 5.15.0 (...)" in the image: the release, or NULL when the vmlinux has no banner. */
static const char *vm_release(const struct symtab *syms, char release[65])
{
    char banner[128] = {0};
    const struct ksym *lb = symtab_lookup(syms, "linux_banner");
    ks_err e;
    if (!lb || symtab_read_image(syms, lb->addr, banner, sizeof banner - 1, &e))
        return NULL;
    return sscanf(banner, "Linux version %64s", release) == 1 ? release : NULL;
}

void features_vmlinux_probe(struct features_vmlinux *v, struct feature_probe *p)
{
    *p = (struct feature_probe){v, vm_has_type, vm_has_member, vm_has_symbol, vm_has_var, vm_enumerator, NULL, {0}};
    p->release = vm_release(v->syms, p->release_text);
}

/* ---- the names behind the answers ---- */

static const struct module_layout_names module_layouts[] = {
    [MODLAYOUT_MEM_ARRAY] = {"mem[0].base", "mem[0].size", NULL}, /* mem[MOD_TEXT]: the whole text region */
    [MODLAYOUT_CORE_LAYOUT] = {"core_layout.base", "core_layout.size", "core_layout.text_size"},
    [MODLAYOUT_MODULE_CORE] = {"module_core", "core_size", "core_text_size"},
};

/*
 * The per-CPU variables that point at a CPU's IRQ stacks:
 *   6.2+      pcpu_hot.hardirq_stack_ptr / .softirq_stack_ptr
 *   5.9-6.1   hardirq_stack_ptr / softirq_stack_ptr        (struct irq_stack *)
 *   4.9-5.8   hardirq_stack / softirq_stack                (struct irq_stack *)
 *   older     hardirq_ctx / softirq_ctx                    (union irq_ctx *)
 */
static const struct irq_stack_names irq_stack_vars[] = {
    [IRQSTACK_PCPU_HOT] = {"pcpu_hot", "hardirq_stack_ptr", "softirq_stack_ptr"},
    [IRQSTACK_STACK_PTR] = {NULL, "hardirq_stack_ptr", "softirq_stack_ptr"},
    [IRQSTACK_STACK] = {NULL, "hardirq_stack", "softirq_stack"},
    [IRQSTACK_CTX] = {NULL, "hardirq_ctx", "softirq_ctx"},
};

const struct module_layout_names *features_module_layout(const struct kernel_features *f)
{
    return f->modules == MODLAYOUT_NONE ? NULL : &module_layouts[f->modules];
}

const struct irq_stack_names *features_irq_stacks(const struct kernel_features *f)
{
    return f->irq_stacks == IRQSTACK_NONE ? NULL : &irq_stack_vars[f->irq_stacks];
}

const char *features_task_state_member(const struct kernel_features *f)
{
    return f->task_state == TASK_STATE_PLAIN ? "state" : "__state";
}

/* ---- the decisions, one function each ---- */

#define HAS_MEMBER(p, type, path) ((p)->has_member((p)->ctx, type, path))

static enum vma_container decide_vmas(const struct feature_probe *p)
{
    if (HAS_MEMBER(p, "struct mm_struct", "mm_mt"))
        return VMAS_MAPLE_TREE;
    if (HAS_MEMBER(p, "struct mm_struct", "mmap"))
        return VMAS_LIST;
    return VMAS_UNKNOWN;
}

static void decide_rss(const struct feature_probe *p, struct kernel_features *f)
{
    static const char *const counters[] = {"MM_FILEPAGES", "MM_ANONPAGES", "MM_SHMEMPAGES"};
    if (HAS_MEMBER(p, "struct mm_struct", "rss_stat.count"))
        f->rss = RSS_ATOMIC_ARRAY;
    else if (HAS_MEMBER(p, "struct mm_struct", "rss_stat[0].count"))
        f->rss = RSS_PERCPU;
    else
        f->rss = RSS_UNKNOWN;
    f->rss_task_deltas = HAS_MEMBER(p, "struct task_struct", "rss_stat");
    for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
        if (!p->enumerator(p->ctx, counters[i], &f->rss_index[i]))
            f->rss_index[i] = -1;
}

static void decide_pages(const struct feature_probe *p, struct kernel_features *f)
{
    if (p->has_symbol(p->ctx, "mem_section"))
        f->memmodel = MEMMODEL_SPARSEMEM;
    else if (p->has_symbol(p->ctx, "mem_map"))
        f->memmodel = MEMMODEL_FLATMEM;
    else
        f->memmodel = MEMMODEL_UNKNOWN;
    f->buddy = HAS_MEMBER(p, "struct page", "page_type") ? BUDDY_MARK_PAGE_TYPE : BUDDY_MARK_MAPCOUNT;
    if (!p->enumerator(p->ctx, "PG_slab", &f->pg_slab))
        f->pg_slab = -1;
    if (!p->enumerator(p->ctx, "__NR_PAGEFLAGS", &f->nr_pageflags))
        f->nr_pageflags = 0;
    f->page_buddy_list = HAS_MEMBER(p, "struct page", "buddy_list");
}

static void decide_tasks(const struct feature_probe *p, struct kernel_features *f)
{
    if (HAS_MEMBER(p, "struct task_struct", "__state"))
        f->task_state = TASK_STATE_DUNDER;
    else if (HAS_MEMBER(p, "struct task_struct", "state"))
        f->task_state = TASK_STATE_PLAIN;
    else
        f->task_state = TASK_STATE_UNKNOWN;
    f->task_cpu_in_task = HAS_MEMBER(p, "struct task_struct", "cpu");
    f->thread_list = HAS_MEMBER(p, "struct task_struct", "thread_node") && HAS_MEMBER(p, "struct signal_struct", "thread_head");
}

static enum printk_ring decide_printk(const struct feature_probe *p)
{
    if (p->has_var(p->ctx, "prb", NULL))
        return PRINTK_LOCKLESS;
    if (p->has_symbol(p->ctx, "log_buf"))
        return PRINTK_LOG_BUF;
    return PRINTK_NONE;
}

static void decide_slab(const struct feature_probe *p, struct kernel_features *f)
{
    if (HAS_MEMBER(p, "struct kmem_cache", "cpu_slab"))
        f->slab = SLAB_SLUB;
    else if (HAS_MEMBER(p, "struct kmem_cache", "cpu_cache"))
        f->slab = SLAB_SLAB;
    else if (p->has_symbol(p->ctx, "free_slob_small"))
        f->slab = SLAB_SLOB;
    else
        f->slab = SLAB_UNKNOWN;
    f->slab_struct = p->has_type(p->ctx, "struct slab");
    f->cpu_slab_owner_slab = HAS_MEMBER(p, "struct kmem_cache_cpu", "slab");
    f->freelist = features_decide_freelist(p);
}

/* The byte swap came with 5.7 (commit 1ad53d9fa3f6) and changed no type or member the DWARF
 * shows, so the release decides it; a release that cannot be read is "unknown", never a guess. */
enum freelist_ptr features_decide_freelist(const struct feature_probe *p)
{
    unsigned major, minor;
    if (!HAS_MEMBER(p, "struct kmem_cache", "random"))
        return FREELIST_PLAIN;
    if (!p->release || sscanf(p->release, "%u.%u", &major, &minor) != 2)
        return FREELIST_UNKNOWN;
    return major > 5 || (major == 5 && minor >= 7) ? FREELIST_XOR_SWAB : FREELIST_XOR;
}

static enum module_layout decide_modules(const struct feature_probe *p)
{
    for (int m = MODLAYOUT_MEM_ARRAY; m <= MODLAYOUT_MODULE_CORE; m++)
        if (HAS_MEMBER(p, "struct module", module_layouts[m].base))
            return (enum module_layout)m;
    return MODLAYOUT_NONE;
}

static enum irq_stack_vars decide_irq_stacks(const struct feature_probe *p)
{
    for (int i = IRQSTACK_PCPU_HOT; i <= IRQSTACK_CTX; i++) {
        const struct irq_stack_names *c = &irq_stack_vars[i];
        if (c->var ? p->has_var(p->ctx, c->var, c->hard) : p->has_var(p->ctx, c->hard, NULL))
            return (enum irq_stack_vars)i;
    }
    return IRQSTACK_NONE;
}

void features_resolve(struct kernel_features *f, const struct feature_probe *p)
{
    memset(f, 0, sizeof *f);
    f->vmas = decide_vmas(p);
    decide_rss(p, f);
    decide_pages(p, f);
    decide_tasks(p, f);
    f->printk = decide_printk(p);
    decide_slab(p, f);
    f->modules = decide_modules(p);
    f->irq_stacks = decide_irq_stacks(p);
#ifdef KSLEUTH_TEST_HOOKS
    /* Mutation tests only: a build for tests flips an answer to prove the truth tests notice. */
    const char *spec = getenv("KSLEUTH_FEATURE_OVERRIDE");
    if (spec && features_override(f, spec)) {
        fprintf(stderr, "KSLEUTH_FEATURE_OVERRIDE: cannot apply \"%s\"\n", spec);
        exit(2);
    }
#endif
}

/* ---- the dump's own word ---- */

static bool vmci_has(const char *vmci, const char *key)
{
    char v[64];
    return vmcoreinfo_value(vmci, key, v, sizeof v);
}

/* What VMCOREINFO says of one answer: adopted where the vmlinux had none, else it must agree. */
static int agree(int *answer, int unknown, int said, const char *what, char *why, size_t whysz)
{
    if (said == unknown)
        return 0;
    if (*answer == unknown)
        *answer = said;
    if (*answer == said)
        return 0;
    snprintf(why, whysz, "the vmlinux and the dump's VMCOREINFO disagree on the %s", what);
    return -1;
}

int features_check_vmcoreinfo(struct kernel_features *f, const char *vmci, char *why, size_t whysz)
{
    if (!vmci)
        return 0;
    int model = vmci_has(vmci, "SYMBOL(mem_section)") ? MEMMODEL_SPARSEMEM
                : vmci_has(vmci, "SYMBOL(mem_map)")   ? MEMMODEL_FLATMEM
                                                      : MEMMODEL_UNKNOWN;
    int ring = vmci_has(vmci, "SYMBOL(prb)") ? PRINTK_LOCKLESS : vmci_has(vmci, "SYMBOL(log_buf)") ? PRINTK_LOG_BUF : PRINTK_NONE;
    int mm = (int)f->memmodel, pr = (int)f->printk;
    if (agree(&mm, MEMMODEL_UNKNOWN, model, "memory model", why, whysz) ||
        agree(&pr, PRINTK_NONE, ring, "printk ring", why, whysz))
        return -1;
    f->memmodel = (enum mem_model)mm;
    f->printk = (enum printk_ring)pr;
    uint64_t pg_slab;
    if (vmcoreinfo_number(vmci, "NUMBER(PG_slab)", &pg_slab) && f->pg_slab >= 0 && (int64_t)pg_slab != f->pg_slab) {
        snprintf(why, whysz, "the vmlinux's PG_slab is bit %lld, the dump's VMCOREINFO says %llu", (long long)f->pg_slab,
                 (unsigned long long)pg_slab);
        return -1;
    }
    f->vmcoreinfo_agrees = true;
    return 0;
}

/* ---- names: for people, for programs, and for overrides ---- */

struct enum_feature {
    const char *label, *key;
    size_t offset;        /* of the enum in struct kernel_features */
    const char *names[5]; /* JSON value, by enumerator */
    const char *shown[5]; /* text, by enumerator */
};

#define FEATURE_AT(field) offsetof(struct kernel_features, field)

static const struct enum_feature enum_features[] = {
    {"VMAS",
     "vma_container",
     FEATURE_AT(vmas),
     {"unknown", "maple_tree", "list"},
     {"unknown (mm_struct has neither mm_mt nor mmap)", "maple tree (mm_struct.mm_mt)", "vm_next list (mm_struct.mmap)"}},
    {"RSS",
     "rss_counters",
     FEATURE_AT(rss),
     {"unknown", "atomic_array", "percpu"},
     {"unknown (no mm_struct.rss_stat)", "mm_struct.rss_stat.count[] (atomic_long_t)", "mm_struct.rss_stat[] (percpu_counter)"}},
    {"MEMORY_MODEL",
     "memory_model",
     FEATURE_AT(memmodel),
     {"unknown", "flatmem", "sparsemem"},
     {"unknown (neither mem_map nor mem_section)", "FLATMEM (mem_map)", "SPARSEMEM (mem_section)"}},
    {"PAGE_BUDDY", "buddy_mark", FEATURE_AT(buddy), {"page_type", "mapcount"}, {"page.page_type", "page._mapcount == -128"}},
    {"TASK_STATE",
     "task_state",
     FEATURE_AT(task_state),
     {"unknown", "__state", "state"},
     {"unknown (task_struct has neither __state nor state)", "task_struct.__state", "task_struct.state"}},
    {"PRINTK",
     "printk_ring",
     FEATURE_AT(printk),
     {"none", "lockless", "log_buf"},
     {"none found", "lockless ring (prb)", "log_buf records (not read)"}},
    {"SLAB",
     "slab_allocator",
     FEATURE_AT(slab),
     {"unknown", "slub", "slab", "slob"},
     {"unknown", "SLUB (kmem_cache.cpu_slab)", "SLAB (kmem_cache.cpu_cache; not read)", "SLOB (not read)"}},
    {"FREELIST",
     "freelist_ptr",
     FEATURE_AT(freelist),
     {"unknown", "plain", "xor", "xor_swab"},
     {"hardened, encoding unknown (release unreadable)", "plain pointers", "hardened: ptr ^ random ^ address",
      "hardened: ptr ^ random ^ swab(address) (5.7+)"}},
    {"MODULES",
     "module_layout",
     FEATURE_AT(modules),
     {"none", "mem_array", "core_layout", "module_core"},
     {"none (no struct module)", "module.mem[]", "module.core_layout", "module.module_core"}},
    {"IRQ_STACKS",
     "irq_stacks",
     FEATURE_AT(irq_stacks),
     {"none", "pcpu_hot", "hardirq_stack_ptr", "hardirq_stack", "hardirq_ctx"},
     {"none found", "pcpu_hot.hardirq_stack_ptr, .softirq_stack_ptr", "hardirq_stack_ptr, softirq_stack_ptr",
      "hardirq_stack, softirq_stack", "hardirq_ctx, softirq_ctx"}},
};

static int *enum_field(struct kernel_features *f, const struct enum_feature *e)
{
    return (int *)((char *)f + e->offset);
}

static int enum_value(const struct kernel_features *f, const struct enum_feature *e)
{
    return *(const int *)((const char *)f + e->offset);
}

/* One "key=value" of an override. */
static int override_one(struct kernel_features *f, const char *key, const char *value)
{
    for (size_t i = 0; i < ARRAY_SIZE(enum_features); i++) {
        const struct enum_feature *e = &enum_features[i];
        if (strcmp(e->key, key))
            continue;
        for (int v = 0; v < 5 && e->names[v]; v++)
            if (!strcmp(e->names[v], value)) {
                *enum_field(f, e) = v;
                return 0;
            }
    }
    return -1;
}

int features_override(struct kernel_features *f, const char *spec)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            return -1;
        *eq = 0;
        if (override_one(f, item, eq + 1))
            return -1;
    }
    return 0;
}

static struct feature_line *add_line(struct feature_line *l, const char *label, const char *key, enum feature_kind kind)
{
    memset(l, 0, sizeof *l);
    l->label = label;
    l->key = key;
    l->kind = kind;
    return l;
}

size_t features_describe(const struct kernel_features *f, struct feature_line *out)
{
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(enum_features); i++) {
        const struct enum_feature *e = &enum_features[i];
        struct feature_line *l = add_line(&out[n++], e->label, e->key, FEATURE_NAME);
        l->name = e->names[enum_value(f, e)];
        snprintf(l->shown, sizeof l->shown, "%s", e->shown[enum_value(f, e)]);
    }
    struct feature_line *l = add_line(&out[n++], "RSS_DELTAS", "rss_task_deltas", FEATURE_BOOL);
    l->n = f->rss_task_deltas;
    snprintf(l->shown, sizeof l->shown, "%s", f->rss_task_deltas ? "task_struct.rss_stat (not added: /proc does not)" : "none");
    l = add_line(&out[n++], "PG_SLAB", "pg_slab_bit", FEATURE_INT);
    l->n = f->pg_slab;
    snprintf(l->shown, sizeof l->shown, "bit %lld of page.flags (of %lld)", (long long)f->pg_slab, (long long)f->nr_pageflags);
    l = add_line(&out[n++], "SLAB_PAGES", "slab_pages", FEATURE_NAME);
    l->name = f->slab_struct ? "struct slab" : "struct page";
    snprintf(l->shown, sizeof l->shown, "%s, per-CPU owner kmem_cache_cpu.%s", l->name, f->cpu_slab_owner_slab ? "slab" : "page");
    l = add_line(&out[n++], "TASK_CPU", "task_cpu", FEATURE_NAME);
    l->name = f->task_cpu_in_task ? "task_struct.cpu" : "thread_info.cpu";
    snprintf(l->shown, sizeof l->shown, "%s", l->name);
    l = add_line(&out[n++], "THREADS", "thread_list", FEATURE_BOOL);
    l->n = f->thread_list;
    snprintf(l->shown, sizeof l->shown, "%s",
             f->thread_list ? "signal_struct.thread_head, task_struct.thread_node" : "leaders only");
    l = add_line(&out[n++], "FREE_LISTS", "free_list_link", FEATURE_NAME);
    l->name = f->page_buddy_list ? "buddy_list" : "lru";
    snprintf(l->shown, sizeof l->shown, "linked through page.%s", l->name);
    l = add_line(&out[n++], "VMCOREINFO", "vmcoreinfo_agrees", FEATURE_BOOL);
    l->n = f->vmcoreinfo_agrees;
    snprintf(l->shown, sizeof l->shown, "%s",
             f->vmcoreinfo_agrees ? "agrees (memory model, printk ring, PG_slab)" : "none in the dump to compare");
    return n;
}

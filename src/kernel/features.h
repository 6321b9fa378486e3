/*
 * features: how ksleuth reads this kernel, decided once when the dump is opened.
 *
 * Every difference between kernel generations and configurations that ksleuth depends on is
 * answered here, from what the vmlinux's DWARF and symbol table show (never from a version
 * number), and kept in `struct kernel_features`. Code elsewhere reads the answers instead of
 * probing members again, so each decision has one place, one name, and one test
 * (tests/unit/test_features.c). "This kernel has none" is an answer too, kept like the others.
 *
 * The resolver sees the kernel only through `struct feature_probe`, so a unit test can hand it a
 * synthetic kernel: the real DWARF of one generation with the members another generation has.
 */
#ifndef KS_FEATURES_H
#define KS_FEATURES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symtab;
struct kdwarf;

/* Where a process's VMAs hang: the maple tree mm->mm_mt (6.1+) or the mm->mmap / vm_next list. */
enum vma_container { VMAS_UNKNOWN, VMAS_MAPLE_TREE, VMAS_LIST };

/* The mm's RSS counters: mm->rss_stat.count[i] (atomic_long_t, before 6.2) or
 * mm->rss_stat[i] (struct percpu_counter, 6.2+; /proc reads its .count). */
enum rss_counters { RSS_UNKNOWN, RSS_ATOMIC_ARRAY, RSS_PERCPU };

enum mem_model { MEMMODEL_UNKNOWN, MEMMODEL_FLATMEM, MEMMODEL_SPARSEMEM };

/* How a free buddy page is marked: page_type (4.18+) or _mapcount == -128. */
enum buddy_mark { BUDDY_MARK_PAGE_TYPE, BUDDY_MARK_MAPCOUNT };

/* task_struct.__state (5.14+) or .state. */
enum task_state_field { TASK_STATE_UNKNOWN, TASK_STATE_DUNDER, TASK_STATE_PLAIN };

/* The lockless printk ring `prb` (5.10+) or the older `log_buf` records (not read). */
enum printk_ring { PRINTK_NONE, PRINTK_LOCKLESS, PRINTK_LOG_BUF };

enum slab_allocator { SLAB_UNKNOWN, SLAB_SLUB, SLAB_SLAB, SLAB_SLOB };

/* How SLUB stores a free object's next pointer: as is, or (CONFIG_SLAB_FREELIST_HARDENED,
 * kmem_cache.random) XORed with the cache's random and the pointer's own address, byte-swapped
 * since 5.7 (mm/slub.c freelist_ptr()). The swap leaves no trace in the DWARF, so that one
 * answer comes from the release; unknown: hardened, and the release cannot be read. */
enum freelist_ptr { FREELIST_UNKNOWN, FREELIST_PLAIN, FREELIST_XOR, FREELIST_XOR_SWAB };

/* Where struct module says a module's core lies: mem[MOD_TEXT] (6.4+), core_layout (4.5-6.3),
 * module_core/core_size (older); none: a kernel built without modules. */
enum module_layout { MODLAYOUT_NONE, MODLAYOUT_MEM_ARRAY, MODLAYOUT_CORE_LAYOUT, MODLAYOUT_MODULE_CORE };

/* The per-CPU variables pointing at a CPU's IRQ stacks (arch/x86/kernel/irq_32.c's generations). */
enum irq_stack_vars { IRQSTACK_NONE, IRQSTACK_PCPU_HOT, IRQSTACK_STACK_PTR, IRQSTACK_STACK, IRQSTACK_CTX };

struct kernel_features {
    enum vma_container vmas;
    enum rss_counters rss;
    bool rss_task_deltas; /* task_struct.rss_stat: per-thread deltas (SPLIT_RSS_COUNTING), not in /proc's VmRSS */
    int64_t rss_index[3]; /* MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES; -1: no such enumerator */
    enum mem_model memmodel;
    enum buddy_mark buddy;
    int64_t pg_slab;      /* PG_slab's bit, -1: none */
    int64_t nr_pageflags; /* __NR_PAGEFLAGS, 0: unknown */
    bool page_buddy_list; /* free pages link through page.buddy_list (5.19+), else page.lru */
    enum task_state_field task_state;
    bool task_cpu_in_task; /* task_struct.cpu, else thread_info.cpu */
    bool thread_list;      /* signal->thread_head + task->thread_node (3.14+), else the leader alone */
    enum printk_ring printk;
    enum slab_allocator slab;
    bool slab_struct;         /* struct slab (5.17+), else slabs are struct page */
    bool cpu_slab_owner_slab; /* kmem_cache_cpu.slab, else .page */
    enum freelist_ptr freelist;
    enum module_layout modules;
    enum irq_stack_vars irq_stacks;
    bool vmcoreinfo_agrees; /* the dump's VMCOREINFO was compared and agreed (features_check_vmcoreinfo) */
};

/* What the resolver may ask of a kernel: existence only, no dump memory. */
struct feature_probe {
    void *ctx;
    bool (*has_type)(void *ctx, const char *type);
    bool (*has_member)(void *ctx, const char *type, const char *path);
    bool (*has_symbol)(void *ctx, const char *name);
    bool (*has_var)(void *ctx, const char *var, const char *path); /* a variable with DWARF type and symbol */
    bool (*enumerator)(void *ctx, const char *name, int64_t *value);
    const char *release; /* linux_banner's "5.15.0", NULL: unknown; only for what the DWARF cannot say */
    char release_text[65]; /* where a vmlinux probe keeps it */
};

/* The probe of a vmlinux: its symbol table and DWARF. ctx must point at a struct features_vmlinux.
 * The probe's release is the vmlinux's own linux_banner's. */
struct features_vmlinux {
    const struct symtab *syms;
    struct kdwarf *dwarf;
};
void features_vmlinux_probe(struct features_vmlinux *v, struct feature_probe *p);
/* The freelist encoding alone, from the probe (tests hand it a release). */
enum freelist_ptr features_decide_freelist(const struct feature_probe *p);

/* Fill f from the probe's answers. Test builds (KSLEUTH_TEST_HOOKS) then apply
 * $KSLEUTH_FEATURE_OVERRIDE ("vmas=list,rss=percpu,task_state=state"): the mutation tests. */
void features_resolve(struct kernel_features *f, const struct feature_probe *p);
/* The dump's own VMCOREINFO (text, or NULL) against the vmlinux's answers: the memory model
 * (SYMBOL(mem_section) / SYMBOL(mem_map)), the printk ring (SYMBOL(prb) / SYMBOL(log_buf)) and
 * NUMBER(PG_slab). An answer the vmlinux could not give is taken from it; a disagreement is -1
 * with why (a vmlinux of another build). */
int features_check_vmcoreinfo(struct kernel_features *f, const char *vmcoreinfo, char *why, size_t whysz);
/* Apply "name=value,..." to f; -1 for a name or value it does not know. For tests. */
int features_override(struct kernel_features *f, const char *spec);

/* The member and variable names behind two answers, kept beside the decision. */
struct module_layout_names {
    const char *base, *size, *text_size; /* member paths in struct module; text_size NULL: all text */
};
const struct module_layout_names *features_module_layout(const struct kernel_features *f); /* NULL: none */
struct irq_stack_names {
    const char *var, *hard, *soft; /* hard/soft: member paths inside var, or the variables themselves */
};
const struct irq_stack_names *features_irq_stacks(const struct kernel_features *f); /* NULL: none */
/* The task_struct member holding the state. */
const char *features_task_state_member(const struct kernel_features *f);

/* One resolved answer, for sys -f and sys --json: a label for people, a key and a value for
 * programs (a name, a yes/no or a number), and what people read (value and evidence). */
enum feature_kind { FEATURE_NAME, FEATURE_BOOL, FEATURE_INT };
struct feature_line {
    const char *label; /* text: "VMAS" */
    const char *key;   /* JSON: "vma_container" */
    enum feature_kind kind;
    const char *name; /* FEATURE_NAME: "maple_tree" */
    int64_t n;        /* FEATURE_BOOL (0/1), FEATURE_INT */
    char shown[96];   /* text: "maple tree (mm_struct.mm_mt)" */
};
/* The answers in display order; returns how many (at most FEATURE_LINES_MAX). */
#define FEATURE_LINES_MAX 20
size_t features_describe(const struct kernel_features *f, struct feature_line *out);

#endif

/* kmem -V: the kernel's global vm counters by their enum names, as crash lays them out:
 * VM_ZONE_STAT (vm_zone_stat[], enum zone_stat_item), VM_NODE_STAT (vm_node_stat[], enum
 * node_stat_item), VM_NUMA_STAT where the kernel has it, and VM_EVENT_STATES (the per-CPU
 * vm_event_states summed over the dump's CPUs, as all_vm_events() does). */
#include <inttypes.h>
#include <string.h>

#include "../mm/task.h"
#include "kmem.h"

static const struct column group_cols[] = {
    COL_LIST("vm_zone_stat"),
    COL_LIST("vm_node_stat"),
    COL_LIST("vm_numa_stat"),
    COL_LIST("vm_event_states"),
};

static const struct column counter_cols[] = {
    COL_S("", "name", 0, 26),
    COL_U(": ", "value", 0, 0),
};

/* The arrays and the enums naming their slots; the sizes are the enums' NR_ items. */
static const struct vm_group {
    const char *title, *key, *var, *type, *nr;
    bool per_cpu; /* one array per CPU, to be summed */
} groups[] = {
    {"VM_ZONE_STAT", "vm_zone_stat", "vm_zone_stat", "enum zone_stat_item", "NR_VM_ZONE_STAT_ITEMS", false},
    {"VM_NODE_STAT", "vm_node_stat", "vm_node_stat", "enum node_stat_item", "NR_VM_NODE_STAT_ITEMS", false},
    {"VM_NUMA_STAT", "vm_numa_stat", "vm_numa_event", "enum numa_stat_item", "NR_VM_NUMA_EVENT_ITEMS", false},
    {"VM_EVENT_STATES", "vm_event_states", "vm_event_states", "enum vm_event_item", "NR_VM_EVENT_ITEMS", true},
};

/* One counter: the global word (atomic_long_t, an element per word), or the sum of every CPU's. */
static int read_counter(struct kernel *k, const struct vm_group *g, uint64_t base, uint64_t slot, uint64_t *v, ks_err *err)
{
    uint64_t stride = k->arch->word_size;
    uint64_t sign = 1ull << (8 * stride - 1);
    if (!g->per_cpu) {
        if (kread_ulong(k, base + stride * slot, v, err))
            return -1;
        *v = *v & sign ? 0 : *v; /* a transiently negative counter, shown as 0 like the kernel's global_page_state */
        return 0;
    }
    uint64_t sum = 0, cpu_base, one;
    for (unsigned cpu = 0; cpu < dump_cpus(k); cpu++) {
        if (kper_cpu_ptr(k, base, cpu, &cpu_base, err) || kread_ulong(k, cpu_base + stride * slot, &one, err))
            return -1;
        sum += one;
    }
    *v = sum & arch_word_mask(k->arch); /* an unsigned long's wrap */
    return 0;
}

/* atomic_long_t counters: signed, one word each; a value below zero (per-CPU drift not yet
 * folded in) reads as 0, as global_zone_page_state() clamps it. */
static int show_group(struct kernel *k, struct table *t, const struct vm_group *g, ks_err *err)
{
    struct ktype *e = kt_strip(kdwarf_type(k->dwarf, g->type));
    int64_t nr = 0;
    uint64_t base;
    if (!e || !kdwarf_enumerator(k->dwarf, g->nr, &nr) || !ksym_has(k, g->var))
        return 0; /* this kernel has no such counters */
    if (ksym_addr(k, g->var, &base, err))
        return -1;
    struct table p;
    table_text(t, "  %s:\n", g->title);
    pairs_begin_in(t, &p, g->key, counter_cols);
    table_set_style(&p, STYLE_LABELS);
    for (unsigned i = 0; i < e->nenums; i++) {
        uint64_t v;
        int64_t slot = e->enums[i].value;
        /* An alias (NR_ZONE_LRU_BASE = NR_ZONE_INACTIVE_ANON) yields to the name after it. */
        bool alias = i + 1 < e->nenums && e->enums[i + 1].value == slot;
        if (slot < 0 || slot >= nr || alias)
            continue;
        if (read_counter(k, g, base, (uint64_t)slot, &v, err))
            return table_end(&p, -1);
        put_pair_u(&p, e->enums[i].name, v);
    }
    table_text(&p, "\n");
    return table_end(&p, 0);
}

int kmem_vmstat(struct session *s, const char *cmd)
{
    struct table r;
    ks_err err;
    int rc = 0;
    record_begin(s, &r, group_cols);
    for (size_t i = 0; i < ARRAY_SIZE(groups) && !rc; i++)
        rc = show_group(&s->k, &r, &groups[i], &err);
    return record_end(&r, rc) ? cmd_fail_err(s, cmd, &err) : 0;
}

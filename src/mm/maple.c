#include "maple.h"

#include <stdio.h>
#include <string.h>

#define MAPLE_NODE_MASK 0xFFull
#define MAPLE_NODE_TYPE_SHIFT 3
#define MAPLE_NODE_TYPE_MASK 0xFull
#define MAPLE_HEIGHT_MAX 31

struct node_layout {
    uint64_t pivot_off, slot_off, meta_off, size;
    unsigned npivots, nslots;
};

struct mt_walk {
    struct kernel *k;
    struct node_layout range, arange;
    int64_t leaf_64, range_64, arange_64;
    unsigned nodes;
    int (*fn)(struct kernel *, uint64_t, void *);
    int (*range_fn)(struct kernel *, uint64_t first, uint64_t last, uint64_t entry, void *);
    void *arg;
    ks_err *err;
    int stop;
};

static int layout_of(struct kernel *k, const char *type, struct node_layout *l, ks_err *err)
{
    /* Through the kernel's member cache: every tree walk and every find_vma asks again. */
    const struct member_ref *piv = kmember_ref(k, type, "pivot", err), *slot = piv ? kmember_ref(k, type, "slot", err) : NULL,
                            *meta = slot ? kmember_ref(k, type, "meta", err) : NULL;
    if (!meta) return -1;
    l->pivot_off = piv->offset;
    l->slot_off = slot->offset;
    l->meta_off = meta->offset;
    struct ktype *pt = kt_strip(piv->type), *st = kt_strip(slot->type);
    if (!pt || !st || pt->kind != KT_ARRAY || st->kind != KT_ARRAY) return ks_fail(err, "%s pivots/slots are not arrays", type);
    l->npivots = (unsigned)pt->count;
    l->nslots = (unsigned)st->count;
    l->size = ktype_size(k, type);
    return 0;
}

static int setup(struct mt_walk *w, ks_err *err)
{
    struct kernel *k = w->k;
    if (layout_of(k, "struct maple_range_64", &w->range, err) || layout_of(k, "struct maple_arange_64", &w->arange, err)) return -1;
    if (!kdwarf_enumerator(k->dwarf, "maple_leaf_64", &w->leaf_64) || !kdwarf_enumerator(k->dwarf, "maple_range_64", &w->range_64) ||
        !kdwarf_enumerator(k->dwarf, "maple_arange_64", &w->arange_64))
        return ks_fail_kind(err, KS_E_NO_TYPE, "no enum maple_type in the DWARF");
    return 0;
}

/* Pivots are unsigned longs and slots pointers: word i of the array at off, in the arch's word size. */
static uint64_t node_word(const struct kernel *k, const uint8_t *node, uint64_t off, unsigned i)
{
    return arch_word(k->arch, node + off + (uint64_t)k->arch->word_size * i);
}

/* Last used slot, as ma_data_end() decides it. */
static unsigned data_end(const struct kernel *k, const struct node_layout *l, const uint8_t *node, bool arange, uint64_t max)
{
    unsigned meta_end = node[l->meta_off];
    if (arange) return meta_end;
    unsigned last = l->npivots - 1;
    uint64_t piv = node_word(k, node, l->pivot_off, last);
    if (piv == 0) return meta_end;
    if (piv == max) return last;
    return l->npivots;
}

static int visit_leaf_entry(struct mt_walk *w, uint64_t first, uint64_t last, uint64_t entry)
{
    return w->range_fn ? w->range_fn(w->k, first, last, entry, w->arg) : w->fn(w->k, entry, w->arg);
}

static int walk_node(struct mt_walk *w, uint64_t enode, uint64_t min, uint64_t max, unsigned depth)
{
    struct kernel *k = w->k;
    if (depth > MAPLE_HEIGHT_MAX)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "maple tree deeper than %d levels: corrupt", MAPLE_HEIGHT_MAX);
    if (++w->nodes > MAPLE_MAX_NODES)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "maple tree has more than %u nodes: corrupt", MAPLE_MAX_NODES);
    int64_t type = (int64_t)((enode >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK);
    bool leaf = type == w->leaf_64, arange = type == w->arange_64;
    if (!leaf && !arange && type != w->range_64)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "maple node %#llx has unknown type %lld", (unsigned long long)enode,
                            (long long)type);
    const struct node_layout *l = arange ? &w->arange : &w->range;
    uint64_t addr = enode & ~MAPLE_NODE_MASK;
    uint8_t node[512];
    if (l->size > sizeof node || kread(k, addr, node, (size_t)l->size, w->err)) return -1;
    if (arch_word(k->arch, node) == addr)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "maple node %#llx is dead (freed while in the tree?)",
                            (unsigned long long)addr);
    unsigned end = data_end(k, l, node, arange, max);
    if (end >= l->nslots) end = l->nslots - 1;
    for (unsigned i = 0; i <= end; i++) {
        uint64_t slot = node_word(k, node, l->slot_off, i);
        /* Slot i covers up to pivot[i]; the last used slot reaches the node's own max. */
        uint64_t slot_max = i < end && i < l->npivots ? node_word(k, node, l->pivot_off, i) : max;
        uint64_t slot_min = min;
        min = slot_max + 1;
        if (!slot) continue;
        if (leaf) {
            if ((w->stop = visit_leaf_entry(w, slot_min, slot_max, slot))) return w->stop < 0 ? -1 : 0;
        } else if (walk_node(w, slot, slot_min, slot_max, depth + 1) || w->stop) {
            return w->stop > 0 ? 0 : -1;
        }
    }
    return 0;
}

int mt_load(struct kernel *k, uint64_t tree, uint64_t index, uint64_t *entry, ks_err *err)
{
    struct mt_walk w = { .k = k, .err = err };
    uint64_t enode, max = arch_word_mask(k->arch);   /* ULONG_MAX */
    *entry = 0;
    if (setup(&w, err) || kread_member(k, tree, "struct maple_tree", "ma_root", &enode, err)) return -1;
    if (!enode) return 0;
    if (!((enode & 3) == 2 && enode > 4096)) { *entry = index == 0 ? enode : 0; return 0; }   /* single entry at 0 */
    for (unsigned depth = 0; depth <= MAPLE_HEIGHT_MAX; depth++) {
        int64_t type = (int64_t)((enode >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK);
        bool leaf = type == w.leaf_64, arange = type == w.arange_64;
        if (!leaf && !arange && type != w.range_64)
            return ks_fail_kind(err, KS_E_CORRUPT, "maple node %#llx has unknown type %lld", (unsigned long long)enode,
                                (long long)type);
        const struct node_layout *l = arange ? &w.arange : &w.range;
        uint8_t node[512];
        uint64_t addr = enode & ~MAPLE_NODE_MASK;
        if (l->size > sizeof node || kread(k, addr, node, (size_t)l->size, err)) return -1;
        unsigned end = KS_MIN(data_end(k, l, node, arange, max), l->nslots - 1), i = 0;
        uint64_t piv = max;
        for (; i <= end; i++) {   /* the first slot whose pivot reaches index */
            piv = i < end && i < l->npivots ? node_word(k, node, l->pivot_off, i) : max;
            if (index <= piv) break;
        }
        if (i > end) return 0;
        uint64_t slot = node_word(k, node, l->slot_off, i);
        if (leaf) { *entry = slot; return 0; }
        if (!slot) return 0;
        enode = slot;
        max = piv;
    }
    return ks_fail_kind(err, KS_E_CORRUPT, "maple tree deeper than %d levels: corrupt", MAPLE_HEIGHT_MAX);
}

static int walk_tree(struct mt_walk *w, uint64_t tree, ks_err *err)
{
    uint64_t root;
    if (setup(w, err) || kread_member(w->k, tree, "struct maple_tree", "ma_root", &root, err)) return -1;
    if (!root) return 0;
    bool is_node = (root & 3) == 2 && root > 4096;      /* xa_is_node() */
    if (!is_node) return visit_leaf_entry(w, 0, 0, root) < 0 ? -1 : 0;  /* a single entry kept in the root, for index 0 */
    return walk_node(w, root, 0, arch_word_mask(w->k->arch), 0);
}

int mt_for_each(struct kernel *k, uint64_t tree, int (*fn)(struct kernel *, uint64_t, void *), void *arg, ks_err *err)
{
    struct mt_walk w = { .k = k, .fn = fn, .arg = arg, .err = err };
    return walk_tree(&w, tree, err);
}

int mt_for_each_range(struct kernel *k, uint64_t tree, int (*fn)(struct kernel *, uint64_t, uint64_t, uint64_t, void *), void *arg,
                      ks_err *err)
{
    struct mt_walk w = { .k = k, .range_fn = fn, .arg = arg, .err = err };
    return walk_tree(&w, tree, err);
}

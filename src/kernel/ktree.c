/* Red-black trees and XArrays over a dump (see ktree.h). */
#include "ktree.h"

#include <stdlib.h>

#include "../util/u64set.h"

/* A red-black tree of 2^32 nodes is at most 64 levels deep. */
#define RB_MAX_DEPTH 128

struct rb_layout {
    uint64_t root_node, left, right;
};

static int rb_layout_of(struct kernel *k, struct rb_layout *l, ks_err *err)
{
    if (kmember_off(k, "struct rb_root", "rb_node", &l->root_node, err) ||
        kmember_off(k, "struct rb_node", "rb_left", &l->left, err) ||
        kmember_off(k, "struct rb_node", "rb_right", &l->right, err))
        return -1;
    return 0;
}

struct rb_walk {
    struct kernel *k;
    struct rb_layout l;
    uint64_t stack[RB_MAX_DEPTH];
    unsigned depth, visited;
    struct u64set seen;
    ks_err *err;
};

/* Push node and its left spine: the next nodes in key order are on top. */
static int push_left(struct rb_walk *w, uint64_t node)
{
    while (node) {
        if (w->depth == RB_MAX_DEPTH)
            return ks_fail(w->err, "red-black tree deeper than %d levels: corrupt", RB_MAX_DEPTH);
        if (!u64set_add(&w->seen, node))
            return ks_fail(w->err, "red-black tree loops: node %#llx is reached twice", (unsigned long long)node);
        w->stack[w->depth++] = node;
        if (kread_ulong(w->k, node + w->l.left, &node, w->err))
            return -1;
    }
    return 0;
}

int rbtree_for_each(struct kernel *k, uint64_t root, int (*fn)(struct kernel *k, uint64_t node, void *arg), void *arg,
                    ks_err *err)
{
    struct rb_walk *w = xcalloc(1, sizeof *w);
    w->k = k;
    w->err = err;
    u64set_init(&w->seen);
    uint64_t node = 0;
    int rc = rb_layout_of(k, &w->l, err);
    if (!rc)
        rc = kread_ulong(k, root + w->l.root_node, &node, err);
    if (!rc)
        rc = push_left(w, node);
    while (!rc && w->depth) {
        node = w->stack[--w->depth];
        if (++w->visited > KTREE_MAX_NODES) {
            rc = ks_fail(err, "red-black tree has more than %u nodes: corrupt", KTREE_MAX_NODES);
            break;
        }
        rc = fn(k, node, arg);
        if (rc)
            break;
        uint64_t right;
        rc = kread_ulong(k, node + w->l.right, &right, err);
        if (!rc)
            rc = push_left(w, right);
    }
    u64set_free(&w->seen);
    free(w);
    return rc < 0 ? -1 : 0;
}

/* ---- XArray ---- */

/* The entry encodings of include/linux/xarray.h. */
static bool xa_is_value(uint64_t e)
{
    return e & 1;
}

static bool xa_is_internal(uint64_t e)
{
    return (e & 3) == 2;
}

static bool xa_is_node(uint64_t e)
{
    return xa_is_internal(e) && e > 4096;
}

struct xa_walk {
    struct kernel *k;
    uint64_t shift_off, slots_off, slot_size;
    unsigned nslots;
    unsigned nodes;
    int (*fn)(struct kernel *k, const struct xa_entry *e, void *arg);
    void *arg;
    ks_err *err;
};

static int xa_layout_of(struct xa_walk *w)
{
    const struct member_ref *slots = kmember_ref(w->k, "struct xa_node", "slots", w->err);
    if (!slots || kmember_off(w->k, "struct xa_node", "shift", &w->shift_off, w->err))
        return -1;
    struct ktype *t = kt_strip(slots->type);
    if (!t || t->kind != KT_ARRAY || !t->count || t->count > 256)
        return ks_fail(w->err, "struct xa_node's slots are not an array of up to 256");
    w->slots_off = slots->offset;
    w->nslots = (unsigned)t->count;
    w->slot_size = kt_size(t->target);
    if (w->slot_size != 4 && w->slot_size != 8)
        return ks_fail(w->err, "struct xa_node's slots are %llu bytes wide", (unsigned long long)w->slot_size);
    return 0;
}

static int report(struct xa_walk *w, uint64_t index, uint64_t e)
{
    struct xa_entry x = {.index = index, .entry = xa_is_value(e) ? e >> 1 : e, .is_value = xa_is_value(e)};
    return w->fn(w->k, &x, w->arg);
}

/* A node: its slots in index order, descending into child nodes (whose shift must be smaller). */
static int walk_xa_node(struct xa_walk *w, uint64_t node, uint64_t base, unsigned parent_shift)
{
    uint8_t shift;
    if (++w->nodes > KTREE_MAX_NODES)
        return ks_fail(w->err, "XArray has more than %u nodes: corrupt", KTREE_MAX_NODES);
    if (kread(w->k, node + w->shift_off, &shift, 1, w->err))
        return -1;
    if (shift >= parent_shift || shift >= 64)
        return ks_fail(w->err, "XArray node %#llx has shift %u under a parent of shift %u: corrupt", (unsigned long long)node,
                       shift, parent_shift);
    for (unsigned i = 0; i < w->nslots; i++) {
        uint64_t e;
        if (kread_ulong(w->k, node + w->slots_off + w->slot_size * i, &e, w->err))
            return -1;
        uint64_t index = base + ((uint64_t)i << shift);
        int rc = 0;
        if (xa_is_node(e))
            rc = shift ? walk_xa_node(w, e - 2, index, shift)
                       : ks_fail(w->err, "XArray leaf %#llx holds a node", (unsigned long long)node);
        else if (e && !xa_is_internal(e))
            rc = report(w, index, e);
        if (rc)
            return rc;
    }
    return 0;
}

int xa_for_each(struct kernel *k, uint64_t xa, int (*fn)(struct kernel *k, const struct xa_entry *e, void *arg), void *arg,
                ks_err *err)
{
    struct xa_walk w = {.k = k, .fn = fn, .arg = arg, .err = err};
    uint64_t head;
    if (xa_layout_of(&w) || kread_member(k, xa, "struct xarray", "xa_head", &head, err))
        return -1;
    int rc = 0;
    if (xa_is_node(head))
        rc = walk_xa_node(&w, head - 2, 0, 64);
    else if (head && !xa_is_internal(head))
        rc = report(&w, 0, head);
    return rc < 0 ? -1 : 0;
}

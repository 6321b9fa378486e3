/*
 * ktree: the kernel's search trees read out of a dump, named after their kernel walkers:
 *  - rbtree_for_each(): a red-black tree (struct rb_root, struct rb_node) in key order, from the
 *    leftmost node, as rb_first()/rb_next() go;
 *  - xa_for_each(): an XArray (struct xarray; the radix tree is one since 4.20) in index order, each
 *    present entry with its index; value entries (xa_is_value) are given as values, internal
 *    entries (retry, zero, sibling) are skipped as xas_find() skips them.
 * Layouts come from the DWARF (rb_node's links, xa_node's shift and slots, its slot count);
 * walks are depth- and node-bounded, and a node seen twice is an error, never a hang.
 */
#ifndef KS_KTREE_H
#define KS_KTREE_H
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

#define KTREE_MAX_NODES 1000000u

/* fn gets each node's address (rb_node *) in order; it returns non-zero to stop (< 0: error). */
int rbtree_for_each(struct kernel *k, uint64_t root, int (*fn)(struct kernel *k, uint64_t node, void *arg), void *arg,
                    ks_err *err);

struct xa_entry {
    uint64_t index;
    uint64_t entry; /* the pointer stored, or the value (is_value) */
    bool is_value;
};
int xa_for_each(struct kernel *k, uint64_t xa, int (*fn)(struct kernel *k, const struct xa_entry *e, void *arg), void *arg,
                ks_err *err);

#endif

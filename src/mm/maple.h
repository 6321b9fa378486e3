/*
 * maple: reading a maple tree (lib/maple_tree.c, 6.1+) out of a dump. Node pointers carry the node
 * type in bits 3..6; a node's pivots and slots, and their counts, come from the DWARF of struct
 * maple_range_64 / maple_arange_64. The walk visits every entry of every leaf in index order, is
 * depth-bounded and counts nodes, so a cycle or a wild pointer ends it with an error.
 */
#ifndef KS_MAPLE_H
#define KS_MAPLE_H
#include <stdint.h>

#include "../kernel/kernel.h"

#define MAPLE_MAX_NODES 1000000u

/* Calls fn(entry) for every non-NULL leaf entry; fn returns non-zero to stop. */
int mt_for_each(struct kernel *k, uint64_t tree, int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err);

/* The same with each entry's index range [first, last], as mt_for_each() in lib/maple_tree.c sees it. */
int mt_for_each_range(struct kernel *k, uint64_t tree, int (*fn)(struct kernel *k, uint64_t first, uint64_t last, uint64_t entry, void *arg),
                      void *arg, ks_err *err);

/* The entry whose range holds index (mtree_load): 0 in *entry when none. Descends one node per level. */
int mt_load(struct kernel *k, uint64_t tree, uint64_t index, uint64_t *entry, ks_err *err);

#endif

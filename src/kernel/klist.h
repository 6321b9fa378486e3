/*
 * klist: walking a kernel struct list_head, as list_for_each_entry() does: from head->next to
 * head again, each entry being container_of(node, TYPE, member). Bounded by a count and by a
 * set of nodes seen, so a cycle that never returns to the head is an error, not a hang.
 */
#ifndef KS_KLIST_H
#define KS_KLIST_H
#include <stdint.h>

#include "kernel.h"

/* fn gets each entry (node - link_off); it returns 0 to go on, > 0 to stop, < 0 for an error.
 * what names the list in errors ("module list"). */
int klist_for_each(struct kernel *k, uint64_t head, uint64_t link_off, unsigned max, const char *what,
                   int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err);

#endif

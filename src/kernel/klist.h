/*
 * klist: walking a kernel struct list_head, as list_for_each_entry() does: from head->next to
 * head again, each entry being container_of(node, TYPE, member). Bounded by a count and by a
 * set of nodes seen, so a cycle that never returns to the head is an error, not a hang.
 */
#ifndef KS_KLIST_H
#define KS_KLIST_H
#include <stdint.h>

#include "kernel.h"

/* Any of the kernel's linked lists, as crash's `list` follows them:
 *  - a struct list_head standing alone (list -H): the head is no entry, the walk ends back at it;
 *  - a list_head inside an entry (list -h): the entry holding it comes first;
 *  - an hlist (hlist_head.first, hlist_node.next) or a singly linked list (a pointer to the next
 *    entry): a NULL pointer ends it.
 * Nodes are where the links are: entry = node - link_off; each node's next is at next_off (the
 * list_head's prev, for a walk backwards). Bounded by max entries and by the nodes seen. */
struct klist_spec {
    uint64_t head;      /* where the walk starts and, on coming back, ends */
    bool head_is_entry; /* the head's own entry is on the list (list -h, singly linked lists) */
    bool null_ends;     /* a NULL next ends the list (hlist, singly linked); else it is an error */
    uint64_t next_off;
    uint64_t link_off;
    unsigned max;
    const char *what; /* names the list in errors */
};
int klist_walk(struct kernel *k, const struct klist_spec *sp, int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg,
               ks_err *err);

/* fn gets each entry (node - link_off); it returns 0 to go on, > 0 to stop, < 0 for an error.
 * what names the list in errors ("module list"). */
int klist_for_each(struct kernel *k, uint64_t head, uint64_t link_off, unsigned max, const char *what,
                   int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err);

#endif

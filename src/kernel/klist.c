/* The kernel's linked lists over a dump: bounded, and cycles reported (see klist.h). */
#include "klist.h"

#include "../util/interrupt.h"
#include "../util/u64set.h"

/* The node after this one, or an error when the list breaks. */
static int next_node(struct kernel *k, const struct klist_spec *sp, uint64_t node, uint64_t *next, ks_err *err)
{
    if (kread_ulong(k, node + sp->next_off, next, err))
        return -1;
    if (!*next && !sp->null_ends)
        return ks_fail(err, "%s breaks: entry %#llx links to NULL", sp->what, (unsigned long long)(node - sp->link_off));
    return 0;
}

static int visit(struct kernel *k, const struct klist_spec *sp, struct u64set *seen, uint64_t node, unsigned n,
                 int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err)
{
    if (n == sp->max)
        return ks_fail(err, "%s does not %s after %u entries", sp->what, sp->null_ends ? "end" : "come back to its head",
                       sp->max);
    if (ks_interrupted())
        return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
    if (!u64set_add(seen, node))
        return ks_fail(err, "%s loops: entry %#llx is reached twice", sp->what, (unsigned long long)(node - sp->link_off));
    return fn(k, node - sp->link_off, arg);
}

int klist_walk(struct kernel *k, const struct klist_spec *sp, int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg,
               ks_err *err)
{
    struct u64set seen;
    u64set_init(&seen);
    uint64_t node = sp->head;
    int rc = 0;
    unsigned n = 0;
    if (sp->head_is_entry)
        rc = visit(k, sp, &seen, node, n++, fn, arg, err);
    if (!rc)
        rc = next_node(k, sp, node, &node, err);
    while (!rc && node && node != sp->head) {
        rc = visit(k, sp, &seen, node, n++, fn, arg, err);
        if (!rc)
            rc = next_node(k, sp, node, &node, err);
    }
    u64set_free(&seen);
    return rc < 0 ? -1 : 0;
}

int klist_for_each(struct kernel *k, uint64_t head, uint64_t link_off, unsigned max, const char *what,
                   int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err)
{
    struct klist_spec sp = {.head = head, .link_off = link_off, .max = max, .what = what};
    return klist_walk(k, &sp, fn, arg, err);
}

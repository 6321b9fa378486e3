/* list_for_each_entry() over a dump: bounded, and cycles reported (see klist.h). */
#include "klist.h"

#include "../util/interrupt.h"
#include "../util/u64set.h"

int klist_for_each(struct kernel *k, uint64_t head, uint64_t link_off, unsigned max, const char *what,
                   int (*fn)(struct kernel *k, uint64_t entry, void *arg), void *arg, ks_err *err)
{
    uint64_t node;
    if (kread_ulong(k, head, &node, err))
        return -1;
    struct u64set seen;
    u64set_init(&seen);
    int rc = 0;
    for (unsigned n = 0; node != head; n++) {
        if (n == max) {
            rc = ks_fail(err, "%s does not come back to its head after %u entries", what, max);
            break;
        }
        if (ks_interrupted()) {
            rc = ks_fail(err, "interrupted");
            break;
        }
        if (!u64set_add(&seen, node)) {
            rc = ks_fail(err, "%s loops: entry %#llx is reached twice", what, (unsigned long long)(node - link_off));
            break;
        }
        int stop = fn(k, node - link_off, arg);
        if (stop) {
            rc = stop < 0 ? -1 : 0;
            break;
        }
        if (kread_ulong(k, node, &node, err)) {
            rc = -1;
            break;
        }
    }
    u64set_free(&seen);
    return rc;
}

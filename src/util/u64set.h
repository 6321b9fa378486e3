/* u64set: a set of addresses, for noticing the moment a list walk comes back to a node it has
 * seen (a corrupt dump's cycle) instead of running to an iteration bound. */
#ifndef KS_U64SET_H
#define KS_U64SET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64set {
    uint64_t *slot;     /* 0 = empty; address 0 is never a list node */
    size_t cap, len;
};

void u64set_init(struct u64set *s);
void u64set_free(struct u64set *s);
/* Adds v; returns false if it was already there. */
bool u64set_add(struct u64set *s, uint64_t v);
/* Is v in the set? */
bool u64set_has(const struct u64set *s, uint64_t v);

#endif

/*
 * slab: the kernel's object caches. SLUB only (what 6.1 defaults to and Debian ships); a SLAB or
 * SLOB kernel is recognised by its struct kmem_cache (no cpu_slab) and refused by name (slab.c:
 * slub_kernel()). Counts follow /proc/slabinfo: total objects from the per-node counters, free
 * ones from the node partial lists.
 */
#ifndef KS_SLAB_H
#define KS_SLAB_H
#include <stdint.h>

#include "../kernel/kernel.h"

struct slab_cache_info {
    uint64_t cache;
    char name[64];
    uint64_t object_size, size, order, objects_per_slab;
    uint64_t total_objects, free_objects, nr_slabs;
};

int for_each_slab_cache(struct kernel *k, int (*fn)(struct kernel *k, const struct slab_cache_info *c, void *arg), void *arg,
                        ks_err *err);
/* Is the page a slab page, and if so which cache, which object holds addr, and is it free? */
struct slab_object {
    uint64_t cache, slab, object;
    char cache_name[64];
    bool free;
};
int slab_object_at(struct kernel *k, uint64_t page, uint64_t addr, struct slab_object *o, ks_err *err);

#endif

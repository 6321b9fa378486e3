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
    const ks_err *error; /* for_each_slab_cache_partial: why the cache could not be read (what was read kept) */
};

/* Each cache on slab_caches; fn returns non-zero to stop. A cache that cannot be read ends the walk
 * with its error. */
int for_each_slab_cache(struct kernel *k, int (*fn)(struct kernel *k, const struct slab_cache_info *c, void *arg), void *arg,
                        ks_err *err);
/* The same, but a cache that cannot be read (a wild name, a node list that does not end) is given to
 * fn with error set, and the walk goes on while the list itself can be followed. */
int for_each_slab_cache_partial(struct kernel *k, int (*fn)(struct kernel *k, const struct slab_cache_info *c, void *arg),
                                void *arg, ks_err *err);
/* Is the page a slab page, and if so which cache, which object holds addr, and is it free? */
struct slab_object {
    uint64_t cache, slab, object;
    char cache_name[64];
    bool free;
};
int slab_object_at(struct kernel *k, uint64_t page, uint64_t addr, struct slab_object *o, ks_err *err);

/* ---- every object of a cache (kmem -S; slab_walk.c) ---- */

/* How a cache stores its free pointers: at object + offset, and with
 * CONFIG_SLAB_FREELIST_HARDENED (struct kmem_cache has `random`) scrambled as
 * stored = ptr ^ s->random ^ swab(address of the stored pointer) (5.7+; plain address before). */
struct slab_freeptr {
    bool hardened, swab;
    uint64_t random, offset;
};
/* mm/slub.c's freelist_ptr(): the pointer stored at ptr_addr, decoded. */
uint64_t slab_freeptr_decode(const struct slab_freeptr *f, uint64_t stored, uint64_t ptr_addr);

/* One slab's objects: first at base (after any left red zone), size apart. */
struct slab_geometry {
    uint64_t base, size, objects;
    struct slab_freeptr fp;
};
/* Reads one pointer-sized word (a kernel read, or hand-built memory in tests). */
typedef int (*slab_read_fn)(void *ctx, uint64_t addr, uint64_t *word, ks_err *err);
/* Follow a freelist from head (a plain pointer, as slab->freelist and the CPU's freelist hold it),
 * setting is_free[i] for each object on it. A pointer that is no object of this slab, or a chain
 * longer than the slab (a loop), is an error naming where it broke. */
int slab_mark_free(const struct slab_geometry *g, uint64_t head, bool *is_free, slab_read_fn rd, void *ctx, ks_err *err);

/* Where a slab was found. */
enum slab_where {
    SLAB_CPU,          /* a CPU's active slab (kmem_cache_cpu.slab, .page before 5.17) */
    SLAB_CPU_PARTIAL,  /* on a CPU's partial list (kmem_cache_cpu.partial, via slab.next) */
    SLAB_NODE_PARTIAL, /* kmem_cache_node.partial */
    SLAB_NODE_FULL,    /* kmem_cache_node.full: kept only for caches with slub_debug's user tracking */
    SLAB_UNLISTED,     /* full slabs no list holds (the kernel keeps none without debug), found in mem_map */
};
const char *slab_where_name(enum slab_where w);

struct slab_walk_slab {
    uint64_t slab, memory; /* struct slab (or page), and the address of its first byte */
    enum slab_where where;
    unsigned cpu_or_node;
    uint64_t objects, nfree; /* objects, and how many of them are free */
    const bool *is_free;     /* per object, valid during the callback */
    const struct slab_geometry *geom;
};
/* Every slab page of lowmem's mem_map (PG_slab heads) with its cache, sorted by cache: one scan of
 * the struct pages, for the full slabs no list holds. */
struct slab_page_ref {
    uint64_t cache, page;
};
struct slab_pages {
    struct slab_page_ref *v;
    size_t n;
};
int slab_pages_scan(struct kernel *k, struct slab_pages *sp, ks_err *err);
void slab_pages_free(struct slab_pages *sp);
/* Every slab of the cache: CPU slabs and partial lists, node partial (and full) lists, then the
 * cache's slabs of sp that no list named; each slab once. fn returns non-zero to stop. */
int for_each_cache_slab(struct kernel *k, const struct slab_cache_info *c, const struct slab_pages *sp,
                        int (*fn)(struct kernel *k, const struct slab_walk_slab *sl, void *arg), void *arg, ks_err *err);
/* The cache named name (1), or none (0). */
int slab_cache_find(struct kernel *k, const char *name, struct slab_cache_info *out, ks_err *err);

#endif

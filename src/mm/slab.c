#include "slab.h"

#include <stdio.h>
#include <string.h>

#include "../util/u64set.h"
#include "page.h"

#define MAX_CACHES 100000u
#define MAX_PARTIAL 10000000u
#define OO_SHIFT 16           /* kmem_cache_order_objects: order << 16 | objects */

static int slub_kernel(struct kernel *k, ks_err *err)
{
    if (k->features.slab == SLAB_SLUB)
        return 0;
    return ks_fail_kind(err, KS_E_UNSUPPORTED,
                        "this kernel's slab allocator is not SLUB (SLAB/SLOB caches are not supported yet)");
}

/* The struct page/slab of the slab list: struct slab since 5.17, struct page before. */
static const char *slab_type(struct kernel *k)
{
    return k->features.slab_struct ? "struct slab" : "struct page";
}

static int node_counts(struct kernel *k, uint64_t node, struct slab_cache_info *c, ks_err *err)
{
    const char *N = "struct kmem_cache_node", *S = slab_type(k);
    uint64_t slabs, total, head_off, link_off, pos;
    if (kread_member(k, node, N, "nr_slabs.counter", &slabs, err) || kread_member(k, node, N, "total_objects.counter", &total, err) ||
        kmember_off(k, N, "partial", &head_off, err) || kmember_off(k, S, "slab_list", &link_off, err) ||
        kread_ulong(k, node + head_off, &pos, err))
        return -1;
    c->nr_slabs += slabs;
    c->total_objects += total;
    for (unsigned n = 0; pos != node + head_off; n++) {
        uint64_t inuse, objects, slab = pos - link_off;
        /* A partial list longer than the cache has slabs is corrupt (or loops). */
        if (n == MAX_PARTIAL || n > c->nr_slabs + 1)
            return ks_fail_kind(err, KS_E_CORRUPT, "cache %s: partial list does not end (a loop?)", c->name);
        if (kread_member(k, slab, S, "inuse", &inuse, err) || kread_member(k, slab, S, "objects", &objects, err)) return -1;
        c->free_objects += objects > inuse ? objects - inuse : 0;
        if (kread_ulong(k, pos, &pos, err)) return -1;
    }
    return 0;
}

static int read_cache(struct kernel *k, uint64_t cache, struct slab_cache_info *c, ks_err *err)
{
    const char *C = "struct kmem_cache";
    uint64_t name, oo, node_off;
    memset(c, 0, sizeof *c);
    c->cache = cache;
    /* The sizes first: a cache whose name cannot be read is still shown with them (partial walks). */
    if (kread_member(k, cache, C, "object_size", &c->object_size, err) || kread_member(k, cache, C, "size", &c->size, err) ||
        kread_member(k, cache, C, "oo.x", &oo, err) || kmember_off(k, C, "node", &node_off, err))
        return -1;
    c->order = oo >> OO_SHIFT;
    c->objects_per_slab = oo & ((1u << OO_SHIFT) - 1);
    if (kread_member(k, cache, C, "name", &name, err) || kread_string(k, name, c->name, sizeof c->name, err))
        return ks_wrap(err, "name of cache %#llx", (unsigned long long)cache);
    struct ktype *nt = NULL;
    const struct member_ref *r = kmember_ref(k, C, "node", err);
    if (!r) return -1;
    nt = kt_strip(r->type);
    unsigned nodes = nt && nt->kind == KT_ARRAY ? (unsigned)nt->count : 1;
    for (unsigned i = 0; i < nodes; i++) {
        uint64_t node;
        if (kread_ulong(k, cache + node_off + (uint64_t)k->arch->word_size * i, &node, err)) return -1;
        if (node && node_counts(k, node, c, err)) return -1;
    }
    return 0;
}

static int walk_caches(struct kernel *k, int (*fn)(struct kernel *, const struct slab_cache_info *, void *), void *arg,
                       bool partial, ks_err *err)
{
    uint64_t head, link_off, pos;
    if (slub_kernel(k, err) || ksym_addr(k, "slab_caches", &head, err) || kmember_off(k, "struct kmem_cache", "list", &link_off, err) ||
        kread_ulong(k, head, &pos, err))
        return -1;
    struct u64set seen;
    int rc = 0;
    u64set_init(&seen);
    for (unsigned n = 0; pos != head && !rc; n++) {
        struct slab_cache_info c;
        ks_err cache_err;
        if (n == MAX_CACHES || !u64set_add(&seen, pos)) {
            rc = ks_fail_kind(err, KS_E_CORRUPT, "slab_caches loops (cache %#llx reached twice)",
                              (unsigned long long)(pos - link_off));
            break;
        }
        if (read_cache(k, pos - link_off, &c, partial ? &cache_err : err)) {
            if (!partial) {
                rc = -1;
                break;
            }
            c.error = &cache_err;
        }
        int stop = fn(k, &c, arg);
        if (stop) { rc = stop < 0 ? -1 : 0; break; }
        if (kread_ulong(k, pos, &pos, err)) rc = -1;
    }
    u64set_free(&seen);
    return rc;
}

int for_each_slab_cache(struct kernel *k, int (*fn)(struct kernel *, const struct slab_cache_info *, void *), void *arg,
                        ks_err *err)
{
    return walk_caches(k, fn, arg, false, err);
}

int for_each_slab_cache_partial(struct kernel *k, int (*fn)(struct kernel *, const struct slab_cache_info *, void *), void *arg,
                                ks_err *err)
{
    return walk_caches(k, fn, arg, true, err);
}

/* Is object o on the slab's freelist (1, else 0)? SLUB chains free objects through a pointer at
 * s->offset (hardened freelists would scramble it; this kernel config does not). A chain longer
 * than the slab's objects ends the walk; one that cannot be read is an error, not "allocated". */
static int on_freelist(struct kernel *k, uint64_t fp, uint64_t off, uint64_t objects, uint64_t object, ks_err *err)
{
    for (uint64_t n = 0; fp && n <= objects; n++) {
        if (fp == object)
            return 1;
        uint64_t at = fp;
        if (kread_ulong(k, at + off, &fp, err))
            return ks_wrap(err, "slab freelist broken at object %#llx", (unsigned long long)at);
    }
    return 0;
}

/* Free objects sit on the slab's freelist, or, while a CPU owns the slab, on that CPU's
 * kmem_cache_cpu freelist. */
static int object_is_free(struct kernel *k, uint64_t cache, uint64_t slab, uint64_t object, bool *is_free, ks_err *err)
{
    const char *S = slab_type(k), *CPU = "struct kmem_cache_cpu";
    uint64_t fp, off, objects, cpu_slab;
    *is_free = false;
    if (kread_member(k, slab, S, "freelist", &fp, err) || kread_member(k, cache, "struct kmem_cache", "offset", &off, err) ||
        kread_member(k, slab, S, "objects", &objects, err) || kread_member(k, cache, "struct kmem_cache", "cpu_slab", &cpu_slab, err))
        return -1;
    int found = on_freelist(k, fp, off, objects, object, err);
    const char *owner = k->features.cpu_slab_owner_slab ? "slab" : "page"; /* renamed in 5.17 */
    for (unsigned cpu = 0; found == 0 && cpu < kpossible_cpus(k); cpu++) {
        uint64_t c, owned;
        if (kper_cpu_ptr(k, cpu_slab, cpu, &c, err) || kread_member(k, c, CPU, owner, &owned, err))
            return -1;
        if (owned != slab)
            continue;
        if (kread_member(k, c, CPU, "freelist", &fp, err))
            return -1;
        found = on_freelist(k, fp, off, objects, object, err);
    }
    if (found < 0)
        return -1;
    *is_free = found > 0;
    return 0;
}

int slab_object_at(struct kernel *k, uint64_t page, uint64_t addr, struct slab_object *o, ks_err *err)
{
    struct page_info pi;
    uint64_t head;
    memset(o, 0, sizeof *o);
    /* A multi-page slab is described by its head page. */
    if (page_compound_head(k, page, &head, err) || slub_kernel(k, err) || page_info_read(k, head, &pi, err))
        return -1;
    if (!page_is_slab(k, &pi)) return 0;
    uint64_t size, name, pfn;
    o->slab = head;
    if (kread_member(k, head, slab_type(k), "slab_cache", &o->cache, err) ||
        kread_member(k, o->cache, "struct kmem_cache", "size", &size, err) ||
        kread_member(k, o->cache, "struct kmem_cache", "name", &name, err) || kread_string(k, name, o->cache_name, sizeof o->cache_name, err) ||
        page_to_pfn(k, head, &pfn, err))
        return -1;
    uint64_t base = (pfn << KS_PAGE_SHIFT) + k->page_offset;
    if (addr < base || !size) return 0;
    o->object = base + (addr - base) / size * size;
    if (object_is_free(k, o->cache, head, o->object, &o->free, err)) return -1;
    return 1;
}

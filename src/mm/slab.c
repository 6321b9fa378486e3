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
    uint64_t off;
    if (kmember_off(k, "struct kmem_cache", "cpu_slab", &off, NULL) == 0) return 0;
    return ks_fail(err, "this kernel's slab allocator is not SLUB (SLAB/SLOB caches are not supported yet)");
}

/* The struct page/slab of the slab list: struct slab since 5.17, struct page before. */
static const char *slab_type(struct kernel *k)
{
    return kdwarf_type(k->dwarf, "struct slab") ? "struct slab" : "struct page";
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
        if (n == MAX_PARTIAL || n > c->nr_slabs + 1) return ks_fail(err, "cache %s: partial list does not end (a loop?)", c->name);
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
    if (kread_member(k, cache, C, "name", &name, err) || kread_string(k, name, c->name, sizeof c->name, err) ||
        kread_member(k, cache, C, "object_size", &c->object_size, err) || kread_member(k, cache, C, "size", &c->size, err) ||
        kread_member(k, cache, C, "oo.x", &oo, err) || kmember_off(k, C, "node", &node_off, err))
        return -1;
    c->order = oo >> OO_SHIFT;
    c->objects_per_slab = oo & ((1u << OO_SHIFT) - 1);
    struct ktype *nt = NULL;
    const struct member_ref *r = kmember_ref(k, C, "node", err);
    if (!r) return -1;
    nt = kt_strip(r->type);
    unsigned nodes = nt && nt->kind == KT_ARRAY ? (unsigned)nt->count : 1;
    for (unsigned i = 0; i < nodes; i++) {
        uint64_t node;
        if (kread_ulong(k, cache + node_off + 4ull * i, &node, err)) return -1;
        if (node && node_counts(k, node, c, err)) return -1;
    }
    return 0;
}

int for_each_slab_cache(struct kernel *k, int (*fn)(struct kernel *, const struct slab_cache_info *, void *), void *arg, ks_err *err)
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
        if (n == MAX_CACHES || !u64set_add(&seen, pos)) { rc = ks_fail(err, "slab_caches loops (cache %#llx reached twice)", (unsigned long long)(pos - link_off)); break; }
        if (read_cache(k, pos - link_off, &c, err)) { rc = -1; break; }
        int stop = fn(k, &c, arg);
        if (stop) { rc = stop < 0 ? -1 : 0; break; }
        if (kread_ulong(k, pos, &pos, err)) rc = -1;
    }
    u64set_free(&seen);
    return rc;
}

/* Is object o on the slab's freelist? SLUB chains free objects through a pointer at s->offset
 * (hardened freelists would scramble it; this kernel config does not, and a broken chain ends
 * the walk after `objects` steps). */
static bool on_freelist(struct kernel *k, uint64_t fp, uint64_t off, uint64_t objects, uint64_t object)
{
    for (uint64_t n = 0; fp && n <= objects; n++) {
        if (fp == object) return true;
        if (kread_ulong(k, fp + off, &fp, NULL)) break;
    }
    return false;
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
    if (on_freelist(k, fp, off, objects, object)) { *is_free = true; return 0; }
    const char *owner = kmember_ref(k, CPU, "slab", NULL) ? "slab" : "page";   /* renamed in 5.17 */
    for (unsigned cpu = 0; cpu < kpossible_cpus(k); cpu++) {
        uint64_t c, owned;
        if (kper_cpu_ptr(k, cpu_slab, cpu, &c, NULL) || kread_member(k, c, CPU, owner, &owned, NULL)) break;
        if (owned == slab && kread_member(k, c, CPU, "freelist", &fp, NULL) == 0 && on_freelist(k, fp, off, objects, object)) {
            *is_free = true;
            break;
        }
    }
    return 0;
}

int slab_object_at(struct kernel *k, uint64_t page, uint64_t addr, struct slab_object *o, ks_err *err)
{
    struct page_info pi;
    uint64_t head = compound_head(k, page);   /* a multi-page slab is described by its head page */
    memset(o, 0, sizeof *o);
    if (slub_kernel(k, err) || page_info_read(k, head, &pi, err)) return -1;
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

/*
 * Every slab of a SLUB cache, and every object in it allocated or free (kmem -S), found where
 * mm/slub.c keeps them: each CPU's active slab and partial list, each node's partial list (and
 * full list, which only slub_debug's user tracking fills), and, for the full slabs no list holds,
 * the struct pages of mem_map that say PG_slab and name this cache. Free objects are those on the
 * slab's freelist or, for a CPU's active slab, on that CPU's lockless freelist.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/interrupt.h"
#include "../util/u64set.h"
#include "page.h"
#include "slab.h"
#include "task.h"

#define MAX_CPU_PARTIAL 100000u
#define MAX_NODE_LIST   10000000u

uint64_t slab_freeptr_decode(const struct slab_freeptr *f, uint64_t stored, uint64_t ptr_addr)
{
    if (!f->hardened)
        return stored;
    uint32_t where = (uint32_t)ptr_addr; /* unsigned long: 32 bits on i386 */
    if (f->swab)
        where = __builtin_bswap32(where);
    return (uint32_t)(stored ^ f->random ^ where);
}

/* The index of the object at addr, or -1 when addr is no object of this slab. */
static int64_t object_index(const struct slab_geometry *g, uint64_t addr)
{
    if (addr < g->base || !g->size)
        return -1;
    uint64_t i = (addr - g->base) / g->size;
    if (i >= g->objects || g->base + i * g->size != addr)
        return -1;
    return (int64_t)i;
}

int slab_mark_free(const struct slab_geometry *g, uint64_t head, bool *is_free, slab_read_fn rd, void *ctx, ks_err *err)
{
    uint64_t p = head;
    for (uint64_t n = 0; p; n++) {
        int64_t i = object_index(g, p);
        if (i < 0)
            return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, p,
                              "freelist of slab at %#" PRIx64 " points to %#" PRIx64 ", no object of it", g->base, p);
        if (n >= g->objects || is_free[i])
            return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, p, "freelist of slab at %#" PRIx64 " loops at %#" PRIx64, g->base,
                              p);
        is_free[i] = true;
        uint64_t stored;
        if (rd(ctx, p + g->fp.offset, &stored, err))
            return ks_wrap(err, "freelist of slab at %#" PRIx64, g->base);
        p = slab_freeptr_decode(&g->fp, stored, p + g->fp.offset);
    }
    return 0;
}

const char *slab_where_name(enum slab_where w)
{
    static const char *const names[] = {"cpu", "cpu_partial", "node_partial", "node_full", "unlisted"};
    return names[w];
}

/* ---- the walk ---- */

struct walk {
    struct kernel *k;
    const struct slab_cache_info *c;
    const char *S; /* "struct slab" (5.17+) or "struct page" */
    struct slab_freeptr fp;
    uint64_t red_left_pad;
    struct u64set seen;
    int (*fn)(struct kernel *k, const struct slab_walk_slab *sl, void *arg);
    void *arg;
    ks_err *err;
};

static int kread_word(void *ctx, uint64_t addr, uint64_t *word, ks_err *err)
{
    return kread_ulong(ctx, addr, word, err);
}

static int walk_init(struct walk *w, struct kernel *k, const struct slab_cache_info *c, ks_err *err)
{
    const char *C = "struct kmem_cache";
    const struct kernel_features *f = &k->features;
    memset(w, 0, sizeof *w);
    w->k = k;
    w->c = c;
    w->err = err;
    w->S = f->slab_struct ? "struct slab" : "struct page";
    if (f->freelist == FREELIST_UNKNOWN)
        return ks_fail_kind(err, KS_E_UNSUPPORTED,
                            "cache %s: hardened freelists, and release \"%s\" does not say whether they are byte-swapped (5.7+)",
                            c->name, k->release);
    w->fp.hardened = f->freelist != FREELIST_PLAIN;
    w->fp.swab = f->freelist == FREELIST_XOR_SWAB;
    if (kread_member(k, c->cache, C, "offset", &w->fp.offset, err))
        return -1;
    if (w->fp.hardened && kread_member(k, c->cache, C, "random", &w->fp.random, err))
        return -1;
    if (kread_member_opt(k, c->cache, C, "red_left_pad", &w->red_left_pad, err) < 0)
        return -1;
    u64set_init(&w->seen);
    return 0;
}

static int visit_slab(struct walk *w, uint64_t slab, enum slab_where where, unsigned idx, uint64_t cpu_freelist)
{
    struct kernel *k = w->k;
    uint64_t objects, freelist, pfn;
    if (!u64set_add(&w->seen, slab))
        return ks_fail_at(w->err, KS_E_CORRUPT, KS_AS_KVIRT, slab, "cache %s: slab %#" PRIx64 " found twice (a loop?)",
                          w->c->name, slab);
    if (kread_member(k, slab, w->S, "objects", &objects, w->err) || kread_member(k, slab, w->S, "freelist", &freelist, w->err) ||
        page_to_pfn(k, slab, &pfn, w->err))
        return ks_wrap(w->err, "cache %s", w->c->name);
    if (objects > w->c->objects_per_slab * 2 + 64)
        return ks_fail_at(w->err, KS_E_CORRUPT, KS_AS_KVIRT, slab, "cache %s: slab %#" PRIx64 " says %" PRIu64 " objects",
                          w->c->name, slab, objects);
    struct slab_geometry g = {.size = w->c->size, .objects = objects, .fp = w->fp};
    struct slab_walk_slab sl = {.slab = slab, .where = where, .cpu_or_node = idx, .objects = objects, .geom = &g};
    sl.memory = (pfn << KS_PAGE_SHIFT) + k->page_offset;
    g.base = sl.memory + w->red_left_pad;
    bool *is_free = xcalloc(objects ? objects : 1, sizeof *is_free);
    int rc = slab_mark_free(&g, freelist, is_free, kread_word, k, w->err);
    if (!rc && cpu_freelist)
        rc = slab_mark_free(&g, cpu_freelist, is_free, kread_word, k, w->err);
    if (rc)
        ks_wrap(w->err, "cache %s", w->c->name);
    for (uint64_t i = 0; i < objects; i++)
        sl.nfree += is_free[i];
    sl.is_free = is_free;
    if (!rc)
        rc = w->fn(k, &sl, w->arg);
    free(is_free);
    return rc;
}

static int cpu_slabs(struct walk *w, unsigned cpu)
{
    const char *CPU = "struct kmem_cache_cpu";
    struct kernel *k = w->k;
    uint64_t cpu_slab, c, slab, freelist, partial = 0;
    const char *owner = k->features.cpu_slab_owner_slab ? "slab" : "page"; /* renamed in 5.17 */
    if (kread_member(k, w->c->cache, "struct kmem_cache", "cpu_slab", &cpu_slab, w->err) ||
        kper_cpu_ptr(k, cpu_slab, cpu, &c, w->err) || kread_member(k, c, CPU, owner, &slab, w->err) ||
        kread_member(k, c, CPU, "freelist", &freelist, w->err) || kread_member_opt(k, c, CPU, "partial", &partial, w->err) < 0)
        return -1;
    int rc = slab ? visit_slab(w, slab, SLAB_CPU, cpu, freelist) : 0;
    for (unsigned n = 0; !rc && partial; n++) {
        if (n == MAX_CPU_PARTIAL)
            return ks_fail_kind(w->err, KS_E_CORRUPT, "cache %s: CPU %u's partial list does not end", w->c->name, cpu);
        rc = visit_slab(w, partial, SLAB_CPU_PARTIAL, cpu, 0);
        if (!rc && kread_member(k, partial, w->S, "next", &partial, w->err))
            return -1;
    }
    return rc;
}

/* A node's partial or full list: struct slab.slab_list (page.slab_list before 5.17). */
static int node_list(struct walk *w, uint64_t node, unsigned idx, const char *list, enum slab_where where)
{
    struct kernel *k = w->k;
    uint64_t head_off, link_off, pos;
    if (kmember_off(k, "struct kmem_cache_node", list, &head_off, w->err) ||
        kmember_off(k, w->S, "slab_list", &link_off, w->err) || kread_ulong(k, node + head_off, &pos, w->err))
        return -1;
    int rc = 0;
    for (unsigned n = 0; !rc && pos != node + head_off; n++) {
        if (n == MAX_NODE_LIST || ks_interrupted())
            return ks_fail_kind(w->err, KS_E_CORRUPT, "cache %s: node %u's %s list does not end", w->c->name, idx, list);
        rc = visit_slab(w, pos - link_off, where, idx, 0);
        if (!rc && kread_ulong(k, pos, &pos, w->err))
            return -1;
    }
    return rc;
}

static int node_slabs(struct walk *w)
{
    struct kernel *k = w->k;
    uint64_t node_off;
    const struct member_ref *r = kmember_ref(k, "struct kmem_cache", "node", w->err);
    if (!r || kmember_off(k, "struct kmem_cache", "node", &node_off, w->err))
        return -1;
    struct ktype *nt = kt_strip(r->type);
    unsigned nodes = nt && nt->kind == KT_ARRAY ? (unsigned)nt->count : 1;
    bool full = kmember_has(k, "struct kmem_cache_node", "full");
    for (unsigned i = 0; i < nodes; i++) {
        uint64_t node;
        if (kread_ulong(k, w->c->cache + node_off + (uint64_t)k->arch->word_size * i, &node, w->err))
            return -1;
        if (!node)
            continue;
        if (node_list(w, node, i, "partial", SLAB_NODE_PARTIAL) || (full && node_list(w, node, i, "full", SLAB_NODE_FULL)))
            return -1;
    }
    return 0;
}

static int by_cache(const void *x, const void *y)
{
    const struct slab_page_ref *a = x, *b = y;
    if (a->cache != b->cache)
        return a->cache < b->cache ? -1 : 1;
    return a->page < b->page ? -1 : a->page > b->page;
}

static void add_ref(struct slab_pages *sp, size_t *cap, uint64_t cache, uint64_t page)
{
    if (sp->n == *cap)
        sp->v = xrealloc(sp->v, (*cap = *cap ? *cap * 2 : 1024) * sizeof *sp->v);
    sp->v[sp->n++] = (struct slab_page_ref){cache, page};
}

/* The head pages of mem_map's lowmem (slabs come from the direct map) that say PG_slab. */
int slab_pages_scan(struct kernel *k, struct slab_pages *sp, ks_err *err)
{
    const struct pfn_range *ranges;
    size_t nranges, cap = 0;
    uint64_t low = UINT64_MAX, flags_off, cache_off;
    const char *S = k->features.slab_struct ? "struct slab" : "struct page";
    int64_t bit;
    memset(sp, 0, sizeof *sp);
    if (!kdwarf_enumerator(k->dwarf, "PG_slab", &bit))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no PG_slab in enum pageflags");
    if (mem_map_ranges(k, &ranges, &nranges, err) || kvar_read_int_opt(k, "max_low_pfn", NULL, &low, err) < 0 ||
        kmember_off(k, "struct page", "flags", &flags_off, err) || kmember_off(k, S, "slab_cache", &cache_off, err))
        return -1;
    for (size_t r = 0; r < nranges; r++) {
        for (uint64_t pfn = ranges[r].start; pfn < ranges[r].start + ranges[r].count && pfn < low; pfn++) {
            uint64_t page, flags, cache;
            if (ks_interrupted())
                return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
            if (pfn_to_page(k, pfn, &page, err) || kread_ulong(k, page + flags_off, &flags, err))
                return -1;
            if (!(flags >> bit & 1))
                continue;
            if (kread_ulong(k, page + cache_off, &cache, err))
                return -1;
            add_ref(sp, &cap, cache, page);
        }
    }
    qsort(sp->v, sp->n, sizeof *sp->v, by_cache);
    return 0;
}

void slab_pages_free(struct slab_pages *sp)
{
    free(sp->v);
    memset(sp, 0, sizeof *sp);
}

/* The cache's slabs of the scan that no list named. */
static int unlisted_slabs(struct walk *w, const struct slab_pages *sp)
{
    size_t lo = 0, hi = sp->n;
    while (lo < hi) { /* the first page of this cache */
        size_t mid = lo + (hi - lo) / 2;
        if (sp->v[mid].cache < w->c->cache)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < sp->n && sp->v[i].cache == w->c->cache; i++)
        if (!u64set_has(&w->seen, sp->v[i].page) && visit_slab(w, sp->v[i].page, SLAB_UNLISTED, 0, 0))
            return -1;
    return 0;
}

int for_each_cache_slab(struct kernel *k, const struct slab_cache_info *c, const struct slab_pages *sp,
                        int (*fn)(struct kernel *k, const struct slab_walk_slab *sl, void *arg), void *arg, ks_err *err)
{
    struct walk w;
    if (walk_init(&w, k, c, err))
        return -1;
    w.fn = fn;
    w.arg = arg;
    int rc = 0;
    /* The CPUs with per-CPU areas: a CPU never brought up has none (its offset is the template). */
    unsigned ncpus = dump_cpus(k);
    for (unsigned cpu = 0; !rc && cpu < ncpus; cpu++)
        rc = cpu_slabs(&w, cpu);
    if (!rc)
        rc = node_slabs(&w);
    if (!rc)
        rc = unlisted_slabs(&w, sp);
    u64set_free(&w.seen);
    return rc < 0 ? -1 : 0;
}

struct find_ctx {
    const char *name;
    struct slab_cache_info *out;
    int found;
};

static int match_cache(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct find_ctx *f = arg;
    (void)k;
    if (strcmp(c->name, f->name))
        return 0;
    *f->out = *c;
    f->found = 1;
    return 1;
}

int slab_cache_find(struct kernel *k, const char *name, struct slab_cache_info *out, ks_err *err)
{
    struct find_ctx f = {name, out, 0};
    return for_each_slab_cache(k, match_cache, &f, err) ? -1 : f.found;
}

#include "buddy.h"

#include <stdlib.h>
#include <string.h>

#include "page.h"

/* ---- the census ---- */

struct census_walk {
    struct buddy_census *c;
    const struct zone_info *z;
};

static void add_free_pages(struct buddy_census *c, const struct zone_info *z, uint64_t pfn, uint64_t pages)
{
    uint64_t base = z->start_pfn & ~((1ull << c->pageblock_order) - 1);
    for (uint64_t p = pfn; p < pfn + pages; ) {
        uint64_t pb = (p - base) >> c->pageblock_order;
        uint64_t end = KS_MIN(pfn + pages, base + ((pb + 1) << c->pageblock_order));
        if (pb < c->npageblocks) c->pb_free[pb] += (uint32_t)(end - p);
        p = end;
    }
}

static int count_block(struct kernel *k, const struct free_block *b, void *arg)
{
    struct census_walk *w = arg;
    struct buddy_census *c = w->c;
    (void)k;
    c->blocks[b->order][b->migratetype]++;
    c->order_blocks[b->order]++;
    c->free_pages += 1ull << b->order;
    add_free_pages(c, w->z, b->pfn, 1ull << b->order);
    if (!b->is_buddy || b->page_order != b->order) {
        if (c->nmismatch < BUDDY_MAX_MISMATCHES)
            c->mismatch[c->nmismatch] = (struct buddy_mismatch){ b->order, b->migratetype, b->page, b->pfn, b->page_order, b->is_buddy };
        c->nmismatch++;
    }
    return 0;
}

/* pageblock_order: HUGETLB_PAGE_ORDER when the kernel has huge pages (x86: 4 MB pages without PAE,
 * 2 MB with), else MAX_ORDER - 1 (include/linux/pageblock-flags.h). The hstates[] array exists only
 * with CONFIG_HUGETLB_PAGE (a struct hstate type alone proves nothing: headers declare it anyway).
 * A kernel that made the order a variable exports `pageblock_order`. */
static int pageblock_order_of(struct kernel *k, const struct zone_geometry *g, unsigned *order, ks_err *err)
{
    uint64_t v;
    int r = kvar_read_int_opt(k, "pageblock_order", NULL, &v, err);
    if (r < 0)
        return -1;
    if (r > 0 && v >= 32)
        return ks_fail_kind(err, KS_E_CORRUPT, "pageblock_order %llu is not believable", (unsigned long long)v);
    if (r > 0)
        *order = (unsigned)v;
    else if (ksym_has(k, "hstates"))
        *order = k->pae ? 21 - KS_PAGE_SHIFT : 22 - KS_PAGE_SHIFT;
    else
        *order = g->max_order - 1;
    return 0;
}

/* Each pageblock's migratetype bits; a pageblock in a SPARSEMEM hole has none (BUDDY_PB_HOLE). */
static int read_pageblock_types(struct kernel *k, const struct zone_info *z, struct buddy_census *c, ks_err *err)
{
    int64_t nbits = 4, mig_end = 2;
    kdwarf_enumerator(k->dwarf, "NR_PAGEBLOCK_BITS", &nbits);
    kdwarf_enumerator(k->dwarf, "PB_migrate_end", &mig_end);
    /* FLATMEM keeps one bitmap per zone, read once here; a SPARSEMEM zone has none. A model that
     * cannot be read is an error, not a zone of holes. */
    struct memory_model m;
    uint64_t zone_bitmap = 0;
    if (memory_model(k, &m, err) || (!m.sparse && kread_member(k, z->zone, "struct zone", "pageblock_flags", &zone_bitmap, err)))
        return -1;
    uint64_t base = z->start_pfn & ~((1ull << c->pageblock_order) - 1);
    for (unsigned pb = 0; pb < c->npageblocks; pb++) {
        uint64_t pfn = base + ((uint64_t)pb << c->pageblock_order), bitmap, block, word;
        /* pageblock_bitmap() reads nothing (the model was read above): its only failures are holes. */
        if (pageblock_bitmap(k, zone_bitmap, z->start_pfn, pfn, c->pageblock_order, &bitmap, &block, NULL)) {
            c->pb_migratetype[pb] = BUDDY_PB_HOLE;
            c->pb_holes++;
            continue;
        }
        /* The bitmap is an array of unsigned longs (get_pfnblock_flags_mask()). */
        uint64_t bit = block * (uint64_t)nbits, word_bits = 8ull * k->arch->word_size;
        if (kread_ulong(k, bitmap + bit / word_bits * k->arch->word_size, &word, err)) return -1;
        c->pb_migratetype[pb] = (uint8_t)((word >> (bit % word_bits)) & ((1u << (mig_end + 1)) - 1));
    }
    return 0;
}

int buddy_census(struct kernel *k, const struct zone_info *z, const struct zone_geometry *g, struct buddy_census *c, ks_err *err)
{
    memset(c, 0, sizeof *c);
    if (pageblock_order_of(k, g, &c->pageblock_order, err))
        return -1;
    uint64_t base = z->start_pfn & ~((1ull << c->pageblock_order) - 1);
    uint64_t n = z->spanned ? (z->start_pfn + z->spanned - base + (1ull << c->pageblock_order) - 1) >> c->pageblock_order : 0;
    c->npageblocks = (unsigned)n;
    c->pb_migratetype = xcalloc(n ? n : 1, 1);
    c->pb_free = xcalloc(n ? n : 1, sizeof *c->pb_free);
    if (!z->spanned) return 0;
    struct census_walk w = { c, z };
    if (for_each_free_block(k, z, g, count_block, &w, err)) return -1;
    return read_pageblock_types(k, z, c, err);
}

void buddy_census_free(struct buddy_census *c)
{
    free(c->pb_migratetype);
    free(c->pb_free);
    c->pb_migratetype = NULL;
    c->pb_free = NULL;
}

struct zone_census_walk {
    const struct zone_geometry *g;
    int (*fn)(struct kernel *, const struct zone_info *, const struct buddy_census *, void *);
    void *arg;
    ks_err *err;
};

static int census_one(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct zone_census_walk *w = arg;
    if (!z->present) return 0;
    struct buddy_census c;
    int rc = buddy_census(k, z, w->g, &c, w->err);
    if (rc == 0) rc = w->fn(k, z, &c, w->arg);
    buddy_census_free(&c);
    return rc;
}

int for_each_zone_census(struct kernel *k, const struct zone_geometry *g,
                         int (*fn)(struct kernel *, const struct zone_info *, const struct buddy_census *, void *), void *arg,
                         ks_err *err)
{
    struct zone_census_walk w = { g, fn, arg, err };
    return for_each_zone(k, census_one, &w, err);
}

/* A free block of order n starts at a multiple of 2^n, and only its first page is marked
 * PageBuddy with the order in page->private: look at each candidate head below pfn. */
int buddy_block_find(struct kernel *k, uint64_t pfn, unsigned max_order, uint64_t *head, unsigned *order, ks_err *err)
{
    for (unsigned o = 0; o < max_order; o++) {
        uint64_t h = pfn & ~((1ull << o) - 1), page;
        struct page_info pi;
        ks_err e;
        /* A candidate head without a struct page (a hole) ends the search; a read that fails does not. */
        if (pfn_to_page(k, h, &page, &e))
            return ks_err_is(&e, KS_E_BAD_ARG) ? 0 : ks_pass(err, &e);
        if (page_info_read(k, page, &pi, err))
            return -1;
        if (page_is_buddy(k, &pi) && pi.private >= o && pi.private < 64 && !(h & ((1ull << pi.private) - 1)) &&
            pfn < h + (1ull << pi.private)) {
            *head = h;
            *order = (unsigned)pi.private;
            return 1;
        }
    }
    return 0;
}

bool buddy_block_of(struct kernel *k, uint64_t pfn, unsigned max_order, uint64_t *head, unsigned *order)
{
    return buddy_block_find(k, pfn, max_order, head, order, NULL) > 0;
}

/* ---- mm/vmstat.c's indices ---- */

struct contig_info {
    uint64_t free_pages, free_blocks_total, free_blocks_suitable;
};

static struct contig_info fill_contig_info(const uint64_t *nr_free, unsigned max_order, unsigned order)
{
    struct contig_info info = { 0, 0, 0 };
    for (unsigned o = 0; o < max_order; o++) {
        info.free_blocks_total += nr_free[o];
        info.free_pages += nr_free[o] << o;
        if (o >= order) info.free_blocks_suitable += nr_free[o] << (o - order);
    }
    return info;
}

int64_t unusable_index(const uint64_t *nr_free, unsigned max_order, unsigned order)
{
    struct contig_info info = fill_contig_info(nr_free, max_order, order);
    if (!info.free_pages) return 1000;     /* no free memory: all of it is unusable */
    return (int64_t)((info.free_pages - (info.free_blocks_suitable << order)) * 1000ull / info.free_pages);
}

int64_t extfrag_index(const uint64_t *nr_free, unsigned max_order, unsigned order)
{
    struct contig_info info = fill_contig_info(nr_free, max_order, order);
    uint64_t requested = 1ull << order;
    if (!info.free_blocks_total) return 0;
    if (info.free_blocks_suitable) return -1000;
    return 1000 - (int64_t)((1000 + info.free_pages * 1000ull / requested) / info.free_blocks_total);
}

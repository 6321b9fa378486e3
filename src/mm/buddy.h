/*
 * buddy: what the buddy allocator's free lists say about a zone.
 *  - buddy_census(): free blocks per order and migratetype, counted by walking the lists, every
 *    listed page checked to be a free buddy page of that order (PageBuddy, page->private == order);
 *  - the kernel's own fragmentation measures (mm/vmstat.c): the unusable free-space index and the
 *    external-fragmentation index, per order, in thousandths as the kernel computes them;
 *  - pageblocks: each pageblock's migratetype (its bits in the zone's or, under SPARSEMEM, the
 *    section's bitmap) and how many of its pages are free; pageblocks in a memory hole are marked.
 */
#ifndef KS_BUDDY_H
#define KS_BUDDY_H
#include <stdint.h>

#include "zone.h"

#define BUDDY_MAX_MISMATCHES 64
#define BUDDY_PB_HOLE 0xff

struct buddy_mismatch {
    unsigned order, migratetype;
    uint64_t page, pfn, page_order;
    bool is_buddy;
};

struct buddy_census {
    uint64_t blocks[ZONE_MAX_ORDER][ZONE_MAX_MIGRATE];
    uint64_t order_blocks[ZONE_MAX_ORDER];
    uint64_t free_pages;              /* sum of blocks << order */
    unsigned nmismatch;               /* all found; the first BUDDY_MAX_MISMATCHES are kept */
    struct buddy_mismatch mismatch[BUDDY_MAX_MISMATCHES];
    /* pageblocks */
    unsigned pageblock_order, npageblocks;
    unsigned pb_holes;                /* pageblocks in SPARSEMEM holes: no struct pages, no bits */
    uint8_t *pb_migratetype;          /* per pageblock; BUDDY_PB_HOLE in a hole */
    uint32_t *pb_free;                /* free pages per pageblock */
};

int buddy_census(struct kernel *k, const struct zone_info *z, const struct zone_geometry *g, struct buddy_census *c, ks_err *err);
void buddy_census_free(struct buddy_census *c);
/* The census of every populated zone in turn; fn returns non-zero to stop. */
int for_each_zone_census(struct kernel *k, const struct zone_geometry *g,
                         int (*fn)(struct kernel *k, const struct zone_info *z, const struct buddy_census *c, void *arg), void *arg,
                         ks_err *err);

/* The free buddy block holding pfn: 1 with its first frame and order, 0 if pfn is in none, -1 with
 * err when a struct page on the way cannot be read. */
int buddy_block_find(struct kernel *k, uint64_t pfn, unsigned max_order, uint64_t *head, unsigned *order, ks_err *err);
/* The same as a yes/no, for callers that read the page themselves next: false also on a failed read. */
bool buddy_block_of(struct kernel *k, uint64_t pfn, unsigned max_order, uint64_t *head, unsigned *order);

/* mm/vmstat.c: unusable_free_index() and __fragmentation_index(), from nr_free per order.
 * Both in thousandths; extfrag is -1000 when a block of the order is free. */
int64_t unusable_index(const uint64_t *nr_free, unsigned max_order, unsigned order);
int64_t extfrag_index(const uint64_t *nr_free, unsigned max_order, unsigned order);

#endif

/*
 * page: struct page and mem_map, with drgn-style helpers.
 *  - pfn_to_page()/page_to_pfn(): FLATMEM (mem_map + pfn) or SPARSEMEM (each section's mem_map,
 *    mm/sparse.c); the model is chosen in one place, memmap(), by whether mem_section exists.
 *  - mem_map_ranges(): the frames that have a struct page (SPARSEMEM holes have none);
 *  - pageblock_bitmap(): where a pageblock's migratetype bits are (zone or section).
 *  - PageBuddy(): page_type's PG_buddy on 4.18+, the _mapcount marker before (page.c).
 *  - flag names from the DWARF enum pageflags.
 */
#ifndef KS_PAGE_H
#define KS_PAGE_H
#include <stdbool.h>
#include <stdint.h>

#include "../kernel/kernel.h"

struct page_info {
    uint64_t page, pfn, flags, mapping, index, private;
    int64_t count, mapcount;
    uint32_t page_type;
};

int pfn_to_page(struct kernel *k, uint64_t pfn, uint64_t *page, ks_err *err);
int page_to_pfn(struct kernel *k, uint64_t page, uint64_t *pfn, ks_err *err);
/* If addr lies inside a struct page of mem_map: that struct page and the frame it describes. */
int page_struct_containing(struct kernel *k, uint64_t addr, uint64_t *page, uint64_t *pfn);
struct memory_model {
    bool sparse;
    uint64_t mem_map;                  /* FLATMEM: mem_map (the struct page of pfn 0) */
    unsigned section_size_bits;        /* SPARSEMEM */
    uint64_t nr_sections;              /* NR_MEM_SECTIONS */
    const struct mem_section_info *sections;   /* those with a mem_map (mm/sparse.h) */
    size_t nsections;
};
int memory_model(struct kernel *k, struct memory_model *m, ks_err *err);
/* The frames that have a struct page, as ascending ranges (one under FLATMEM). */
int mem_map_ranges(struct kernel *k, const struct pfn_range **ranges, size_t *n, ks_err *err);
/* mm/page_alloc.c's get_pageblock_bitmap() and pfn_to_bitidx(): the bitmap holding pfn's pageblock
 * bits (under FLATMEM zone_bitmap, the zone's pageblock_flags as the caller read it once; under
 * SPARSEMEM the section's, zone_bitmap unused), and the pageblock's index in it. Fails for a frame
 * in a SPARSEMEM hole. */
int pageblock_bitmap(struct kernel *k, uint64_t zone_bitmap, uint64_t zone_start_pfn, uint64_t pfn, unsigned pageblock_order,
                     uint64_t *bitmap, uint64_t *block, ks_err *err);
int page_info_read(struct kernel *k, uint64_t page, struct page_info *pi, ks_err *err);
/* Every struct page that has a frame (mem_map_ranges), in pfn order, handed to fn a batch at a time:
 * mem_map is read a stretch at once rather than a struct page at a time (kmem -p over 1.57 M
 * pages). fn returns non-zero (with err set) to stop the walk; Ctrl-C stops it between batches. */
typedef int (*page_batch_fn)(struct kernel *k, const struct page_info *pages, size_t n, void *arg, ks_err *err);
int for_each_page_batch(struct kernel *k, page_batch_fn fn, void *arg, ks_err *err);
bool page_is_buddy(struct kernel *k, const struct page_info *pi);
/* The head page of a compound page (a tail page stores head + 1 in compound_head); else page. */
int page_compound_head(struct kernel *k, uint64_t page, uint64_t *head, ks_err *err);
/* The same where the caller reads the head page next (and so reports a failed read itself): page
 * when compound_head cannot be read. */
uint64_t compound_head(struct kernel *k, uint64_t page);
bool page_is_slab(struct kernel *k, const struct page_info *pi);
/* "reserved,slab" style list of the set flag bits below NR_PAGEFLAGS. */
void page_flag_names(struct kernel *k, uint64_t flags, char *out, size_t outsz);

#endif

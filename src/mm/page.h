/*
 * page: struct page and mem_map, with drgn-style helpers.
 *  - pfn_to_page()/page_to_pfn(): FLATMEM (mem_map + pfn). SPARSEMEM kernels are detected (the
 *    mem_section symbol) and refused with a clear error: no sample proves that path yet.
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
/* Frames mem_map describes: [first, first + count). */
int mem_map_range(struct kernel *k, uint64_t *first_pfn, uint64_t *count, ks_err *err);
int page_info_read(struct kernel *k, uint64_t page, struct page_info *pi, ks_err *err);
bool page_is_buddy(struct kernel *k, const struct page_info *pi);
/* The head page of a compound page (a tail page stores head + 1 in compound_head); else page. */
uint64_t compound_head(struct kernel *k, uint64_t page);
bool page_is_slab(struct kernel *k, const struct page_info *pi);
/* "reserved,slab" style list of the set flag bits below NR_PAGEFLAGS. */
void page_flag_names(struct kernel *k, uint64_t flags, char *out, size_t outsz);

#endif

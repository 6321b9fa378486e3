/*
 * zone: the physical memory side — nodes (pg_data_t), their zones, each zone's buddy free areas,
 * and the kernel's counters.
 *  - for_each_zone(): contig_page_data on non-NUMA kernels, node_data[] on NUMA ones (chosen in
 *    zone.c: first_pgdat());
 *  - free lists: free_area[order].free_list[migratetype] on 2.6.24+, a single free_list before
 *    (zone.c: free_list_path()); MAX_ORDER and MIGRATE_TYPES are the DWARF array sizes;
 *  - a page is on a buddy list if PageBuddy() and page->private is its order (page.c).
 */
#ifndef KS_ZONE_H
#define KS_ZONE_H
#include <stdint.h>

#include "../kernel/kernel.h"

#define ZONE_MAX_ORDER 16
#define ZONE_MAX_MIGRATE 8

struct zone_info {
    uint64_t zone, pgdat;
    unsigned node, index;
    char name[32];
    uint64_t start_pfn, spanned, present, managed;
    uint64_t wmark[3];             /* min, low, high */
    uint64_t nr_free[ZONE_MAX_ORDER];   /* zone->free_area[order].nr_free */
    uint64_t free_pages;           /* vm_stat[NR_FREE_PAGES] */
    uint64_t pcp_pages;            /* free pages held on the per-CPU lists (not in buddy) */
    bool highmem;
};

struct zone_geometry {
    unsigned max_order, migrate_types;
    char migrate_name[ZONE_MAX_MIGRATE][24];
};

int zone_geometry(struct kernel *k, struct zone_geometry *g, ks_err *err);
int for_each_zone(struct kernel *k, int (*fn)(struct kernel *k, const struct zone_info *z, void *arg), void *arg, ks_err *err);
/* A zone's vm_stat[] item by its enum name (NR_FREE_PAGES, ...). */
int zone_stat(struct kernel *k, uint64_t zone, const char *item, uint64_t *v, ks_err *err);
/* Global counters: vm_zone_stat[] / vm_node_stat[] items by enum name. */
int global_zone_stat(struct kernel *k, const char *item, uint64_t *v, ks_err *err);
int global_node_stat(struct kernel *k, const char *item, uint64_t *v, ks_err *err);

/* One free block found on a free list. */
struct free_block {
    unsigned order, migratetype;
    uint64_t pfn, page;
    bool is_buddy;                 /* PageBuddy() */
    uint64_t page_order;           /* page->private */
};

/* Walk every free list of a zone; bounded by the zone's page count. */
int for_each_free_block(struct kernel *k, const struct zone_info *z, const struct zone_geometry *g,
                        int (*fn)(struct kernel *k, const struct free_block *b, void *arg), void *arg, ks_err *err);

#endif

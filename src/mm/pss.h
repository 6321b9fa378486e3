/*
 * pss: what a process's page tables map, as fs/proc/task_mmu.c counts it for smaps_rollup.
 *  - every present PTE of every VMA (a PROT_NONE PTE is present to the kernel), special PTEs
 *    (the zero page, VM_PFNMAP frames: vm_normal_page() gives no page) left out;
 *  - RSS split as the mm counters split it (mm_counter_file): anonymous (PageAnon), shmem
 *    (PageSwapBacked, not anonymous), file (the rest);
 *  - PSS as smaps_account(): a page whose head has page_count() == 1 counts whole; otherwise
 *    each page counts 1/page_mapcount(), in the kernel's fixed point (PSS_SHIFT);
 *  - USS: the pages smaps calls private (page_count() == 1 or page_mapcount() < 2);
 *  - swap: non-present PTEs holding a swap entry of a real swap device (type < nr_swapfiles).
 * Walks are bounded by the VMAs; each PTE table is read once.
 */
#ifndef KS_PSS_H
#define KS_PSS_H
#include <stdint.h>

#include "../kernel/kernel.h"
#include "vma.h"

#define PSS_SHIFT 12 /* fs/proc/task_mmu.c: PSS is kept in bytes << PSS_SHIFT */

struct page_usage {
    uint64_t rss, anon, file, shmem, swap; /* pages */
    uint64_t uss;                          /* pages mapped by this mm alone */
    uint64_t pss;                          /* bytes << PSS_SHIFT, as the kernel sums it */
};

/* The usage of one VMA (after it is counted); non-zero stops the walk. */
typedef int (*vma_usage_fn)(struct kernel *k, const struct vma_info *v, const struct page_usage *u, void *arg);

/* Each frame mm's page tables map (as counted for RSS: special PTEs left out), to fn. */
typedef void (*mapped_pfn_fn)(uint64_t pfn, void *arg);
int mm_mapped_frames(struct kernel *k, uint64_t mm, mapped_pfn_fn fn, void *arg, ks_err *err);

/* Sum the usage of every VMA of mm into total (zeroed first); fn (may be NULL) sees each VMA's. */
int mm_usage(struct kernel *k, uint64_t mm, struct page_usage *total, vma_usage_fn fn, void *arg, ks_err *err);
/* PSS in KB as smaps prints it: the fixed point shifted down, then bytes to KB. */
uint64_t pss_kb(const struct page_usage *u);

#endif

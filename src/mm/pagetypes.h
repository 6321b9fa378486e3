/*
 * pagetypes: each frame's /proc/kpageflags word and /proc/kpagecount value, computed from its
 * struct page as fs/proc/page.c does (stable_page_flags(), kpagecount_read()) on 5.10 and 6.1:
 * flag bits copied from page->flags by their enum pageflags names (DWARF), the pseudo flags
 * (MMAP, ANON, BUDDY, COMPOUND_HEAD/TAIL, ZERO_PAGE, PGTABLE, OFFLINE...) from mapcount, page_type,
 * compound state and mapping. What the configuration leaves out (THP, hugetlb, KSM, swap) is
 * decided once, in pagetypes_init(), by what the vmlinux has.
 * Frames run from 0 to max_pfn (SPARSEMEM: rounded up to a section), as /proc/kpageflags does;
 * a frame with no struct page is KPF_NOPAGE.
 */
#ifndef KS_PAGETYPES_H
#define KS_PAGETYPES_H
#include <stdbool.h>
#include <stdint.h>

#include "../kernel/kernel.h"
#include "page.h"

/* include/uapi/linux/kernel-page-flags.h (an ABI: the numbers never change) */
enum kpf_bit {
    KPF_LOCKED = 0,
    KPF_ERROR = 1,
    KPF_REFERENCED = 2,
    KPF_UPTODATE = 3,
    KPF_DIRTY = 4,
    KPF_LRU = 5,
    KPF_ACTIVE = 6,
    KPF_SLAB = 7,
    KPF_WRITEBACK = 8,
    KPF_RECLAIM = 9,
    KPF_BUDDY = 10,
    KPF_MMAP = 11,
    KPF_ANON = 12,
    KPF_SWAPCACHE = 13,
    KPF_SWAPBACKED = 14,
    KPF_COMPOUND_HEAD = 15,
    KPF_COMPOUND_TAIL = 16,
    KPF_HUGE = 17,
    KPF_UNEVICTABLE = 18,
    KPF_HWPOISON = 19,
    KPF_NOPAGE = 20,
    KPF_KSM = 21,
    KPF_THP = 22,
    KPF_OFFLINE = 23,
    KPF_ZERO_PAGE = 24,
    KPF_IDLE = 25,
    KPF_PGTABLE = 26,
    KPF_RESERVED = 32,
    KPF_MLOCKED = 33,
    KPF_MAPPEDTODISK = 34,
    KPF_PRIVATE = 35,
    KPF_PRIVATE_2 = 36,
    KPF_OWNER_PRIVATE = 37,
    KPF_ARCH = 38,
    KPF_UNCACHED = 39,
    KPF_SOFTDIRTY = 40,
    KPF_ARCH_2 = 41,
};

/* "BUDDY", "MMAP"... for a KPF bit; NULL for an unnamed one. */
const char *kpf_name(unsigned bit);

#define PAGETYPES_COPIED_MAX 24

/* What one pass needs to know about the kernel, resolved once, and what it last looked at. */
struct pagetypes {
    struct kernel *k;
    unsigned max_order;
    uint64_t page_size, max_dump_pfn;
    uint64_t mem_map, max_mapnr; /* FLATMEM: pfn_valid() */
    int64_t pg_head, pg_slab, pg_lru, pg_swapbacked, pg_swapcache;
    struct {
        unsigned kpf;
        int64_t pg;
    } copied[PAGETYPES_COPIED_MAX]; /* kpf_copy_bit() pairs this kernel has */
    unsigned ncopied;
    uint32_t pg_table_type; /* page_type bit of PageTable(), learned from a page table (pagetypes.c) */
    uint64_t zero_pfn, huge_zero_page;
    bool thp, hugetlb, ksm, swap;
    int64_t hugetlb_dtor;
    /* the last free block and compound head seen: frames come in order */
    uint64_t free_start, free_end;
    uint64_t head_page;
    struct page_info head;
};

/* One frame as fs/proc/page.c reports it. */
struct frame_info {
    uint64_t pfn, kpf, kpagecount;
    bool has_page;
    struct page_info pi; /* valid when has_page */
    uint64_t head;       /* compound head's struct page (the page itself when not compound) */
    struct page_info hi; /* the head's (a copy of pi when not compound) */
    bool tail;
    uint64_t free_head; /* KPF_BUDDY: the free block holding it, and its order */
    unsigned free_order;
};

int pagetypes_init(struct kernel *k, struct pagetypes *pt, ks_err *err);
int pagetypes_frame(struct pagetypes *pt, uint64_t pfn, struct frame_info *fi, ks_err *err);

#endif

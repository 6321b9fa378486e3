/*
 * census: every physical frame once, each given one owner class (issue 14, crash's spirit):
 * free (buddy, by order), per-CPU free lists, slab (by cache), page tables (by mm), kernel
 * stacks (by task), anonymous, page cache (file and shmem), swap cache, the kernel image,
 * mem_map itself, other reserved frames, vmalloc, holes, and "unaccounted" for what none explains.
 * One pass over mem_map (mm/pagetypes.c gives each frame's /proc/kpageflags word), after walks
 * that tag what struct page does not say: the per-CPU lists, every mm's page tables, every task's
 * stack, vmalloc's pages (census_tags.c). Totals are set beside the kernel's own counters.
 */
#ifndef KS_CENSUS_H
#define KS_CENSUS_H
#include <stdint.h>

#include "../kernel/kernel.h"
#include "../util/hashmap.h"
#include "zone.h"

enum census_class {
    CC_HOLE,
    CC_FREE,
    CC_PCP,
    CC_SLAB,
    CC_PAGETABLE,
    CC_STACK,
    CC_VMALLOC,
    CC_BLK_MQ,
    CC_ANON,
    CC_FILE,
    CC_SHMEM,
    CC_SWAPCACHE,
    CC_KERNEL_IMAGE,
    CC_MEM_MAP,
    CC_RESERVED,
    CC_UNACCOUNTED,
    CC_COUNT
};

const char *census_class_name(enum census_class c);

/* Pages owned by one thing (an mm, a task, a slab cache). */
struct census_owner {
    uint64_t id;   /* mm, task or kmem_cache address */
    uint64_t pid;  /* mm and task owners: a task using it */
    char *name;    /* comm, cache name or file path, whole (census_owner_name; NULL: none yet) */
    ks_err *error; /* why the name could not be read (census_owner_unreadable), or NULL */
    uint64_t pages;
};

/* Owners in the order first met; index maps an id (hex) to its place in v, so a caller that
 * reorders v (to show it) must ask census_owner() no more. */
struct census_owners {
    struct census_owner *v;
    size_t n, cap;
    struct hashmap index;
};

struct census {
    uint64_t frames; /* 0 to max_pfn, as /proc/kpageflags */
    /* frames of _text.._end: a stack there (swapper/0's init_thread_union) is the image's */
    uint64_t image_start, image_end;
    uint64_t pages[CC_COUNT];
    uint64_t free_blocks[ZONE_MAX_ORDER];
    uint8_t *class_of;                                     /* per frame: its enum census_class */
    uint8_t *tag;                                          /* per frame: what a walk found there (census_tags.c) */
    struct census_owners pagetables, stacks, slabs, files; /* files: by address_space */
};

int census_take(struct kernel *k, struct census *c, ks_err *err);
/* The class most of frames [first, first + n) have (pictures and maps draw one cell per run). */
unsigned census_cell_class(const struct census *c, uint64_t first, uint64_t n);
void census_free(struct census *c);

/* census_tags.c: the walks that tag frames before the pass. tag values: */
enum census_tag { TAG_NONE, TAG_PCP, TAG_PAGETABLE, TAG_STACK, TAG_VMALLOC, TAG_BLK_MQ };
/* Tag a frame for an owner; a frame tagged before keeps its first tag. Returns 1 if newly tagged. */
int census_tag_frame(struct census *c, uint64_t pfn, enum census_tag tag);
/* census_blk.c: blk-mq's request pools (blk_mq_tags.page_list of every disk's queue). */
int census_tag_blk_mq(struct kernel *k, struct census *c, ks_err *err);
int census_tag_pcp(struct kernel *k, struct census *c, ks_err *err);
int census_tag_pagetables(struct kernel *k, struct census *c, ks_err *err);
int census_tag_stacks(struct kernel *k, struct census *c, ks_err *err);
int census_tag_vmalloc(struct kernel *k, struct census *c, ks_err *err);
/* The pages the per-CPU lists say they hold (per_cpu_pages.count, every zone and CPU). */
int census_pcp_count(struct kernel *k, uint64_t *pages, ks_err *err);
/* A page-cache mapping's file as "FSTYPE:/path inside that filesystem" (census_tags.c). */
int census_file_name(struct kernel *k, uint64_t mapping, char *out, size_t outsz, ks_err *err);
/* The owner with this id (added with pages 0 if new). */
struct census_owner *census_owner(struct census_owners *o, uint64_t id);
/* Name the owner (a copy of name, whole); a name given before is replaced. */
void census_owner_name(struct census_owner *o, const char *name);
/* The owner's name could not be read: it keeps its pages, with the error (copied). */
void census_owner_unreadable(struct census_owner *o, const ks_err *e);
void census_owners_free(struct census_owners *o);

#endif

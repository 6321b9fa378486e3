#include "census.h"

#include <stdlib.h>
#include <string.h>

#include "pagetypes.h"

static const char *const class_names[CC_COUNT] = {
    [CC_HOLE] = "hole",       [CC_FREE] = "free",           [CC_PCP] = "percpu_free",
    [CC_SLAB] = "slab",       [CC_PAGETABLE] = "pagetable", [CC_STACK] = "kernel_stack",
    [CC_VMALLOC] = "vmalloc", [CC_BLK_MQ] = "blk_mq_requests", [CC_ANON] = "anon",           [CC_FILE] = "file",
    [CC_SHMEM] = "shmem",     [CC_SWAPCACHE] = "swapcache", [CC_KERNEL_IMAGE] = "kernel_image",
    [CC_MEM_MAP] = "mem_map", [CC_RESERVED] = "reserved",   [CC_UNACCOUNTED] = "unaccounted",
};

const char *census_class_name(enum census_class c)
{
    return c < CC_COUNT ? class_names[c] : "?";
}

/* Physical ranges the kernel itself occupies. */
struct kernel_ranges {
    uint64_t image_start, image_end;   /* frames of _text.._end */
    uint64_t memmap_start, memmap_end; /* FLATMEM: the frames mem_map lies in */
};

static int kernel_ranges(struct kernel *k, struct kernel_ranges *r, ks_err *err)
{
    uint64_t text, end, pa;
    struct memory_model m;
    memset(r, 0, sizeof *r);
    if (ksym_addr(k, "_text", &text, err) || ksym_addr(k, "_end", &end, err) || kvtop(k, text, &pa, err))
        return -1;
    r->image_start = pa >> KS_PAGE_SHIFT;
    r->image_end = r->image_start + ((end - text + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT);
    if (memory_model(k, &m, err))
        return -1;
    if (!m.sparse) {
        uint64_t max_mapnr, first;
        if (kvar_read_int(k, "max_mapnr", NULL, &max_mapnr, err) || kvtop(k, m.mem_map, &first, err))
            return -1;
        r->memmap_start = first >> KS_PAGE_SHIFT;
        r->memmap_end = (first + max_mapnr * ktype_size(k, "struct page") + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT;
    }
    return 0;
}

/* SPARSEMEM: whether the frame holds part of some section's mem_map (a struct page lies in it). */
static bool in_sparse_memmap(struct kernel *k, uint64_t pfn)
{
    uint64_t page, described;
    uint64_t va = k->page_offset + (pfn << KS_PAGE_SHIFT);
    if (pfn >= (0x100000000ull - k->page_offset) >> KS_PAGE_SHIFT)
        return false; /* not in the direct map: no mem_map there on i386 */
    return page_struct_containing(k, va, &page, &described) == 0 ||
           page_struct_containing(k, va + KS_PAGE_SIZE - 1, &page, &described) == 0;
}

static enum census_class reserved_class(struct kernel *k, const struct kernel_ranges *r, bool sparse, uint64_t pfn)
{
    if (pfn >= r->image_start && pfn < r->image_end)
        return CC_KERNEL_IMAGE;
    if (pfn >= r->memmap_start && pfn < r->memmap_end)
        return CC_MEM_MAP;
    if (sparse && in_sparse_memmap(k, pfn))
        return CC_MEM_MAP;
    return CC_RESERVED;
}

static int slab_cache_of(struct kernel *k, struct census *c, const struct frame_info *fi, ks_err *err)
{
    const char *type = kdwarf_type(k->dwarf, "struct slab") ? "struct slab" : "struct page"; /* struct slab: 5.17+ */
    uint64_t cache;
    if (kread_member(k, fi->head, type, "slab_cache", &cache, err))
        return -1;
    census_owner(&c->slabs, cache)->pages++;
    return 0;
}

struct census_pass {
    struct kernel *k;
    struct census *c;
    struct pagetypes pt;
    struct kernel_ranges r;
    bool sparse;
};

static const enum census_class tag_class[] = {
    [TAG_NONE] = CC_UNACCOUNTED, [TAG_PCP] = CC_PCP,         [TAG_PAGETABLE] = CC_PAGETABLE,
    [TAG_STACK] = CC_STACK,      [TAG_VMALLOC] = CC_VMALLOC,   [TAG_BLK_MQ] = CC_BLK_MQ,
};

/* One owner per frame, the most telling first: what the allocator says (free, slab, page-table
 * type), then reserved memory, then what the walks found, then what the mapping says. */
static int classify(struct census_pass *p, const struct frame_info *fi, enum census_class *cls, ks_err *err)
{
    uint64_t kpf = fi->kpf, mapping = fi->hi.mapping;
    enum census_tag tag = (enum census_tag)p->c->tag[fi->pfn];
    if (!fi->has_page)
        *cls = CC_HOLE;
    else if (kpf >> KPF_BUDDY & 1)
        *cls = CC_FREE;
    else if (kpf >> KPF_SLAB & 1) {
        *cls = CC_SLAB;
        return slab_cache_of(p->k, p->c, fi, err);
    } else if (kpf >> KPF_PGTABLE & 1)
        *cls = CC_PAGETABLE;
    else if (kpf >> KPF_RESERVED & 1)
        *cls = reserved_class(p->k, &p->r, p->sparse, fi->pfn);
    else if (tag != TAG_NONE)
        *cls = tag_class[tag];
    else if (kpf >> KPF_SWAPCACHE & 1)
        *cls = CC_SWAPCACHE;
    else if (kpf >> KPF_ANON & 1)
        *cls = CC_ANON;
    else if (mapping && !(mapping & 3)) { /* an address_space: the page cache */
        *cls = (kpf >> KPF_SWAPBACKED & 1) ? CC_SHMEM : CC_FILE;
        census_owner(&p->c->files, mapping)->pages++;
    } else
        *cls = CC_UNACCOUNTED;
    return 0;
}

static int census_pass(struct census_pass *p, ks_err *err)
{
    struct census *c = p->c;
    for (uint64_t pfn = 0; pfn < c->frames; pfn++) {
        struct frame_info fi;
        enum census_class cls;
        if (pagetypes_frame(&p->pt, pfn, &fi, err) || classify(p, &fi, &cls, err))
            return -1;
        if (cls == CC_FREE && fi.free_head == pfn && fi.free_order < ZONE_MAX_ORDER)
            c->free_blocks[fi.free_order]++;
        c->class_of[pfn] = (uint8_t)cls;
        c->pages[cls]++;
    }
    return 0;
}

static int census_tags(struct kernel *k, struct census *c, ks_err *err)
{
    return census_tag_pcp(k, c, err) || census_tag_pagetables(k, c, err) || census_tag_stacks(k, c, err) ||
           census_tag_vmalloc(k, c, err) || census_tag_blk_mq(k, c, err);
}

int census_take(struct kernel *k, struct census *c, ks_err *err)
{
    struct census_pass *p = xcalloc(1, sizeof *p);
    struct memory_model m;
    memset(c, 0, sizeof *c);
    p->k = k;
    p->c = c;
    int rc = pagetypes_init(k, &p->pt, err) || kernel_ranges(k, &p->r, err) || memory_model(k, &m, err) ? -1 : 0;
    if (!rc) {
        p->sparse = m.sparse;
        c->frames = p->pt.max_dump_pfn;
        c->image_start = p->r.image_start;
        c->image_end = p->r.image_end;
        c->class_of = xcalloc(c->frames ? c->frames : 1, 1);
        c->tag = xcalloc(c->frames ? c->frames : 1, 1);
        rc = census_tags(k, c, err) || census_pass(p, err) ? -1 : 0;
    }
    free(p);
    return rc;
}

unsigned census_cell_class(const struct census *c, uint64_t first, uint64_t n)
{
    uint64_t count[CC_COUNT] = {0};
    unsigned best = CC_HOLE;
    for (uint64_t p = first; p < first + n && p < c->frames; p++)
        count[c->class_of[p]]++;
    for (unsigned i = 0; i < CC_COUNT; i++)
        if (count[i] > count[best])
            best = i;
    return best;
}

void census_free(struct census *c)
{
    free(c->class_of);
    free(c->tag);
    census_owners_free(&c->pagetables);
    census_owners_free(&c->stacks);
    census_owners_free(&c->slabs);
    census_owners_free(&c->files);
    memset(c, 0, sizeof *c);
}

/* kmem -p: struct pages (PAGE PHYSICAL MAPPING INDEX CNT FLAGS); kmem ADDRESS: what an address is. */
#include <inttypes.h>
#include <string.h>

#include "../mm/buddy.h"
#include "../mm/page.h"
#include "../mm/slab.h"
#include "../mm/task.h"
#include "../mm/vma.h"
#include "../mm/zone.h"
#include "kmem.h"

static int one_page(struct table *t, uint64_t pfn, ks_err *err)
{
    uint64_t page;
    struct page_info pi;
    if (pfn_to_page(&t->s->k, pfn, &page, err) || page_info_read(&t->s->k, page, &pi, err))
        return -1;
    cmd_page_row(t, &pi);
    return 0;
}

static int page_rows(struct kernel *k, const struct page_info *pages, size_t n, void *arg, ks_err *err)
{
    (void)k;
    (void)err;
    for (size_t i = 0; i < n; i++)
        cmd_page_row(arg, &pages[i]);
    return 0;
}

int kmem_pages(struct session *s, const char *cmd, int argc, char **argv)
{
    ks_err err;
    const struct pfn_range *ranges;
    size_t nranges;
    if (mem_map_ranges(&s->k, &ranges, &nranges, &err))
        return cmd_fail_err(s, cmd, &err);
    struct table t;
    cmd_page_table(s, &t, "pages");
    table_set_header(&t, HEADER_WITH_ROWS); /* the column header goes out with the first line, not before an error */
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        uint64_t pa;
        if (!parse_u64(argv[i], 16, &pa))
            rc = ks_fail(&err, "bad physical address %s", argv[i]);
        else
            rc = one_page(&t, pa >> KS_PAGE_SHIFT, &err);
    }
    if (argc == 0) /* every struct page (SPARSEMEM holes have none), mem_map read in batches */
        rc = for_each_page_batch(&s->k, page_rows, &t, &err);
    return table_end(&t, rc) ? cmd_fail_err(s, cmd, &err) : 0;
}

/* ---- kmem ADDRESS ---- */

#define MAX_MAPPERS 16

struct mapper {
    uint64_t pid, vaddr, vma, start, end;
    char comm[17], perms[5], file[512];
};

/* What an address turned out to be. */
struct address_facts {
    uint64_t addr, paddr;
    bool kernel_virtual;
    char symbol[96];
    struct page_info page;
    enum { ADDR_IN_USE, ADDR_FREE, ADDR_SLAB, ADDR_MAPPED } state;
    uint64_t free_head;
    unsigned free_order;
    struct slab_object slab;
    unsigned nmappers;
    struct mapper mappers[MAX_MAPPERS];
    bool in_mem_map; /* the address is inside a struct page: the one of frame described_pfn */
    uint64_t page_struct, described_pfn;
};

struct vma_scan {
    struct address_facts *f;
    const struct task_info *ti;
    uint64_t pgd_paddr; /* the mm's page directory, found once per address space */
};

static int check_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vma_scan *vs = arg;
    struct address_facts *f = vs->f;
    for (uint64_t va = v->start; va < v->end && f->nmappers < MAX_MAPPERS; va += KS_PAGE_SIZE) {
        struct pt_walk w;
        if (kpt_walk(k, vs->pgd_paddr, va, &w, NULL) || w.result != PT_MAPPED ||
            w.paddr >> KS_PAGE_SHIFT != f->page.pfn)
            continue;
        struct mapper *m = &f->mappers[f->nmappers++];
        *m = (struct mapper){vs->ti->pid, va, v->vma, v->start, v->end, "", "", ""};
        snprintf(m->comm, sizeof m->comm, "%s", vs->ti->comm);
        snprintf(m->perms, sizeof m->perms, "%s", v->perms);
        snprintf(m->file, sizeof m->file, "%s", v->name);
    }
    return 0;
}

/* Reverse mapping the slow, sure way: every user address space's page tables. */
static int check_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    if (!ti->mm || ti->tgid != ti->pid)
        return 0; /* one look per address space */
    struct vma_scan vs = {arg, ti, 0};
    if (mm_pgd_paddr(k, ti->mm, &vs.pgd_paddr, NULL))
        return 0;
    for_each_vma(k, ti->mm, check_vma, &vs, NULL);
    return 0;
}

static int gather(struct session *s, uint64_t kaddr, struct address_facts *f, ks_err *err)
{
    struct kernel *k = &s->k;
    uint64_t page;
    struct zone_geometry g;
    if (pfn_to_page(k, f->paddr >> KS_PAGE_SHIFT, &page, err) || page_info_read(k, page, &f->page, err) ||
        zone_geometry(k, &g, err))
        return -1;
    if (buddy_block_of(k, f->page.pfn, g.max_order, &f->free_head, &f->free_order)) {
        f->state = ADDR_FREE;
        return 0;
    }
    int r = kaddr ? slab_object_at(k, page, kaddr, &f->slab, err) : 0;
    if (r < 0)
        return -1;
    if (r > 0) {
        f->state = ADDR_SLAB;
        return 0;
    }
    struct page_info head;
    if (page_info_read(k, compound_head(k, page), &head, err))
        return -1;
    if (head.mapping && !page_is_slab(k, &head) && for_each_task(k, check_task, f, err))
        return -1;
    f->state = f->nmappers ? ADDR_MAPPED : ADDR_IN_USE;
    return 0;
}

/* For programs the facts as members; for people crash-like sentences around the page's line. */
static const struct column facts_cols[] = {
    COL_JSON(CT_HEX, "address"), COL_JSON(CT_HEX, "paddr"),           COL_JSON(CT_STR, "kind"),
    COL_JSON(CT_STR, "symbol"),  COL_JSON(CT_STR, "state"),           COL_LIST("page"),
    COL_LIST("struct_page_of"),  COL_JSON(CT_UNSIGNED, "free_order"), COL_JSON(CT_HEX, "free_block_pfn"),
    COL_JSON(CT_STR, "cache"),   COL_JSON(CT_HEX, "object"),          COL_JSON(CT_BOOL, "object_free"),
    COL_LIST("mapped_by"),
};

static const struct column struct_page_cols[] = {
    COL_JSON(CT_HEX, "page"),
    COL_JSON(CT_HEX, "paddr"),
};

static const struct column mapper_cols[] = {
    COL_JSON(CT_UNSIGNED, "pid"),
    COL_JSON(CT_HEX, "vaddr"),
    COL_JSON(CT_HEX, "vma"),
    COL_JSON(CT_STR, "file"),
};

static void put_what(struct table *r, const struct address_facts *f)
{
    static const char *const state[] = {"in use", "free", "slab", "mapped"};
    if (f->kernel_virtual)
        table_text(r, "%" PRIx64 ": kernel virtual, physical %" PRIx64 "%s%s\n", f->addr, f->paddr, f->symbol[0] ? ", " : "",
                   f->symbol);
    else
        table_text(r, "%" PRIx64 ": physical address\n", f->addr);
    put_u(r, "address", f->addr);
    put_u(r, "paddr", f->paddr);
    put_s(r, "kind", f->kernel_virtual ? "kernel virtual" : "physical");
    put_s(r, "symbol", f->symbol[0] ? f->symbol : NULL);
    put_s(r, "state", state[f->state]);
}

static void put_struct_page_of(struct table *r, const struct address_facts *f)
{
    if (!f->in_mem_map) {
        put_null(r, "struct_page_of");
        return;
    }
    table_text(r, "STRUCT PAGE: %" PRIx64 "+%" PRIu64 " is the struct page of pfn %" PRIx64 " (physical %" PRIx64 ")\n",
               f->page_struct, f->addr - f->page_struct, f->described_pfn, f->described_pfn << KS_PAGE_SHIFT);
    struct table t;
    object_begin_in(r, &t, "struct_page_of", struct_page_cols);
    put_u(&t, "page", f->page_struct);
    put_u(&t, "paddr", f->described_pfn << KS_PAGE_SHIFT);
    table_end(&t, 0);
}

static void put_state(struct table *r, const struct address_facts *f)
{
    if (f->state == ADDR_FREE) {
        table_text(r, "FREE: in a free buddy block of order %u (%u pages) starting at pfn %" PRIx64 "\n", f->free_order,
                   1u << f->free_order, f->free_head);
        put_u(r, "free_order", f->free_order);
        put_u(r, "free_block_pfn", f->free_head);
    } else if (f->state == ADDR_SLAB) {
        table_text(r, "SLAB: cache %s (%" PRIx64 "), slab %" PRIx64 ", object %" PRIx64 " (%s)\n", f->slab.cache_name,
                   f->slab.cache, f->slab.slab, f->slab.object, f->slab.free ? "free" : "allocated");
        put_s(r, "cache", f->slab.cache_name);
        put_u(r, "object", f->slab.object);
        put_b(r, "object_free", f->slab.free);
    } else if (f->state == ADDR_IN_USE) {
        table_text(r, "IN USE: count %" PRId64 "%s\n", f->page.count, f->page.mapping ? "" : ", no mapping (kernel memory)");
    }
}

static void put_mappers(struct table *r, const struct address_facts *f)
{
    struct table t;
    table_begin_in(r, &t, "mapped_by", mapper_cols);
    for (unsigned i = 0; i < f->nmappers; i++) {
        const struct mapper *m = &f->mappers[i];
        table_text(r, "MAPPED: PID %" PRIu64 " (%s) at %" PRIx64 "  VMA %" PRIx64 " %" PRIx64 "-%" PRIx64 " %s %s\n", m->pid,
                   m->comm, m->vaddr, m->vma, m->start, m->end, m->perms, m->file);
        row_begin(&t);
        put_u(&t, "pid", m->pid);
        put_u(&t, "vaddr", m->vaddr);
        put_u(&t, "vma", m->vma);
        put_s(&t, "file", m->file[0] ? m->file : NULL);
        row_end(&t);
    }
    table_end(&t, 0);
}

static void print_facts(struct session *s, const struct address_facts *f)
{
    struct table r, page;
    record_begin(s, &r, facts_cols);
    put_what(&r, f);
    cmd_page_table_in(&r, &page, "page", SHAPE_LIST);
    cmd_page_row(&page, &f->page);
    table_end(&page, 0);
    put_struct_page_of(&r, f);
    put_state(&r, f);
    put_mappers(&r, f);
    record_end(&r, 0);
}

int kmem_address(struct session *s, const char *cmd, const char *arg)
{
    struct address_facts f;
    ks_err err;
    memset(&f, 0, sizeof f);
    if (cmd_parse_addr(s, arg, &f.addr, &err))
        return cmd_fail_err(s, cmd, &err);
    uint64_t high = 0, kaddr = 0;
    kvar_read_int(&s->k, "high_memory", NULL, &high, NULL);
    /* Kernel space is PAGE_OFFSET..4 GB; below it, or past 4 GB (PAE), a number is physical. */
    if (f.addr >= s->k.page_offset && f.addr <= s->k.arch->vaddr_max) {
        f.kernel_virtual = true;
        if (kvtop(&s->k, f.addr, &f.paddr, &err))
            return cmd_fail_err(s, cmd, &err);
        uint64_t delta;
        const struct ksym *sym = ksym_at(&s->k, f.addr, &delta);
        if (sym)
            snprintf(f.symbol, sizeof f.symbol, delta ? "%s+%" PRIu64 : "%s", sym->name, delta);
        if (f.addr < high)
            kaddr = f.addr;
        f.in_mem_map = page_struct_containing(&s->k, f.addr, &f.page_struct, &f.described_pfn) == 0;
    } else {
        f.paddr = f.addr;
    }
    if (!kaddr && f.paddr + s->k.page_offset < high)
        kaddr = f.paddr + s->k.page_offset; /* its direct-map alias */
    if (gather(s, kaddr, &f, &err))
        return cmd_fail_err(s, cmd, &err);
    print_facts(s, &f);
    return 0;
}

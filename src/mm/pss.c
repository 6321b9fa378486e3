#include "pss.h"

#include <inttypes.h>
#include <string.h>

#include "page.h"
#include "task.h"

/* arch/x86/include/asm/pgtable_types.h: _PAGE_BIT_SPECIAL (_PAGE_BIT_SOFTW1). pte_special() PTEs
 * have no struct page for vm_normal_page(): the zero page, VM_PFNMAP and VM_MIXEDMAP frames. */
#define PTE_SPECIAL (1ull << 9)

/* What one walk needs to know about the kernel, resolved once. */
struct usage_walk {
    struct kernel *k;
    int64_t pg_head, pg_swapbacked;
    uint64_t nr_swapfiles;
    struct page_usage *u;
    mapped_pfn_fn page_fn; /* each frame counted, for callers that want to know which (may be NULL) */
    void *page_arg;
};

static int walk_init(struct kernel *k, struct usage_walk *w, ks_err *err)
{
    memset(w, 0, sizeof *w);
    w->k = k;
    if (!kdwarf_enumerator(k->dwarf, "PG_head", &w->pg_head) || !kdwarf_enumerator(k->dwarf, "PG_swapbacked", &w->pg_swapbacked))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no PG_head or PG_swapbacked in enum pageflags");
    /* No CONFIG_SWAP: no swap devices, every non-present entry is something else. */
    if (ksym_has(k, "nr_swapfiles") && kvar_read_int(k, "nr_swapfiles", NULL, &w->nr_swapfiles, err))
        return -1;
    return 0;
}

/* The figures smaps_account() takes from a page: its head's refcount and flags, and its
 * page_mapcount() (a tail page adds the compound mapcount kept in the head's next page). */
struct mapped_page {
    bool anon, swapbacked;
    int64_t head_count, mapcount;
};

static int compound_mapcount(struct kernel *k, uint64_t head, int64_t *v, ks_err *err)
{
    uint64_t raw;
    uint64_t second = head + ktype_size(k, "struct page");
    if (kread_member(k, second, "struct page", "compound_mapcount.counter", &raw, err))
        return -1;
    *v = (int32_t)raw + 1;
    return 0;
}

static int mapped_page_read(struct usage_walk *w, uint64_t pfn, struct mapped_page *mp, ks_err *err)
{
    struct kernel *k = w->k;
    uint64_t page, head;
    struct page_info pi, hi;
    if (pfn_to_page(k, pfn, &page, err) || page_info_read(k, page, &pi, err) || page_compound_head(k, page, &head, err))
        return -1;
    hi = pi;
    if (head != page && page_info_read(k, head, &hi, err))
        return -1;
    mp->anon = hi.mapping & 1; /* PAGE_MAPPING_ANON */
    mp->swapbacked = hi.flags >> w->pg_swapbacked & 1;
    mp->head_count = hi.count;
    mp->mapcount = pi.mapcount + 1;
    bool compound = head != page || (pi.flags >> w->pg_head & 1);
    if (compound) {
        int64_t cm;
        if (compound_mapcount(k, head, &cm, err))
            return -1;
        mp->mapcount += cm;
    }
    return 0;
}

/* smaps_account() for one page mapped by a PTE. */
static void account_page(struct page_usage *u, const struct mapped_page *mp)
{
    uint64_t full = (uint64_t)KS_PAGE_SIZE << PSS_SHIFT;
    u->rss++;
    if (mp->anon)
        u->anon++;
    else if (mp->swapbacked)
        u->shmem++;
    else
        u->file++;
    if (mp->head_count == 1 || mp->mapcount < 2) {
        u->pss += full;
        u->uss++;
        return;
    }
    u->pss += full / (uint64_t)mp->mapcount;
}

static int account_pte(struct usage_walk *w, uint64_t pte, ks_err *err)
{
    const struct pt_format *f = w->k->paging;
    if (!(pte & (PTE_PRESENT | PTE_PROTNONE))) {
        uint64_t type, offset;
        if (!pte)
            return 0;
        pt_swap_decode(f, pte, &type, &offset);
        if (type < w->nr_swapfiles) /* migration and other special entries are not swap */
            w->u->swap++;
        return 0;
    }
    if (pte & PTE_SPECIAL)
        return 0;
    struct mapped_page mp;
    uint64_t pfn = (pte & f->frame_mask) >> KS_PAGE_SHIFT;
    if (mapped_page_read(w, pfn, &mp, err))
        return -1;
    account_page(w->u, &mp);
    if (w->page_fn)
        w->page_fn(pfn, w->page_arg);
    return 0;
}

static uint64_t read_entry(const struct pt_format *f, const uint8_t *table, uint64_t index)
{
    if (f->entry_size == 8) {
        uint64_t v;
        memcpy(&v, table + index * 8, 8);
        return v;
    }
    uint32_t v;
    memcpy(&v, table + index * 4, 4);
    return v;
}

/* The PTEs for [va, end) of one PTE table, whose entry for va was read at entry_paddr. */
static int account_table(struct usage_walk *w, uint64_t entry_paddr, uint64_t va, uint64_t end, ks_err *err)
{
    const struct pt_format *f = w->k->paging;
    const uint8_t *table = physmem_page(&w->k->mem, entry_paddr >> KS_PAGE_SHIFT, err);
    if (!table)
        return -1;
    uint64_t first = (entry_paddr & (KS_PAGE_SIZE - 1)) / f->entry_size;
    uint64_t n = (end - va) >> KS_PAGE_SHIFT;
    /* A table page holds 1024 entries on 2-level paging (512 with PAE); never more than fit it. */
    uint64_t entries[KS_PAGE_SIZE / 4];
    if (first + n > KS_PAGE_SIZE / f->entry_size)
        return ks_fail_kind(err, KS_E_CORRUPT, "PTE range of %" PRIu64 " entries past its table", n);
    /* copied first: the physmem cache may reuse the slot while the pages are read */
    for (uint64_t i = 0; i < n; i++)
        entries[i] = read_entry(f, table, first + i);
    for (uint64_t i = 0; i < n; i++)
        if (account_pte(w, entries[i], err))
            return -1;
    return 0;
}

/* A large page (PSE) ends the walk above the PTE level: each of its frames counts. */
static int account_large(struct usage_walk *w, const struct pt_walk *pw, uint64_t va, uint64_t end, ks_err *err)
{
    for (uint64_t a = va; a < end; a += KS_PAGE_SIZE) {
        uint64_t pa = pw->paddr - (pw->vaddr & (pw->page_size - 1)) + (a & (pw->page_size - 1));
        struct mapped_page mp;
        if (mapped_page_read(w, pa >> KS_PAGE_SHIFT, &mp, err))
            return -1;
        account_page(w->u, &mp);
        if (w->page_fn)
            w->page_fn(pa >> KS_PAGE_SHIFT, w->page_arg);
    }
    return 0;
}

static int account_range(struct usage_walk *w, uint64_t pgd_paddr, uint64_t start, uint64_t end, ks_err *err)
{
    const struct pt_format *f = w->k->paging;
    const struct pt_level *leaf = &f->levels[f->nlevels - 1];
    uint64_t span = 1ull << (leaf->shift + leaf->bits); /* what one PTE table maps */
    for (uint64_t va = start; va < end;) {
        uint64_t stop = (va | (span - 1)) + 1;
        if (stop > end || stop == 0)
            stop = end;
        struct pt_walk pw;
        if (pt_walk(f, &w->k->mem, pgd_paddr, va, &pw, err))
            return -1;
        int rc = 0;
        if (pw.nsteps == f->nlevels && !strcmp(pw.stop_level, leaf->name))
            rc = account_table(w, pw.steps[pw.nsteps - 1].entry_paddr, va, stop, err);
        else if (pw.result == PT_MAPPED)
            rc = account_large(w, &pw, va, stop, err);
        if (rc)
            return -1;
        va = stop;
    }
    return 0;
}

struct vma_walk {
    struct usage_walk *w;
    uint64_t pgd_paddr;
    struct page_usage *total;
    vma_usage_fn fn;
    void *arg;
    ks_err *err;
    int failed;
};

static void usage_add(struct page_usage *to, const struct page_usage *from)
{
    to->rss += from->rss;
    to->anon += from->anon;
    to->file += from->file;
    to->shmem += from->shmem;
    to->swap += from->swap;
    to->uss += from->uss;
    to->pss += from->pss;
}

static int one_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vma_walk *vw = arg;
    struct page_usage u = {0};
    vw->w->u = &u;
    if (account_range(vw->w, vw->pgd_paddr, v->start, v->end, vw->err)) {
        vw->failed = 1;
        return 1;
    }
    usage_add(vw->total, &u);
    return vw->fn ? vw->fn(k, v, &u, vw->arg) : 0;
}

static int usage_walk_all(struct kernel *k, uint64_t mm, struct page_usage *total, vma_usage_fn fn, void *arg,
                          mapped_pfn_fn page_fn, void *page_arg, ks_err *err)
{
    struct usage_walk w;
    memset(total, 0, sizeof *total);
    struct vma_walk vw = {.w = &w, .total = total, .fn = fn, .arg = arg, .err = err};
    if (walk_init(k, &w, err) || mm_pgd_paddr(k, mm, &vw.pgd_paddr, err))
        return -1;
    w.page_fn = page_fn;
    w.page_arg = page_arg;
    if (for_each_vma(k, mm, one_vma, &vw, err))
        return -1;
    return vw.failed ? -1 : 0;
}

int mm_usage(struct kernel *k, uint64_t mm, struct page_usage *total, vma_usage_fn fn, void *arg, ks_err *err)
{
    return usage_walk_all(k, mm, total, fn, arg, NULL, NULL, err);
}

int mm_mapped_frames(struct kernel *k, uint64_t mm, mapped_pfn_fn fn, void *arg, ks_err *err)
{
    struct page_usage total;
    return usage_walk_all(k, mm, &total, NULL, NULL, fn, arg, err);
}

uint64_t pss_kb(const struct page_usage *u)
{
    return (u->pss >> PSS_SHIFT) >> 10;
}

#include "pagetypes.h"

#include <string.h>

#include "buddy.h"
#include "sparse.h"
#include "task.h"
#include "vma.h"
#include "zone.h"

/* include/linux/page-flags.h (4.18+): typed pages keep page_type = ~type bits in _mapcount's word.
 * The type bits are #defines, absent from the DWARF. PG_table moved between kernels, so it is
 * learned from a known page table (learn_pg_table). PG_offline cannot be learned that way: only
 * a balloon or memory hot-unplug marks a frame offline, so a dump usually has none to read it
 * off. It is a constant because it never moved: 0x100 from its introduction (5.0) through every
 * kernel with this page_type layout (6.1 included); kernels that redefine page_type as an enum
 * (6.10+) also change the other bits this file reads, and would be a new generation here. */
#define PAGE_TYPE_BASE        0xf0000000u
#define PG_offline_type       0x00000100u
#define PAGE_MAPCOUNT_RESERVE (-128)
#define PAGE_MAPPING_ANON     1u
#define PAGE_MAPPING_FLAGS    3u
#define PAGE_MAPPING_KSM      3u

static const char *const kpf_names[64] = {
    [KPF_LOCKED] = "LOCKED",
    [KPF_ERROR] = "ERROR",
    [KPF_REFERENCED] = "REFERENCED",
    [KPF_UPTODATE] = "UPTODATE",
    [KPF_DIRTY] = "DIRTY",
    [KPF_LRU] = "LRU",
    [KPF_ACTIVE] = "ACTIVE",
    [KPF_SLAB] = "SLAB",
    [KPF_WRITEBACK] = "WRITEBACK",
    [KPF_RECLAIM] = "RECLAIM",
    [KPF_BUDDY] = "BUDDY",
    [KPF_MMAP] = "MMAP",
    [KPF_ANON] = "ANON",
    [KPF_SWAPCACHE] = "SWAPCACHE",
    [KPF_SWAPBACKED] = "SWAPBACKED",
    [KPF_COMPOUND_HEAD] = "COMPOUND_HEAD",
    [KPF_COMPOUND_TAIL] = "COMPOUND_TAIL",
    [KPF_HUGE] = "HUGE",
    [KPF_UNEVICTABLE] = "UNEVICTABLE",
    [KPF_HWPOISON] = "HWPOISON",
    [KPF_NOPAGE] = "NOPAGE",
    [KPF_KSM] = "KSM",
    [KPF_THP] = "THP",
    [KPF_OFFLINE] = "OFFLINE",
    [KPF_ZERO_PAGE] = "ZERO_PAGE",
    [KPF_IDLE] = "IDLE",
    [KPF_PGTABLE] = "PGTABLE",
    [KPF_RESERVED] = "RESERVED",
    [KPF_MLOCKED] = "MLOCKED",
    [KPF_MAPPEDTODISK] = "MAPPEDTODISK",
    [KPF_PRIVATE] = "PRIVATE",
    [KPF_PRIVATE_2] = "PRIVATE_2",
    [KPF_OWNER_PRIVATE] = "OWNER_PRIVATE",
    [KPF_ARCH] = "ARCH",
    [KPF_UNCACHED] = "UNCACHED",
    [KPF_SOFTDIRTY] = "SOFTDIRTY",
    [KPF_ARCH_2] = "ARCH_2",
};

const char *kpf_name(unsigned bit)
{
    return bit < 64 ? kpf_names[bit] : NULL;
}

/* stable_page_flags()'s kpf_copy_bit() lines; a PG_ bit the configuration leaves out of enum
 * pageflags (PG_hwpoison without MEMORY_FAILURE, PG_arch_2 on 32-bit...) is not copied there either. */
static const struct {
    unsigned kpf;
    const char *pg;
} copy_bits[] = {
    {KPF_LOCKED, "PG_locked"},
    {KPF_SLAB, "PG_slab"},
    {KPF_ERROR, "PG_error"},
    {KPF_DIRTY, "PG_dirty"},
    {KPF_UPTODATE, "PG_uptodate"},
    {KPF_WRITEBACK, "PG_writeback"},
    {KPF_LRU, "PG_lru"},
    {KPF_REFERENCED, "PG_referenced"},
    {KPF_ACTIVE, "PG_active"},
    {KPF_RECLAIM, "PG_reclaim"},
    {KPF_SWAPBACKED, "PG_swapbacked"},
    {KPF_UNEVICTABLE, "PG_unevictable"},
    {KPF_MLOCKED, "PG_mlocked"},
    {KPF_HWPOISON, "PG_hwpoison"},
    {KPF_UNCACHED, "PG_uncached"},
    {KPF_RESERVED, "PG_reserved"},
    {KPF_MAPPEDTODISK, "PG_mappedtodisk"},
    {KPF_PRIVATE, "PG_private"},
    {KPF_PRIVATE_2, "PG_private_2"},
    {KPF_OWNER_PRIVATE, "PG_owner_priv_1"},
    {KPF_ARCH, "PG_arch_1"},
    {KPF_ARCH_2, "PG_arch_2"},
    {KPF_IDLE, "PG_idle"}, /* page_is_idle() on 64-bit; 32-bit keeps it in page_ext (refused below) */
};

static int required_bit(struct kernel *k, const char *name, int64_t *bit, ks_err *err)
{
    if (!kdwarf_enumerator(k->dwarf, name, bit))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no %s in enum pageflags", name);
    return 0;
}

static void copied_bits(struct kernel *k, struct pagetypes *pt)
{
    for (size_t i = 0; i < ARRAY_SIZE(copy_bits) && pt->ncopied < PAGETYPES_COPIED_MAX; i++) {
        int64_t bit;
        if (!kdwarf_enumerator(k->dwarf, copy_bits[i].pg, &bit))
            continue;
        pt->copied[pt->ncopied].kpf = copy_bits[i].kpf;
        pt->copied[pt->ncopied].pg = bit;
        pt->ncopied++;
    }
}

/* ---- PageTable's page_type bit ----
 * The type bits are #defines, not in the DWARF, and PG_table moved: 0x400 while PG_kmemcg was
 * 0x200 (up to 5.10), 0x200 after. The kernel itself marks every user PTE table with
 * __SetPageTable() (pgtable_pte_page_ctor), so the bit is read off the first one found: the
 * page table of the first user VMA of the first process with an address space. */

struct table_probe {
    uint64_t pgd_paddr, table_pfn;
    bool found;
};

static int first_vma_table(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct table_probe *p = arg;
    const struct pt_format *f = k->paging;
    struct pt_walk w;
    if (pt_walk(f, &k->mem, p->pgd_paddr, v->start, &w, NULL) || w.nsteps != f->nlevels)
        return 0;
    if (strcmp(w.stop_level, f->levels[f->nlevels - 1].name))
        return 0;
    p->table_pfn = w.steps[w.nsteps - 1].entry_paddr >> KS_PAGE_SHIFT;
    p->found = true;
    return 1;
}

static int probe_process(struct kernel *k, uint64_t task, void *arg)
{
    struct table_probe *p = arg;
    uint64_t mm;
    if (task_mm(k, task, &mm, NULL) || !mm || mm_pgd_paddr(k, mm, &p->pgd_paddr, NULL))
        return 0;
    for_each_vma(k, mm, first_vma_table, p, NULL);
    return p->found;
}

static int learn_pg_table(struct pagetypes *pt, ks_err *err)
{
    struct kernel *k = pt->k;
    struct table_probe p = {0};
    uint64_t page;
    struct page_info pi;
    if (for_each_process(k, probe_process, &p, err) < 0)
        return -1;
    if (!p.found)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "no user page table to learn PageTable's page_type bit from");
    if (pfn_to_page(k, p.table_pfn, &page, err) || page_info_read(k, page, &pi, err))
        return -1;
    uint32_t cleared = ~pi.page_type & ~PAGE_TYPE_BASE;
    if ((pi.page_type & PAGE_TYPE_BASE) != PAGE_TYPE_BASE || !cleared || (cleared & (cleared - 1)) || cleared < 0x80)
        return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, page, "page table frame %#llx has page_type %#x, not one type bit",
                          (unsigned long long)p.table_pfn, pi.page_type);
    pt->pg_table_type = cleared;
    return 0;
}

/* ---- configuration ---- */

static int config_init(struct kernel *k, struct pagetypes *pt, ks_err *err)
{
    /* enum compound_dtor_id has these only when the kernel has hugetlb pages and THP */
    pt->hugetlb = kdwarf_enumerator(k->dwarf, "HUGETLB_PAGE_DTOR", &pt->hugetlb_dtor);
    int64_t dtor;
    pt->thp = kdwarf_enumerator(k->dwarf, "TRANSHUGE_PAGE_DTOR", &dtor);
    pt->ksm = ksym_has(k, "ksm_run");
    pt->swap = ksym_has(k, "nr_swapfiles");
    int64_t idle;
    if (ksym_has(k, "page_idle_ops") && !kdwarf_enumerator(k->dwarf, "PG_idle", &idle))
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "idle page tracking in page_ext (32-bit PAGE_IDLE_FLAG) is not read");
    if (kvar_read_int(k, "zero_pfn", NULL, &pt->zero_pfn, err))
        return -1;
    if (pt->thp && kvar_read_int(k, "huge_zero_page", NULL, &pt->huge_zero_page, err))
        return -1;
    return 0;
}

/* MAX_PHYSMEM_BITS on i386 (arch/x86/include/asm/pgtable_32_types.h / sparsemem.h): 36 with
 * PAE (8-byte entries), 32 without: no frame lies above these. */
static uint64_t physical_pfn_limit(const struct kernel *k)
{
    unsigned physmem_bits = k->paging->entry_size == 8 ? 36 : 32;
    return 1ull << (physmem_bits - KS_PAGE_SHIFT);
}

/* The dump's max_pfn sizes an array and a loop over every frame: a corrupt one must not. */
static int check_max_pfn(struct kernel *k, uint64_t max_pfn, ks_err *err)
{
    uint64_t limit = physical_pfn_limit(k);
    if (max_pfn > limit)
        return ks_fail_kind(err, KS_E_CORRUPT, "max_pfn %#llx is beyond the %#llx frames the architecture can address",
                            (unsigned long long)max_pfn, (unsigned long long)limit);
    if (max_pfn > k->dump->max_pfn)
        return ks_fail_kind(err, KS_E_CORRUPT, "max_pfn %#llx is beyond the %#llx frames the dump holds",
                            (unsigned long long)max_pfn, (unsigned long long)k->dump->max_pfn);
    return 0;
}

/* get_max_dump_pfn(): max_pfn, rounded up to a whole section under SPARSEMEM. FLATMEM's
 * pfn_valid() is pfn < max_mapnr, with mem_map the struct page of pfn 0. */
static int max_dump_pfn(struct kernel *k, struct pagetypes *pt, ks_err *err)
{
    struct memory_model m;
    uint64_t max_pfn;
    if (kvar_read_int(k, "max_pfn", NULL, &max_pfn, err) || check_max_pfn(k, max_pfn, err) || memory_model(k, &m, err))
        return -1;
    if (m.sparse) {
        uint64_t per_section = 1ull << (m.section_size_bits - KS_PAGE_SHIFT);
        max_pfn = (max_pfn + per_section - 1) & ~(per_section - 1);
    } else {
        if (kvar_read_int(k, "max_mapnr", NULL, &pt->max_mapnr, err))
            return -1;
        pt->mem_map = m.mem_map;
    }
    pt->max_dump_pfn = max_pfn;
    return 0;
}

int pagetypes_init(struct kernel *k, struct pagetypes *pt, ks_err *err)
{
    struct zone_geometry g;
    memset(pt, 0, sizeof *pt);
    pt->k = k;
    pt->page_size = ktype_size(k, "struct page");
    pt->free_end = 0;
    pt->head_page = 0;
    if (required_bit(k, "PG_head", &pt->pg_head, err) || required_bit(k, "PG_slab", &pt->pg_slab, err) ||
        required_bit(k, "PG_lru", &pt->pg_lru, err) || required_bit(k, "PG_swapbacked", &pt->pg_swapbacked, err) ||
        required_bit(k, "PG_swapcache", &pt->pg_swapcache, err))
        return -1;
    copied_bits(k, pt);
    if (zone_geometry(k, &g, err) || config_init(k, pt, err) || max_dump_pfn(k, pt, err) || learn_pg_table(pt, err))
        return -1;
    pt->max_order = g.max_order;
    return 0;
}

/* ---- one frame ---- */

static bool flag(uint64_t flags, int64_t bit)
{
    return flags >> bit & 1;
}

static int head_info(struct pagetypes *pt, struct frame_info *fi, ks_err *err)
{
    if (!fi->tail) {
        fi->hi = fi->pi;
        return 0;
    }
    if (pt->head_page != fi->head) {
        if (page_info_read(pt->k, fi->head, &pt->head, err))
            return -1;
        pt->head_page = fi->head;
    }
    fi->hi = pt->head;
    return 0;
}

/* A field of a compound page's first tail page (page[1]): compound_mapcount, compound_order... */
static int first_tail_field(struct pagetypes *pt, uint64_t head, const char *path, uint64_t *v, ks_err *err)
{
    return kread_member(pt->k, head + pt->page_size, "struct page", path, v, err);
}

/* folio_mapped() / 5.10's page_mapped(): a compound page is mapped when its compound mapcount is,
 * or (not hugetlb) any of its pages is. */
static int compound_mapped(struct pagetypes *pt, const struct frame_info *fi, bool huge, bool *mapped, ks_err *err)
{
    uint64_t v, order;
    if (first_tail_field(pt, fi->head, "compound_mapcount.counter", &v, err))
        return -1;
    *mapped = (int32_t)v >= 0;
    if (*mapped || huge)
        return 0;
    if (first_tail_field(pt, fi->head, "compound_order", &order, err))
        return -1;
    if (order >= pt->max_order)
        return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, fi->head, "compound page %#llx has order %llu, not below MAX_ORDER %u",
                          (unsigned long long)fi->head, (unsigned long long)order, pt->max_order);
    for (uint64_t i = 0; i < (1ull << order) && !*mapped; i++) {
        if (kread_member(pt->k, fi->head + i * pt->page_size, "struct page", "_mapcount.counter", &v, err))
            return -1;
        *mapped = (int32_t)v >= 0;
    }
    return 0;
}

static int page_huge(struct pagetypes *pt, const struct frame_info *fi, bool compound, bool *huge, ks_err *err)
{
    uint64_t dtor;
    *huge = false;
    if (!pt->hugetlb || !compound)
        return 0;
    if (first_tail_field(pt, fi->head, "compound_dtor", &dtor, err))
        return -1;
    *huge = (int64_t)dtor == pt->hugetlb_dtor;
    return 0;
}

/* is_free_buddy_page(), remembering the last block found: its frames come next. */
static int free_buddy(struct pagetypes *pt, struct frame_info *fi, bool *free, ks_err *err)
{
    uint64_t head;
    unsigned order;
    if (fi->pfn >= pt->free_start && fi->pfn < pt->free_end) {
        *free = true;
        return 0;
    }
    int r = buddy_block_find(pt->k, fi->pfn, pt->max_order, &head, &order, err);
    if (r < 0)
        return -1;
    *free = r > 0;
    if (*free) {
        pt->free_start = head;
        pt->free_end = head + (1ull << order);
    }
    return 0;
}

static bool typed(uint32_t page_type, uint32_t type)
{
    return (page_type & (PAGE_TYPE_BASE | type)) == PAGE_TYPE_BASE;
}

/* The mapping-derived and compound pseudo flags. */
static int mapping_flags(struct pagetypes *pt, struct frame_info *fi, uint64_t *u, ks_err *err)
{
    bool compound = fi->tail || flag(fi->pi.flags, pt->pg_head), huge, mapped;
    bool slab = flag(fi->hi.flags, pt->pg_slab); /* PageSlab() looks at the head */
    if (page_huge(pt, fi, compound, &huge, err))
        return -1;
    mapped = fi->hi.mapcount >= 0;
    if (compound && !slab && compound_mapped(pt, fi, huge, &mapped, err))
        return -1;
    if (!slab && mapped)
        *u |= 1ull << KPF_MMAP;
    if (fi->hi.mapping & PAGE_MAPPING_ANON)
        *u |= 1ull << KPF_ANON;
    if (pt->ksm && (fi->hi.mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_KSM)
        *u |= 1ull << KPF_KSM;
    if (flag(fi->pi.flags, pt->pg_head))
        *u |= 1ull << KPF_COMPOUND_HEAD;
    if (fi->tail)
        *u |= 1ull << KPF_COMPOUND_TAIL;
    if (huge)
        *u |= 1ull << KPF_HUGE;
    else if (pt->thp && compound) { /* PageTransCompound() is PageCompound() only with THP */
        if (flag(fi->hi.flags, pt->pg_lru) || (fi->hi.mapping & PAGE_MAPPING_ANON))
            *u |= 1ull << KPF_THP;
        else if (fi->head == pt->huge_zero_page)
            *u |= 1ull << KPF_ZERO_PAGE | 1ull << KPF_THP;
    } else if (fi->pfn == pt->zero_pfn)
        *u |= 1ull << KPF_ZERO_PAGE;
    return 0;
}

static int state_flags(struct pagetypes *pt, struct frame_info *fi, uint64_t *u, ks_err *err)
{
    bool free = false;
    if (page_is_buddy(pt->k, &fi->pi)) {
        if (fi->pi.private >= pt->max_order)
            return ks_fail_kind(err, KS_E_CORRUPT, "free frame %#llx has buddy order %llu, not below MAX_ORDER %u",
                                (unsigned long long)fi->pfn, (unsigned long long)fi->pi.private, pt->max_order);
        free = true;
        pt->free_start = fi->pfn;
        pt->free_end = fi->pfn + (1ull << fi->pi.private);
    } else if (fi->hi.count == 0 && free_buddy(pt, fi, &free, err))
        return -1;
    if (free) {
        *u |= 1ull << KPF_BUDDY;
        fi->free_head = pt->free_start;
        fi->free_order = 0;
        while ((1ull << fi->free_order) < pt->free_end - pt->free_start)
            fi->free_order++;
    }
    if (typed(fi->pi.page_type, PG_offline_type))
        *u |= 1ull << KPF_OFFLINE;
    if (typed(fi->pi.page_type, pt->pg_table_type))
        *u |= 1ull << KPF_PGTABLE;
    for (unsigned i = 0; i < pt->ncopied; i++)
        if (flag(fi->pi.flags, pt->copied[i].pg))
            *u |= 1ull << pt->copied[i].kpf;
    if (fi->tail && flag(fi->hi.flags, pt->pg_slab))
        *u |= 1ull << KPF_SLAB;
    if (pt->swap && flag(fi->hi.flags, pt->pg_swapbacked) && flag(fi->hi.flags, pt->pg_swapcache))
        *u |= 1ull << KPF_SWAPCACHE;
    return 0;
}

/* kpagecount_read(): page_mapcount(), 0 for slab and typed pages (their _mapcount is no count). */
static int kpagecount(struct pagetypes *pt, struct frame_info *fi, ks_err *err)
{
    bool compound = fi->tail || flag(fi->pi.flags, pt->pg_head);
    fi->kpagecount = 0;
    if (flag(fi->hi.flags, pt->pg_slab) || (int32_t)fi->pi.page_type < PAGE_MAPCOUNT_RESERVE)
        return 0;
    int64_t n = fi->pi.mapcount + 1;
    if (compound) {
        uint64_t v;
        if (first_tail_field(pt, fi->head, "compound_mapcount.counter", &v, err))
            return -1;
        n += (int32_t)v + 1;
    }
    fi->kpagecount = n > 0 ? (uint64_t)n : 0;
    return 0;
}

/* A FLATMEM frame below the node's first (pfn 0 when the node starts at 1): pfn_valid() is
 * pfn < max_mapnr, so the kernel reads mem_map[pfn], which memmap_init() set up as reserved;
 * ksleuth's mem_map model (page.c) stops at the node, so its fields are read one by one here. */
static int outside_node_page(struct pagetypes *pt, uint64_t pfn, uint64_t *page, struct page_info *pi, ks_err *err)
{
    static const char *const T = "struct page";
    uint64_t count, mapcount;
    struct kernel *k = pt->k;
    *page = pt->mem_map + pfn * pt->page_size;
    memset(pi, 0, sizeof *pi);
    pi->page = *page;
    pi->pfn = pfn;
    if (kread_member(k, *page, T, "flags", &pi->flags, err) || kread_member(k, *page, T, "mapping", &pi->mapping, err) ||
        kread_member(k, *page, T, "index", &pi->index, err) || kread_member(k, *page, T, "private", &pi->private, err) ||
        kread_member(k, *page, T, "_refcount.counter", &count, err) ||
        kread_member(k, *page, T, "_mapcount.counter", &mapcount, err))
        return -1;
    pi->count = (int32_t)count;
    pi->mapcount = (int32_t)mapcount;
    pi->page_type = (uint32_t)mapcount;
    return 0;
}

/* pfn_to_online_page(): the frame's struct page, 0 (no page) for a hole. */
static int frame_page(struct pagetypes *pt, uint64_t pfn, uint64_t *page, struct page_info *pi, ks_err *err)
{
    ks_err e;
    if (!pfn_to_page(pt->k, pfn, page, &e))
        return page_info_read(pt->k, *page, pi, err) ? -1 : 1;
    if (!ks_err_is(&e, KS_E_BAD_ARG))
        return ks_pass(err, &e);
    if (pt->mem_map && pfn < pt->max_mapnr)
        return outside_node_page(pt, pfn, page, pi, err) ? -1 : 1;
    return 0;
}

int pagetypes_frame(struct pagetypes *pt, uint64_t pfn, struct frame_info *fi, ks_err *err)
{
    uint64_t page;
    memset(fi, 0, sizeof *fi);
    fi->pfn = pfn;
    int r = frame_page(pt, pfn, &page, &fi->pi, err);
    if (r < 0)
        return -1;
    if (r == 0) {
        fi->kpf = 1ull << KPF_NOPAGE; /* a hole: no struct page */
        return 0;
    }
    fi->has_page = true;
    if (page_compound_head(pt->k, page, &fi->head, err))
        return -1;
    fi->tail = fi->head != page;
    uint64_t u = 0;
    if (head_info(pt, fi, err) || mapping_flags(pt, fi, &u, err) || state_flags(pt, fi, &u, err) || kpagecount(pt, fi, err))
        return -1;
    fi->kpf = u;
    return 0;
}

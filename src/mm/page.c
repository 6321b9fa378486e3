#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/interrupt.h"
#include "sparse.h"

/* page_type markers (include/linux/page-flags.h, 4.18+): a page is of type T when
 * (page_type & (PAGE_TYPE_BASE | T)) == PAGE_TYPE_BASE. #defines, so not in the DWARF. */
#define PAGE_TYPE_BASE 0xf0000000u
#define PG_buddy_type 0x00000080u
/* Before 4.18 a buddy page carried _mapcount == PAGE_BUDDY_MAPCOUNT_VALUE. */
#define PAGE_BUDDY_MAPCOUNT_VALUE (-128)

/* FLATMEM: mem_map is the struct page of pfn ARCH_PFN_OFFSET (0 on x86), even when the node starts
 * later: alloc_node_mem_map() moves it back by that much. Only [node_start_pfn, +spanned) exist. */
static int flatmem_load(struct kernel *k, ks_err *err)
{
    if (kvar_read_int(k, "mem_map", NULL, &k->memmap.base, err) ||
        kvar_read_int(k, "contig_page_data", "node_start_pfn", &k->memmap.first_pfn, err) ||
        kvar_read_int(k, "contig_page_data", "node_spanned_pages", &k->memmap.count, err))
        return -1;
    k->memmap.ranges = xcalloc(1, sizeof *k->memmap.ranges);
    k->memmap.ranges[0] = (struct pfn_range){ k->memmap.first_pfn, k->memmap.count };
    k->memmap.nranges = 1;
    return 0;
}

/* Ctrl-C is no property of the kernel: a model whose reading was stopped is forgotten, half-made
 * parts and all, so that the next command reads it again instead of failing forever. */
static int memmap_forget(struct kernel *k, ks_err *err)
{
    ks_err why = k->memmap.error;
    free(k->memmap.sections);
    free(k->memmap.section_index);
    free(k->memmap.ranges);
    memset(&k->memmap, 0, sizeof k->memmap);
    return ks_pass(err, &why);
}

/* The memory model is decided here and nowhere else: a kernel with a mem_section array is SPARSEMEM
 * (mm/sparse.c), one without is FLATMEM. Resolved once per kernel: walks over millions of pages
 * ask for it every time. */
static int memmap(struct kernel *k, ks_err *err)
{
    if (!k->memmap.ready) {
        ks_err *e = &k->memmap.error;
        k->memmap.ready = true;
        k->memmap.page_size = ktype_size(k, "struct page");
        if (!k->memmap.page_size)
            k->memmap.status = ks_fail_kind(e, KS_E_NO_TYPE, "no struct page in the DWARF");
        else if (k->features.memmodel == MEMMODEL_SPARSEMEM)
            k->memmap.status = sparse_load(k, e);
        else
            k->memmap.status = flatmem_load(k, e);
        if (k->memmap.status && !e->msg[0])
            ks_fail(e, "no mem_map");
        if (k->memmap.status && ks_err_is(e, KS_E_INTERRUPTED))
            return memmap_forget(k, err);
    }
    /* The cached error, kind and address included: every later caller sees why. */
    if (k->memmap.status)
        return ks_pass(err, &k->memmap.error);
    return 0;
}

int pfn_to_page(struct kernel *k, uint64_t pfn, uint64_t *page, ks_err *err)
{
    if (memmap(k, err)) return -1;
    if (k->memmap.sparse) {
        const struct mem_section_info *s = sparse_section_of_pfn(k, pfn, err);
        if (!s) return -1;
        *page = s->mem_map + (pfn - (s->nr << k->memmap.section_shift)) * k->memmap.page_size;
        return 0;
    }
    if (pfn < k->memmap.first_pfn || pfn >= k->memmap.first_pfn + k->memmap.count)
        return ks_fail_kind(err, KS_E_BAD_ARG, "pfn %#llx is outside mem_map", (unsigned long long)pfn);
    *page = k->memmap.base + pfn * k->memmap.page_size;
    return 0;
}

int page_struct_containing(struct kernel *k, uint64_t addr, uint64_t *page, uint64_t *pfn)
{
    if (memmap(k, NULL)) return -1;
    if (k->memmap.sparse) {
        if (!sparse_section_of_page(k, addr, pfn)) return -1;
    } else {
        uint64_t n = (addr - k->memmap.base) / k->memmap.page_size;
        if (addr < k->memmap.base || n < k->memmap.first_pfn || n >= k->memmap.first_pfn + k->memmap.count) return -1;
        *pfn = n;
    }
    return pfn_to_page(k, *pfn, page, NULL);
}

int page_to_pfn(struct kernel *k, uint64_t page, uint64_t *pfn, ks_err *err)
{
    uint64_t start;
    if (memmap(k, err)) return -1;
    if (page_struct_containing(k, page, &start, pfn) || start != page)
        return ks_fail_at(err, KS_E_BAD_ARG, KS_AS_KVIRT, page, "%#llx is not a struct page in %s", (unsigned long long)page,
                          k->memmap.sparse ? "any section's mem_map" : "mem_map");
    return 0;
}

int memory_model(struct kernel *k, struct memory_model *m, ks_err *err)
{
    if (memmap(k, err)) return -1;
    *m = (struct memory_model){ .sparse = k->memmap.sparse, .mem_map = k->memmap.base, .nr_sections = k->memmap.nr_sections,
                                .sections = k->memmap.sections, .nsections = k->memmap.nsections };
    if (m->sparse) m->section_size_bits = k->memmap.section_shift + KS_PAGE_SHIFT;
    return 0;
}

int mem_map_ranges(struct kernel *k, const struct pfn_range **ranges, size_t *n, ks_err *err)
{
    if (memmap(k, err)) return -1;
    *ranges = k->memmap.ranges;
    *n = k->memmap.nranges;
    return 0;
}

int pageblock_bitmap(struct kernel *k, uint64_t zone_bitmap, uint64_t zone_start_pfn, uint64_t pfn, unsigned pageblock_order,
                     uint64_t *bitmap, uint64_t *block, ks_err *err)
{
    if (memmap(k, err)) return -1;
    if (k->memmap.sparse) {
        const struct mem_section_info *s = sparse_section_of_pfn(k, pfn, err);
        if (!s) return -1;
        if (!s->pageblock_flags) return ks_fail(err, "section %llu has no pageblock bitmap", (unsigned long long)s->nr);
        *bitmap = s->pageblock_flags;
        *block = (pfn & ((1ull << k->memmap.section_shift) - 1)) >> pageblock_order;
        return 0;
    }
    if (!zone_bitmap) return ks_fail(err, "the zone has no pageblock bitmap");
    *bitmap = zone_bitmap;
    *block = (pfn - (zone_start_pfn & ~((1ull << pageblock_order) - 1))) >> pageblock_order;
    return 0;
}

/* The struct page members every walker wants, resolved once per kernel: a census asks for them once
 * per frame, 1.57 M times on the 5 GB sample. A failure is not kept here (kmember_ref keeps it). */
static const char *const page_fields[] = {"flags", "mapping", "index", "private", "_refcount.counter", "_mapcount.counter"};
#define NPAGE_FIELDS ARRAY_SIZE(page_fields)
_Static_assert(NPAGE_FIELDS <= ARRAY_SIZE(((struct kernel *)0)->page_layout.ref), "room for page_fields");

static int page_refs(struct kernel *k, const struct member_ref *r[NPAGE_FIELDS], ks_err *err)
{
    const struct member_ref **ref = k->page_layout.ref;
    for (size_t i = 0; i < NPAGE_FIELDS && !k->page_layout.refs_ready; i++)
        if (!(ref[i] = kmember_ref(k, "struct page", page_fields[i], err)))
            return -1;
    if (!k->page_layout.refs_ready)
        k->page_layout.size = ktype_size(k, "struct page");
    k->page_layout.refs_ready = true;
    memcpy(r, ref, NPAGE_FIELDS * sizeof *r);
    return 0;
}

static void page_decode(const struct member_ref *const r[NPAGE_FIELDS], const uint8_t *buf, struct page_info *pi)
{
    pi->flags = kdecode_member(r[0], buf);
    pi->mapping = kdecode_member(r[1], buf);
    pi->index = kdecode_member(r[2], buf);
    pi->private = kdecode_member(r[3], buf);
    pi->count = (int32_t)kdecode_member(r[4], buf);
    pi->mapcount = (int32_t)kdecode_member(r[5], buf);
    pi->page_type = (uint32_t)pi->mapcount; /* page_type shares the word with _mapcount */
}

int page_info_read(struct kernel *k, uint64_t page, struct page_info *pi, ks_err *err)
{
    const struct member_ref *r[NPAGE_FIELDS];
    uint8_t buf[128];
    if (ks_interrupted())
        return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted"); /* every walk over pages reads each one here */
    memset(pi, 0, sizeof *pi);
    pi->page = page;
    if (page_refs(k, r, err))
        return -1;
    uint64_t size = k->page_layout.size;
    if (size > sizeof buf || page_to_pfn(k, page, &pi->pfn, err) || kread(k, page, buf, (size_t)size, err)) return -1;
    page_decode(r, buf, pi);
    return 0;
}

/* ---- whole mem_map walks ---- */

#define PAGE_BATCH 1024 /* struct pages per read: 40 KB at most on i386 */

/* How many frames from pfn on lie in one stretch of mem_map (a SPARSEMEM section's ends it). */
static uint64_t contiguous_from(struct kernel *k, uint64_t pfn, uint64_t left)
{
    uint64_t n = KS_MIN(left, (uint64_t)PAGE_BATCH);
    if (k->memmap.sparse) {
        uint64_t section_end = ((pfn >> k->memmap.section_shift) + 1) << k->memmap.section_shift;
        n = KS_MIN(n, section_end - pfn);
    }
    return n;
}

/* n struct pages from pfn in one read; a batch that cannot be read whole is read page by page so
 * the first page that fails is the one reported, as page_info_read would. */
static int read_batch(struct kernel *k, const struct member_ref *const r[NPAGE_FIELDS], uint64_t pfn, size_t n, uint8_t *buf,
                      struct page_info *out, ks_err *err)
{
    uint64_t first, size = k->memmap.page_size;
    if (pfn_to_page(k, pfn, &first, err))
        return -1;
    bool whole = kread(k, first, buf, (size_t)(n * size), NULL) == 0;
    for (size_t i = 0; i < n; i++) {
        if (!whole) {
            if (page_info_read(k, first + i * size, &out[i], err))
                return -1;
            continue;
        }
        memset(&out[i], 0, sizeof out[i]);
        out[i].page = first + i * size;
        out[i].pfn = pfn + i;
        page_decode(r, buf + i * size, &out[i]);
    }
    return 0;
}

int for_each_page_batch(struct kernel *k, page_batch_fn fn, void *arg, ks_err *err)
{
    const struct member_ref *r[NPAGE_FIELDS];
    if (memmap(k, err) || page_refs(k, r, err))
        return -1;
    if (k->memmap.page_size > 128)
        return ks_fail(err, "struct page of %llu bytes is beyond belief", (unsigned long long)k->memmap.page_size);
    uint8_t *buf = xmalloc(PAGE_BATCH * k->memmap.page_size);
    struct page_info *pages = xmalloc(PAGE_BATCH * sizeof *pages);
    int rc = 0;
    for (size_t i = 0; !rc && i < k->memmap.nranges; i++) {
        const struct pfn_range *range = &k->memmap.ranges[i];
        for (uint64_t pfn = range->start, n; !rc && pfn < range->start + range->count; pfn += n) {
            n = contiguous_from(k, pfn, range->start + range->count - pfn);
            if (ks_interrupted())
                rc = ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
            else
                rc = read_batch(k, r, pfn, (size_t)n, buf, pages, err) || fn(k, pages, (size_t)n, arg, err) ? -1 : 0;
        }
    }
    free(buf);
    free(pages);
    return rc;
}

bool page_is_buddy(struct kernel *k, const struct page_info *pi)
{
    if (k->features.buddy == BUDDY_MARK_PAGE_TYPE)
        return (pi->page_type & (PAGE_TYPE_BASE | PG_buddy_type)) == PAGE_TYPE_BASE;
    return pi->mapcount == PAGE_BUDDY_MAPCOUNT_VALUE;
}

int page_compound_head(struct kernel *k, uint64_t page, uint64_t *head, ks_err *err)
{
    uint64_t v;
    const struct member_ref **r = &k->page_layout.compound_head; /* asked per frame by the census */
    if (!*r && !(*r = kmember_ref(k, "struct page", "compound_head", err)))
        return -1;
    if (kread_ref(k, page, *r, &v, err))
        return -1;
    *head = v & 1 ? v - 1 : page;
    return 0;
}

uint64_t compound_head(struct kernel *k, uint64_t page)
{
    uint64_t head = page;
    return page_compound_head(k, page, &head, NULL) ? page : head;
}

bool page_is_slab(struct kernel *k, const struct page_info *pi)
{
    int64_t bit = k->features.pg_slab;
    return bit >= 0 && bit < 64 && (pi->flags >> bit & 1);
}

/* Each bit's name, once per kernel: the first PG_ enumerator of a bit is its own, later ones are
 * aliases. */
static void find_flag_names(struct kernel *k)
{
    const char **name_of_bit = k->page_layout.flag_name;
    k->page_layout.names_ready = true;
    memset(name_of_bit, 0, sizeof k->page_layout.flag_name);
    struct ktype *e = kt_strip(kdwarf_type(k->dwarf, "enum pageflags"));
    int64_t nr = 0;
    if (!e)
        return;
    /* __NR_PAGEFLAGS ends enum pageflags: found there without a lookup by name. */
    bool found = false;
    for (unsigned i = e->nenums; i-- > 0 && !found;)
        if (e->enums[i].name[0] == '_' && !strcmp(e->enums[i].name, "__NR_PAGEFLAGS")) {
            nr = e->enums[i].value;
            found = true;
        }
    if (!found && !kdwarf_enumerator(k->dwarf, "__NR_PAGEFLAGS", &nr))
        return;
    for (unsigned i = 0; i < e->nenums; i++) {
        int64_t bit = e->enums[i].value;
        if (bit >= 0 && bit < nr && bit < 64 && !name_of_bit[bit] && !strncmp(e->enums[i].name, "PG_", 3))
            name_of_bit[bit] = e->enums[i].name + 3;
    }
}

/* text at position n of a string kept to outsz - 1 characters, as snprintf would cut it; the
 * position after it, as if nothing had been cut. */
static size_t append_cut(char *out, size_t outsz, size_t n, const char *text, size_t len)
{
    if (n + 1 < outsz)
        memcpy(out + n, text, KS_MIN(len, outsz - 1 - n));
    return n + len;
}

void page_flag_names(struct kernel *k, uint64_t flags, char *out, size_t outsz)
{
    if (!k->page_layout.names_ready)
        find_flag_names(k);
    size_t n = 0;
    /* Once per struct page in kmem -p: joined by hand, not by snprintf. */
    for (uint64_t left = flags; left; left &= left - 1) {
        const char *name = k->page_layout.flag_name[__builtin_ctzll(left)];
        if (!name)
            continue;
        if (n)
            n = append_cut(out, outsz, n, ",", 1);
        n = append_cut(out, outsz, n, name, strlen(name));
    }
    out[KS_MIN(n, outsz - 1)] = 0;
}

#include "sparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dump/vmcoreinfo.h"

/* i386 has 64 (non-PAE) or 128 (PAE) sections; a count far beyond that is not a kernel's array. */
#define MAX_SECTIONS (1u << 16)
/* Low flag bits of section_mem_map whose meaning never changed (include/linux/mmzone.h). */
#define SECTION_HAS_MEM_MAP 2u

/* How many low bits of section_mem_map are flags. Recent kernels make SECTION_MAP_LAST_BIT an
 * enumerator, which the DWARF may carry; older ones #define it, so the release decides:
 * PRESENT and HAS_MEM_MAP always, IS_ONLINE from 4.13, IS_EARLY from 5.3. (ZONE_DEVICE's taint
 * bit needs SPARSEMEM_VMEMMAP, which i386 cannot have.) */
static unsigned section_map_last_bit(struct kernel *k)
{
    int64_t v;
    if (kdwarf_enumerator(k->dwarf, "SECTION_MAP_LAST_BIT", &v) && v > 1 && v < 16) return (unsigned)v;
    unsigned major = 0, minor = 0;
    sscanf(k->release, "%u.%u", &major, &minor);
    unsigned version = major * 1000 + minor;
    return version >= 5003 ? 4 : version >= 4013 ? 3 : 2;
}

/* NR_MEM_SECTIONS from mem_section's DWARF bounds: [NR_SECTION_ROOTS][SECTIONS_PER_ROOT]. */
static int section_array_shape(struct ktype *t, uint64_t *nr, struct ktype **elem, ks_err *err)
{
    t = kt_strip(t);
    if (t && t->kind == KT_POINTER)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "mem_section is a pointer (SPARSEMEM_EXTREME), a layout no i386 kernel has");
    if (!t || t->kind != KT_ARRAY || !t->count) return ks_fail(err, "mem_section: not an array in the DWARF");
    struct ktype *inner = kt_strip(t->target);
    uint64_t per_root = 1;
    if (inner && inner->kind == KT_ARRAY) {
        per_root = inner->count;
        inner = kt_strip(inner->target);
    }
    if (!inner || inner->kind != KT_STRUCT || !inner->size || !per_root || t->count > MAX_SECTIONS / per_root)
        return ks_fail(err, "mem_section: not an array of struct mem_section of a plausible size");
    *nr = t->count * per_root;
    *elem = inner;
    return 0;
}

/* SECTION_SIZE_BITS = MAX_PHYSMEM_BITS - log2(NR_MEM_SECTIONS). MAX_PHYSMEM_BITS is 32, or 36 with
 * PAE (arch/x86/include/asm/sparsemem.h); VMCOREINFO, when the dump has it, must agree. */
static int section_shift(struct kernel *k, uint64_t nr, unsigned *shift, ks_err *err)
{
    unsigned max_bits = k->pae ? 36 : 32, log2nr = 0;
    while ((1ull << log2nr) < nr) log2nr++;
    if ((1ull << log2nr) != nr || log2nr + KS_PAGE_SHIFT >= max_bits)
        return ks_fail(err, "mem_section has %llu entries, not a power of two below 2^%u", (unsigned long long)nr,
                       max_bits - KS_PAGE_SHIFT);
    unsigned bits = max_bits - log2nr;
    const char *vmci = k->dump->vmcoreinfo;
    uint64_t v;
    if (vmci && vmcoreinfo_number(vmci, "NUMBER(MAX_PHYSMEM_BITS)", &v) && v != max_bits)
        return ks_fail_kind(err, KS_E_CORRUPT, "VMCOREINFO says MAX_PHYSMEM_BITS=%llu, but an i386 %s kernel has %u",
                            (unsigned long long)v, k->pae ? "PAE" : "non-PAE", max_bits);
    if (vmci && vmcoreinfo_number(vmci, "NUMBER(SECTION_SIZE_BITS)", &v) && v != bits)
        return ks_fail_kind(err, KS_E_CORRUPT, "VMCOREINFO says SECTION_SIZE_BITS=%llu, but mem_section's %llu entries mean %u",
                            (unsigned long long)v, (unsigned long long)nr, bits);
    *shift = bits - KS_PAGE_SHIFT;
    return 0;
}

/* Where a section's pageblock bitmap is: the flexible array at the end of its mem_section_usage
 * (5.3+), or the pageblock_flags pointer it had before. */
static uint64_t section_pageblock_flags(struct kernel *k, const struct member_ref *usage, const struct member_ref *direct,
                                        const uint8_t *ms)
{
    if (direct) return kdecode_member(direct, ms);
    uint64_t u = usage ? kdecode_member(usage, ms) : 0;
    const struct member_ref *flags = kmember_probe(k, "struct mem_section_usage", "pageblock_flags");
    return u && flags ? u + flags->offset : 0;
}

static void add_section(struct kernel *k, const struct mem_section_info *s)
{
    size_t n = k->memmap.nsections++;
    k->memmap.sections[n] = *s;
    k->memmap.section_index[s->nr] = (int32_t)n;
    uint64_t start = s->nr << k->memmap.section_shift, count = 1ull << k->memmap.section_shift;
    struct pfn_range *last = k->memmap.nranges ? &k->memmap.ranges[k->memmap.nranges - 1] : NULL;
    if (last && last->start + last->count == start) last->count += count;
    else k->memmap.ranges[k->memmap.nranges++] = (struct pfn_range){ start, count };
}

static int read_sections(struct kernel *k, uint64_t addr, uint64_t nr, const struct ktype *elem, ks_err *err)
{
    const struct member_ref *map = kmember_ref(k, "struct mem_section", "section_mem_map", err);
    /* 5.3 moved the pageblock bitmap into mem_section.usage; which one this kernel has is a probe. */
    const struct member_ref *usage = kmember_probe(k, "struct mem_section", "usage");
    const struct member_ref *direct = usage ? NULL : kmember_probe(k, "struct mem_section", "pageblock_flags");
    if (!map) return -1;
    uint8_t *buf = xmalloc((size_t)(nr * elem->size));
    if (kread(k, addr, buf, (size_t)(nr * elem->size), err)) {
        free(buf);
        return -1;
    }
    uint64_t flag_mask = (1ull << section_map_last_bit(k)) - 1, ptr_mask = arch_word_mask(k->arch);
    for (uint64_t i = 0; i < nr; i++) {
        const uint8_t *ms = buf + i * elem->size;
        uint64_t word = kdecode_member(map, ms);
        if (!(word & SECTION_HAS_MEM_MAP)) continue;
        /* The stored pointer is mem_map - section_nr_to_pfn(i): add the frames back, in 32-bit
         * pointer arithmetic, which is allowed to wrap below zero. */
        struct mem_section_info s = { .nr = i, .section = addr + i * elem->size, .coded_mem_map = word & ~flag_mask,
                                      .flags = word & flag_mask };
        s.mem_map = ((word & ~flag_mask) + (i << k->memmap.section_shift) * k->memmap.page_size) & ptr_mask;
        s.pageblock_flags = section_pageblock_flags(k, usage, direct, ms);
        add_section(k, &s);
    }
    free(buf);
    return 0;
}

int sparse_load(struct kernel *k, ks_err *err)
{
    uint64_t addr, nr = 0;
    struct ktype *t = NULL, *elem = NULL;
    if (kvar_addr(k, "mem_section", NULL, &addr, &t, err) || section_array_shape(t, &nr, &elem, err) ||
        section_shift(k, nr, &k->memmap.section_shift, err))
        return -1;
    k->memmap.sparse = true;
    k->memmap.nr_sections = nr;
    k->memmap.sections = xcalloc((size_t)nr, sizeof *k->memmap.sections);
    k->memmap.ranges = xcalloc((size_t)nr, sizeof *k->memmap.ranges);
    k->memmap.section_index = xmalloc((size_t)nr * sizeof *k->memmap.section_index);
    memset(k->memmap.section_index, 0xff, (size_t)nr * sizeof *k->memmap.section_index);
    if (read_sections(k, addr, nr, elem, err)) return -1;
    if (!k->memmap.nsections)
        return ks_fail_kind(err, KS_E_CORRUPT, "mem_section: no section has a mem_map");
    return 0;
}

const struct mem_section_info *sparse_section_of_pfn(struct kernel *k, uint64_t pfn, ks_err *err)
{
    uint64_t nr = pfn >> k->memmap.section_shift;
    if (nr >= k->memmap.nr_sections)
        return ks_fail_kind(err, KS_E_BAD_ARG, "pfn %#llx is beyond the last memory section", (unsigned long long)pfn), NULL;
    int32_t i = k->memmap.section_index[nr];
    if (i < 0)
        return ks_fail_kind(err, KS_E_BAD_ARG, "pfn %#llx is in a memory hole: section %llu has no mem_map",
                            (unsigned long long)pfn, (unsigned long long)nr),
               NULL;
    return &k->memmap.sections[i];
}

static bool section_spans(struct kernel *k, const struct mem_section_info *s, uint64_t addr)
{
    return addr >= s->mem_map && addr - s->mem_map < k->memmap.page_size << k->memmap.section_shift;
}

/* A linear search, started at the last hit: walks over mem_map ask about neighbouring pages. */
const struct mem_section_info *sparse_section_of_page(struct kernel *k, uint64_t page, uint64_t *pfn)
{
    size_t n = k->memmap.nsections;
    for (size_t step = 0; step < n; step++) {
        size_t i = (k->memmap.last_hit + step) % n;
        const struct mem_section_info *s = &k->memmap.sections[i];
        if (!section_spans(k, s, page)) continue;
        k->memmap.last_hit = i;
        *pfn = (s->nr << k->memmap.section_shift) + (page - s->mem_map) / k->memmap.page_size;
        return s;
    }
    return NULL;
}

void sparse_state_letters(struct kernel *k, uint64_t flags, char out[8])
{
    static const struct { const char *bit; char letter; } states[] = {
        { "SECTION_MARKED_PRESENT_BIT", 'P' }, { "SECTION_HAS_MEM_MAP_BIT", 'M' },
        { "SECTION_IS_ONLINE_BIT", 'O' }, { "SECTION_IS_EARLY_BIT", 'E' },
    };
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
        int64_t bit = (int64_t)i;       /* the order every kernel has used */
        kdwarf_enumerator(k->dwarf, states[i].bit, &bit);
        if (bit >= 0 && bit < 64 && (flags >> bit & 1)) out[n++] = states[i].letter;
    }
    out[n] = 0;
}

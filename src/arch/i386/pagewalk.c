#include "pagewalk.h"

#include <stdio.h>
#include <string.h>

const struct pt_format pt_i386_2level = {
    .name = "i386 2-level (non-PAE)",
    .entry_size = 4,
    .nlevels = 3,
    .levels = { { "PGD", 22, 10, true }, { "PMD", 22, 0, false }, { "PTE", 12, 10, false } },
    .frame_mask = 0xFFFFF000ull,
    .swap_type_bits = 5,
};

const struct pt_format pt_i386_pae = {
    .name = "i386 PAE 3-level",
    .entry_size = 8,
    .nlevels = 3,
    .levels = { { "PGD", 30, 2, false }, { "PMD", 21, 9, true }, { "PTE", 12, 9, false } },
    .frame_mask = 0x000FFFFFFFFFF000ull,
    .swap_type_bits = 5,
};

static uint64_t index_of(const struct pt_level *l, uint64_t vaddr)
{
    return (vaddr >> l->shift) & ((1ull << l->bits) - 1);
}

/* Physical base of a large page mapped by entry at level l. */
static uint64_t large_base(const struct pt_format *f, const struct pt_level *l, uint64_t entry)
{
    uint64_t low = entry & f->frame_mask & ~((1ull << l->shift) - 1);
    if (f->entry_size == 4)    /* PSE-36/40: physical bits 32.. come from entry bits 13..20 */
        low = (entry & 0xFFC00000ull) | ((entry >> 13) & 0xFFull) << 32;
    return low;
}

static int read_entry(const struct pt_format *f, struct physmem *pm, uint64_t paddr, uint64_t *entry, ks_err *err)
{
    if (f->entry_size == 8) return physmem_read_u64(pm, paddr, entry, err);
    uint32_t v;
    if (physmem_read_u32(pm, paddr, &v, err)) return -1;
    *entry = v;
    return 0;
}

void pt_swap_decode(const struct pt_format *f, uint64_t pte, uint64_t *type, uint64_t *offset)
{
    if (f->entry_size == 4) {            /* type in bits 1..5, offset from bit 9 */
        *type = (pte >> 1) & ((1u << f->swap_type_bits) - 1);
        *offset = (pte & 0xFFFFFFFFull) >> 9;
    } else {                             /* type in the top 5 bits, offset stored inverted */
        *type = pte >> (64 - f->swap_type_bits);
        *offset = ((~pte) << f->swap_type_bits) >> (9 + f->swap_type_bits);
    }
}

static void finish_mapped(struct pt_walk *w, uint64_t base, uint64_t size, uint64_t entry)
{
    w->result = PT_MAPPED;
    w->page_size = size;
    w->paddr = base | (w->vaddr & (size - 1));
    w->leaf = entry;
}

int pt_walk(const struct pt_format *f, struct physmem *pm, uint64_t top, uint64_t vaddr, struct pt_walk *w, ks_err *err)
{
    memset(w, 0, sizeof *w);
    w->vaddr = vaddr;
    w->top = top;
    uint64_t table = top, entry = 0;
    for (unsigned i = 0; i < f->nlevels; i++) {
        const struct pt_level *l = &f->levels[i];
        struct pt_step *s = &w->steps[w->nsteps++];
        s->level = l->name;
        w->stop_level = l->name;
        if (l->bits == 0) {               /* folded: the previous entry stands for this level */
            s->entry_paddr = w->steps[w->nsteps - 2].entry_paddr;
            s->entry = entry;
            s->folded = true;
            continue;
        }
        s->entry_paddr = table + index_of(l, vaddr) * f->entry_size;
        if (read_entry(f, pm, s->entry_paddr, &entry, err)) {
            w->result = PT_READ_ERROR;
            return -1;
        }
        s->entry = entry;
        bool last = i + 1 == f->nlevels;
        if (!(entry & PTE_PRESENT)) {
            if (last && (entry & PTE_PROTNONE)) {     /* PROT_NONE: present to the kernel, not to the MMU */
                finish_mapped(w, entry & f->frame_mask, 1ull << l->shift, entry);
                return 0;
            }
            w->leaf = entry;
            w->result = last && entry ? PT_SWAP : PT_NOT_PRESENT;
            if (w->result == PT_SWAP) pt_swap_decode(f, entry, &w->swap_type, &w->swap_offset);
            return 0;
        }
        if (last) { finish_mapped(w, entry & f->frame_mask, 1ull << l->shift, entry); return 0; }
        if (l->large_ok && (entry & PTE_PSE)) {
            finish_mapped(w, large_base(f, l, entry), 1ull << l->shift, entry);
            return 0;
        }
        table = entry & f->frame_mask;
    }
    return 0;
}

void pt_flag_names(const struct pt_format *f, uint64_t entry, bool leaf_pte, char *out, size_t outsz)
{
    static const struct { uint64_t bit; const char *name; } bits[] = {
        { PTE_PRESENT, "PRESENT" }, { PTE_RW, "RW" }, { PTE_USER, "USER" }, { PTE_PWT, "PWT" },
        { PTE_PCD, "PCD" }, { PTE_ACCESSED, "ACCESSED" }, { PTE_DIRTY, "DIRTY" },
        { PTE_PSE, NULL }, { PTE_GLOBAL, "GLOBAL" }, { PTE_NX, "NX" },
    };
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        if (!(entry & bits[i].bit)) continue;
        if (bits[i].bit == PTE_NX && f->entry_size == 4) continue;
        const char *name = bits[i].name ? bits[i].name : leaf_pte ? "PAT" : "PSE";
        if (bits[i].bit == PTE_GLOBAL && !(entry & PTE_PRESENT)) name = "PROTNONE";
        n += (size_t)snprintf(out + n, n < outsz ? outsz - n : 0, "%s%s", n ? "|" : "", name);
    }
    if (!n) snprintf(out, outsz, "(none)");
}

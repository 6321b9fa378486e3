#include "physmem.h"

#include <stdlib.h>
#include <string.h>

#include "../util/interrupt.h"

void physmem_init(struct physmem *pm, struct dump *d)
{
    pm->dump = d;
    pm->nslots = 16;
    while (pm->nslots < PHYSMEM_CACHE_PAGES && pm->nslots < d->max_pfn) pm->nslots *= 2;
    pm->slots = xmalloc(sizeof *pm->slots * pm->nslots);
    for (size_t i = 0; i < pm->nslots; i++) pm->slots[i].pfn = UINT64_MAX;
    pm->hits = pm->misses = 0;
}

void physmem_fini(struct physmem *pm)
{
    free(pm->slots);
    pm->slots = NULL;
}

const uint8_t *physmem_page(struct physmem *pm, uint64_t pfn, ks_err *err)
{
    struct physmem_slot *s = &pm->slots[(pfn ^ (pfn >> 10)) & (pm->nslots - 1)];
    if (ks_interrupted()) {    /* every walk reads memory: Ctrl-C stops them all here (util/interrupt.h) */
        ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
        return NULL;
    }
    if (s->pfn == pfn) { pm->hits++; return s->data; }
    pm->misses++;
    s->pfn = UINT64_MAX;
    int r = dump_read_page(pm->dump, pfn, s->data, err);
    if (r != DUMP_PAGE_OK && r != DUMP_PAGE_ZERO) return NULL;
    s->pfn = pfn;
    return s->data;
}

int physmem_read(struct physmem *pm, uint64_t paddr, void *buf, size_t len, ks_err *err)
{
    uint8_t *out = buf;
    while (len) {
        const uint8_t *page = physmem_page(pm, paddr >> KS_PAGE_SHIFT, err);
        if (!page) return -1;
        size_t in = paddr & (KS_PAGE_SIZE - 1);
        size_t n = KS_MIN(len, KS_PAGE_SIZE - in);
        memcpy(out, page + in, n);
        out += n; paddr += n; len -= n;
    }
    return 0;
}

int physmem_read_u32(struct physmem *pm, uint64_t paddr, uint32_t *v, ks_err *err)
{
    uint8_t b[4];
    if (physmem_read(pm, paddr, b, 4, err)) return -1;
    *v = le32(b);
    return 0;
}

int physmem_read_u64(struct physmem *pm, uint64_t paddr, uint64_t *v, ks_err *err)
{
    uint8_t b[8];
    if (physmem_read(pm, paddr, b, 8, err)) return -1;
    *v = le64(b);
    return 0;
}

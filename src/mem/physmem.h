/*
 * physmem: reads of physical memory, any length, any alignment, over a dump, through a
 * small page cache (kernel walks re-read the same page-table and struct pages constantly).
 * An absent page is an error for the whole read (the dump's error, kind and physical address
 * kept); nothing is partly filled silently.
 */
#ifndef KS_PHYSMEM_H
#define KS_PHYSMEM_H
#include <stdint.h>

#include "../dump/dump.h"

#define PHYSMEM_CACHE_PAGES 1024

struct physmem_slot {
    uint64_t pfn;       /* UINT64_MAX when empty */
    uint8_t data[KS_PAGE_SIZE];
};

struct physmem {
    struct dump *dump;
    struct physmem_slot *slots;
    size_t nslots;          /* a power of two, at most PHYSMEM_CACHE_PAGES, no more than the dump has */
    uint64_t hits, misses;
};

void physmem_init(struct physmem *pm, struct dump *d);
void physmem_fini(struct physmem *pm);
/* The cached page, or NULL with err set when the dump does not hold it. */
const uint8_t *physmem_page(struct physmem *pm, uint64_t pfn, ks_err *err);
int physmem_read(struct physmem *pm, uint64_t paddr, void *buf, size_t len, ks_err *err);
int physmem_read_u32(struct physmem *pm, uint64_t paddr, uint32_t *v, ks_err *err);
int physmem_read_u64(struct physmem *pm, uint64_t paddr, uint64_t *v, ks_err *err);

#endif

/*
 * sparse: the SPARSEMEM memory model, read the way the kernel's mm/sparse.c lays it out.
 *  - Physical memory is cut into sections of 2^SECTION_SIZE_BITS bytes; mem_section[] has one
 *    struct mem_section per section. i386 kernels are always SPARSEMEM_STATIC (arch/x86/Kconfig
 *    selects it), so mem_section is a fixed two-dimensional array and its DWARF bounds give
 *    NR_MEM_SECTIONS. A pointer-typed mem_section (SPARSEMEM_EXTREME, 64-bit only) is refused.
 *  - A section with a mem_map stores, in section_mem_map, that mem_map minus
 *    section_nr_to_pfn(nr) struct pages, with flag bits below SECTION_MAP_LAST_BIT; decoding it
 *    gives pfn_to_page() for every frame of the section.
 *  - Sections missing from memblock.memory (holes) have no mem_map: their frames have no struct page.
 *  - Pageblock flags live in the section (usage->pageblock_flags on 5.3+, pageblock_flags before).
 * sparse_load() fills k->memmap once; lookups after that touch no dump memory.
 */
#ifndef KS_SPARSE_H
#define KS_SPARSE_H
#include <stdint.h>

#include "../kernel/kernel.h"

struct mem_section_info {
    uint64_t nr;               /* section number: its first frame is nr << PFN_SECTION_SHIFT */
    uint64_t section;          /* address of its struct mem_section */
    uint64_t coded_mem_map;    /* section_mem_map without the flag bits, as stored */
    uint64_t mem_map;          /* decoded: the struct page of that first frame */
    uint64_t pageblock_flags;  /* address of the section's pageblock bitmap (0: none) */
    uint64_t flags;            /* the low bits of section_mem_map: PRESENT, HAS_MEM_MAP, ONLINE, EARLY */
};

int sparse_load(struct kernel *k, ks_err *err);
/* crash's STATE column: P present, M has a mem_map, O online, E early (bit numbers from the DWARF
 * enum when it has them). */
void sparse_state_letters(struct kernel *k, uint64_t flags, char out[8]);
/* The section holding pfn, if it has a mem_map; else NULL with err saying why. */
const struct mem_section_info *sparse_section_of_pfn(struct kernel *k, uint64_t pfn, ks_err *err);
/* The section whose mem_map holds this address, and the frame of the struct page holding it
 * (the address need not be the struct's first byte). */
const struct mem_section_info *sparse_section_of_page(struct kernel *k, uint64_t page, uint64_t *pfn);

#endif

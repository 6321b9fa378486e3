/*
 * The SPARSEMEM memory model over fuzzed memory, with real layouts: the DWARF and symbols of the
 * sparse-512m sample's vmlinux (KSLEUTH_FUZZ_VMLINUX). Memory is a 2-level page directory mapping
 * PAGE_OFFSET.. with 4 MB pages onto physical 0.., followed by the input; the kernel is
 * "relocated" so mem_section[] sits at the input's first byte. The input's next words are frames
 * and addresses to look up: pfn_to_page, page_to_pfn, the struct page holding an address, the
 * pageblock bitmap of a frame — every lookup the commands make.
 */
#include "fuzz_kernel.h"
#include "mm/page.h"

#define SECTIONS_BYTES 512      /* 64 sections of 8 bytes on the sample's kernel */

static struct kernel kern;
static int ready;

/* The model is cached per kernel; each input is a new kernel's memory. */
static void forget_memory_model(void)
{
    free(kern.memmap.sections);
    free(kern.memmap.section_index);
    free(kern.memmap.ranges);
    memset(&kern.memmap, 0, sizeof kern.memmap);
}

static void lookups(const uint8_t *words, size_t n)
{
    ks_err err;
    for (size_t i = 0; i + 4 <= n && i < 64; i += 4) {
        uint64_t v = le32(words + i), page, pfn, bitmap, block;
        struct page_info pi;
        if (pfn_to_page(&kern, v >> 12, &page, &err) == 0 && page_info_read(&kern, page, &pi, &err) == 0)
            page_to_pfn(&kern, page, &pfn, &err);
        page_struct_containing(&kern, v, &page, &pfn);
        pageblock_bitmap(&kern, 0, 0, v >> 12, 10, &bitmap, &block, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A FLATMEM vmlinux has no mem_section: nothing to fuzz. */
    if (!ready) ready = fuzz_kernel_setup(&kern, "mem_section") == 0 ? 1 : -1;
    if (ready < 0 || size < SECTIONS_BYTES || size > (1u << 20)) return 0;
    int fd = fuzz_kernel_map(&kern, data, size, "mem_section");
    if (fd < 0) return 0;
    ks_err err;
    struct memory_model m;
    const struct pfn_range *ranges;
    size_t nranges;
    forget_memory_model();
    memory_model(&kern, &m, &err);
    mem_map_ranges(&kern, &ranges, &nranges, &err);
    lookups(data + SECTIONS_BYTES, size - SECTIONS_BYTES);
    fuzz_kernel_unmap(&kern, fd);
    return 0;
}

/*
 * The SPARSEMEM memory model over fuzzed memory, with real layouts: the DWARF and symbols of the
 * sparse-512m sample's vmlinux (KSLEUTH_FUZZ_VMLINUX). Memory is a 2-level page directory mapping
 * PAGE_OFFSET.. with 4 MB pages onto physical 0.., followed by the input; the kernel is
 * "relocated" so mem_section[] sits at the input's first byte. The input's next words are frames
 * and addresses to look up: pfn_to_page, page_to_pfn, the struct page holding an address, the
 * pageblock bitmap of a frame — every lookup the commands make.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kernel/kernel.h"
#include "mm/page.h"

#define SECTIONS_BYTES 512      /* 64 sections of 8 bytes on the sample's kernel */

static struct kernel kern;
static int ready;

static int setup(void)
{
    const char *vmlinux = getenv("KSLEUTH_FUZZ_VMLINUX");
    ks_err err;
    if (!vmlinux || symtab_open(&kern.syms, vmlinux, &err)) return -1;
    struct kdwarf_opts o = { .no_cache = false };
    if (kdwarf_open(&kern.dwarf, vmlinux, &kern.syms, &o, &err)) return -1;
    if (!symtab_lookup(&kern.syms, "mem_section")) return -1;      /* a FLATMEM vmlinux: nothing to fuzz */
    kern.page_offset = kern.syms.page_offset;
    kern.paging = &pt_i386_2level;
    hm_init(&kern.members);
    return 0;
}

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
    if (!ready) ready = setup() == 0 ? 1 : -1;
    if (ready < 0 || size < SECTIONS_BYTES || size > (1u << 20)) return 0;
    size_t total = KS_PAGE_SIZE + size;
    uint8_t *image = calloc(1, total);
    for (uint32_t i = 0; i < 256; i++) {   /* PGD entries 768..1023: 4 MB pages at i * 4 MB */
        uint32_t e = (i << 22) | 0x83;
        memcpy(image + (768 + i) * 4, &e, 4);
    }
    memcpy(image + KS_PAGE_SIZE, data, size);
    char path[64];
    int fd = fuzz_file(image, total, path, sizeof path);
    free(image);
    if (fd < 0) return 0;
    struct dump_open_opts o = { .raw = true };
    ks_err err;
    kern.dump = dump_open(path, &o, &err);
    if (kern.dump) {
        physmem_init(&kern.mem, kern.dump);
        kern.pgd_paddr = 0;
        const struct ksym *sections = symtab_lookup(&kern.syms, "mem_section");
        kern.kaslr_offset = (int64_t)(kern.page_offset + KS_PAGE_SIZE) - (int64_t)sections->addr;
        forget_memory_model();
        struct memory_model m;
        const struct pfn_range *ranges;
        size_t nranges;
        memory_model(&kern, &m, &err);
        mem_map_ranges(&kern, &ranges, &nranges, &err);
        lookups(data + SECTIONS_BYTES, size - SECTIONS_BYTES);
        physmem_fini(&kern.mem);
        dump_close(kern.dump);
        kern.dump = NULL;
    }
    close(fd);
    return 0;
}

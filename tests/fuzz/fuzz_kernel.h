/* Shared by the fuzz targets that run kernel-object code over fuzzed memory with a real vmlinux's
 * layouts (KSLEUTH_FUZZ_VMLINUX): the kernel set up once, and each input mapped as its memory. */
#ifndef KS_FUZZ_KERNEL_H
#define KS_FUZZ_KERNEL_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kernel/kernel.h"

/* Symbols and DWARF of $KSLEUTH_FUZZ_VMLINUX, 2-level paging; -1 without it (or its `needed` symbol). */
static inline int fuzz_kernel_setup(struct kernel *k, const char *needed)
{
    const char *vmlinux = getenv("KSLEUTH_FUZZ_VMLINUX");
    ks_err err;
    if (!vmlinux || symtab_open(&k->syms, vmlinux, &err)) return -1;
    struct kdwarf_opts o = { .no_cache = false };
    if (kdwarf_open(&k->dwarf, vmlinux, &k->syms, &o, &err) || !symtab_lookup(&k->syms, needed)) return -1;
    k->page_offset = k->syms.page_offset;
    k->arch = &arch_i386;
    k->paging = &pt_i386_2level;
    hm_init(&k->members);
    struct features_vmlinux fv = {&k->syms, k->dwarf}; /* how the walkers read this kernel */
    struct feature_probe probe;
    features_vmlinux_probe(&fv, &probe);
    features_resolve(&k->features, &probe);
    return 0;
}

/* Memory for one input: a page directory mapping PAGE_OFFSET.. with 4 MB pages onto physical 0..,
 * then the input, with the kernel "relocated" so that symbol `at` sits at the input's first byte.
 * Returns the memfd to pass to fuzz_kernel_unmap(), or -1. */
static inline int fuzz_kernel_map(struct kernel *k, const uint8_t *data, size_t size, const char *at)
{
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
    if (fd < 0) return -1;
    struct dump_open_opts o = { .raw = true };
    ks_err err;
    if (!(k->dump = dump_open(path, &o, &err))) {
        close(fd);
        return -1;
    }
    physmem_init(&k->mem, k->dump);
    k->pgd_paddr = 0;
    k->kaslr_offset = (int64_t)(k->page_offset + KS_PAGE_SIZE) - (int64_t)symtab_lookup(&k->syms, at)->addr;
    return fd;
}

static inline void fuzz_kernel_unmap(struct kernel *k, int fd)
{
    physmem_fini(&k->mem);
    dump_close(k->dump);
    k->dump = NULL;
    close(fd);
}

#endif

/* Raw physical memory (QEMU pmemsave, /dev/mem copies): byte N of the file is physical address
 * phys_base + N. Nothing says which frames were RAM, so every frame inside the file is "OK". */
#include <stdio.h>

#include "dump.h"

static bool raw_probe(const uint8_t *h, size_t n) { (void)h; (void)n; return false; /* only by --raw */ }

static int raw_open(struct dump *d, ks_err *err)
{
    if (d->file_size < KS_PAGE_SIZE)
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: too small to be a memory image", d->path);
    if (d->raw_phys_base & (KS_PAGE_SIZE - 1))
        return ks_fail_kind(err, KS_E_BAD_ARG, "--phys-base must be page aligned");
    d->max_pfn = (d->raw_phys_base + d->file_size) >> KS_PAGE_SHIFT;
    snprintf(d->desc, sizeof d->desc, "raw memory (base %#llx)", (unsigned long long)d->raw_phys_base);
    return 0;
}

static int raw_read_page(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err)
{
    uint64_t base = pfn << KS_PAGE_SHIFT;
    if (base < d->raw_phys_base) {
        ks_fail_at(err, KS_E_NOT_IN_DUMP, KS_AS_PHYS, base, "physical page %#llx is below the raw image's base",
                   (unsigned long long)base);
        return DUMP_PAGE_ABSENT;
    }
    return pread_full(d->fd, buf, KS_PAGE_SIZE, base - d->raw_phys_base, err, d->path) ? DUMP_PAGE_ERROR : DUMP_PAGE_OK;
}

const struct dump_format dump_format_raw = { "raw", raw_probe, raw_open, raw_read_page, NULL };

/*
 * Where is the kernel image? Without KASLR it sits where it was linked; with KASLR it moved by an
 * offset that is the same physically and virtually on i386. VMCOREINFO's KERNELOFFSET says it
 * when present. Otherwise the vmlinux's own linux_banner text is looked for in physical memory:
 * each hit proposes an offset, and an offset is accepted only if the kernel's page tables (found
 * with that offset) map linux_banner to exactly the hit. That check also catches a vmlinux that
 * does not belong to the dump.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dump/vmcoreinfo.h"
#include "placement.h"

/* Does the banner sit at link-address + offset, as the page tables found with that offset say?
 * A candidate whose page tables or banner cannot be read is not the place: this is a search, and
 * when no candidate holds, kernel_place() reports the mismatch. */
static bool offset_checks_out(struct kernel *k, int64_t off, const char *banner, size_t len)
{
    const struct ksym *pgd = symtab_lookup(&k->syms, "swapper_pg_dir");
    const struct ksym *lb = symtab_lookup(&k->syms, "linux_banner");
    k->kaslr_offset = off;
    k->pgd_paddr = pgd->addr + (uint64_t)off - k->page_offset;
    uint64_t pa;
    char *seen = xmalloc(len);
    bool ok = kvtop(k, lb->addr + (uint64_t)off, &pa, KS_MISSING_OK) == 0 && /* this offset is simply wrong */
              physmem_read(&k->mem, pa, seen, len, KS_MISSING_OK) == 0 && !memcmp(seen, banner, len);
    free(seen);
    return ok;
}

/* Scan physical memory for the banner, starting where the unrelocated kernel would be. A match
 * may straddle two pages, so the last bytes of each page are carried into the next search. */
static bool search_banner(struct kernel *k, const char *banner, size_t len, uint64_t link_pa)
{
    uint64_t limit = KS_MIN(k->mem.dump->max_pfn, (uint64_t)(1u << 20) /* 4 GB: the image is in lowmem */);
    uint64_t start = KS_MIN(link_pa >> KS_PAGE_SHIFT, limit);
    size_t probe = KS_MIN(len, (size_t)32), carry = 0;
    uint8_t window[32 + KS_PAGE_SIZE];
    for (uint64_t i = 0; i < limit; i++) {
        uint64_t pfn = (start + i) % limit;
        const uint8_t *page = physmem_page(&k->mem, pfn, NULL); /* a frame we cannot read holds no banner we can prove */
        if (!page || pfn == 0) carry = 0;
        if (!page) continue;
        memcpy(window + carry, page, KS_PAGE_SIZE);
        size_t n = carry + KS_PAGE_SIZE;
        uint64_t base_pa = (pfn << KS_PAGE_SHIFT) - carry;
        for (uint8_t *p = window; (p = memmem(p, n - (size_t)(p - window), banner, probe)); p++) {
            int64_t off = (int64_t)(base_pa + (uint64_t)(p - window)) - (int64_t)link_pa;
            if ((off & (int64_t)(k->arch->kaslr_align - 1)) == 0 && offset_checks_out(k, off, banner, len)) return true;
        }
        carry = probe - 1;
        memmove(window, window + n - carry, carry);
    }
    return false;
}

int kernel_place(struct kernel *k, ks_err *err)
{
    const struct ksym *lb = symtab_lookup(&k->syms, "linux_banner");
    if (!lb || !symtab_lookup(&k->syms, "swapper_pg_dir"))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "vmlinux lacks linux_banner or swapper_pg_dir");
    size_t len = KS_MIN(lb->size ? lb->size : 200, sizeof k->banner - 1);
    if (symtab_read_image(&k->syms, lb->addr, k->banner, len, err) != 0) return -1;
    k->banner[len] = 0;
    len = strlen(k->banner);
    if (sscanf(k->banner, "Linux version %64s", k->release) != 1)
        return ks_fail_kind(err, KS_E_CORRUPT, "vmlinux's linux_banner is not a Linux banner");
    const char *vmci = k->mem.dump->vmcoreinfo;
    char dump_release[80];
    if (vmci && vmcoreinfo_value(vmci, "OSRELEASE", dump_release, sizeof dump_release) && strcmp(dump_release, k->release))
        return ks_fail_kind(err, KS_E_BAD_ARG, "vmlinux and dump do not match: vmlinux is %s, the dump's VMCOREINFO says %s",
                            k->release, dump_release);

    uint64_t link_pa = lb->addr - k->page_offset, off;
    if (vmci && vmcoreinfo_number(vmci, "KERNELOFFSET", &off)) {
        k->kaslr_source = "VMCOREINFO KERNELOFFSET";
        if (offset_checks_out(k, (int64_t)off, k->banner, len)) return 0;
        return ks_fail_kind(err, KS_E_BAD_ARG,
                            "vmlinux and dump do not match: linux_banner differs at the place VMCOREINFO gives");
    }
    k->kaslr_source = "linux_banner at its link address";
    if (offset_checks_out(k, 0, k->banner, len)) return 0;
    k->kaslr_source = "linux_banner found in physical memory";
    if (search_banner(k, k->banner, len, link_pa)) return 0;
    return ks_fail_kind(err, KS_E_BAD_ARG,
                        "vmlinux and dump do not match: this vmlinux's linux_banner (%s) is nowhere in the dump's memory",
                        k->release);
}

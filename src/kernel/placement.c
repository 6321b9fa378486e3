/*
 * Where is the kernel image? Without KASLR it sits where it was linked; with KASLR it moved by an
 * offset that is the same physically and virtually on i386. VMCOREINFO's KERNELOFFSET says it
 * when present. Otherwise the vmlinux's own linux_banner text is looked for in physical memory:
 * each hit proposes an offset, and an offset is accepted only if the kernel's page tables (found
 * with that offset) map linux_banner to exactly the hit. That check also catches a vmlinux that
 * does not belong to the dump.
 *
 * The kernel can only be placed at multiples of CONFIG_PHYSICAL_ALIGN, so only those places are
 * looked at: the alignment the vmlinux's own embedded config says (IKCONFIG), or, without one,
 * every power of two from the alignment of the link address down to the smallest i386 allows
 * (Kconfig: 0x2000), each place once. A scan of every page remains the last resort.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

/* ---- the places the kernel can be at ---- */

#define MIN_PHYSICAL_ALIGN 0x2000ull /* arch/x86/Kconfig: range 0x2000 0x1000000 if X86_32 */
#define MAX_PHYSICAL_ALIGN 0x1000000ull

/* CONFIG_PHYSICAL_ALIGN from the config the kernel carries (CONFIG_IKCONFIG: a gzip'd .config
 * between kernel_config_data and kernel_config_data_end); 0 when it carries none. */
static uint64_t ikconfig_align(struct kernel *k)
{
    const struct ksym *start = symtab_lookup(&k->syms, "kernel_config_data");
    const struct ksym *end = symtab_lookup(&k->syms, "kernel_config_data_end");
    if (!start || !end || end->addr <= start->addr || end->addr - start->addr > (1u << 20))
        return 0;
    size_t len = (size_t)(end->addr - start->addr), textsz = 1u << 20;
    uint8_t *gz = xmalloc(len);
    char *text = xcalloc(1, textsz + 1);
    uint64_t align = 0;
    uint8_t *at = symtab_read_image(&k->syms, start->addr, gz, len, NULL) ? NULL : memmem(gz, len, "\x1f\x8b", 2);
    z_stream z = {0};
    if (at && inflateInit2(&z, 16 + MAX_WBITS) == Z_OK) {
        z.next_in = at;
        z.avail_in = (uInt)(len - (size_t)(at - gz));
        z.next_out = (Bytef *)text;
        z.avail_out = (uInt)textsz;
        inflate(&z, Z_FINISH);
        inflateEnd(&z);
        const char *line = strstr(text, "\nCONFIG_PHYSICAL_ALIGN=");
        if (line)
            align = strtoull(line + strlen("\nCONFIG_PHYSICAL_ALIGN="), NULL, 0);
    }
    free(gz);
    free(text);
    bool power_of_two = align && !(align & (align - 1));
    return power_of_two && align >= MIN_PHYSICAL_ALIGN && align <= MAX_PHYSICAL_ALIGN ? align : 0;
}

/* Is the image at physical start (so offset start - text_pa)? One read of the banner, then the
 * page-table proof. */
static bool placed_at(struct kernel *k, uint64_t start, uint64_t text_pa, uint64_t banner_pa, const char *banner, size_t len)
{
    char seen[256];
    int64_t off = (int64_t)start - (int64_t)text_pa;
    size_t probe = KS_MIN(len, sizeof seen);
    if (physmem_read(&k->mem, banner_pa + (uint64_t)off, seen, probe, NULL) || memcmp(seen, banner, probe))
        return false;
    return offset_checks_out(k, off, banner, len);
}

/* Every multiple of step below limit that is not a multiple of skip (already looked at). */
static bool search_aligned(struct kernel *k, uint64_t step, uint64_t skip, uint64_t text_pa, uint64_t banner_pa,
                           const char *banner, size_t len, uint64_t limit)
{
    for (uint64_t start = 0; start + (banner_pa - text_pa) < limit; start += step)
        if ((!skip || start % skip) && placed_at(k, start, text_pa, banner_pa, banner, len))
            return true;
    return false;
}

/* The kernel's own alignment if it says, else coarse to fine down to the smallest allowed.
 * 1: found; 0: at no aligned place; -1: the vmlinux has no _text to align. Either way the caller
 * falls back to the page-by-page scan: an alignment guess that is wrong (a config we did not read
 * right, a loader that ignored it) must cost time, not the dump. */
static int search_placements(struct kernel *k, uint64_t banner_pa, const char *banner, size_t len)
{
    const struct ksym *text = symtab_lookup(&k->syms, "_text");
    if (!text || text->addr < k->page_offset || banner_pa < text->addr - k->page_offset)
        return -1;
    uint64_t text_pa = text->addr - k->page_offset;
    uint64_t limit = KS_MIN(k->mem.dump->max_pfn, (uint64_t)(1u << 20)) << KS_PAGE_SHIFT;
    uint64_t align = ikconfig_align(k);
    if (align)
        return search_aligned(k, align, 0, text_pa, banner_pa, banner, len, limit) ? 1 : 0;
    uint64_t step = MAX_PHYSICAL_ALIGN;
    while (step > MIN_PHYSICAL_ALIGN && text_pa % step)
        step /= 2;
    for (uint64_t skip = 0; step >= MIN_PHYSICAL_ALIGN; skip = step, step /= 2)
        if (search_aligned(k, step, skip, text_pa, banner_pa, banner, len, limit))
            return 1;
    return 0;
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
    if (search_placements(k, link_pa, k->banner, len) > 0 || search_banner(k, k->banner, len, link_pa))
        return 0;
    return ks_fail_kind(err, KS_E_BAD_ARG,
                        "vmlinux and dump do not match: this vmlinux's linux_banner (%s) is nowhere in the dump's memory",
                        k->release);
}

/*
 * ELF cores: kexec's /proc/vmcore (ELF32 or ELF64) and QEMU's dump-guest-memory (ELF64 even
 * for a 32-bit guest). Physical addresses come from p_paddr; bytes past p_filesz but within
 * p_memsz read as zeros; a frame no PT_LOAD covers is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

struct elf_seg {
    uint64_t paddr, filesz, memsz, offset;
};

struct elf_core {
    struct elf_seg *segs;
    size_t nsegs;
};

/* An ELF core — or something that starts like ELF but is too short to say: open() then reports
 * it as truncated rather than as an unknown format. */
static bool elf_probe(const uint8_t *h, size_t n)
{
    return n >= 4 && !memcmp(h, "\177ELF", 4) && (n < 18 || le16(h + 16) == 4 /* ET_CORE */);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct elf_seg *x = a, *y = b;
    return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static int read_notes(struct dump *d, uint64_t off, uint64_t size, ks_err *err)
{
    if (size > (64u << 20))
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: ELF note segment of %llu bytes is not believable", d->path,
                            (unsigned long long)size);
    uint8_t *buf = xmalloc(size);
    int r = pread_full(d->fd, buf, size, off, err, d->path);
    if (r == 0) dump_parse_notes(d, buf, size);
    free(buf);
    return r;
}

/* Decode one program header of either class into *seg; returns its p_type. */
static uint32_t decode_phdr(const uint8_t *ph, bool is64, struct elf_seg *seg)
{
    if (is64) {
        seg->offset = le64(ph + 8);
        seg->paddr = le64(ph + 24);
        seg->filesz = le64(ph + 32);
        seg->memsz = le64(ph + 40);
    } else {
        seg->offset = le32(ph + 4);
        seg->paddr = le32(ph + 12);
        seg->filesz = le32(ph + 16);
        seg->memsz = le32(ph + 20);
    }
    return le32(ph);
}

static int elf_open(struct dump *d, ks_err *err)
{
    uint8_t eh[64];
    if (d->file_size < 52 || pread_full(d->fd, eh, KS_MIN(sizeof eh, (size_t)d->file_size), 0, err, d->path) != 0)
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: ELF header is truncated (%llu bytes)", d->path,
                            (unsigned long long)d->file_size);
    bool is64 = eh[4] == 2;
    if (eh[4] != 1 && eh[4] != 2)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: bad ELF class %u", d->path, eh[4]);
    if (eh[5] != 1)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "%s: not a little-endian ELF core", d->path);
    uint16_t machine = le16(eh + 18);
    if (machine != 3 /* EM_386 */)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "%s: ELF core for machine %u, not i386", d->path, machine);
    uint64_t phoff = is64 ? le64(eh + 32) : le32(eh + 28);
    uint16_t phentsize = le16(eh + (is64 ? 54 : 42)), phnum = le16(eh + (is64 ? 56 : 44));
    if (phentsize < (is64 ? 56 : 32) || phnum == 0)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: ELF program headers are truncated or corrupt", d->path);
    if (phoff + (uint64_t)phentsize * phnum > d->file_size)
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: ELF program headers are truncated or corrupt", d->path);

    struct elf_core *ec = xcalloc(1, sizeof *ec);
    d->priv = ec;
    ec->segs = xcalloc(phnum, sizeof *ec->segs);
    uint8_t *phs = xmalloc((size_t)phentsize * phnum);
    int rc = pread_full(d->fd, phs, (size_t)phentsize * phnum, phoff, err, d->path);
    for (uint16_t i = 0; rc == 0 && i < phnum; i++) {
        struct elf_seg seg;
        uint32_t type = decode_phdr(phs + (size_t)i * phentsize, is64, &seg);
        if (type == 4 /* PT_NOTE */) {
            rc = read_notes(d, seg.offset, seg.filesz, err);
        } else if (type == 1 /* PT_LOAD */ && seg.memsz) {
            /* i386 addresses at most 64 GB (PAE); refuse what no machine has, before it overflows. */
            if (seg.paddr > (1ull << 40) || seg.memsz > (1ull << 40) || seg.filesz > seg.memsz)
                rc = ks_fail_kind(err, KS_E_CORRUPT, "%s: a PT_LOAD segment claims physical %#llx + %#llx: corrupt", d->path,
                                  (unsigned long long)seg.paddr, (unsigned long long)seg.memsz);
            else if (seg.offset + seg.filesz > d->file_size)
                rc = ks_fail_kind(err, KS_E_TRUNCATED, "%s: truncated: a PT_LOAD segment ends at %#llx, the file at %#llx",
                                  d->path, (unsigned long long)(seg.offset + seg.filesz), (unsigned long long)d->file_size);
            ec->segs[ec->nsegs++] = seg;
        }
    }
    free(phs);
    if (rc != 0) return -1;
    if (!ec->nsegs)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: ELF core has no PT_LOAD segments", d->path);
    qsort(ec->segs, ec->nsegs, sizeof *ec->segs, cmp_seg);
    const struct elf_seg *last = &ec->segs[ec->nsegs - 1];
    d->max_pfn = (last->paddr + last->memsz + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT;
    bool qemu = d->ncpus && d->cpu[0].has_cr3;
    snprintf(d->desc, sizeof d->desc, "ELF%d core%s", is64 ? 64 : 32,
             qemu ? " (QEMU dump-guest-memory)" : d->vmcoreinfo ? " (kdump /proc/vmcore)" : "");
    return 0;
}

/* The segment holding paddr, or NULL. */
static const struct elf_seg *find_seg(const struct elf_core *ec, uint64_t paddr)
{
    size_t lo = 0, hi = ec->nsegs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct elf_seg *s = &ec->segs[mid];
        if (paddr < s->paddr) hi = mid;
        else if (paddr >= s->paddr + s->memsz) lo = mid + 1;
        else return s;
    }
    return NULL;
}

static int elf_read_page(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err)
{
    const struct elf_core *ec = d->priv;
    uint64_t base = pfn << KS_PAGE_SHIFT;
    size_t done = 0;
    bool any = false, any_data = false;
    while (done < KS_PAGE_SIZE) {
        const struct elf_seg *s = find_seg(ec, base + done);
        if (!s) { buf[done++] = 0; continue; }     /* a hole inside a partly covered page */
        any = true;
        uint64_t rel = base + done - s->paddr;
        size_t n = (size_t)KS_MIN((uint64_t)(KS_PAGE_SIZE - done), s->memsz - rel);
        if (rel < s->filesz) {
            size_t infile = (size_t)KS_MIN((uint64_t)n, s->filesz - rel);
            if (pread_full(d->fd, buf + done, infile, s->offset + rel, err, d->path) != 0) return DUMP_PAGE_ERROR;
            memset(buf + done + infile, 0, n - infile);
            any_data = true;
        } else {
            memset(buf + done, 0, n);
        }
        done += n;
    }
    if (!any) {
        ks_fail_at(err, KS_E_NOT_IN_DUMP, KS_AS_PHYS, base, "physical page %#llx is not in the dump", (unsigned long long)base);
        return DUMP_PAGE_ABSENT;
    }
    return any_data ? DUMP_PAGE_OK : DUMP_PAGE_ZERO;
}

static void elf_close(struct dump *d)
{
    struct elf_core *ec = d->priv;
    if (ec) free(ec->segs);
}

const struct dump_format dump_format_elf = { "elf", elf_probe, elf_open, elf_read_page, elf_close };

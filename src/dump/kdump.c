/*
 * kdump-compressed ("diskdump") dumps, as makedumpfile -c/-l/-p/-z and QEMU dump-guest-memory -z
 * write them, plain or in makedumpfile's flattened form (what QEMU 7.2 writes: a 4 KiB
 * "makedumpfile" header, then records of big-endian {int64 offset, int64 size} + data that place
 * pieces of the real file). The flattened records are indexed once and read in place.
 *
 * The main header exists in a 32-bit and a 64-bit layout (struct timeval and unsigned long
 * differ), and the machine type does not tell which one a file uses (QEMU writes the 64-bit
 * layout for i386 guests). We decide by which layout gives sane values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef KSLEUTH_HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#ifdef KSLEUTH_HAVE_SNAPPY
#include <snappy-c.h>
#endif
#ifdef KSLEUTH_HAVE_ZSTD
#include <zstd.h>
#endif

#include "dump.h"

#define FLAT_SIG "makedumpfile"
#define FLAT_HDR_SIZE 4096u
#define PD_SIZE 24u                 /* page_desc_t: off_t offset, u32 size, u32 flags, u64 page_flags */
#define PD_ZLIB 0x1u
#define PD_LZO 0x2u
#define PD_SNAPPY 0x4u
#define PD_ZSTD 0x20u

struct flat_rec {
    uint64_t logical, size, filepos;
    uint32_t seq;                   /* later records override earlier ones */
};

struct kdump {
    struct flat_rec *recs;          /* NULL unless flattened; sorted by logical offset */
    size_t nrecs;
    uint64_t max_rec;
    uint32_t block_size;
    uint64_t max_mapnr;
    int dump_level;
    uint64_t bitmap_off, bitmap_len;    /* both bitmaps, back to back */
    uint8_t *bitmap1, *bitmap2;         /* each bitmap_len / 2 bytes */
    uint64_t *rank;                     /* set bits of bitmap2 before each 512-frame block */
    uint64_t pd_base;
    bool layout64;
};

static bool kdump_probe(const uint8_t *h, size_t n)
{
    return (n >= 8 && !memcmp(h, "KDUMP   ", 8)) || (n >= 16 && !memcmp(h, FLAT_SIG, strlen(FLAT_SIG)));
}

/* ---- byte access, through the flattened index when there is one ---- */

static int cmp_rec(const void *a, const void *b)
{
    const struct flat_rec *x = a, *y = b;
    if (x->logical != y->logical) return x->logical < y->logical ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int flat_index(struct dump *d, struct kdump *k, ks_err *err)
{
    size_t cap = 1024;
    k->recs = xmalloc(cap * sizeof *k->recs);
    uint64_t pos = FLAT_HDR_SIZE;
    for (;;) {
        uint8_t h[16];
        if (pread_full(d->fd, h, 16, pos, err, d->path) != 0)
            return ks_fail_kind(err, KS_E_TRUNCATED, "%s: flattened dump ends without its end marker (truncated?)", d->path);
        int64_t off = (int64_t)be64(h), size = (int64_t)be64(h + 8);
        if (off == -1 && size == -1) break;
        if (off < 0 || size <= 0 || (uint64_t)size > (1ull << 40))
            return ks_fail_at(err, KS_E_CORRUPT, KS_AS_FILE, pos, "%s: corrupt flattened record at %#llx", d->path,
                              (unsigned long long)pos);
        if (pos + 16 + (uint64_t)size > d->file_size)
            return ks_fail_at(err, KS_E_TRUNCATED, KS_AS_FILE, pos,
                              "%s: flattened dump is truncated: the record at %#llx runs past the end", d->path,
                              (unsigned long long)pos);
        if (k->nrecs == cap) k->recs = xrealloc(k->recs, (cap *= 2) * sizeof *k->recs);
        k->recs[k->nrecs] = (struct flat_rec){ (uint64_t)off, (uint64_t)size, pos + 16, (uint32_t)k->nrecs };
        k->nrecs++;
        k->max_rec = KS_MAX(k->max_rec, (uint64_t)size);
        pos += 16 + (uint64_t)size;
    }
    qsort(k->recs, k->nrecs, sizeof *k->recs, cmp_rec);
    return 0;
}

/* Copy the logical range [off, off+len) of a flattened file; unwritten bytes read as zeros. */
static int flat_read(struct dump *d, const struct kdump *k, void *buf, size_t len, uint64_t off, ks_err *err)
{
    memset(buf, 0, len);
    /* First record starting past the range; walk back over all that can reach into it. */
    size_t lo = 0, hi = k->nrecs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k->recs[mid].logical < off + len) lo = mid + 1; else hi = mid;
    }
    /* Apply in file order so later rewrites win: collect, then sort by seq (few records overlap). */
    size_t n = 0, cap = 16;
    const struct flat_rec **hits = xmalloc(cap * sizeof *hits);
    for (size_t i = lo; i-- > 0;) {
        const struct flat_rec *r = &k->recs[i];
        if (r->logical + k->max_rec <= off) break;
        if (r->logical + r->size <= off) continue;
        if (n == cap) hits = xrealloc(hits, (cap *= 2) * sizeof *hits);
        hits[n++] = r;
    }
    int rc = 0;
    for (size_t pass = 0; pass < n && rc == 0; pass++) {
        size_t best = pass;     /* selection by seq: n is small */
        for (size_t j = pass + 1; j < n; j++)
            if (hits[j]->seq < hits[best]->seq) best = j;
        const struct flat_rec *t = hits[best]; hits[best] = hits[pass]; hits[pass] = t;
        uint64_t from = KS_MAX(off, t->logical), to = KS_MIN(off + len, t->logical + t->size);
        rc = pread_full(d->fd, (uint8_t *)buf + (from - off), to - from, t->filepos + (from - t->logical), err, d->path);
    }
    free(hits);
    return rc;
}

static int kd_read(struct dump *d, const struct kdump *k, void *buf, size_t len, uint64_t off, ks_err *err)
{
    if (k->recs) return flat_read(d, k, buf, len, off, err);
    return pread_full(d->fd, buf, len, off, err, d->path);
}

/* ---- headers ---- */

struct hdr_layout {
    bool is64;
    size_t timestamp, status, block_size;   /* status precedes block_size; the rest follow as u32 */
};
static const struct hdr_layout layouts[] = { { true, 408, 424, 428 }, { false, 404, 412, 416 } };

static bool layout_sane(const uint8_t *h, const struct hdr_layout *l, uint64_t file_size)
{
    uint32_t bs = le32(h + l->block_size), sub = le32(h + l->block_size + 4);
    uint32_t bitmap_blocks = le32(h + l->block_size + 8), max_mapnr = le32(h + l->block_size + 12);
    if (bs != KS_PAGE_SIZE || sub == 0 || sub > 1024 || bitmap_blocks == 0) return false;
    if ((uint64_t)bitmap_blocks * bs > file_size * 2 + (64u << 20)) return false;
    return (uint64_t)bitmap_blocks * bs * 8 / 2 >= max_mapnr;   /* each bitmap covers max_mapnr frames */
}

static int parse_sub_header(struct dump *d, struct kdump *k, int version, ks_err *err)
{
    uint8_t s[128];
    if (kd_read(d, k, s, sizeof s, k->block_size, err) != 0) return -1;
    uint64_t vmci_off, vmci_size, note_off, note_size;
    if (k->layout64) {
        k->dump_level = (int)le32(s + 8);
        vmci_off = le64(s + 32); vmci_size = le64(s + 40);
        note_off = le64(s + 48); note_size = le64(s + 56);
        if (version >= 6) k->max_mapnr = le64(s + 96);
    } else {
        k->dump_level = (int)le32(s + 4);
        vmci_off = le64(s + 20); vmci_size = le32(s + 28);
        note_off = le64(s + 32); note_size = le32(s + 40);
        if (version >= 6) k->max_mapnr = le64(s + 72);
    }
    /* Version 4+ keeps the ELF notes of the original core: per-CPU registers (and QEMU's CR3). */
    if (version >= 4 && note_size > 0 && note_size < (16u << 20)) {
        uint8_t *notes = xmalloc(note_size);
        int rc = kd_read(d, k, notes, note_size, note_off, err);
        if (rc == 0)
            dump_parse_notes(d, notes, note_size);
        free(notes);
        if (rc)
            return -1; /* notes the header promises but the file lacks: not "a dump without CPU notes" */
    }
    if (version >= 3 && vmci_size > 0) {
        if (vmci_size > (1u << 20))
            return ks_fail_kind(err, KS_E_CORRUPT, "%s: VMCOREINFO of %llu bytes is not believable", d->path,
                                (unsigned long long)vmci_size);
        char *text = xmalloc(vmci_size);
        int rc = kd_read(d, k, text, vmci_size, vmci_off, err);
        if (rc == 0) dump_set_vmcoreinfo(d, text, vmci_size);
        free(text);
        if (rc) return -1;
    }
    return 0;
}

static int load_bitmaps(struct dump *d, struct kdump *k, ks_err *err)
{
    uint64_t half = k->bitmap_len / 2;
    if ((k->max_mapnr + 7) / 8 > half)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: bitmap is smaller than max_mapnr says", d->path);
    if (!k->recs && k->bitmap_off + k->bitmap_len > d->file_size)
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: bitmap runs past the end of the file (truncated?)", d->path);
    k->bitmap1 = xmalloc(half);
    k->bitmap2 = xmalloc(half);
    if (kd_read(d, k, k->bitmap1, half, k->bitmap_off, err) || kd_read(d, k, k->bitmap2, half, k->bitmap_off + half, err))
        return -1;
    uint64_t blocks = (k->max_mapnr + 511) / 512;
    k->rank = xcalloc(blocks + 1, sizeof *k->rank);
    const uint64_t *w = (const uint64_t *)k->bitmap2;   /* little-endian host assumed */
    for (uint64_t b = 0; b < blocks; b++) {
        uint64_t c = 0;
        for (int i = 0; i < 8 && (b * 8 + i) * 8 < half; i++) c += (uint64_t)__builtin_popcountll(w[b * 8 + i]);
        k->rank[b + 1] = k->rank[b] + c;
    }
    return 0;
}

/* A copy cut short loses its last pages first: the last page descriptor says where the data ends. */
static int check_not_truncated(struct dump *d, const struct kdump *k, ks_err *err)
{
    uint64_t pages = k->rank[(k->max_mapnr + 511) / 512], at = k->pd_base + (pages - 1) * PD_SIZE;
    uint8_t pd[PD_SIZE];
    if (k->recs || !pages) return 0;       /* a flattened dump's records are checked as they are indexed */
    if (at + PD_SIZE > d->file_size || kd_read(d, k, pd, PD_SIZE, at, err))
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: truncated: the page descriptors end past the end of the file", d->path);
    if (le64(pd) + le32(pd + 8) > d->file_size)
        return ks_fail_kind(err, KS_E_TRUNCATED, "%s: truncated: the last page's data ends at %#llx, the file at %#llx", d->path,
                            (unsigned long long)(le64(pd) + le32(pd + 8)), (unsigned long long)d->file_size);
    return 0;
}

static int kdump_open(struct dump *d, ks_err *err)
{
    struct kdump *k = xcalloc(1, sizeof *k);
    d->priv = k;
    uint8_t h[4096];
    if (pread_full(d->fd, h, 16, 0, err, d->path) != 0) return -1;
    bool flat = !memcmp(h, FLAT_SIG, strlen(FLAT_SIG));
    if (flat && flat_index(d, k, err) != 0) return -1;
    if (kd_read(d, k, h, sizeof h, 0, err) != 0) return -1;
    if (memcmp(h, "KDUMP   ", 8) != 0)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: bad kdump signature", d->path);
    const struct hdr_layout *l = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(layouts) && !l; i++)
        if (layout_sane(h, &layouts[i], d->file_size)) l = &layouts[i];
    if (!l)
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: kdump header is corrupt (no layout gives a sane block size and bitmap)",
                            d->path);
    k->layout64 = l->is64;
    int version = (int)le32(h + 8);
    k->block_size = le32(h + l->block_size);
    uint32_t sub_blocks = le32(h + l->block_size + 4), bitmap_blocks = le32(h + l->block_size + 8);
    k->max_mapnr = le32(h + l->block_size + 12);
    if (parse_sub_header(d, k, version, err) != 0) return -1;
    k->bitmap_off = (uint64_t)k->block_size * (1 + sub_blocks);
    k->bitmap_len = (uint64_t)k->block_size * bitmap_blocks;
    if (load_bitmaps(d, k, err) != 0) return -1;
    if (k->max_mapnr > (1ull << 28))   /* 2^28 frames = 1 TB: far past any i386 machine */
        return ks_fail_kind(err, KS_E_CORRUPT, "%s: kdump header claims %llu page frames: corrupt", d->path,
                            (unsigned long long)k->max_mapnr);
    k->pd_base = k->bitmap_off + k->bitmap_len;
    if (check_not_truncated(d, k, err)) return -1;
    d->max_pfn = k->max_mapnr;
    snprintf(d->desc, sizeof d->desc, "kdump-compressed%s (%s header, dump level %d)",
             flat ? ", flattened" : "", l->is64 ? "64-bit" : "32-bit", k->dump_level);
    return 0;
}

static bool bit(const uint8_t *map, uint64_t pfn) { return map[pfn >> 3] >> (pfn & 7) & 1; }

static uint64_t rank_of(const struct kdump *k, uint64_t pfn)
{
    uint64_t r = k->rank[pfn / 512];
    for (uint64_t i = pfn & ~511ull; i < pfn; i++)    /* at most 511 bits; fine for a page read */
        r += bit(k->bitmap2, i);
    return r;
}

/* One codec per flag, each optional at build time: 0 on success, -1 if the data is corrupt, -2 if
 * this build lacks the codec. */
static int inflate_page(uint32_t flags, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, const char **codec)
{
    if (flags & PD_ZLIB) {
        *codec = "zlib";
        uLongf n = out_len;
        return uncompress(out, &n, in, in_len) == Z_OK && n == out_len ? 0 : -1;
    }
    if (flags & PD_LZO) {
        *codec = "lzo";
#ifdef KSLEUTH_HAVE_LZO
        lzo_uint n = out_len;
        return lzo_init() == LZO_E_OK && lzo1x_decompress_safe(in, in_len, out, &n, NULL) == LZO_E_OK && n == out_len ? 0 : -1;
#else
        return -2;
#endif
    }
    if (flags & PD_SNAPPY) {
        *codec = "snappy";
#ifdef KSLEUTH_HAVE_SNAPPY
        size_t n = out_len;
        return snappy_uncompress((const char *)in, in_len, (char *)out, &n) == SNAPPY_OK && n == out_len ? 0 : -1;
#else
        return -2;
#endif
    }
    *codec = "zstd";
#ifdef KSLEUTH_HAVE_ZSTD
    size_t n = ZSTD_decompress(out, out_len, in, in_len);
    return !ZSTD_isError(n) && n == out_len ? 0 : -1;
#else
    return -2;
#endif
}

static int decompress_page(struct dump *d, const struct kdump *k, uint64_t pfn, uint64_t off, uint32_t size,
                           uint32_t flags, uint8_t *buf, ks_err *err)
{
    uint8_t *in = xmalloc(size);
    int rc = kd_read(d, k, in, size, off, err);
    if (rc == 0) {
        const char *codec = "?";
        int r = inflate_page(flags, in, size, buf, k->block_size, &codec);
        if (r == -2)
            rc = ks_fail_at(err, KS_E_UNSUPPORTED, KS_AS_PHYS, pfn << KS_PAGE_SHIFT,
                            "page %#llx is %s-compressed; this ksleuth was built without %s support", (unsigned long long)pfn,
                            codec, codec);
        else if (r)
            rc = ks_fail_at(err, KS_E_CORRUPT, KS_AS_PHYS, pfn << KS_PAGE_SHIFT, "page %#llx: corrupt %s data in the dump",
                            (unsigned long long)pfn, codec);
    }
    free(in);
    return rc == 0 ? DUMP_PAGE_OK : DUMP_PAGE_ERROR;
}

static int kdump_read_page(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err)
{
    const struct kdump *k = d->priv;
    if (!bit(k->bitmap2, pfn)) {
        if (bit(k->bitmap1, pfn) && k->dump_level == 1) {   /* only zero pages were left out */
            memset(buf, 0, KS_PAGE_SIZE);
            return DUMP_PAGE_ZERO;
        }
        ks_fail_at(err, KS_E_NOT_IN_DUMP, KS_AS_PHYS, pfn << KS_PAGE_SHIFT, "physical page %#llx is not in the dump (%s)",
                   (unsigned long long)(pfn << KS_PAGE_SHIFT),
                   bit(k->bitmap1, pfn) ? "excluded by makedumpfile's dump level" : "not RAM");
        return DUMP_PAGE_ABSENT;
    }
    uint8_t pd[PD_SIZE];
    if (kd_read(d, k, pd, PD_SIZE, k->pd_base + rank_of(k, pfn) * PD_SIZE, err) != 0) return DUMP_PAGE_ERROR;
    uint64_t off = le64(pd);
    uint32_t size = le32(pd + 8), flags = le32(pd + 12);
    if (size == 0 || size > k->block_size * 2u) {
        ks_fail_at(err, KS_E_CORRUPT, KS_AS_PHYS, pfn << KS_PAGE_SHIFT, "page %#llx: corrupt page descriptor (size %u)",
                   (unsigned long long)pfn, size);
        return DUMP_PAGE_ERROR;
    }
    if (flags & (PD_ZLIB | PD_LZO | PD_SNAPPY | PD_ZSTD)) return decompress_page(d, k, pfn, off, size, flags, buf, err);
    if (size != k->block_size) {
        ks_fail_at(err, KS_E_CORRUPT, KS_AS_PHYS, pfn << KS_PAGE_SHIFT, "page %#llx: uncompressed page of %u bytes",
                   (unsigned long long)pfn, size);
        return DUMP_PAGE_ERROR;
    }
    return kd_read(d, k, buf, KS_PAGE_SIZE, off, err) ? DUMP_PAGE_ERROR : DUMP_PAGE_OK;
}

static void kdump_close(struct dump *d)
{
    struct kdump *k = d->priv;
    if (!k) return;
    free(k->recs);
    free(k->bitmap1);
    free(k->bitmap2);
    free(k->rank);
}

const struct dump_format dump_format_kdump = { "kdump", kdump_probe, kdump_open, kdump_read_page, kdump_close };

/*
 * kdump pages in every codec ksleuth was built with. makedumpfile gives us real zlib and lzo files
 * (dumps/np-96m/vmcore-d31.*); for snappy and zstd this test writes its own: it copies the zlib
 * file's header and bitmaps, recompresses every page with the codec's own library, and rewrites
 * the page descriptors. Then every page of every variant must read exactly as the zlib original.
 *   test_kdump_codecs ZLIB_KDUMP WORKDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef KSLEUTH_HAVE_SNAPPY
#include <snappy-c.h>
#endif
#ifdef KSLEUTH_HAVE_ZSTD
#include <zstd.h>
#endif

#include "check.h"
#include "dump/dump.h"

/* The 32-bit diskdump header (i386 makedumpfile): block_size at 416, then sub header blocks,
 * bitmap blocks, max_mapnr. */
struct layout {
    uint32_t bs, sub, bitmap_blocks;
    uint64_t pd_base, npages;
};

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n) { free(b); b = NULL; }
    fclose(f);
    return b;
}

static struct layout layout_of(const uint8_t *b)
{
    struct layout l;
    l.bs = le32(b + 416);
    l.sub = le32(b + 420);
    l.bitmap_blocks = le32(b + 424);
    uint64_t boff = (uint64_t)l.bs * (1 + l.sub), half = (uint64_t)l.bitmap_blocks * l.bs / 2;
    l.npages = 0;
    for (uint64_t i = 0; i < half; i++) l.npages += (uint64_t)__builtin_popcount(b[boff + half + i]);
    l.pd_base = boff + 2 * half;
    return l;
}

typedef size_t (*compress_fn)(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

#ifdef KSLEUTH_HAVE_SNAPPY
static size_t snappy_fn(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t len = cap;
    return snappy_compress((const char *)in, n, (char *)out, &len) == SNAPPY_OK ? len : 0;
}
#endif
#ifdef KSLEUTH_HAVE_ZSTD
static size_t zstd_fn(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t len = ZSTD_compress(out, cap, in, n, 3);
    return ZSTD_isError(len) ? 0 : len;
}
#endif

/* Rewrite every zlib page of src with fn; descriptors get `flag`. */
static int recode(const uint8_t *src, size_t n, compress_fn fn, uint32_t flag, const char *out_path)
{
    struct layout l = layout_of(src);
    uint64_t data_off = l.pd_base + l.npages * 24;
    FILE *f = fopen(out_path, "wb");
    if (!f) return -1;
    fwrite(src, 1, (size_t)l.pd_base, f);
    uint8_t *pds = calloc(l.npages, 24), page[KS_PAGE_SIZE], packed[2 * KS_PAGE_SIZE];
    fseek(f, (long)data_off, SEEK_SET);
    uint64_t at = data_off;
    for (uint64_t i = 0; i < l.npages; i++) {
        const uint8_t *pd = src + l.pd_base + i * 24;
        uint64_t off = le64(pd);
        uint32_t size = le32(pd + 8), flags = le32(pd + 12);
        uLongf plen = sizeof page;
        if (off + size > n) break;
        if (flags & 1) uncompress(page, &plen, src + off, size);
        else memcpy(page, src + off, KS_PAGE_SIZE);
        size_t len = fn(page, KS_PAGE_SIZE, packed, sizeof packed);
        uint32_t newflags = len ? flag : 0;
        if (!len) { memcpy(packed, page, KS_PAGE_SIZE); len = KS_PAGE_SIZE; }
        fwrite(packed, 1, len, f);
        uint8_t *o = pds + i * 24;
        memcpy(o, &at, 8);
        uint32_t l32 = (uint32_t)len;
        memcpy(o + 8, &l32, 4);
        memcpy(o + 12, &newflags, 4);
        at += len;
    }
    fseek(f, (long)l.pd_base, SEEK_SET);
    fwrite(pds, 24, l.npages, f);
    free(pds);
    return fclose(f);
}

static void same_pages(const char *a_path, const char *b_path)
{
    ks_err err;
    struct dump *a = dump_open(a_path, NULL, &err), *b = dump_open(b_path, NULL, &err);
    CHECK(a && b);
    if (!a || !b) { dump_close(a); dump_close(b); return; }
    static uint8_t pa[KS_PAGE_SIZE], pb[KS_PAGE_SIZE];
    uint64_t compared = 0, differ = 0;
    for (uint64_t pfn = 0; pfn < a->max_pfn; pfn++) {
        int ra = dump_read_page(a, pfn, pa, &err), rb = dump_read_page(b, pfn, pb, &err);
        if (ra != rb || (ra == DUMP_PAGE_OK && memcmp(pa, pb, KS_PAGE_SIZE))) differ++;
        if (ra == DUMP_PAGE_OK) compared++;
    }
    CHECK(compared > 100);
    CHECK_EQ_U64(differ, 0);
    dump_close(a);
    dump_close(b);
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: test_kdump_codecs ZLIB_KDUMP WORKDIR\n"); return 2; }
    size_t n;
    uint8_t *src = slurp(argv[1], &n);
    CHECK(src != NULL);
    if (!src) return check_summary();
    char path[1024];
#ifdef KSLEUTH_HAVE_SNAPPY
    snprintf(path, sizeof path, "%s/recoded.snappy.kdump", argv[2]);
    CHECK(recode(src, n, snappy_fn, 0x4, path) == 0);
    same_pages(argv[1], path);
#endif
#ifdef KSLEUTH_HAVE_ZSTD
    snprintf(path, sizeof path, "%s/recoded.zstd.kdump", argv[2]);
    CHECK(recode(src, n, zstd_fn, 0x20, path) == 0);
    same_pages(argv[1], path);
#endif
    free(src);
    return check_summary();
}

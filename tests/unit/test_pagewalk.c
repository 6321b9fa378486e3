/*
 * The i386 page walker on hand-built page tables: each case writes tables into a memory image,
 * opens it through the real raw-dump reader, and checks the translation, every level the walk
 * visited, and the decoded flags — 2-level (4 KB, 4 MB PSE, PSE-36), PAE (4 KB, 2 MB, NX,
 * physical addresses past 4 GB), not-present at each level, and swap entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/i386/pagewalk.h"
#include "check.h"

#define IMAGE_SIZE (64u * 4096u)

struct image {
    uint8_t bytes[IMAGE_SIZE];
    char path[64];
    struct dump *dump;
    struct physmem pm;
};

static void put32(struct image *im, uint64_t pa, uint32_t v) { memcpy(im->bytes + pa, &v, 4); }
static void put64(struct image *im, uint64_t pa, uint64_t v) { memcpy(im->bytes + pa, &v, 8); }

static void image_open(struct image *im)
{
    snprintf(im->path, sizeof im->path, "/tmp/ksleuth-pw-XXXXXX");
    int fd = mkstemp(im->path);
    if (fd < 0 || write(fd, im->bytes, IMAGE_SIZE) != IMAGE_SIZE) { perror("image"); exit(2); }
    close(fd);
    struct dump_open_opts o = { .raw = true };
    ks_err err;
    im->dump = dump_open(im->path, &o, &err);
    if (!im->dump) { fprintf(stderr, "%s\n", err.msg); exit(2); }
    physmem_init(&im->pm, im->dump);
}

static void image_close(struct image *im)
{
    physmem_fini(&im->pm);
    dump_close(im->dump);
    unlink(im->path);
}

static struct pt_walk walk(struct image *im, const struct pt_format *f, uint64_t top, uint64_t va)
{
    struct pt_walk w;
    ks_err err;
    CHECK(pt_walk(f, &im->pm, top, va, &w, &err) == 0);
    return w;
}

static void test_2level(void)
{
    struct image *im = calloc(1, sizeof *im);
    /* PGD at 0x1000. 0xc1234567: PGD index 0x304, PTE index 0x234, offset 0x567. */
    put32(im, 0x1000 + 0x304 * 4, 0x2000 | 0x063);
    put32(im, 0x2000 + 0x234 * 4, 0x5000 | 0x163);             /* P RW A D G */
    /* 0xc0800000: a 4 MB PSE page at 0x00c00000. */
    put32(im, 0x1000 + 0x302 * 4, 0x00c00000 | 0x0e3);
    /* 0xc0c00000: PSE-36, entry bits 13..16 = 0x3 -> physical 0x3_00400000. */
    put32(im, 0x1000 + 0x303 * 4, 0x00400000 | (0x3 << 13) | 0x0e3);
    /* 0x08048000: PGD present, PTE holds a swap entry (type 3, offset 0x1234). */
    put32(im, 0x1000 + 0x020 * 4, 0x3000 | 0x067);
    put32(im, 0x3000 + 0x048 * 4, (0x1234u << 9) | (3u << 1));
    image_open(im);
    const struct pt_format *f = &pt_i386_2level;

    struct pt_walk w = walk(im, f, 0x1000, 0xc1234567);
    CHECK(w.result == PT_MAPPED);
    CHECK_EQ_U64(w.paddr, 0x5567);
    CHECK_EQ_U64(w.page_size, 4096);
    CHECK_EQ_U64(w.nsteps, 3);
    CHECK_EQ_U64(w.steps[0].entry_paddr, 0x1000 + 0x304 * 4);
    CHECK(w.steps[1].folded && w.steps[1].entry == w.steps[0].entry);   /* the folded PMD */
    CHECK_EQ_U64(w.steps[2].entry_paddr, 0x2000 + 0x234 * 4);
    char flags[128];
    pt_flag_names(f, w.leaf, true, flags, sizeof flags);
    CHECK(!strcmp(flags, "PRESENT|RW|ACCESSED|DIRTY|GLOBAL"));

    w = walk(im, f, 0x1000, 0xc0812345);
    CHECK(w.result == PT_MAPPED && w.page_size == (4u << 20));
    CHECK_EQ_U64(w.paddr, 0x00c12345);
    pt_flag_names(f, w.leaf, false, flags, sizeof flags);
    CHECK(strstr(flags, "PSE") != NULL);

    w = walk(im, f, 0x1000, 0xc0c00010);
    CHECK_EQ_U64(w.paddr, 0x300400010ull);

    w = walk(im, f, 0x1000, 0xd0000000);                  /* PGD entry empty */
    CHECK(w.result == PT_NOT_PRESENT && !strcmp(w.stop_level, "PGD") && w.nsteps == 1);

    w = walk(im, f, 0x1000, 0x08048000);
    CHECK(w.result == PT_SWAP);
    CHECK_EQ_U64(w.swap_type, 3);
    CHECK_EQ_U64(w.swap_offset, 0x1234);
    image_close(im);
    free(im);
}

/* The kernel's own encoding of a PAE swap PTE (pgtable-3level.h): type in the top 5 bits,
 * offset stored inverted from bit 9 up. */
static uint64_t pae_swap_pte(uint64_t type, uint64_t offset)
{
    return (type << 59) | ((~offset << 14) >> 5);
}

static void test_pae(void)
{
    struct image *im = calloc(1, sizeof *im);
    /* PDPT at 0x1000 (4 entries); 0xc1234567 -> PDPT 3, PMD 0x009, PTE 0x034, offset 0x567. */
    put64(im, 0x1000 + 3 * 8, 0x2000 | 0x001);
    put64(im, 0x2000 + 0x009 * 8, 0x3000 | 0x063);
    put64(im, 0x3000 + 0x034 * 8, 0x8000000000000000ull | 0x123456000ull | 0x063);   /* NX, above 4 GB */
    /* 0xc0200000: 2 MB page at 0x40000000 (PMD index 1). */
    put64(im, 0x2000 + 0x001 * 8, 0x40000000ull | 0x0e3);
    /* 0xc0400000 .. : PMD present, PTE not present and zero; 0xc0401000: swap. */
    put64(im, 0x2000 + 0x002 * 8, 0x4000 | 0x063);
    put64(im, 0x4000 + 0x001 * 8, pae_swap_pte(5, 0x777));
    image_open(im);
    const struct pt_format *f = &pt_i386_pae;

    struct pt_walk w = walk(im, f, 0x1000, 0xc1234567);
    CHECK(w.result == PT_MAPPED);
    CHECK_EQ_U64(w.paddr, 0x123456567ull);
    CHECK_EQ_U64(w.steps[0].entry_paddr, 0x1018);
    CHECK_EQ_U64(w.steps[1].entry_paddr, 0x2048);
    CHECK_EQ_U64(w.steps[2].entry_paddr, 0x31a0);
    char flags[128];
    pt_flag_names(f, w.leaf, true, flags, sizeof flags);
    CHECK(!strcmp(flags, "PRESENT|RW|ACCESSED|DIRTY|NX"));

    w = walk(im, f, 0x1000, 0xc02abcde);
    CHECK(w.result == PT_MAPPED && w.page_size == (2u << 20));
    CHECK_EQ_U64(w.paddr, 0x400abcde);

    w = walk(im, f, 0x1000, 0xc0400000);
    CHECK(w.result == PT_NOT_PRESENT && !strcmp(w.stop_level, "PTE"));

    w = walk(im, f, 0x1000, 0x40000000);                  /* PDPT entry 1 empty */
    CHECK(w.result == PT_NOT_PRESENT && !strcmp(w.stop_level, "PGD"));

    w = walk(im, f, 0x1000, 0xc0401000);
    CHECK(w.result == PT_SWAP);
    CHECK_EQ_U64(w.swap_type, 5);
    CHECK_EQ_U64(w.swap_offset, 0x777);
    image_close(im);
    free(im);
}

/* A table pointer past the end of the image must be an error, never a crash or garbage. */
static void test_wild_pointer(void)
{
    struct image *im = calloc(1, sizeof *im);
    put32(im, 0x1000 + 0x304 * 4, 0x7ff00000 | 0x063);   /* PTE table far outside the image */
    image_open(im);
    struct pt_walk w;
    ks_err err;
    CHECK(pt_walk(&pt_i386_2level, &im->pm, 0x1000, 0xc1234567, &w, &err) != 0);
    CHECK(w.result == PT_READ_ERROR);
    CHECK(strstr(err.msg, "past the end") != NULL);
    image_close(im);
    free(im);
}

int main(void)
{
    test_2level();
    test_pae();
    test_wild_pointer();
    return check_summary();
}

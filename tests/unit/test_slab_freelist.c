/*
 * SLUB freelists on hand-built slab memory (no sample kernel has CONFIG_SLAB_FREELIST_HARDENED):
 * mm/slub.c stores each free object's next pointer at object + s->offset as
 *   ptr ^ s->random ^ swab(address where it is stored)      (5.7+; the plain address before)
 * and the walk must find exactly the free objects the chain was built from; a plain (unhardened)
 * reading of the same memory must fail, and a chain that loops or points outside the slab is one
 * error, never a hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mm/slab.h"

#define BASE    0xc1000000u
#define SIZE    0x40u
#define OBJECTS 16u
#define OFFSET  0x20u
#define RANDOM  0x5a5aa5a5u

struct memory {
    uint8_t bytes[SIZE * OBJECTS];
};

static int read_word(void *ctx, uint64_t addr, uint64_t *word, ks_err *err)
{
    struct memory *m = ctx;
    if (addr < BASE || addr + 4 > BASE + sizeof m->bytes)
        return ks_fail_at(err, KS_E_NOT_MAPPED, KS_AS_KVIRT, addr, "%#llx is outside the test slab", (unsigned long long)addr);
    uint32_t v;
    memcpy(&v, m->bytes + (addr - BASE), 4);
    *word = v;
    return 0;
}

static uint32_t swab32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

/* Write the chain order[0] -> order[1] -> ... -> NULL, each link encoded as the kernel would. */
static void build_chain(struct memory *m, const unsigned *order, size_t n, bool hardened, bool swab)
{
    memset(m->bytes, 0xcc, sizeof m->bytes); /* allocated objects hold anything */
    for (size_t i = 0; i < n; i++) {
        uint32_t at = BASE + order[i] * SIZE + OFFSET;
        uint32_t next = i + 1 < n ? BASE + order[i + 1] * SIZE : 0;
        uint32_t stored = hardened ? next ^ RANDOM ^ (swab ? swab32(at) : at) : next;
        memcpy(m->bytes + (at - BASE), &stored, 4);
    }
}

static struct slab_geometry geometry(bool hardened, bool swab)
{
    struct slab_geometry g = {.base = BASE, .size = SIZE, .objects = OBJECTS};
    g.fp = (struct slab_freeptr){.hardened = hardened, .swab = swab, .random = RANDOM, .offset = OFFSET};
    return g;
}

static void test_decode_by_hand(void)
{
    struct slab_freeptr fp = {.hardened = true, .swab = true, .random = RANDOM, .offset = OFFSET};
    /* The next object 0xc10001c0 stored at 0xc10000e0: 0xc10001c0 ^ 0x5a5aa5a5 ^ 0xe00000c1. */
    CHECK_EQ_U64(slab_freeptr_decode(&fp, 0x7b5aa4a4u, 0xc10000e0u), 0xc10001c0u);
    fp.hardened = false;
    CHECK_EQ_U64(slab_freeptr_decode(&fp, 0x7b5aa4a4u, 0xc10000e0u), 0x7b5aa4a4u);
}

static void check_free_set(bool hardened, bool swab)
{
    static const unsigned order[] = {3, 7, 0, 15, 9};
    static struct memory m;
    build_chain(&m, order, ARRAY_SIZE(order), hardened, swab);
    struct slab_geometry g = geometry(hardened, swab);
    bool is_free[OBJECTS] = {false};
    ks_err err;
    CHECK(slab_mark_free(&g, BASE + order[0] * SIZE, is_free, read_word, &m, &err) == 0);
    unsigned nfree = 0;
    for (unsigned i = 0; i < OBJECTS; i++)
        nfree += is_free[i];
    CHECK_EQ_U64(nfree, ARRAY_SIZE(order));
    for (size_t i = 0; i < ARRAY_SIZE(order); i++)
        CHECK(is_free[order[i]]);
}

/* The hardened chain read as plain pointers leads out of the slab: an error naming it. */
static void test_hardened_needs_decoding(void)
{
    static const unsigned order[] = {3, 7, 0};
    static struct memory m;
    build_chain(&m, order, ARRAY_SIZE(order), true, true);
    struct slab_geometry g = geometry(false, false);
    bool is_free[OBJECTS] = {false};
    ks_err err;
    CHECK(slab_mark_free(&g, BASE + 3 * SIZE, is_free, read_word, &m, &err) != 0);
    CHECK(err.kind == KS_E_CORRUPT && strstr(err.msg, "no object of it") != NULL);
    /* and the pre-5.7 encoding (no swab) is not the 5.7+ one */
    g = geometry(true, false);
    memset(is_free, 0, sizeof is_free);
    CHECK(slab_mark_free(&g, BASE + 3 * SIZE, is_free, read_word, &m, &err) != 0);
}

static void test_loop_and_wild(void)
{
    static const unsigned order[] = {3, 7, 5};
    static struct memory m;
    build_chain(&m, order, ARRAY_SIZE(order), true, true);
    uint32_t at = BASE + 5 * SIZE + OFFSET, back = (BASE + 3 * SIZE) ^ RANDOM ^ swab32(at); /* 5 -> 3 again */
    memcpy(m.bytes + (at - BASE), &back, 4);
    struct slab_geometry g = geometry(true, true);
    bool is_free[OBJECTS] = {false};
    ks_err err;
    CHECK(slab_mark_free(&g, BASE + 3 * SIZE, is_free, read_word, &m, &err) != 0);
    CHECK(strstr(err.msg, "loops") != NULL);
    memset(is_free, 0, sizeof is_free);
    CHECK(slab_mark_free(&g, BASE + 3 * SIZE + 4, is_free, read_word, &m, &err) != 0); /* not on an object boundary */
    CHECK(strstr(err.msg, "no object of it") != NULL);
    memset(is_free, 0, sizeof is_free);
    CHECK(slab_mark_free(&g, 0, is_free, read_word, &m, &err) == 0); /* an empty freelist: all allocated */
    CHECK(!is_free[0] && !is_free[OBJECTS - 1]);
}

int main(void)
{
    test_decode_by_hand();
    check_free_set(true, true);   /* CONFIG_SLAB_FREELIST_HARDENED, 5.7+ */
    check_free_set(true, false);  /* hardened before 5.7 */
    check_free_set(false, false); /* plain pointers, as on the sample kernels */
    test_hardened_needs_decoding();
    test_loop_and_wild();
    return check_summary();
}

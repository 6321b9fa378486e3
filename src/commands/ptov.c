/* ptov PADDR... — the kernel virtual address of a physical address in the direct map
 * (PAGE_OFFSET + paddr, for memory below high_memory; highmem pages have no fixed mapping). */
#include <inttypes.h>

#include "../output/output.h"
#include "commands.h"

/* JSON members in put order (paddr, vaddr); crash's columns VIRTUAL PHYSICAL. */
static const struct column ptov_cols[] = {
    COL_X("VIRTUAL", "vaddr", 0, -8),
    COL_X("   PHYSICAL", "paddr", 2, 0),
    COL_TEXT(CT_STR, "", "note", 2, 0),
};

static int run_ptov(struct session *s, int argc, char **argv)
{
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: ptov PHYSICAL-ADDRESS...");
    uint64_t high = 0;
    ks_err err;
    if (kvar_read_int(&s->k, "high_memory", NULL, &high, &err))
        return cmd_fail_err(s, argv[0], &err);
    uint64_t lowmem_end = high - s->k.page_offset;
    struct table t;
    table_begin(s, &t, "addresses", ptov_cols);
    table_print_header(&t); /* before any error line about a bad address */
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t pa;
        if (!parse_u64(argv[i], 16, &pa)) {
            rc = cmd_fail(s, argv[0], "bad address %s", argv[i]);
            continue;
        }
        row_begin(&t);
        put_u(&t, "paddr", pa);
        if (pa < lowmem_end) {
            put_u(&t, "vaddr", pa + s->k.page_offset);
        } else {
            put_null_as(&t, "vaddr", "-");
            put_s(&t, "note", "(highmem: not in the kernel's direct map)");
        }
        row_end(&t);
    }
    return table_end(&t, 0) | rc;
}

const struct command cmd_ptov = {
    "ptov",
    "ptov PHYSICAL-ADDRESS...",
    "physical address to kernel virtual address",
    "Lowmem (below __pa(high_memory)) is mapped at PAGE_OFFSET + physical; highmem has no permanent\n"
    "kernel mapping and is reported as such.\n"
    "JSON: {\"addresses\":[{\"paddr\",\"vaddr\"|null}]}",
    run_ptov,
};

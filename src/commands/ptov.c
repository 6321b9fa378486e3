/* ptov PADDR... — the kernel virtual address of a physical address in the direct map
 * (PAGE_OFFSET + paddr, for memory below high_memory; highmem pages have no fixed mapping). */
#include <inttypes.h>

#include "commands.h"

static int run_ptov(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: ptov PHYSICAL-ADDRESS...");
    uint64_t high = 0;
    ks_err err;
    if (kvar_read_int(&s->k, "high_memory", NULL, &high, &err)) return cmd_fail(s, argv[0], "%s", err.msg);
    uint64_t lowmem_end = high - s->k.page_offset;
    struct json j;
    if (s->json) { json_init(&j); json_obj_begin(&j, NULL); json_arr_begin(&j, "addresses"); }
    else fprintf(s->out, "VIRTUAL   PHYSICAL\n");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t pa;
        if (!parse_u64(argv[i], 16, &pa)) { rc = cmd_fail(s, argv[0], "bad address %s", argv[i]); continue; }
        bool mapped = pa < lowmem_end;
        if (s->json) {
            json_obj_begin(&j, NULL);
            json_hex(&j, "paddr", pa);
            if (mapped) json_hex(&j, "vaddr", pa + s->k.page_offset); else json_null(&j, "vaddr");
            json_obj_end(&j);
        } else if (mapped) {
            fprintf(s->out, "%-8" PRIx64 "  %" PRIx64 "\n", pa + s->k.page_offset, pa);
        } else {
            fprintf(s->out, "%-8s  %" PRIx64 "  (highmem: not in the kernel's direct map)\n", "-", pa);
        }
    }
    if (s->json) { json_arr_end(&j); json_obj_end(&j); cmd_json_emit(s, &j); json_free(&j); }
    return rc;
}

const struct command cmd_ptov = {
    "ptov", "ptov PHYSICAL-ADDRESS...", "physical address to kernel virtual address",
    "Lowmem (below __pa(high_memory)) is mapped at PAGE_OFFSET + physical; highmem has no permanent\n"
    "kernel mapping and is reported as such.\n"
    "JSON: {\"addresses\":[{\"paddr\",\"vaddr\"|null}]}",
    run_ptov,
};

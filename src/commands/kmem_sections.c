/* kmem -n: the memory model — nodes and zones with the struct page of their first frame, then, on
 * SPARSEMEM kernels, every memory section that has a mem_map, in crash's columns. */
#include <inttypes.h>

#include "../mm/page.h"
#include "../mm/sparse.h"
#include "../mm/zone.h"
#include "kmem.h"

struct sections_ctx {
    struct session *s;
    struct json *j;
    uint64_t last_pgdat;
};

static int show_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct sections_ctx *c = arg;
    uint64_t mem_map = 0;
    if (z->spanned) pfn_to_page(k, z->start_pfn, &mem_map, NULL);     /* 0 when it starts in a hole */
    if (c->j) {
        json_obj_begin(c->j, NULL);
        json_uint(c->j, "node", z->node);
        json_str(c->j, "zone", z->name);
        json_hex(c->j, "addr", z->zone);
        json_uint(c->j, "size", z->spanned);
        json_hex(c->j, "mem_map", mem_map);
        json_uint(c->j, "start_pfn", z->start_pfn);
        json_obj_end(c->j);
        return 0;
    }
    FILE *o = c->s->out;
    if (z->pgdat != c->last_pgdat) {
        uint64_t size = 0;
        kread_member(k, z->pgdat, "struct pglist_data", "node_spanned_pages", &size, NULL);
        fprintf(o, "%sNODE    SIZE    PGLIST_DATA\n%3u  %8" PRIu64 "     %8" PRIx64 "\n\n", c->last_pgdat ? "\n" : "", z->node, size, z->pgdat);
        fprintf(o, "ZONE  NAME         SIZE   MEM_MAP  START_PADDR  START_MAPNR\n");
        c->last_pgdat = z->pgdat;
    }
    fprintf(o, "%3u   %-8s %8" PRIu64 "  %8" PRIx64 "  %11" PRIx64 "  %11" PRIu64 "\n", z->index, z->name, z->spanned, mem_map,
            z->start_pfn << KS_PAGE_SHIFT, z->start_pfn);
    return 0;
}

static void show_model_text(struct session *s, const struct memory_model *m)
{
    FILE *o = s->out;
    if (!m->sparse) {
        fprintf(o, "\nMEMORY MODEL: FLATMEM, mem_map %" PRIx64 "\n", m->mem_map);
        return;
    }
    fprintf(o, "\nMEMORY MODEL: SPARSEMEM, %" PRIu64 " sections of %u MB (SECTION_SIZE_BITS %u), %zu with a mem_map\n\n",
            m->nr_sections, 1u << (m->section_size_bits - 20), m->section_size_bits, m->nsections);
    fprintf(o, "NR  SECTION   CODED_MEM_MAP  MEM_MAP   STATE PFN\n");
    for (size_t i = 0; i < m->nsections; i++) {
        const struct mem_section_info *x = &m->sections[i];
        char state[8];
        sparse_state_letters(&s->k, x->flags, state);
        fprintf(o, "%2" PRIu64 "  %8" PRIx64 "     %8" PRIx64 "    %8" PRIx64 "  %-4s  %" PRIu64 "\n", x->nr, x->section,
                x->coded_mem_map, x->mem_map, state, x->nr << (m->section_size_bits - KS_PAGE_SHIFT));
    }
}

static void show_model_json(struct session *s, struct json *j, const struct memory_model *m)
{
    json_str(j, "model", m->sparse ? "SPARSEMEM" : "FLATMEM");
    if (!m->sparse) {
        json_hex(j, "mem_map", m->mem_map);
        return;
    }
    json_uint(j, "section_size_bits", m->section_size_bits);
    json_uint(j, "nr_sections", m->nr_sections);
    json_arr_begin(j, "sections");
    for (size_t i = 0; i < m->nsections; i++) {
        const struct mem_section_info *x = &m->sections[i];
        char state[8];
        sparse_state_letters(&s->k, x->flags, state);
        json_obj_begin(j, NULL);
        json_uint(j, "nr", x->nr);
        json_hex(j, "section", x->section);
        json_hex(j, "coded_mem_map", x->coded_mem_map);
        json_hex(j, "mem_map", x->mem_map);
        json_str(j, "state", state);
        json_uint(j, "pfn", x->nr << (m->section_size_bits - KS_PAGE_SHIFT));
        json_obj_end(j);
    }
    json_arr_end(j);
}

int kmem_sections(struct session *s, const char *cmd)
{
    ks_err err;
    struct memory_model m;
    struct json j;
    if (memory_model(&s->k, &m, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    struct sections_ctx c = { s, cmd_json_list_begin(s, &j, "zones"), 0 };
    int rc = for_each_zone(&s->k, show_zone, &c, &err);
    if (!c.j) return rc ? cmd_fail(s, cmd, "%s", err.msg) : (show_model_text(s, &m), 0);
    json_arr_end(c.j);                  /* {"zones":[...], "model", ...}: one document */
    show_model_json(s, c.j, &m);
    json_obj_end(c.j);
    if (!rc) cmd_json_emit(s, c.j);
    json_free(c.j);
    return rc ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

/* kmem -n: the memory model — nodes and zones with the struct page of their first frame, then, on
 * SPARSEMEM kernels, every memory section that has a mem_map, in crash's columns. */
#include <inttypes.h>

#include "../mm/page.h"
#include "../mm/sparse.h"
#include "../mm/zone.h"
#include "kmem.h"

/* The document: zones, then the memory model and (SPARSEMEM) its sections. */
static const struct column model_cols[] = {
    COL_LIST("zones"),
    COL_JSON(CT_STR, "model"),
    COL_JSON(CT_HEX, "mem_map"),
    COL_JSON(CT_UNSIGNED, "section_size_bits"),
    COL_JSON(CT_UNSIGNED, "nr_sections"),
    COL_LIST("sections"),
};

static const struct column zone_cols[] = {
    COL_JSON(CT_UNSIGNED, "node"),
    COL_TEXT(CT_UNSIGNED, "ZONE", "index", 0, 3),
    COL_S("  NAME", "zone", 3, -8),
    COL_JSON(CT_HEX, "addr"),
    COL_U("         SIZE", "size", 1, 8),
    COL_X("   MEM_MAP", "mem_map", 2, 8),
    COL_TEXT(CT_HEX, "  START_PADDR", "start_paddr", 2, 11),
    COL_U("  START_MAPNR", "start_pfn", 2, 11),
};

/* People see each node's line above its zones; programs see the node in each zone. */
static const struct column node_cols[] = {
    COL_TEXT(CT_UNSIGNED, "NODE", "node", 0, 3),
    COL_TEXT(CT_UNSIGNED, "    SIZE", "size", 2, 8),
    COL_TEXT(CT_HEX, "    PGLIST_DATA", "pgdat", 5, 8),
};

static const struct column section_cols[] = {
    COL_U("NR", "nr", 0, 2),
    COL_X("  SECTION", "section", 2, 8),
    COL_X("   CODED_MEM_MAP", "coded_mem_map", 5, 8),
    COL_X("  MEM_MAP", "mem_map", 4, 8),
    COL_S("   STATE", "state", 2, -4),
    COL_U(" PFN", "pfn", 2, 0),
};

struct sections_ctx {
    struct table zones;
    uint64_t last_pgdat;
};

static void node_lines(struct sections_ctx *c, struct kernel *k, const struct zone_info *z)
{
    uint64_t size = 0;
    kread_member(k, z->pgdat, "struct pglist_data", "node_spanned_pages", &size, NULL);
    if (c->last_pgdat)
        table_text(&c->zones, "\n");
    struct table n;
    table_begin_in(&c->zones, &n, NULL, node_cols);
    row_begin(&n);
    put_u(&n, "node", z->node);
    put_u(&n, "size", size);
    put_u(&n, "pgdat", z->pgdat);
    row_end(&n);
    table_end(&n, 0);
    table_text(&c->zones, "\n");
    table_print_header(&c->zones);
    c->last_pgdat = z->pgdat;
}

static int show_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct sections_ctx *c = arg;
    struct table *t = &c->zones;
    uint64_t mem_map = 0;
    if (z->spanned)
        pfn_to_page(k, z->start_pfn, &mem_map, NULL); /* 0 when it starts in a hole */
    row_begin(t);
    put_u(t, "node", z->node);
    if (z->pgdat != c->last_pgdat && !table_is_json(t))
        node_lines(c, k, z);
    put_u(t, "index", z->index);
    put_s(t, "zone", z->name);
    put_u(t, "addr", z->zone);
    put_u(t, "size", z->spanned);
    put_u(t, "mem_map", mem_map);
    put_u(t, "start_paddr", z->start_pfn << KS_PAGE_SHIFT);
    put_u(t, "start_pfn", z->start_pfn);
    row_end(t);
    return 0;
}

static void show_sections(struct table *r, const struct memory_model *m)
{
    struct table t;
    table_begin_in(r, &t, "sections", section_cols);
    table_print_header(&t);
    for (size_t i = 0; i < m->nsections; i++) {
        const struct mem_section_info *x = &m->sections[i];
        char state[8];
        sparse_state_letters(&r->s->k, x->flags, state);
        row_begin(&t);
        put_u(&t, "nr", x->nr);
        put_u(&t, "section", x->section);
        put_u(&t, "coded_mem_map", x->coded_mem_map);
        put_u(&t, "mem_map", x->mem_map);
        put_s(&t, "state", state);
        put_u(&t, "pfn", x->nr << (m->section_size_bits - KS_PAGE_SHIFT));
        row_end(&t);
    }
    table_end(&t, 0);
}

static void show_model(struct table *r, const struct memory_model *m)
{
    put_s(r, "model", m->sparse ? "SPARSEMEM" : "FLATMEM");
    if (!m->sparse) {
        table_text(r, "\nMEMORY MODEL: FLATMEM, mem_map %" PRIx64 "\n", m->mem_map);
        put_u(r, "mem_map", m->mem_map);
        return;
    }
    table_text(r, "\nMEMORY MODEL: SPARSEMEM, %" PRIu64 " sections of %u MB (SECTION_SIZE_BITS %u), %zu with a mem_map\n\n",
               m->nr_sections, 1u << (m->section_size_bits - 20), m->section_size_bits, m->nsections);
    put_u(r, "section_size_bits", m->section_size_bits);
    put_u(r, "nr_sections", m->nr_sections);
    show_sections(r, m);
}

int kmem_sections(struct session *s, const char *cmd)
{
    ks_err err;
    struct memory_model m;
    if (memory_model(&s->k, &m, &err))
        return cmd_fail_err(s, cmd, &err);
    struct sections_ctx c = {.last_pgdat = 0};
    struct table r;
    record_begin(s, &r, model_cols);
    table_begin_in(&r, &c.zones, "zones", zone_cols);
    table_set_header(&c.zones, HEADER_NONE); /* each node's zones get their own header */
    int rc = for_each_zone(&s->k, show_zone, &c, &err);
    table_end(&c.zones, rc);
    if (!rc)
        show_model(&r, &m);
    return record_end(&r, rc) ? cmd_fail_err(s, cmd, &err) : 0;
}

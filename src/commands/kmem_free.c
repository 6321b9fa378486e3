/* kmem -f: the buddy allocator's free lists, per node, zone, order and migratetype, each listed page
 * checked to be a free buddy of its order; the counted blocks checked against nr_free. */
#include <inttypes.h>

#include "../mm/buddy.h"
#include "../mm/page.h"
#include "kmem.h"

struct free_ctx {
    struct zone_geometry g;
    char migrate_title[CMD_MIGRATE_TITLE_MAX];
    struct column order_cols[7];
    unsigned problems;
};

/* Each zone: for programs node, zone and its counts, the orders and the mismatches; for people
 * crash's NODE and ZONE tables, the AREA table, a summary line and MISMATCH sentences. */
static const struct column zone_cols[] = {
    COL_LIST("orders"),
    COL_LIST("mismatches"),
};

static const struct column node_cols[] = {
    COL_U("NODE", "node", 2, 0),
};

static const struct column zone_line_cols[] = {
    COL_TEXT(CT_UNSIGNED, "ZONE", "index", 2, 0),
    COL_S("  NAME", "zone", 3, -8),
    COL_TEXT(CT_UNSIGNED, "        SIZE", "spanned", 1, 7),
    COL_U("    FREE", "free_pages", 1, 7),
    COL_TEXT(CT_HEX, "  MEM_MAP", "mem_map", 2, 8),
    COL_TEXT(CT_HEX, "   START_PADDR", "start_paddr", 2, 11),
    COL_TEXT(CT_UNSIGNED, "  START_MAPNR", "start_mapnr", 2, 11),
    COL_JSON(CT_UNSIGNED, "nr_free_pages"),
    COL_JSON(CT_UNSIGNED, "pcp_pages"),
};

/* The AREA table; its last column's title (the migratetypes) is known at run time. */
static const struct column order_cols[] = {
    COL_U("AREA", "order", 0, 3),
    COL_TEXT(CT_STR, "    SIZE", "size", 2, 6),
    COL_TEXT(CT_HEX, "  FREE_AREA_STRUCT", "free_area", 2, 16),
    COL_U("  BLOCKS", "blocks", 2, 6),
    COL_U("   PAGES", "pages", 2, 6),
    COL_JSON(CT_UNSIGNED, "nr_free"),
    COL_LIST("by_migratetype"),
};

static const struct column mismatch_cols[] = {
    COL_JSON(CT_UNSIGNED, "order"), COL_JSON(CT_STR, "migratetype"), COL_JSON(CT_HEX, "page"),
    COL_JSON(CT_HEX, "pfn"),        COL_JSON(CT_BOOL, "is_buddy"),   COL_JSON(CT_UNSIGNED, "page_order"),
};

static void zone_lines(struct table *t, const struct zone_info *z, const struct buddy_census *b)
{
    uint64_t mem_map = 0;
    bool have_mem_map = pfn_to_page(&t->s->k, z->start_pfn, &mem_map, KS_MISSING_OK) == 0; /* else shown as "-" */
    struct table n, zl;
    table_begin_in(t, &n, NULL, node_cols);
    row_begin(&n);
    put_u(&n, "node", z->node);
    row_end(&n);
    table_end(&n, 0);
    table_begin_in(t, &zl, NULL, zone_line_cols);
    row_begin(&zl);
    put_u(&zl, "index", z->index);
    put_s(&zl, "zone", z->name);
    put_u(&zl, "spanned", z->spanned);
    put_u(&zl, "free_pages", b->free_pages);
    if (have_mem_map) put_u(&zl, "mem_map", mem_map); else put_null_as(&zl, "mem_map", "-");
    put_u(&zl, "start_paddr", z->start_pfn << KS_PAGE_SHIFT);
    put_u(&zl, "start_mapnr", z->start_pfn);
    put_u(&zl, "nr_free_pages", z->free_pages);
    put_u(&zl, "pcp_pages", z->pcp_pages);
    row_end(&zl);
    table_end(&zl, 0);
}

static void orders(struct free_ctx *c, struct table *t, const struct zone_info *z, const struct buddy_census *b)
{
    uint64_t fa_off = 0;
    kmember_off(&t->s->k, "struct zone", "free_area", &fa_off, KS_MISSING_OK); /* the census just read it */
    uint64_t fa_size = ktype_size(&t->s->k, "struct free_area");
    struct table o;
    table_open_in(t, &o, "orders", SHAPE_LIST, c->order_cols, ARRAY_SIZE(c->order_cols));
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        char size[16];
        kmem_size_text((uint64_t)KS_PAGE_SIZE << ord, size, sizeof size);
        row_begin(&o);
        put_u(&o, "order", ord);
        put_s(&o, "size", size);
        put_u(&o, "free_area", z->zone + fa_off + ord * fa_size);
        put_u(&o, "blocks", b->order_blocks[ord]);
        put_u(&o, "pages", b->order_blocks[ord] << ord);
        put_u(&o, "nr_free", z->nr_free[ord]);
        cmd_migratetype_counts(&o, "by_migratetype", &c->g, b->blocks[ord]);
        row_end(&o);
    }
    table_end(&o, 0);
}

/* Counted blocks that disagree with nr_free are sentences only; listed pages that are not free
 * buddies of their order are also mismatch objects. */
static void mismatches(struct free_ctx *c, struct table *t, const struct zone_info *z, const struct buddy_census *b)
{
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++)
        if (b->order_blocks[ord] != z->nr_free[ord]) {
            c->problems++;
            table_text(t, "MISMATCH: zone %s order %u: %" PRIu64 " blocks on the lists, nr_free says %" PRIu64 "\n", z->name, ord,
                       b->order_blocks[ord], z->nr_free[ord]);
        }
    struct table m;
    table_begin_in(t, &m, "mismatches", mismatch_cols);
    for (unsigned i = 0; i < KS_MIN(b->nmismatch, (unsigned)BUDDY_MAX_MISMATCHES); i++) {
        const struct buddy_mismatch *x = &b->mismatch[i];
        const char *mt = c->g.migrate_name[x->migratetype];
        table_text(t, "MISMATCH: zone %s order %u %s list: page %" PRIx64 " (pfn %" PRIx64 ") is %s\n", z->name, x->order, mt,
                   x->page, x->pfn, x->is_buddy ? "a buddy page of another order" : "not a free buddy page");
        row_begin(&m);
        put_u(&m, "order", x->order);
        put_s(&m, "migratetype", mt);
        put_u(&m, "page", x->page);
        put_u(&m, "pfn", x->pfn);
        put_b(&m, "is_buddy", x->is_buddy);
        put_u(&m, "page_order", x->page_order);
        row_end(&m);
    }
    table_end(&m, 0);
    c->problems += b->nmismatch;
}

struct census_walk {
    struct free_ctx *c;
    struct table zones;
};

static int show_zone(struct kernel *k, const struct zone_info *z, const struct buddy_census *b, void *arg)
{
    struct census_walk *w = arg;
    struct table *t = &w->zones;
    (void)k;
    row_begin(t);
    zone_lines(t, z, b);
    orders(w->c, t, z, b);
    table_text(t,
               "\nfree pages on the lists: %" PRIu64 "   on per-CPU lists: %" PRIu64 "   (NR_FREE_PAGES %" PRIu64
               ": per-CPU vmstat deltas are folded in lazily)\n",
               b->free_pages, z->pcp_pages, z->free_pages);
    mismatches(w->c, t, z, b);
    table_text(t, "\n");
    row_end(t);
    return 0;
}

static const struct column free_cols[] = {
    COL_LIST("zones"),
    COL_JSON(CT_UNSIGNED, "problems"),
};

int kmem_free(struct session *s, const char *cmd)
{
    ks_err err;
    struct free_ctx c = {0};
    if (zone_geometry(&s->k, &c.g, &err))
        return cmd_fail_err(s, cmd, &err);
    cmd_migratetype_columns(&c.g, order_cols, ARRAY_SIZE(order_cols), c.order_cols, c.migrate_title);
    struct table r;
    struct census_walk w = {.c = &c};
    record_begin(s, &r, free_cols);
    table_begin_in(&r, &w.zones, "zones", zone_cols);
    int rc = for_each_zone_census(&s->k, &c.g, show_zone, &w, &err);
    table_end(&w.zones, rc);
    put_u(&r, "problems", c.problems);
    if (record_end(&r, rc))
        return cmd_fail_err(s, cmd, &err);
    if (!s->json)
        fprintf(s->out, "%s\n", c.problems ? "free lists: PROBLEMS FOUND (see MISMATCH lines)" : "free lists: consistent");
    return 0;
}

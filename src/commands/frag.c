/*
 * frag — how fragmented the buddy allocator is, per zone, the way mm/vmstat.c measures it:
 * free blocks per order and migratetype, free pages, the largest free block, and for every order
 * the unusable free-space index (debugfs extfrag/unusable_index) and the external-fragmentation
 * index (debugfs extfrag/extfrag_index), both as the kernel prints them (0.000 to 1.000; -1.000
 * when a block of that order is free). Then the pageblocks: each one's migratetype and how much of
 * it is free, drawn as a compact Unicode map.
 *   frag [--svg FILE]       FILE gets a picture: pageblock grid and a per-order bar chart
 */
#include <inttypes.h>
#include <string.h>

#include "../mm/buddy.h"
#include "commands.h"
#include "frag.h"

#define MAP_WIDTH 64

struct frag_ctx {
    struct session *s;
    struct zone_geometry g;
    char migrate_title[CMD_MIGRATE_TITLE_MAX];
    struct column order_cols[7];
    struct table zones;
    struct frag_svg *svg;
};

/* For programs each zone's facts; for people a sentence, the ORDER table and the pageblock map. */
static const struct column zone_cols[] = {
    COL_JSON(CT_UNSIGNED, "node"),
    COL_JSON(CT_STR, "zone"),
    COL_JSON(CT_UNSIGNED, "start_pfn"),
    COL_JSON(CT_UNSIGNED, "spanned"),
    COL_JSON(CT_UNSIGNED, "free_pages"),
    COL_JSON(CT_UNSIGNED, "largest_order"),
    COL_LIST("orders"),
    COL_LIST("pageblocks"),
};

/* BLOCKS and PAGES are what the lists hold (counted); free_blocks is what nr_free says. The
 * migratetypes' title is known at run time. */
static const struct column order_cols[] = {
    COL_U("ORDER", "order", 0, 5),
    COL_TEXT(CT_UNSIGNED, "  BLOCKS", "blocks", 1, 7),
    COL_TEXT(CT_UNSIGNED, "    PAGES", "pages", 1, 8),
    COL_JSON(CT_UNSIGNED, "free_blocks"),
    COL_LIST("by_migratetype"),
    COL_MILLI("  UNUSABLE", "unusable_index", 2, 0),
    COL_MILLI("  EXTFRAG", "extfrag_index", 2, 12),
};

static const struct column pageblock_cols[] = {
    COL_JSON(CT_UNSIGNED, "order"), COL_JSON(CT_UNSIGNED, "count"), COL_JSON(CT_UNSIGNED, "holes"),
    COL_LIST("by_migratetype"),     COL_LIST("free_pages"),         COL_LIST("migratetypes"),
};

static const struct column pageblock_count_cols[] = {
    COL_JSON(CT_STR, "migratetype"),
    COL_JSON(CT_UNSIGNED, "pageblocks"),
};

static const struct column pageblock_free_cols[] = {
    COL_JSON(CT_UNSIGNED, "free_pages"),
};

static const struct column pageblock_type_cols[] = {
    COL_JSON(CT_UNSIGNED, "migratetype"),
};

static unsigned largest_order(const struct zone_geometry *g, const struct buddy_census *c)
{
    for (unsigned o = KS_MIN(g->max_order, (unsigned)ZONE_MAX_ORDER); o-- > 0;)
        if (c->order_blocks[o])
            return o;
    return 0;
}

/* One cell per pageblock: how full it is, in five shades (full to empty). */
static const char *shade(uint32_t free, unsigned pageblock_order)
{
    static const char *const cells[] = {"\u2588", "\u2593", "\u2592", "\u2591", "\u00b7"};
    unsigned per = 1u << pageblock_order, eighths = free * 8 / per;
    return cells[eighths == 0 ? 0 : eighths < 3 ? 1 : eighths < 5 ? 2 : eighths < 8 ? 3 : 4];
}

static void count_pageblocks(const struct buddy_census *b, unsigned count[ZONE_MAX_MIGRATE + 1])
{
    memset(count, 0, sizeof(unsigned) * (ZONE_MAX_MIGRATE + 1));
    for (unsigned i = 0; i < b->npageblocks; i++)
        count[KS_MIN(b->pb_migratetype[i], (uint8_t)ZONE_MAX_MIGRATE)]++;
}

/* The map is for people only: one letter (migratetype) over one shade (how full) per pageblock. */
static void text_map(struct frag_ctx *c, const struct buddy_census *b)
{
    FILE *o = c->s->out;
    fprintf(o, "PAGEBLOCKS: %u of %u pages (order %u):", b->npageblocks, 1u << b->pageblock_order, b->pageblock_order);
    unsigned count[ZONE_MAX_MIGRATE + 1];
    count_pageblocks(b, count);
    for (unsigned m = 0; m < c->g.migrate_types; m++)
        fprintf(o, "  %s %u", c->g.migrate_name[m], count[m]);
    if (b->pb_holes)
        fprintf(o, "  in holes %u", b->pb_holes);
    fprintf(o, "\nmap: letter = migratetype (");
    for (unsigned m = 0; m < c->g.migrate_types; m++)
        fprintf(o, "%s%c %s", m ? ", " : "", c->g.migrate_name[m][0], c->g.migrate_name[m]);
    fprintf(o, "), shade = in use (\u2588 full, \u2593, \u2592, \u2591, \u00b7 free)%s\n",
            b->pb_holes ? ", blank = hole (no memory section)" : "");
    for (unsigned row = 0; row < b->npageblocks; row += MAP_WIDTH) {
        unsigned end = KS_MIN(row + MAP_WIDTH, b->npageblocks);
        fprintf(o, "%6u  ", row);
        for (unsigned i = row; i < end; i++) {
            uint8_t mt = b->pb_migratetype[i];
            fputc(mt == BUDDY_PB_HOLE ? ' ' : mt < c->g.migrate_types ? c->g.migrate_name[mt][0] : '?', o);
        }
        fprintf(o, "\n        ");
        for (unsigned i = row; i < end; i++)
            fputs(b->pb_migratetype[i] == BUDDY_PB_HOLE ? " " : shade(b->pb_free[i], b->pageblock_order), o);
        fputc('\n', o);
    }
}

static void orders(struct frag_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    struct table o;
    table_open_in(&c->zones, &o, "orders", SHAPE_LIST, c->order_cols, ARRAY_SIZE(c->order_cols));
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        row_begin(&o);
        put_u(&o, "order", ord);
        put_u(&o, "blocks", b->order_blocks[ord]);
        put_u(&o, "pages", b->order_blocks[ord] << ord);
        put_u(&o, "free_blocks", z->nr_free[ord]);
        cmd_migratetype_counts(&o, "by_migratetype", &c->g, b->blocks[ord]);
        put_i(&o, "unusable_index", unusable_index(z->nr_free, c->g.max_order, ord));
        put_i(&o, "extfrag_index", extfrag_index(z->nr_free, c->g.max_order, ord));
        row_end(&o);
    }
    table_end(&o, 0);
}

/* Per pageblock (i starts at pfn (start_pfn rounded down) + i << order): free pages, migratetype. */
static void pageblocks(struct frag_ctx *c, const struct buddy_census *b)
{
    struct table p, counts, free_pages, types;
    object_begin_in(&c->zones, &p, "pageblocks", pageblock_cols);
    put_u(&p, "order", b->pageblock_order);
    put_u(&p, "count", b->npageblocks);
    put_u(&p, "holes", b->pb_holes);
    unsigned count[ZONE_MAX_MIGRATE + 1];
    count_pageblocks(b, count);
    pairs_begin_in(&p, &counts, "by_migratetype", pageblock_count_cols);
    for (unsigned m = 0; m < c->g.migrate_types; m++)
        put_pair_u(&counts, c->g.migrate_name[m], count[m]);
    table_end(&counts, 0);
    values_begin_in(&p, &free_pages, "free_pages", pageblock_free_cols);
    for (unsigned i = 0; i < b->npageblocks; i++)
        put_value_u(&free_pages, b->pb_free[i]);
    table_end(&free_pages, 0);
    values_begin_in(&p, &types, "migratetypes", pageblock_type_cols);
    for (unsigned i = 0; i < b->npageblocks; i++)
        if (b->pb_migratetype[i] == BUDDY_PB_HOLE)
            put_value_null(&types);
        else
            put_value_u(&types, b->pb_migratetype[i]);
    table_end(&types, 0);
    table_end(&p, 0);
}

static void zone(struct frag_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    struct table *t = &c->zones;
    unsigned big = largest_order(&c->g, b);
    table_text(t, "NODE %u  ZONE %s  free %" PRIu64 " pages (%" PRIu64 " KB)  largest free block: order %u (%u KB)\n", z->node,
               z->name, b->free_pages, b->free_pages * 4, big, (KS_PAGE_SIZE << big) / 1024);
    row_begin(t);
    put_u(t, "node", z->node);
    put_s(t, "zone", z->name);
    put_u(t, "start_pfn", z->start_pfn);
    put_u(t, "spanned", z->spanned);
    put_u(t, "free_pages", b->free_pages);
    put_u(t, "largest_order", big);
    orders(c, z, b);
    if (table_is_json(t))
        pageblocks(c, b);
    else
        text_map(c, b);
    table_text(t, "\n");
    row_end(t);
}

static int show_zone(struct kernel *k, const struct zone_info *z, const struct buddy_census *b, void *arg)
{
    struct frag_ctx *c = arg;
    (void)k;
    zone(c, z, b);
    if (c->svg)
        frag_svg_zone(c->svg, z, &c->g, b);
    return 0;
}

static int run_frag(struct session *s, int argc, char **argv)
{
    ks_err err;
    struct frag_ctx c = {.s = s};
    const char *svg_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--svg") && i + 1 < argc)
            svg_path = argv[++i];
        else
            return cmd_fail(s, argv[0], "usage: frag [--svg FILE]");
    }
    if (zone_geometry(&s->k, &c.g, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct frag_svg svg;
    frag_svg_init(&svg);
    if (svg_path)
        c.svg = &svg;
    cmd_migratetype_columns(&c.g, order_cols, ARRAY_SIZE(order_cols), c.order_cols, c.migrate_title);
    table_begin(s, &c.zones, "zones", zone_cols);
    int rc = table_end(&c.zones, for_each_zone_census(&s->k, &c.g, show_zone, &c, &err));
    if (!rc && svg_path) {
        FILE *f = fopen(svg_path, "w");
        if (!f || frag_svg_write(&svg, f) != 0)
            rc = ks_fail(&err, "cannot write %s", svg_path);
        if (f && fclose(f) != 0)
            rc = ks_fail(&err, "cannot write %s", svg_path);
    }
    frag_svg_free(&svg);
    if (rc)
        return cmd_fail_err(s, argv[0], &err);
    if (svg_path && !s->json)
        fprintf(s->out, "picture written to %s\n", svg_path);
    return 0;
}

const struct command cmd_frag = {
    "frag",
    "frag [--svg FILE]",
    "buddy fragmentation: free blocks, kernel fragmentation indices, pageblock map",
    "Per populated zone: free pages and the largest free block; per order the free BLOCKS and PAGES,\n"
    "blocks per migratetype, UNUSABLE (the unusable free-space index: the share of free memory that\n"
    "cannot serve a request of that order) and EXTFRAG (the external-fragmentation index: towards\n"
    "1.000 a failing request would fail because of fragmentation, towards 0 for lack of memory;\n"
    "-1.000 when a block of the order is free) — computed from free_area[].nr_free exactly as\n"
    "mm/vmstat.c does for debugfs. Then the pageblocks: how many of each migratetype\n"
    "(zone->pageblock_flags, or each memory section's bitmap under SPARSEMEM), and a map, one cell\n"
    "per pageblock: its migratetype's initial over a shade of how much of it is in use; a pageblock\n"
    "in a SPARSEMEM hole (a section with no memory) is blank. --svg FILE draws the pageblock grid and\n"
    "a bar chart of free pages per order and migratetype.\n"
    "JSON: {\"zones\":[{\"node\",\"zone\",\"free_pages\",\"largest_order\",\"orders\":[{\"order\",\"free_blocks\",\n"
    "\"by_migratetype\",\"unusable_index\",\"extfrag_index\"}],\"pageblocks\":{\"order\",\"count\",\"holes\",\n"
    "\"by_migratetype\",\"free_pages\":[per pageblock],\"migratetypes\":[per pageblock, null in a hole]}}]}",
    run_frag,
};

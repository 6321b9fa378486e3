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
    struct json *j;
    struct frag_svg *svg;
    ks_err *err;
};

static unsigned largest_order(const struct zone_geometry *g, const struct buddy_census *c)
{
    for (unsigned o = KS_MIN(g->max_order, (unsigned)ZONE_MAX_ORDER); o-- > 0;)
        if (c->order_blocks[o]) return o;
    return 0;
}

/* One cell per pageblock: how full it is, in five shades (full to empty). */
static const char *shade(uint32_t free, unsigned pageblock_order)
{
    static const char *const cells[] = { "\u2588", "\u2593", "\u2592", "\u2591", "\u00b7" };
    unsigned per = 1u << pageblock_order, eighths = free * 8 / per;
    return cells[eighths == 0 ? 0 : eighths < 3 ? 1 : eighths < 5 ? 2 : eighths < 8 ? 3 : 4];
}

static void text_map(struct frag_ctx *c, const struct buddy_census *b)
{
    FILE *o = c->s->out;
    fprintf(o, "PAGEBLOCKS: %u of %u pages (order %u):", b->npageblocks, 1u << b->pageblock_order, b->pageblock_order);
    unsigned count[ZONE_MAX_MIGRATE + 1] = { 0 };
    for (unsigned i = 0; i < b->npageblocks; i++) count[KS_MIN(b->pb_migratetype[i], (uint8_t)ZONE_MAX_MIGRATE)]++;
    for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, "  %s %u", c->g.migrate_name[m], count[m]);
    if (b->pb_holes) fprintf(o, "  in holes %u", b->pb_holes);
    fprintf(o, "\nmap: letter = migratetype (");
    for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, "%s%c %s", m ? ", " : "", c->g.migrate_name[m][0], c->g.migrate_name[m]);
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

static void text_zone(struct frag_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    FILE *o = c->s->out;
    unsigned big = largest_order(&c->g, b);
    fprintf(o, "NODE %u  ZONE %s  free %" PRIu64 " pages (%" PRIu64 " KB)  largest free block: order %u (%u KB)\n", z->node,
            z->name, b->free_pages, b->free_pages * 4, big, (KS_PAGE_SIZE << big) / 1024);
    fprintf(o, "ORDER  BLOCKS    PAGES");
    for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, " %11s", c->g.migrate_name[m]);
    fprintf(o, "  UNUSABLE  EXTFRAG\n");
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        int64_t u = unusable_index(z->nr_free, c->g.max_order, ord), e = extfrag_index(z->nr_free, c->g.max_order, ord);
        fprintf(o, "%5u %7" PRIu64 " %8" PRIu64, ord, b->order_blocks[ord], b->order_blocks[ord] << ord);
        for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, " %11" PRIu64, b->blocks[ord][m]);
        fprintf(o, "  %s%" PRId64 ".%03" PRId64 "  %7s%" PRId64 ".%03" PRId64 "\n", "", u / 1000, u % 1000, e < 0 ? "-" : "",
                (e < 0 ? -e : e) / 1000, (e < 0 ? -e : e) % 1000);
    }
    text_map(c, b);
    fputc('\n', o);
}

static void json_zone(struct frag_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    struct json *j = c->j;
    json_obj_begin(j, NULL);
    json_uint(j, "node", z->node);
    json_str(j, "zone", z->name);
    json_uint(j, "start_pfn", z->start_pfn);
    json_uint(j, "spanned", z->spanned);
    json_uint(j, "free_pages", b->free_pages);
    json_uint(j, "largest_order", largest_order(&c->g, b));
    json_arr_begin(j, "orders");
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        json_obj_begin(j, NULL);
        json_uint(j, "order", ord);
        json_uint(j, "free_blocks", z->nr_free[ord]);
        json_obj_begin(j, "by_migratetype");
        for (unsigned m = 0; m < c->g.migrate_types; m++) json_uint(j, c->g.migrate_name[m], b->blocks[ord][m]);
        json_obj_end(j);
        json_milli(j, "unusable_index", unusable_index(z->nr_free, c->g.max_order, ord));
        json_milli(j, "extfrag_index", extfrag_index(z->nr_free, c->g.max_order, ord));
        json_obj_end(j);
    }
    json_arr_end(j);
    json_obj_begin(j, "pageblocks");
    json_uint(j, "order", b->pageblock_order);
    json_uint(j, "count", b->npageblocks);
    json_uint(j, "holes", b->pb_holes);
    unsigned count[ZONE_MAX_MIGRATE + 1] = { 0 };
    for (unsigned i = 0; i < b->npageblocks; i++) count[KS_MIN(b->pb_migratetype[i], (uint8_t)ZONE_MAX_MIGRATE)]++;
    json_obj_begin(j, "by_migratetype");
    for (unsigned m = 0; m < c->g.migrate_types; m++) json_uint(j, c->g.migrate_name[m], count[m]);
    json_obj_end(j);
    json_arr_begin(j, "free_pages");
    for (unsigned i = 0; i < b->npageblocks; i++) json_uint(j, NULL, b->pb_free[i]);
    json_arr_end(j);
    json_arr_begin(j, "migratetypes");    /* pageblock i starts at pfn (start_pfn rounded down) + i << order */
    for (unsigned i = 0; i < b->npageblocks; i++)
        if (b->pb_migratetype[i] == BUDDY_PB_HOLE) json_null(j, NULL);
        else json_uint(j, NULL, b->pb_migratetype[i]);
    json_arr_end(j);
    json_obj_end(j);
    json_obj_end(j);
}

static int show_zone(struct kernel *k, const struct zone_info *z, const struct buddy_census *b, void *arg)
{
    struct frag_ctx *c = arg;
    (void)k;
    if (c->j) json_zone(c, z, b); else text_zone(c, z, b);
    if (c->svg) frag_svg_zone(c->svg, z, &c->g, b);
    return 0;
}

static int run_frag(struct session *s, int argc, char **argv)
{
    ks_err err;
    struct frag_ctx c = { .s = s, .err = &err };
    const char *svg_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--svg") && i + 1 < argc) svg_path = argv[++i];
        else return cmd_fail(s, argv[0], "usage: frag [--svg FILE]");
    }
    if (zone_geometry(&s->k, &c.g, &err)) return cmd_fail(s, argv[0], "%s", err.msg);
    struct frag_svg svg;
    frag_svg_init(&svg);
    if (svg_path) c.svg = &svg;
    struct json j;
    c.j = cmd_json_list_begin(s, &j, "zones");
    int rc = cmd_json_list_end(s, c.j, for_each_zone_census(&s->k, &c.g, show_zone, &c, &err));
    if (!rc && svg_path) {
        FILE *f = fopen(svg_path, "w");
        if (!f || frag_svg_write(&svg, f) != 0) rc = ks_fail(&err, "cannot write %s", svg_path);
        if (f && fclose(f) != 0) rc = ks_fail(&err, "cannot write %s", svg_path);
    }
    frag_svg_free(&svg);
    if (rc) return cmd_fail(s, argv[0], "%s", err.msg);
    if (svg_path && !s->json) fprintf(s->out, "picture written to %s\n", svg_path);
    return 0;
}

const struct command cmd_frag = {
    "frag", "frag [--svg FILE]", "buddy fragmentation: free blocks, kernel fragmentation indices, pageblock map",
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

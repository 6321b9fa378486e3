/* kmem -f: the buddy allocator's free lists, per node, zone, order and migratetype, each listed page
 * checked to be a free buddy of its order; the counted blocks checked against nr_free. */
#include <inttypes.h>

#include "../mm/buddy.h"
#include "../mm/page.h"
#include "kmem.h"

struct free_ctx {
    struct session *s;
    struct zone_geometry g;
    struct json *j;
    ks_err *err;
    unsigned problems;
};

static void text_zone(struct free_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    FILE *o = c->s->out;
    uint64_t mem_map = 0;
    pfn_to_page(&c->s->k, z->start_pfn, &mem_map, NULL);
    fprintf(o, "NODE\n  %u\nZONE  NAME        SIZE    FREE  MEM_MAP   START_PADDR  START_MAPNR\n", z->node);
    fprintf(o, "  %u   %-8s %7" PRIu64 " %7" PRIu64 "  %8" PRIx64 "  %11" PRIx64 "  %11" PRIu64 "\n", z->index, z->name,
            z->spanned, b->free_pages, mem_map, z->start_pfn << KS_PAGE_SHIFT, z->start_pfn);
    fprintf(o, "AREA    SIZE  FREE_AREA_STRUCT  BLOCKS   PAGES");
    for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, " %11s", c->g.migrate_name[m]);
    fputc('\n', o);
    uint64_t fa_off = 0;
    kmember_off(&c->s->k, "struct zone", "free_area", &fa_off, NULL);
    uint64_t fa_size = ktype_size(&c->s->k, "struct free_area");
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        char size[16];
        kmem_size_text((uint64_t)KS_PAGE_SIZE << ord, size, sizeof size);
        fprintf(o, "%3u  %6s  %16" PRIx64 "  %6" PRIu64 "  %6" PRIu64, ord, size, z->zone + fa_off + ord * fa_size,
                b->order_blocks[ord], b->order_blocks[ord] << ord);
        for (unsigned m = 0; m < c->g.migrate_types; m++) fprintf(o, " %11" PRIu64, b->blocks[ord][m]);
        fputc('\n', o);
    }
    fprintf(o, "\nfree pages on the lists: %" PRIu64 "   on per-CPU lists: %" PRIu64 "   (NR_FREE_PAGES %" PRIu64
               ": per-CPU vmstat deltas are folded in lazily)\n", b->free_pages, z->pcp_pages, z->free_pages);
}

static void report_problems(struct free_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++)
        if (b->order_blocks[ord] != z->nr_free[ord]) {
            c->problems++;
            if (!c->j) fprintf(c->s->out, "MISMATCH: zone %s order %u: %" PRIu64 " blocks on the lists, nr_free says %" PRIu64 "\n",
                               z->name, ord, b->order_blocks[ord], z->nr_free[ord]);
        }
    for (unsigned i = 0; i < KS_MIN(b->nmismatch, (unsigned)BUDDY_MAX_MISMATCHES); i++) {
        const struct buddy_mismatch *m = &b->mismatch[i];
        if (!c->j) fprintf(c->s->out, "MISMATCH: zone %s order %u %s list: page %" PRIx64 " (pfn %" PRIx64 ") is %s\n", z->name,
                           m->order, c->g.migrate_name[m->migratetype], m->page, m->pfn,
                           m->is_buddy ? "a buddy page of another order" : "not a free buddy page");
    }
    c->problems += b->nmismatch;
}

static void json_zone(struct free_ctx *c, const struct zone_info *z, const struct buddy_census *b)
{
    struct json *j = c->j;
    json_obj_begin(j, NULL);
    json_uint(j, "node", z->node);
    json_str(j, "zone", z->name);
    json_uint(j, "free_pages", b->free_pages);
    json_uint(j, "nr_free_pages", z->free_pages);
    json_uint(j, "pcp_pages", z->pcp_pages);
    json_arr_begin(j, "orders");
    for (unsigned ord = 0; ord < c->g.max_order && ord < ZONE_MAX_ORDER; ord++) {
        json_obj_begin(j, NULL);
        json_uint(j, "order", ord);
        json_uint(j, "blocks", b->order_blocks[ord]);
        json_uint(j, "pages", b->order_blocks[ord] << ord);
        json_uint(j, "nr_free", z->nr_free[ord]);
        json_obj_begin(j, "by_migratetype");
        for (unsigned m = 0; m < c->g.migrate_types; m++) json_uint(j, c->g.migrate_name[m], b->blocks[ord][m]);
        json_obj_end(j);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_arr_begin(j, "mismatches");
    for (unsigned i = 0; i < KS_MIN(b->nmismatch, (unsigned)BUDDY_MAX_MISMATCHES); i++) {
        json_obj_begin(j, NULL);
        json_uint(j, "order", b->mismatch[i].order);
        json_str(j, "migratetype", c->g.migrate_name[b->mismatch[i].migratetype]);
        json_hex(j, "page", b->mismatch[i].page);
        json_hex(j, "pfn", b->mismatch[i].pfn);
        json_bool(j, "is_buddy", b->mismatch[i].is_buddy);
        json_uint(j, "page_order", b->mismatch[i].page_order);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_obj_end(j);
}

static int show_zone(struct kernel *k, const struct zone_info *z, const struct buddy_census *b, void *arg)
{
    struct free_ctx *c = arg;
    (void)k;
    if (c->j) json_zone(c, z, b); else text_zone(c, z, b);
    report_problems(c, z, b);
    if (!c->j) fputc('\n', c->s->out);
    return 0;
}

int kmem_free(struct session *s, const char *cmd)
{
    ks_err err;
    struct free_ctx c = { .s = s, .err = &err };
    if (zone_geometry(&s->k, &c.g, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    struct json j;
    if (s->json) { json_init(&j); json_obj_begin(&j, NULL); json_arr_begin(&j, "zones"); c.j = &j; }
    int rc = for_each_zone_census(&s->k, &c.g, show_zone, &c, &err);
    if (s->json) { json_arr_end(&j); json_uint(&j, "problems", c.problems); json_obj_end(&j); if (!rc) cmd_json_emit(s, &j); json_free(&j); }
    if (rc) return cmd_fail(s, cmd, "%s", err.msg);
    if (!s->json) fprintf(s->out, "%s\n", c.problems ? "free lists: PROBLEMS FOUND (see MISMATCH lines)" : "free lists: consistent");
    return 0;
}

/* The frag picture: per zone, a pageblock grid (colour = migratetype, strength = share in use) and a
 * stacked bar per order of free pages by migratetype. Plain SVG 1.1, no scripts. */
#include <inttypes.h>
#include <math.h>

#include "frag.h"

#define WIDTH 900
#define CELL 12
#define PER_ROW 64
#define CHART_H 160

static const char *const colour[] = { "#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#ff7f0e", "#7f7f7f", "#8c564b", "#17becf" };

void frag_svg_init(struct frag_svg *svg)
{
    sb_init(&svg->body);
    svg->height = 10;
}

static void legend(struct frag_svg *svg, const struct zone_geometry *g, unsigned y)
{
    for (unsigned m = 0; m < g->migrate_types; m++)
        sb_printf(&svg->body, "<rect x='%u' y='%u' width='10' height='10' fill='%s'/><text x='%u' y='%u'>%s</text>\n",
                  20 + m * 130, y, colour[m % 8], 34 + m * 130, y + 10, g->migrate_name[m]);
}

static void grid(struct frag_svg *svg, const struct zone_geometry *g, const struct buddy_census *c, unsigned y)
{
    unsigned per = 1u << c->pageblock_order;
    for (unsigned i = 0; i < c->npageblocks; i++) {
        if (c->pb_migratetype[i] == BUDDY_PB_HOLE) continue;    /* no memory there: left blank */
        unsigned mt = c->pb_migratetype[i] % 8, x = 20 + (i % PER_ROW) * CELL, yy = y + (i / PER_ROW) * CELL;
        double used = 1.0 - (double)KS_MIN(c->pb_free[i], per) / per;
        sb_printf(&svg->body, "<rect x='%u' y='%u' width='%u' height='%u' fill='%s' fill-opacity='%.2f' stroke='#fff'>"
                  "<title>pageblock %u: %s, %u of %u pages free</title></rect>\n", x, yy, CELL, CELL, colour[mt],
                  0.12 + 0.88 * used, i, mt < g->migrate_types ? g->migrate_name[mt] : "?", c->pb_free[i], per);
    }
}

/* Bar height grows with log2 of the free pages (so one order-0 hole shows next to 200 order-10
 * blocks); each bar is split between migratetypes in proportion. */
static void chart(struct frag_svg *svg, const struct zone_geometry *g, const struct buddy_census *c, unsigned y)
{
    uint64_t most = 1;
    for (unsigned o = 0; o < g->max_order && o < ZONE_MAX_ORDER; o++) most = KS_MAX(most, c->order_blocks[o] << o);
    unsigned bar = (WIDTH - 80) / g->max_order;
    for (unsigned o = 0; o < g->max_order && o < ZONE_MAX_ORDER; o++) {
        unsigned x = 40 + o * bar, top = y + CHART_H;
        uint64_t pages = c->order_blocks[o] << o;
        double total_h = pages ? CHART_H * log2(1.0 + (double)pages) / log2(1.0 + (double)most) : 0;
        for (unsigned m = 0; m < g->migrate_types; m++) {
            unsigned h = pages ? (unsigned)(total_h * (double)(c->blocks[o][m] << o) / (double)pages + 0.5) : 0;
            if (!h) continue;
            top -= h;
            sb_printf(&svg->body, "<rect x='%u' y='%u' width='%u' height='%u' fill='%s'><title>order %u %s: %" PRIu64
                      " blocks</title></rect>\n", x, top, bar - 6, h, colour[m % 8], o, g->migrate_name[m], c->blocks[o][m]);
        }
        sb_printf(&svg->body, "<text x='%u' y='%u'>%u</text><text x='%u' y='%u' font-size='9'>%" PRIu64 "</text>\n", x + bar / 3,
                  y + CHART_H + 14, o, x, top - 3, c->order_blocks[o] << o);
    }
    sb_printf(&svg->body, "<text x='20' y='%u' font-size='10'>free pages per order, log scale (x: order; numbers: pages)</text>\n", y + CHART_H + 28);
}

void frag_svg_zone(struct frag_svg *svg, const struct zone_info *z, const struct zone_geometry *g, const struct buddy_census *c)
{
    unsigned y = svg->height;
    sb_printf(&svg->body, "<text x='20' y='%u' font-size='16' font-weight='bold'>node %u zone %s: %" PRIu64
              " free pages, %u pageblocks of %u pages</text>\n", y + 16, z->node, z->name, c->free_pages, c->npageblocks,
              1u << c->pageblock_order);
    legend(svg, g, y + 26);
    grid(svg, g, c, y + 46);
    unsigned rows = (c->npageblocks + PER_ROW - 1) / PER_ROW;
    chart(svg, g, c, y + 56 + rows * CELL);
    svg->height = y + 56 + rows * CELL + CHART_H + 50;
}

int frag_svg_write(struct frag_svg *svg, FILE *f)
{
    fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%u' "
            "font-family='sans-serif' font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n%s</svg>\n", WIDTH,
            svg->height, svg->body.buf ? svg->body.buf : "");
    return ferror(f) ? -1 : 0;
}

void frag_svg_free(struct frag_svg *svg) { sb_free(&svg->body); }

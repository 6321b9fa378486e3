/* The census as a picture: frames in pfn order, left to right and top to bottom, each cell the
 * class most of its frames have; a zone's first frame is outlined and named. */
#include "census_svg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../mm/zone.h"

#define WIDTH     900
#define PER_ROW   128
#define CELL      6
#define MAX_CELLS (PER_ROW * 256)
#define TOP       60

static const char *const class_colour[CC_COUNT] = {
    [CC_HOLE] = "#ffffff",      [CC_FREE] = "#c7e9c0",     [CC_PCP] = "#74c476",         [CC_SLAB] = "#9467bd",
    [CC_PAGETABLE] = "#e377c2", [CC_STACK] = "#8c564b",    [CC_VMALLOC] = "#bcbd22", [CC_BLK_MQ] = "#e7ba52",     [CC_ANON] = "#d62728",
    [CC_FILE] = "#1f77b4",      [CC_SHMEM] = "#17becf",    [CC_SWAPCACHE] = "#ff7f0e",   [CC_KERNEL_IMAGE] = "#000000",
    [CC_MEM_MAP] = "#525252",   [CC_RESERVED] = "#969696", [CC_UNACCOUNTED] = "#fdd0a2",
};

struct svg_geometry {
    uint64_t per_cell, cells;
};

static struct svg_geometry geometry(const struct census *c)
{
    struct svg_geometry g = {1, c->frames};
    while (g.cells > MAX_CELLS) {
        g.per_cell *= 2;
        g.cells = (c->frames + g.per_cell - 1) / g.per_cell;
    }
    return g;
}

static void legend(FILE *f, const struct census *c)
{
    for (unsigned i = 0; i < CC_COUNT; i++) {
        unsigned x = 20 + (i % 5) * 175, y = 8 + (i / 5) * 16;
        fprintf(f,
                "<rect x='%u' y='%u' width='10' height='10' fill='%s' stroke='#444'/>"
                "<text x='%u' y='%u'>%s %" PRIu64 "</text>\n",
                x, y, class_colour[i], x + 14, y + 10, census_class_name(i), c->pages[i]);
    }
}

static void cells(FILE *f, const struct census *c, struct svg_geometry g)
{
    for (uint64_t i = 0; i < g.cells; i++) {
        uint64_t x = 20 + (i % PER_ROW) * CELL, y = TOP + (i / PER_ROW) * CELL;
        unsigned cls = census_cell_class(c, i * g.per_cell, g.per_cell);
        fprintf(f, "<rect x='%" PRIu64 "' y='%" PRIu64 "' width='%u' height='%u' fill='%s'/>\n", x, y, CELL, CELL,
                class_colour[cls]);
    }
}

/* The task's frames: each cell holding one gets a blue outline (anon is red). */
static void task_cells(FILE *f, const struct census *c, struct svg_geometry g, const struct census_svg_task *t)
{
    for (uint64_t i = 0; i < g.cells; i++) {
        bool any = false;
        for (uint64_t p = i * g.per_cell; p < (i + 1) * g.per_cell && p < c->frames && !any; p++)
            any = t->mapped[p];
        if (!any)
            continue;
        uint64_t x = 20 + (i % PER_ROW) * CELL, y = TOP + (i / PER_ROW) * CELL;
        fprintf(f, "<rect x='%" PRIu64 "' y='%" PRIu64 "' width='%u' height='%u' fill='none' stroke='#0050ff'/>\n", x, y,
                CELL - 1, CELL - 1);
    }
    fprintf(f,
            "<text id='task' x='20' y='%u' fill='#0050ff'>PID %" PRIu64 " (%s): %" PRIu64
            " frames mapped, outlined in blue</text>\n",
            TOP - 4, t->pid, t->comm, t->frames);
}

struct zone_marks {
    FILE *f;
    struct svg_geometry g;
};

static int zone_mark(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct zone_marks *m = arg;
    (void)k;
    if (!z->spanned)
        return 0;
    uint64_t cell = z->start_pfn / m->g.per_cell;
    uint64_t x = 20 + (cell % PER_ROW) * CELL, y = TOP + (cell / PER_ROW) * CELL;
    fprintf(m->f,
            "<rect x='%" PRIu64 "' y='%" PRIu64 "' width='%u' height='%u' fill='none' stroke='#000' stroke-width='2'/>"
            "<text x='%" PRIu64 "' y='%" PRIu64 "' font-size='10' font-weight='bold'>%s (pfn %" PRIu64 ")</text>\n",
            x, y, CELL, CELL, x + CELL + 2, y + CELL, z->name, z->start_pfn);
    return 0;
}

int census_svg_write(struct kernel *k, const struct census *c, const char *path, const struct census_svg_task *task, ks_err *err)
{
    struct svg_geometry g = geometry(c);
    uint64_t rows = (g.cells + PER_ROW - 1) / PER_ROW;
    FILE *f = fopen(path, "w");
    if (!f)
        return ks_fail_kind(err, KS_E_IO, "%s: %s", path, strerror(errno));
    fprintf(f,
            "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%" PRIu64
            "' font-family='sans-serif' font-size='11'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            WIDTH, TOP + rows * CELL + 40);
    legend(f, c);
    cells(f, c, g);
    if (task)
        task_cells(f, c, g, task);
    struct zone_marks m = {f, g};
    int rc = for_each_zone(k, zone_mark, &m, err);
    fprintf(f,
            "<text x='20' y='%" PRIu64 "' font-size='10'>%" PRIu64 " frames, %" PRIu64
            " per cell, pfn order left to right; each cell shows the class most of its frames have</text>\n</svg>\n",
            TOP + rows * CELL + 20, c->frames, g.per_cell);
    if (ferror(f) && !rc)
        rc = ks_fail_kind(err, KS_E_IO, "%s: write failed", path);
    if (fclose(f) && !rc)
        rc = ks_fail_kind(err, KS_E_IO, "%s: %s", path, strerror(errno));
    return rc;
}

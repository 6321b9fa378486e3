/* kmem -s: the SLUB caches, in crash's columns. ALLOCATED counts objects the way /proc/slabinfo's
 * active_objs does: all objects minus the free ones on the node partial lists. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/slab.h"
#include "kmem.h"

static const struct column cache_cols[] = {
    COL_ADDR("CACHE", "cache", 0, 8),        COL_U("     OBJSIZE", "objsize", 2, 7),
    COL_U("  ALLOCATED", "allocated", 2, 9), COL_U("     TOTAL", "total", 2, 8),
    COL_U("  SLABS", "slabs", 2, 5),         COL_TEXT(CT_KB, "  SSIZE", "slab_kb", 2, 4),
    COL_S("  NAME", "name", 2, 0),           COL_TEXT(CT_STR, "", "unreadable", 2, 0),
    COL_JSON(CT_UNSIGNED, "size"),           COL_JSON(CT_UNSIGNED, "objects_per_slab"),
    COL_JSON(CT_UNSIGNED, "pages_per_slab"), COL_ERROR("error"),
};

/* Caches that could not be read (kmem -s) or walked (kmem -S): each its cache line with "?" counts
 * and "(unreadable: KIND at ADDRESS)", and an error line; the other caches follow, as crash goes on. */
struct unreadable_caches {
    struct session *s;
    const char *cmd;
    unsigned n;
};

/* The cache line's cells that were read, "?" for the counts (count_key: its slab count's key). */
static void put_cache_uncounted(struct table *t, const struct slab_cache_info *c, const char *count_key)
{
    put_u(t, "cache", c->cache);
    put_u(t, "objsize", c->object_size);
    put_u(t, "size", c->size);
    put_null_as(t, "allocated", "?");
    put_null_as(t, "total", "?");
    put_null_as(t, count_key, "?");
    put_u(t, "slab_kb", (uint64_t)(KS_PAGE_SIZE << c->order) / 1024);
    put_s(t, "name", c->name);
}

static void cache_unreadable(struct table *t, struct unreadable_caches *u, const ks_err *e)
{
    put_unreadable(t, "unreadable", e);
    put_error(t, "error", e);
    row_end(t);
    cmd_fail_line(u->s, u->cmd, "%s", e->msg);
    u->n++;
}

struct list_ctx {
    struct table t;
    struct unreadable_caches bad;
};

static int show_cache(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct list_ctx *x = arg;
    struct table *t = &x->t;
    (void)k;
    row_begin(t);
    if (c->error) {
        put_cache_uncounted(t, c, "slabs");
        cache_unreadable(t, &x->bad, c->error);
        return 0;
    }
    put_u(t, "cache", c->cache);
    put_s(t, "name", c->name);
    put_u(t, "objsize", c->object_size);
    put_u(t, "size", c->size);
    put_u(t, "allocated", c->total_objects - KS_MIN(c->free_objects, c->total_objects));
    put_u(t, "total", c->total_objects);
    put_u(t, "slabs", c->nr_slabs);
    put_u(t, "objects_per_slab", c->objects_per_slab);
    put_u(t, "pages_per_slab", 1ull << c->order);
    put_u(t, "slab_kb", (uint64_t)(KS_PAGE_SIZE << c->order) / 1024);
    row_end(t);
    return 0;
}

int kmem_slabs(struct session *s, const char *cmd)
{
    struct list_ctx x = {.bad = {s, cmd, 0}};
    ks_err err;
    table_begin(s, &x.t, "caches", cache_cols);
    table_print_header(&x.t);
    if (table_end(&x.t, for_each_slab_cache_partial(&s->k, show_cache, &x, &err)))
        return cmd_fail_err(s, cmd, &err);
    return x.bad.n ? 1 : 0;
}

/* ---- kmem -S [CACHE]: every slab of a cache, every object allocated or free ---- */

/* The cache line counts what the walk found (crash prints kmem -s's figures there). */
static const struct column walk_cache_cols[] = {
    COL_ADDR("CACHE", "cache", 0, 8),
    COL_U("     OBJSIZE", "objsize", 2, 7),
    COL_U("  ALLOCATED", "allocated", 2, 9),
    COL_U("     TOTAL", "total", 2, 8),
    COL_TEXT(CT_UNSIGNED, "  SLABS", "nr_slabs", 2, 5),
    COL_TEXT(CT_KB, "  SSIZE", "slab_kb", 2, 4),
    COL_S("  NAME", "name", 2, 0),
    COL_TEXT(CT_STR, "", "unreadable", 2, 0),
    COL_JSON(CT_UNSIGNED, "size"),
    COL_LIST("slabs"),
    COL_ERROR("error"),
};

static const struct column slab_cols[] = {
    COL_ADDR("  SLAB    ", "slab", 2, 8),
    COL_ADDR("  MEMORY  ", "memory", 2, 8),
    COL_JSON(CT_STR, "list"),
    COL_JSON(CT_UNSIGNED, "cpu"),
    COL_U("  NODE", "node", 2, 4),
    COL_U("  TOTAL", "objects_total", 2, 5),
    COL_U("  ALLOCATED", "objects_allocated", 2, 9),
    COL_U("  FREE", "objects_free", 2, 4),
    COL_LIST("objects"),
};

static const struct column object_cols[] = {
    COL_TEXT(CT_STR, "  FREE / [ALLOCATED]", "shown", 2, 0),
    COL_JSON(CT_HEX, "address"),
    COL_JSON(CT_BOOL, "allocated"),
};

/* The walk is gathered first: the cache line says its totals before the slabs are listed. */
struct gathered_slab {
    struct slab_walk_slab sl;
    uint64_t base, size;
    bool *is_free;
};

struct gathered {
    struct gathered_slab *v;
    size_t n, cap;
    uint64_t objects, free;
};

static int gather_slab(struct kernel *k, const struct slab_walk_slab *sl, void *arg)
{
    struct gathered *g = arg;
    (void)k;
    if (g->n == g->cap)
        g->v = xrealloc(g->v, (g->cap = g->cap ? g->cap * 2 : 16) * sizeof *g->v);
    struct gathered_slab *x = &g->v[g->n++];
    x->sl = *sl;
    x->sl.is_free = NULL; /* valid only during the walk's callback: kept below as our own copy */
    x->sl.geom = NULL;
    x->base = sl->geom->base;
    x->size = sl->geom->size;
    x->is_free = xcalloc(sl->objects ? sl->objects : 1, sizeof *x->is_free);
    memcpy(x->is_free, sl->is_free, sl->objects * sizeof *x->is_free);
    g->objects += sl->objects;
    g->free += sl->nfree;
    return 0;
}

static void gathered_free(struct gathered *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->v[i].is_free);
    free(g->v);
}

static void group_label(struct table *t, const struct slab_walk_slab *sl)
{
    static const char *const labels[] = {"CPU %u SLAB:\n", "CPU %u PARTIAL:\n", "NODE %u PARTIAL:\n", "NODE %u FULL:\n",
                                         "FULL SLABS ON NO LIST (found in mem_map):\n"};
    table_text(t, labels[sl->where], sl->cpu_or_node);
}

static void show_objects(struct table *row, const struct gathered_slab *x)
{
    struct table o;
    table_begin_in(row, &o, "objects", object_cols);
    for (uint64_t i = 0; i < x->sl.objects; i++) {
        uint64_t addr = x->base + i * x->size;
        char shown[32];
        snprintf(shown, sizeof shown, x->is_free[i] ? " %" PRIx64 : "[%" PRIx64 "]", addr);
        row_begin(&o);
        put_s(&o, "shown", shown);
        put_u(&o, "address", addr);
        put_b(&o, "allocated", !x->is_free[i]);
        row_end(&o);
    }
    table_end(&o, 0);
}

static void show_slab(struct table *t, const struct gathered_slab *x, const struct gathered_slab *prev)
{
    const struct slab_walk_slab *sl = &x->sl;
    bool on_cpu = sl->where == SLAB_CPU || sl->where == SLAB_CPU_PARTIAL;
    if (!prev || prev->sl.where != sl->where || prev->sl.cpu_or_node != sl->cpu_or_node)
        group_label(t, sl);
    row_begin(t);
    put_u(t, "slab", sl->slab);
    put_u(t, "memory", sl->memory);
    put_s(t, "list", slab_where_name(sl->where));
    if (on_cpu)
        put_u(t, "cpu", sl->cpu_or_node);
    else
        put_null(t, "cpu");
    put_u(t, "node", on_cpu || sl->where == SLAB_UNLISTED ? 0 : sl->cpu_or_node);
    put_u(t, "objects_total", sl->objects);
    put_u(t, "objects_allocated", sl->objects - sl->nfree);
    put_u(t, "objects_free", sl->nfree);
    show_objects(t, x);
    row_end(t);
}

/* Full slabs are on a node list only where slub_debug tracks users; people are told why a cache's
 * full slabs come from mem_map instead. */
static bool full_lists_note(struct kernel *k, struct table *t, const struct gathered *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->v[i].sl.where == SLAB_NODE_FULL)
            return true;
    if (kmember_has(k, "struct kmem_cache_node", "full"))
        table_text(t, "NODE FULL LISTS: empty (the kernel lists full slabs only for caches with slub_debug's user tracking)\n");
    else
        table_text(t, "NODE FULL LISTS: none (CONFIG_SLUB_DEBUG is off)\n");
    return true;
}

struct walk_ctx {
    struct unreadable_caches bad;
    struct table t;
    struct slab_pages pages; /* mem_map's slab pages, scanned once for every cache */
    const char *only;        /* a cache name, or NULL for all */
    bool found;
};

static void show_gathered(struct kernel *k, struct walk_ctx *w, const struct slab_cache_info *c, const struct gathered *g)
{
    struct table *t = &w->t, slabs;
    row_begin(t);
    put_u(t, "cache", c->cache);
    put_u(t, "objsize", c->object_size);
    put_u(t, "size", c->size);
    put_u(t, "allocated", g->objects - g->free);
    put_u(t, "total", g->objects);
    put_u(t, "nr_slabs", g->n);
    put_u(t, "slab_kb", (uint64_t)(KS_PAGE_SIZE << c->order) / 1024);
    put_s(t, "name", c->name);
    table_begin_in(t, &slabs, "slabs", slab_cols);
    table_set_header(&slabs, HEADER_EACH_ROW);
    bool told = false;
    for (size_t i = 0; i < g->n; i++) {
        if (!told && g->v[i].sl.where == SLAB_UNLISTED)
            told = full_lists_note(k, &slabs, g);
        show_slab(&slabs, &g->v[i], i ? &g->v[i - 1] : NULL);
    }
    if (!told)
        full_lists_note(k, &slabs, g);
    table_end(&slabs, 0);
    row_end(t);
}

/* A cache that cannot be read or whose slabs cannot be walked (a freelist pointing outside its slab). */
static void show_unwalkable(struct walk_ctx *w, const struct slab_cache_info *c, const ks_err *e)
{
    struct table *t = &w->t;
    row_begin(t);
    put_cache_uncounted(t, c, "nr_slabs");
    put_null(t, "slabs");
    cache_unreadable(t, &w->bad, e);
}

static int show_cache_slabs(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct walk_ctx *w = arg;
    struct gathered g = {0};
    ks_err err;
    if (w->only && (c->error || strcmp(w->only, c->name)))
        return 0; /* a cache whose name cannot be read is no cache asked for by name */
    w->found = true;
    if (c->error)
        show_unwalkable(w, c, c->error);
    else if (for_each_cache_slab(k, c, &w->pages, gather_slab, &g, &err))
        show_unwalkable(w, c, &err);
    else
        show_gathered(k, w, c, &g);
    gathered_free(&g);
    return 0;
}

int kmem_slab_objects(struct session *s, const char *cmd, int argc, char **argv)
{
    struct walk_ctx w = {.bad = {s, cmd, 0}, .only = argc > 0 ? argv[0] : NULL};
    ks_err err;
    if (argc > 1)
        return cmd_fail(s, cmd, "usage: kmem -S [CACHE]");
    table_begin(s, &w.t, "caches", walk_cache_cols);
    table_set_header(&w.t, HEADER_EACH_ROW);
    int rc = slab_pages_scan(&s->k, &w.pages, &err);
    if (!rc)
        rc = for_each_slab_cache_partial(&s->k, show_cache_slabs, &w, &err);
    slab_pages_free(&w.pages);
    if (!rc && w.only && !w.found)
        rc = ks_fail_kind(&err, KS_E_BAD_ARG, "no slab cache named %s", w.only);
    if (table_end(&w.t, rc))
        return cmd_fail_err(s, cmd, &err);
    return w.bad.n ? 1 : 0;
}

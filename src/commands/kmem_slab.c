/* kmem -s: the SLUB caches, in crash's columns. ALLOCATED counts objects the way /proc/slabinfo's
 * active_objs does: all objects minus the free ones on the node partial lists. */
#include <inttypes.h>

#include "../mm/slab.h"
#include "kmem.h"

static const struct column cache_cols[] = {
    COL_ADDR("CACHE", "cache", 0, 8),        COL_U("     OBJSIZE", "objsize", 2, 7), COL_U("  ALLOCATED", "allocated", 2, 9),
    COL_U("     TOTAL", "total", 2, 8),      COL_U("  SLABS", "slabs", 2, 5),        COL_TEXT(CT_KB, "  SSIZE", "slab_kb", 2, 4),
    COL_S("  NAME", "name", 2, 0),           COL_JSON(CT_UNSIGNED, "size"),          COL_JSON(CT_UNSIGNED, "objects_per_slab"),
    COL_JSON(CT_UNSIGNED, "pages_per_slab"),
};

static int show_cache(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct table *t = arg;
    (void)k;
    row_begin(t);
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
    struct table t;
    ks_err err;
    table_begin(s, &t, "caches", cache_cols);
    table_print_header(&t);
    return table_end(&t, for_each_slab_cache(&s->k, show_cache, &t, &err)) ? cmd_fail_err(s, cmd, &err) : 0;
}

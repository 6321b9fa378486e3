/* kmem -s: the SLUB caches, in crash's columns. ALLOCATED counts objects the way /proc/slabinfo's
 * active_objs does: all objects minus the free ones on the node partial lists. */
#include <inttypes.h>

#include "../mm/slab.h"
#include "kmem.h"

struct slab_ctx {
    struct session *s;
    struct json *j;
};

static int show_cache(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct slab_ctx *x = arg;
    (void)k;
    uint64_t allocated = c->total_objects - KS_MIN(c->free_objects, c->total_objects);
    if (x->j) {
        json_obj_begin(x->j, NULL);
        json_hex(x->j, "cache", c->cache);
        json_str(x->j, "name", c->name);
        json_uint(x->j, "objsize", c->object_size);
        json_uint(x->j, "size", c->size);
        json_uint(x->j, "allocated", allocated);
        json_uint(x->j, "total", c->total_objects);
        json_uint(x->j, "slabs", c->nr_slabs);
        json_uint(x->j, "objects_per_slab", c->objects_per_slab);
        json_uint(x->j, "pages_per_slab", 1ull << c->order);
        json_obj_end(x->j);
        return 0;
    }
    fprintf(x->s->out, "%8" PRIx64 "  %7" PRIu64 "  %9" PRIu64 "  %8" PRIu64 "  %5" PRIu64 "  %4" PRIu64 "k  %s\n", c->cache,
            c->object_size, allocated, c->total_objects, c->nr_slabs, (uint64_t)(KS_PAGE_SIZE << c->order) / 1024, c->name);
    return 0;
}

int kmem_slabs(struct session *s, const char *cmd)
{
    struct slab_ctx x = { s, NULL };
    struct json j;
    ks_err err;
    if (!(x.j = cmd_json_list_begin(s, &j, "caches"))) fprintf(s->out, "CACHE     OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n");
    return cmd_json_list_end(s, x.j, for_each_slab_cache(&s->k, show_cache, &x, &err)) ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

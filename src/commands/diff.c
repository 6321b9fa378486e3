/*
 * diff — what changed between this dump and a second capture of the same kernel (issue 14):
 * tasks that came and went, each process's RSS and PSS (mm/pss.c), the census classes and free
 * blocks per order with the unusable-free-space index (mm/census.c, mm/buddy.c), slab caches.
 *   diff DUMP_B        (DUMP_B is opened with this session's vmlinux, which must belong to it)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/buddy.h"
#include "../mm/census.h"
#include "../mm/pss.h"
#include "../mm/slab.h"
#include "../mm/task.h"
#include "commands.h"
#include "diff.h"

struct proc_row {
    uint64_t pid;
    char comm[17];
    bool user;
    struct page_usage u;
};

struct slab_row {
    char name[64];
    uint64_t slabs, pages, objects;
};

struct snapshot {
    struct proc_row *procs;
    size_t nprocs, cap;
    struct slab_row *slabs;
    size_t nslabs, slab_cap;
    struct census census;
};

static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    *cap = *cap ? 2 * *cap : 64;
    return xrealloc(v, *cap * size);
}

struct proc_walk {
    struct snapshot *snap;
    ks_err *err;
};

static int snap_process(struct kernel *k, uint64_t task, void *arg)
{
    struct proc_walk *w = arg;
    struct snapshot *s = w->snap;
    struct task_info ti;
    if (task_info_read(k, task, &ti, w->err))
        return -1;
    s->procs = grow(s->procs, s->nprocs, &s->cap, sizeof *s->procs);
    struct proc_row *p = &s->procs[s->nprocs];
    memset(p, 0, sizeof *p);
    p->pid = ti.pid;
    p->user = ti.mm != 0;
    snprintf(p->comm, sizeof p->comm, "%s", ti.comm);
    if (p->user && mm_usage(k, ti.mm, &p->u, NULL, NULL, w->err))
        return -1;
    s->nprocs++;
    return 0;
}

static int snap_slab(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    struct snapshot *s = arg;
    (void)k;
    s->slabs = grow(s->slabs, s->nslabs, &s->slab_cap, sizeof *s->slabs);
    struct slab_row *r = &s->slabs[s->nslabs++];
    snprintf(r->name, sizeof r->name, "%s", c->name);
    r->slabs = c->nr_slabs;
    r->pages = c->nr_slabs << c->order;
    r->objects = c->total_objects;
    return 0;
}

static int snapshot_take(struct kernel *k, struct snapshot *s, ks_err *err)
{
    struct proc_walk w = {s, err};
    memset(s, 0, sizeof *s);
    if (for_each_process(k, snap_process, &w, err) < 0 || for_each_slab_cache(k, snap_slab, s, err) < 0)
        return -1;
    return census_take(k, &s->census, err);
}

static void snapshot_free(struct snapshot *s)
{
    free(s->procs);
    free(s->slabs);
    census_free(&s->census);
}

/* ---- output ---- */

static const struct column task_cols[] = {
    COL_S("CHANGE", "change", 0, -6),    COL_U("    PID", "pid", 1, 7),       COL_U("   RSS_A", "rss_kb_a", 1, 8),
    COL_U("   RSS_B", "rss_kb_b", 1, 8), COL_U("   PSS_A", "pss_kb_a", 1, 8), COL_U("   PSS_B", "pss_kb_b", 1, 8),
    COL_S("  COMM", "comm", 2, 0),
};

static const struct column class_cols[] = {
    COL_S("CLASS        ", "class", 0, -13),
    COL_U("     PAGES_A", "pages_a", 1, 12),
    COL_U("     PAGES_B", "pages_b", 1, 12),
    COL_I("        DIFF", "difference", 1, 12),
};

static const struct column order_cols[] = {
    COL_U("ORDER", "order", 0, 5),
    COL_U("  BLOCKS_A", "blocks_a", 1, 10),
    COL_U("  BLOCKS_B", "blocks_b", 1, 10),
    COL_I("      DIFF", "difference", 1, 10),
    COL_MILLI("  UNUSABLE_A", "unusable_a", 1, 12),
    COL_MILLI("  UNUSABLE_B", "unusable_b", 1, 12),
};

static const struct column slab_cols[] = {
    COL_S("CACHE                   ", "cache", 0, -24),
    COL_U("  PAGES_A", "pages_a", 1, 9),
    COL_U("  PAGES_B", "pages_b", 1, 9),
    COL_I("     DIFF", "difference", 1, 9),
    COL_U("   OBJS_A", "objects_a", 1, 9),
    COL_U("   OBJS_B", "objects_b", 1, 9),
};

static const struct proc_row *find_proc(const struct snapshot *s, const struct proc_row *like)
{
    for (size_t i = 0; i < s->nprocs; i++)
        if (s->procs[i].pid == like->pid && !strcmp(s->procs[i].comm, like->comm))
            return &s->procs[i];
    return NULL;
}

static void task_row(struct table *t, const char *change, const struct proc_row *a, const struct proc_row *b)
{
    const struct proc_row *p = a ? a : b;
    row_begin(t);
    put_s(t, "change", change);
    put_u(t, "pid", p->pid);
    if (a)
        put_u(t, "rss_kb_a", a->u.rss * 4);
    else
        put_null_as(t, "rss_kb_a", "-");
    if (b)
        put_u(t, "rss_kb_b", b->u.rss * 4);
    else
        put_null_as(t, "rss_kb_b", "-");
    if (a)
        put_u(t, "pss_kb_a", pss_kb(&a->u));
    else
        put_null_as(t, "pss_kb_a", "-");
    if (b)
        put_u(t, "pss_kb_b", pss_kb(&b->u));
    else
        put_null_as(t, "pss_kb_b", "-");
    put_s(t, "comm", p->comm);
    row_end(t);
}

/* Processes gone, new, and those whose RSS or PSS moved (a process is its PID and name). */
static void show_tasks(struct table *doc, const struct snapshot *a, const struct snapshot *b)
{
    struct table t;
    table_text(doc, "PROCESSES (gone, new, or RSS/PSS changed; KB)\n");
    table_begin_in(doc, &t, "tasks", task_cols);
    for (size_t i = 0; i < a->nprocs; i++) {
        const struct proc_row *pa = &a->procs[i], *pb = find_proc(b, pa);
        if (!pb)
            task_row(&t, "gone", pa, NULL);
        else if (pa->u.rss != pb->u.rss || pss_kb(&pa->u) != pss_kb(&pb->u)) /* as shown: whole KB */
            task_row(&t, "moved", pa, pb);
    }
    for (size_t i = 0; i < b->nprocs; i++)
        if (!find_proc(a, &b->procs[i]))
            task_row(&t, "new", NULL, &b->procs[i]);
    table_end(&t, 0);
}

static void show_classes(struct table *doc, const struct census *a, const struct census *b)
{
    struct table t;
    table_text(doc, "\nCENSUS CLASSES (pages)\n");
    table_begin_in(doc, &t, "classes", class_cols);
    for (unsigned i = 0; i < CC_COUNT; i++) {
        row_begin(&t);
        put_s(&t, "class", census_class_name(i));
        put_u(&t, "pages_a", a->pages[i]);
        put_u(&t, "pages_b", b->pages[i]);
        put_i(&t, "difference", (int64_t)b->pages[i] - (int64_t)a->pages[i]);
        row_end(&t);
    }
    table_end(&t, 0);
}

static void show_orders(struct table *doc, struct kernel *k, const struct census *a, const struct census *b)
{
    struct zone_geometry g;
    unsigned max = zone_geometry(k, &g, NULL) ? ZONE_MAX_ORDER : KS_MIN(g.max_order, ZONE_MAX_ORDER);
    struct table t;
    table_text(doc, "\nFREE BLOCKS PER ORDER (all zones; UNUSABLE: the kernel's unusable free space index)\n");
    table_begin_in(doc, &t, "free_blocks", order_cols);
    for (unsigned o = 0; o < max; o++) {
        row_begin(&t);
        put_u(&t, "order", o);
        put_u(&t, "blocks_a", a->free_blocks[o]);
        put_u(&t, "blocks_b", b->free_blocks[o]);
        put_i(&t, "difference", (int64_t)b->free_blocks[o] - (int64_t)a->free_blocks[o]);
        put_i(&t, "unusable_a", unusable_index(a->free_blocks, max, o));
        put_i(&t, "unusable_b", unusable_index(b->free_blocks, max, o));
        row_end(&t);
    }
    table_end(&t, 0);
}

static const struct slab_row *find_slab(const struct snapshot *s, const char *name)
{
    for (size_t i = 0; i < s->nslabs; i++)
        if (!strcmp(s->slabs[i].name, name))
            return &s->slabs[i];
    return NULL;
}

/* One side's figure, or null ("-") where that dump has no such cache. */
static void put_side(struct table *t, const char *key, const struct slab_row *side, uint64_t v)
{
    if (side)
        put_u(t, key, v);
    else
        put_null_as(t, key, "-");
}

/* A cache only one dump has: null on the other side; DIFF counts its pages from none. */
static void slab_row(struct table *t, const char *name, const struct slab_row *a, const struct slab_row *b)
{
    uint64_t pages_a = a ? a->pages : 0, pages_b = b ? b->pages : 0;
    row_begin(t);
    put_s(t, "cache", name);
    put_side(t, "pages_a", a, pages_a);
    put_side(t, "pages_b", b, pages_b);
    put_i(t, "difference", (int64_t)pages_b - (int64_t)pages_a);
    put_side(t, "objects_a", a, a ? a->objects : 0);
    put_side(t, "objects_b", b, b ? b->objects : 0);
    row_end(t);
}

/* Slab caches whose pages or objects changed, and caches only one dump has. */
static void show_slabs(struct table *doc, const struct snapshot *a, const struct snapshot *b)
{
    struct table t;
    table_text(doc, "\nSLAB CACHES (changed)\n");
    table_begin_in(doc, &t, "slab_caches", slab_cols);
    for (size_t i = 0; i < a->nslabs; i++) {
        const struct slab_row *x = &a->slabs[i], *y = find_slab(b, x->name);
        if (!y || x->pages != y->pages || x->objects != y->objects)
            slab_row(&t, x->name, x, y);
    }
    for (size_t i = 0; i < b->nslabs; i++)
        if (!find_slab(a, b->slabs[i].name))
            slab_row(&t, b->slabs[i].name, NULL, &b->slabs[i]);
    table_end(&t, 0);
}

static int open_second(struct session *s, const char *path, struct kernel *k, ks_err *err)
{
    struct kernel_open_opts ko = {.vmlinux = s->vmlinux_path, .dumpfile = path};
    if (kernel_open(k, &ko, err) != KERNEL_OPEN_OK) {
        kernel_close(k);
        return strstr(err->msg, path) ? -1 : ks_wrap(err, "%s", path);
    }
    return 0;
}

/* Shown as one record: processes, classes, free blocks, slab caches. */
static void show_diff(struct session *s, const struct snapshot *a, const struct snapshot *b)
{
    static const struct column top[] = {COL_LIST("tasks")};
    struct table doc;
    record_begin(s, &doc, top);
    show_tasks(&doc, a, b);
    show_classes(&doc, &a->census, &b->census);
    show_orders(&doc, &s->k, &a->census, &b->census);
    show_slabs(&doc, a, b);
    record_end(&doc, 0);
}

int diff_dumps(struct session *s, const char *dump_b, bool *b_unusable)
{
    struct kernel *kb = xcalloc(1, sizeof *kb);
    struct snapshot *a = xcalloc(1, sizeof *a), *b = xcalloc(1, sizeof *b);
    ks_err err;
    int rc = open_second(s, dump_b, kb, &err);
    *b_unusable = rc != 0;
    if (!rc) {
        rc = snapshot_take(&s->k, a, &err) || snapshot_take(kb, b, &err) ? -1 : 0;
        kernel_close(kb);
    }
    if (!rc)
        show_diff(s, a, b);
    snapshot_free(a);
    snapshot_free(b);
    free(a);
    free(b);
    free(kb);
    return rc ? cmd_fail_err(s, "diff", &err) : 0;
}

static int run_diff(struct session *s, int argc, char **argv)
{
    bool b_unusable;
    if (argc != 2)
        return cmd_fail(s, argv[0], "usage: diff DUMP_B");
    return diff_dumps(s, argv[1], &b_unusable);
}

const struct command cmd_diff = {
    "diff",
    "diff DUMP_B",
    "what changed between this dump and another capture of the same kernel",
    "DUMP_B is opened with this session's vmlinux (which must belong to it: the same kernel build).\n"
    "A is this session's dump, B the other. Shown: PROCESSES gone (in A only), new (in B only) or whose\n"
    "RSS or PSS moved (KB, from the page tables as ps -m counts them; a process is its PID and name);\n"
    "CENSUS CLASSES (kmem -c's classes, pages in A and B and B - A); FREE BLOCKS PER ORDER over all\n"
    "zones with the kernel's unusable-free-space index; SLAB CACHES whose pages or objects changed.\n"
    "JSON: {\"tasks\":[{\"change\",\"pid\",\"rss_kb_a\",\"rss_kb_b\",\"pss_kb_a\",\"pss_kb_b\",\"comm\"}],\n"
    "\"classes\":[{\"class\",\"pages_a\",\"pages_b\",\"difference\"}],\"free_blocks\":[{\"order\",\"blocks_a\",\n"
    "\"blocks_b\",\"difference\",\"unusable_a\",\"unusable_b\"}],\"slab_caches\":[{\"cache\",\"pages_a\",\"pages_b\",\n"
    "\"difference\",\"objects_a\",\"objects_b\"}]}; a process or cache missing on one side has null figures there\n"
    "(text: -); a cache's difference then counts from none",
    run_diff,
};

/*
 * kmem -c: the census (mm/census.c) — every frame once, one owner class each — then the classes set
 * beside the kernel's own counters (vm_zone_stat/vm_node_stat, nr_vmalloc_pages, the per-CPU lists'
 * counts, managed pages) with the difference shown, the free blocks per order, and the biggest
 * owners: slab caches, page tables by address space, kernel stacks by task.
 *   kmem -c [--map] [--svg FILE [--task PID|TASK]]
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/vfs.h"
#include "../mm/census.h"
#include "../mm/pss.h"
#include "../mm/task.h"
#include "../mm/zone.h"
#include "census_svg.h"
#include "kmem.h"

#define TOP_OWNERS 10

/* ---- the kernel's counters ---- */

/* A vm_stat item wherever this kernel keeps it: NR_PAGETABLE and NR_KERNEL_STACK_KB moved from
 * the zone counters to the node counters (5.19 / 5.9); the enumerator's enum says which. */
static int vm_counter(struct kernel *k, const char *item, uint64_t *v, bool *has, ks_err *err)
{
    struct ktype *t = kdwarf_enumerator_type(k->dwarf, item);
    const char *name = t && t->name ? t->name : "";
    *has = true;
    if (!strcmp(name, "zone_stat_item"))
        return global_zone_stat(k, item, v, err);
    if (!strcmp(name, "node_stat_item"))
        return global_node_stat(k, item, v, err);
    *has = false; /* this kernel has no such counter */
    return 0;
}

struct zone_sums {
    uint64_t managed, pcp;
};

static int add_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct zone_sums *s = arg;
    (void)k;
    s->managed += z->managed;
    return 0;
}

/* One line of the reconciliation: census classes against a counter (in pages). */
struct reconcile {
    const char *label, *counter;
    uint64_t census;
    uint64_t counter_pages;
    bool has;
};

static const char *const counter_names[] = {
    "NR_FREE_PAGES",      "NR_SLAB_RECLAIMABLE_B", "NR_SLAB_UNRECLAIMABLE_B", "NR_PAGETABLE",
    "NR_KERNEL_STACK_KB", "NR_ANON_MAPPED",        "NR_FILE_PAGES",           "NR_SHMEM",
    "NR_SWAPCACHE",
};

struct counters {
    uint64_t v[ARRAY_SIZE(counter_names)];
    bool has[ARRAY_SIZE(counter_names)];
    uint64_t vmalloc, pcp, managed;
};

static int read_counters(struct kernel *k, struct counters *c, ks_err *err)
{
    struct zone_sums z = {0};
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < ARRAY_SIZE(counter_names); i++)
        if (vm_counter(k, counter_names[i], &c->v[i], &c->has[i], err))
            return -1;
    if (for_each_zone(k, add_zone, &z, err) || census_pcp_count(k, &c->pcp, err) ||
        kvar_read_int(k, "nr_vmalloc_pages", "counter", &c->vmalloc, err))
        return -1;
    c->managed = z.managed;
    return 0;
}

/* The counter by name: false when this kernel keeps no such counter. */
static bool counter_of(const struct counters *c, const char *name, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < ARRAY_SIZE(counter_names); i++)
        if (!strcmp(counter_names[i], name)) {
            *v = c->v[i];
            return c->has[i];
        }
    return false;
}

static struct reconcile counter_line(const struct counters *c, const char *label, const char *name, uint64_t census)
{
    struct reconcile r = {label, name, census, 0, false};
    r.has = counter_of(c, name, &r.counter_pages);
    return r;
}

static size_t reconcile_lines(const struct census *cs, const struct counters *c, struct reconcile *out)
{
    const uint64_t *p = cs->pages;
    uint64_t with_page = cs->frames - p[CC_HOLE], reclaimable, unreclaimable, stack_kb;
    size_t n = 0;
    out[n++] = counter_line(c, "free", "NR_FREE_PAGES", p[CC_FREE]);
    out[n++] = (struct reconcile){"percpu_free", "per_cpu_pages.count", p[CC_PCP], c->pcp, true};
    bool slab = counter_of(c, "NR_SLAB_RECLAIMABLE_B", &reclaimable) & counter_of(c, "NR_SLAB_UNRECLAIMABLE_B", &unreclaimable);
    out[n++] = (struct reconcile){"slab", "NR_SLAB_RECLAIMABLE_B+NR_SLAB_UNRECLAIMABLE_B", p[CC_SLAB],
                                  reclaimable + unreclaimable, slab};
    out[n++] = counter_line(c, "pagetable", "NR_PAGETABLE", p[CC_PAGETABLE]);
    bool stack = counter_of(c, "NR_KERNEL_STACK_KB", &stack_kb);
    out[n++] = (struct reconcile){"kernel_stack", "NR_KERNEL_STACK_KB/4", p[CC_STACK], stack_kb / 4, stack};
    out[n++] = (struct reconcile){"vmalloc", "nr_vmalloc_pages", p[CC_VMALLOC], c->vmalloc, true};
    out[n++] = counter_line(c, "anon", "NR_ANON_MAPPED", p[CC_ANON]);
    out[n++] = counter_line(c, "file+shmem+swapcache", "NR_FILE_PAGES", p[CC_FILE] + p[CC_SHMEM] + p[CC_SWAPCACHE]);
    out[n++] = counter_line(c, "shmem", "NR_SHMEM", p[CC_SHMEM]);
    out[n++] = counter_line(c, "swapcache", "NR_SWAPCACHE", p[CC_SWAPCACHE]);
    out[n++] = (struct reconcile){"kernel_image+mem_map+reserved", "frames with a page - managed",
                                  p[CC_KERNEL_IMAGE] + p[CC_MEM_MAP] + p[CC_RESERVED], with_page - c->managed, true};
    return n;
}

/* ---- output ---- */

static const struct column census_cols[] = {
    COL_S("CLASS                         ", "class", 0, -29),
    COL_U("     PAGES", "pages", 1, 10),
    COL_KB("          KB", "kb", 1, 11),
    COL_LIST("reconcile"),
    COL_LIST("free_blocks"),
    COL_LIST("slab_caches"),
    COL_LIST("pagetables"),
    COL_LIST("kernel_stacks"),
    COL_LIST("counters"),
};

static const struct column reconcile_cols[] = {
    COL_S("CENSUS                        ", "classes", 0, -29),
    COL_U("     PAGES", "census", 1, 10),
    COL_S("  COUNTER                                       ", "counter", 2, -46),
    COL_U("     PAGES", "counter_pages", 1, 10),
    COL_I("      DIFF", "difference", 1, 10),
};

static const struct column order_cols[] = {
    COL_U("ORDER", "order", 0, 5),
    COL_U("     BLOCKS", "blocks", 1, 10),
    COL_U("      PAGES", "pages", 1, 10),
};

static const struct column owner_cols[] = {
    COL_ADDR("   OWNER", "owner", 0, 8),
    COL_U("     PID", "pid", 1, 7),
    COL_U("     PAGES", "pages", 1, 10),
    COL_S("  NAME", "name", 2, 0),
    COL_ERROR("error"),
};

static const struct column cache_cols[] = {
    COL_ADDR("   OWNER", "owner", 0, 8),
    COL_U("     PAGES", "pages", 1, 10),
    COL_S("  NAME", "name", 2, 0),
    COL_ERROR("error"),
};

static const struct column counter_cols[] = {
    COL_S("", "name", 0, 25),
    COL_U(": ", "value", 0, 0),
};

static void show_reconcile(struct table *doc, const struct census *cs, const struct counters *c)
{
    struct reconcile lines[16];
    size_t n = reconcile_lines(cs, c, lines);
    struct table t;
    table_text(doc, "\nRECONCILED WITH THE KERNEL'S COUNTERS (pages; DIFF = census - counter)\n");
    table_begin_in(doc, &t, "reconcile", reconcile_cols);
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].has)
            continue; /* this kernel keeps no such counter */
        row_begin(&t);
        put_s(&t, "classes", lines[i].label);
        put_u(&t, "census", lines[i].census);
        put_s(&t, "counter", lines[i].counter);
        put_u(&t, "counter_pages", lines[i].counter_pages);
        put_i(&t, "difference", (int64_t)lines[i].census - (int64_t)lines[i].counter_pages);
        row_end(&t);
    }
    table_end(&t, 0);
}

static void show_free_blocks(struct table *doc, struct kernel *k, const struct census *cs)
{
    struct zone_geometry g;
    unsigned max = zone_geometry(k, &g, NULL) ? ZONE_MAX_ORDER : g.max_order;
    struct table t;
    table_text(doc, "\nFREE BLOCKS (buddy, all zones)\n");
    table_begin_in(doc, &t, "free_blocks", order_cols);
    for (unsigned o = 0; o < max && o < ZONE_MAX_ORDER; o++) {
        row_begin(&t);
        put_u(&t, "order", o);
        put_u(&t, "blocks", cs->free_blocks[o]);
        put_u(&t, "pages", cs->free_blocks[o] << o);
        row_end(&t);
    }
    table_end(&t, 0);
}

static int by_pages(const void *a, const void *b)
{
    const struct census_owner *x = a, *y = b;
    return x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : 0;
}

/* The owners, most pages first: all of them for programs, the first TOP_OWNERS for people. */
static void show_owners(struct table *doc, const char *key, const char *title, struct census_owners *o, bool with_pid)
{
    struct table t;
    qsort(o->v, o->n, sizeof *o->v, by_pages);
    table_text(doc, "\n%s (%zu, most pages first)\n", title, o->n);
    if (with_pid)
        table_begin_in(doc, &t, key, owner_cols);
    else
        table_begin_in(doc, &t, key, cache_cols);
    for (size_t i = 0; i < o->n; i++) {
        if (i == TOP_OWNERS && !table_is_json(&t)) {
            table_text(&t, "   ... %zu more\n", o->n - TOP_OWNERS);
            break;
        }
        row_begin(&t);
        put_u(&t, "owner", o->v[i].id);
        if (with_pid)
            put_u(&t, "pid", o->v[i].pid);
        put_u(&t, "pages", o->v[i].pages);
        if (o->v[i].error) {
            put_unreadable(&t, "name", o->v[i].error);
            put_error(&t, "error", o->v[i].error);
        } else
            put_s(&t, "name", o->v[i].name ? o->v[i].name : "");
        row_end(&t);
    }
    table_end(&t, 0);
}

static void show_counters(struct table *doc, const struct counters *c)
{
    struct table p;
    pairs_begin_in(doc, &p, "counters", counter_cols);
    for (size_t i = 0; i < ARRAY_SIZE(counter_names); i++)
        if (c->has[i])
            put_pair_u(&p, counter_names[i], c->v[i]);
    put_pair_u(&p, "nr_vmalloc_pages", c->vmalloc);
    put_pair_u(&p, "per_cpu_pages", c->pcp);
    put_pair_u(&p, "managed_pages", c->managed);
    table_end(&p, 0);
}

/* ---- kmem -c --map: the terminal's picture ---- */

#define MAP_WIDTH     64
#define MAP_MAX_LINES 48

static const char class_letter[CC_COUNT] = {
    [CC_HOLE] = ' ',      [CC_FREE] = '.',         [CC_PCP] = 'p',     [CC_SLAB] = 'S',     [CC_PAGETABLE] = 'T',
    [CC_STACK] = 'K',     [CC_VMALLOC] = 'V', [CC_BLK_MQ] = 'B',      [CC_ANON] = 'A',    [CC_FILE] = 'f',     [CC_SHMEM] = 's',
    [CC_SWAPCACHE] = 'w', [CC_KERNEL_IMAGE] = 'I', [CC_MEM_MAP] = 'M', [CC_RESERVED] = 'R', [CC_UNACCOUNTED] = '?',
};

/* One letter per cell of frames (the class most of them have), MAP_WIDTH cells a line, each line
 * headed by its first frame; text only (programs have the classes). */
static void show_map(struct table *doc, const struct census *cs)
{
    uint64_t per = 1;
    while ((cs->frames + per - 1) / per > (uint64_t)MAP_WIDTH * MAP_MAX_LINES)
        per *= 2;
    table_text(doc, "\nMAP (%" PRIu64 " frame%s a letter):", per, per == 1 ? "" : "s");
    for (unsigned i = 0; i < CC_COUNT; i++)
        table_text(doc, "%s'%c' %s", i % 6 ? "  " : "\n  ", class_letter[i], census_class_name(i));
    table_text(doc, "\n");
    for (uint64_t first = 0; first < cs->frames; first += per * MAP_WIDTH) {
        char line[MAP_WIDTH + 1];
        unsigned n = 0;
        for (uint64_t cell = first; cell < first + per * MAP_WIDTH && cell < cs->frames; cell += per)
            line[n++] = class_letter[census_cell_class(cs, cell, per)];
        line[n] = 0;
        table_text(doc, "%8" PRIx64 "  %s\n", first, line);
    }
}

static void show_census(struct session *s, struct census *cs, const struct counters *c, bool map)
{
    struct table doc, t;
    static const struct column top[] = {COL_JSON(CT_UNSIGNED, "frames"), COL_LIST("classes")};
    record_begin(s, &doc, top);
    put_u(&doc, "frames", cs->frames);
    table_begin_in(&doc, &t, "classes", census_cols);
    for (unsigned i = 0; i < CC_COUNT; i++) {
        row_begin(&t);
        put_s(&t, "class", census_class_name(i));
        put_u(&t, "pages", cs->pages[i]);
        put_u(&t, "kb", cs->pages[i] * 4);
        row_end(&t);
    }
    table_text(&t, "%-29s %10" PRIu64 "  (frames 0 to max_pfn)\n", "TOTAL", cs->frames);
    table_end(&t, 0);
    show_reconcile(&doc, cs, c);
    show_free_blocks(&doc, &s->k, cs);
    show_owners(&doc, "slab_caches", "SLAB CACHES", &cs->slabs, false);
    show_owners(&doc, "pagetables", "PAGE TABLES BY ADDRESS SPACE (OWNER: mm)", &cs->pagetables, true);
    show_owners(&doc, "kernel_stacks", "KERNEL STACKS BY TASK", &cs->stacks, true);
    show_owners(&doc, "files", "PAGE CACHE BY FILE (OWNER: address_space; path inside its filesystem)", &cs->files, false);
    if (map)
        show_map(&doc, cs);
    if (table_is_json(&doc))
        show_counters(&doc, c);
    record_end(&doc, 0);
}

/* Owners whose name cannot be read (a wild cache name, a dentry chain that loops) keep their pages,
 * marked unreadable: the census goes on. The first error and the count are told once, after it. */
struct naming {
    unsigned unreadable;
    ks_err first;
};

static void name_failed(struct census_owner *o, const ks_err *e, struct naming *n)
{
    census_owner_unreadable(o, e);
    if (!n->unreadable++)
        n->first = *e;
}

/* Names are read whole, up to a path's bound (VFS_PATH_MAX, PATH_MAX in the kernel). */
static void name_slab_caches(struct kernel *k, struct census_owners *o, struct naming *n)
{
    char name[VFS_PATH_MAX];
    for (size_t i = 0; i < o->n; i++) {
        uint64_t at;
        ks_err err;
        if (kread_member(k, o->v[i].id, "struct kmem_cache", "name", &at, &err) || kread_string(k, at, name, sizeof name, &err)) {
            ks_wrap(&err, "name of cache %#" PRIx64, o->v[i].id);
            name_failed(&o->v[i], &err, n);
        } else {
            census_owner_name(&o->v[i], name);
        }
    }
}

static void name_files(struct kernel *k, struct census_owners *o, struct naming *n)
{
    char name[VFS_PATH_MAX + 64]; /* "FSTYPE:" and a path */
    for (size_t i = 0; i < o->n; i++) {
        ks_err err;
        if (census_file_name(k, o->v[i].id, name, sizeof name, &err))
            name_failed(&o->v[i], &err, n);
        else
            census_owner_name(&o->v[i], name);
    }
}

struct task_frames {
    struct census_svg_task *t;
    uint64_t limit;
};

static void mark_frame(uint64_t pfn, void *arg)
{
    struct task_frames *w = arg;
    if (pfn < w->limit && !w->t->mapped[pfn]) {
        w->t->mapped[pfn] = 1;
        w->t->frames++;
    }
}

/* --task PID: the frames the task's page tables map, for the picture. */
static int task_frames(struct session *s, const char *who, uint64_t frames, struct census_svg_task *t, ks_err *err)
{
    uint64_t task;
    struct task_info ti;
    if (cmd_parse_task(s, who, &task, err) || task_info_read(&s->k, task, &ti, err))
        return -1;
    if (!ti.mm)
        return ks_fail_kind(err, KS_E_BAD_ARG, "PID %llu is a kernel thread: it maps no frames of its own",
                            (unsigned long long)ti.pid);
    t->pid = ti.pid;
    snprintf(t->comm, sizeof t->comm, "%s", ti.comm);
    t->mapped = xcalloc(frames ? frames : 1, 1);
    struct task_frames w = {t, frames};
    return mm_mapped_frames(&s->k, ti.mm, mark_frame, &w, err);
}

static int census_picture(struct session *s, const struct census *cs, const char *svg, const char *who, ks_err *err)
{
    struct census_svg_task t = {0};
    int rc = who ? task_frames(s, who, cs->frames, &t, err) : 0;
    if (!rc)
        rc = census_svg_write(&s->k, cs, svg, who ? &t : NULL, err);
    free(t.mapped);
    return rc;
}

int kmem_census(struct session *s, const char *cmd, int argc, char **argv)
{
    const char *svg = NULL, *who = NULL;
    bool map = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--svg") && i + 1 < argc)
            svg = argv[++i];
        else if (!strcmp(argv[i], "--task") && i + 1 < argc)
            who = argv[++i];
        else if (!strcmp(argv[i], "--map"))
            map = true;
        else
            return cmd_fail(s, cmd, "usage: kmem -c [--map] [--svg FILE [--task PID|TASK]]");
    }
    if (who && !svg)
        return cmd_fail(s, cmd, "--task draws a task's frames on the picture: give --svg FILE too");
    struct census cs;
    struct counters c;
    ks_err err;
    struct naming names = {0};
    int rc = census_take(&s->k, &cs, &err) || read_counters(&s->k, &c, &err);
    if (!rc) {
        name_slab_caches(&s->k, &cs.slabs, &names);
        name_files(&s->k, &cs.files, &names);
    }
    if (!rc && svg)
        rc = census_picture(s, &cs, svg, who, &err);
    if (!rc)
        show_census(s, &cs, &c, map);
    census_free(&cs);
    if (rc)
        return cmd_fail_err(s, cmd, &err);
    if (names.unreadable)
        return cmd_fail_line(s, cmd, "%u owner name%s could not be read (shown unreadable), the first: %s", names.unreadable,
                             names.unreadable == 1 ? "" : "s", names.first.msg);
    return 0;
}

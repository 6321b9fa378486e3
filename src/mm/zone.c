#include "zone.h"

#include <stdio.h>
#include <string.h>

#include "../util/u64set.h"
#include "page.h"

/* Asks the DWARF only, so a failed lookup means the member is absent (0). */
static unsigned array_count(struct kernel *k, const char *type, const char *member)
{
    struct ktype *t = kdwarf_type(k->dwarf, type), *mt;
    uint64_t off;
    if (!t || kt_member_path(k->dwarf, t, member, &off, &mt, NULL, NULL)) return 0;
    mt = kt_strip(mt);
    return mt && mt->kind == KT_ARRAY ? (unsigned)mt->count : 1;
}

/* free_area[].free_list is an array per migratetype since 2.6.24, a single list before. */
static void free_list_path(struct kernel *k, unsigned order, unsigned mt, char *out, size_t n)
{
    if (array_count(k, "struct free_area", "free_list") > 1) snprintf(out, n, "free_area[%u].free_list[%u]", order, mt);
    else snprintf(out, n, "free_area[%u].free_list", order);
}

/* Pages link into free lists through page->buddy_list since 5.19 (an alias of lru), lru before. */
static const char *free_list_link(struct kernel *k)
{
    return k->features.page_buddy_list ? "buddy_list" : "lru";
}

int zone_geometry(struct kernel *k, struct zone_geometry *g, ks_err *err)
{
    memset(g, 0, sizeof *g);
    g->max_order = array_count(k, "struct zone", "free_area");
    g->migrate_types = array_count(k, "struct free_area", "free_list");
    if (!g->max_order || g->max_order > ZONE_MAX_ORDER || !g->migrate_types || g->migrate_types > ZONE_MAX_MIGRATE)
        return ks_fail(err, "struct zone's free_area does not look like a buddy allocator (%u orders, %u lists)", g->max_order, g->migrate_types);
    uint64_t names = 0;
    /* The kernel's own names, as /proc/pagetypeinfo prints them; numbers where it has none. */
    bool named = ksym_has(k, "migratetype_names");
    if (named && ksym_addr(k, "migratetype_names", &names, err))
        return -1;
    for (unsigned i = 0; i < g->migrate_types; i++) {
        uint64_t p;
        snprintf(g->migrate_name[i], sizeof g->migrate_name[i], "%u", i);
        if (named &&
            (kread_ulong(k, names + (uint64_t)k->arch->word_size * i, &p, err) || kread_string(k, p, g->migrate_name[i], sizeof g->migrate_name[i], err)))
            return -1;
    }
    return 0;
}

static int enum_value(struct kernel *k, const char *name, int64_t *v, ks_err *err)
{
    return kdwarf_enumerator(k->dwarf, name, v) ? 0 : ks_fail_kind(err, KS_E_NO_SYMBOL, "no enumerator %s in the DWARF", name);
}

int zone_stat(struct kernel *k, uint64_t zone, const char *item, uint64_t *v, ks_err *err)
{
    int64_t i;
    char path[64];
    if (enum_value(k, item, &i, err)) return -1;
    snprintf(path, sizeof path, "vm_stat[%lld].counter", (long long)i);
    return kread_member(k, zone, "struct zone", path, v, err);
}

static int global_stat(struct kernel *k, const char *array, const char *item, uint64_t *v, ks_err *err)
{
    int64_t i;
    char path[64];
    if (enum_value(k, item, &i, err)) return -1;
    snprintf(path, sizeof path, "[%lld].counter", (long long)i);
    uint64_t addr;
    struct ktype *t;
    if (kvar_addr(k, array, NULL, &addr, &t, err)) return -1;
    struct ktype *a = kt_strip(t);
    if (!a || a->kind != KT_ARRAY) return ks_fail(err, "%s is not an array", array);
    uint64_t raw;
    if (kread_ulong(k, addr + (uint64_t)i * kt_size(a->target), &raw, err)) return -1;
    *v = (int32_t)raw < 0 ? 0 : raw;   /* per-CPU deltas can leave the global sum briefly negative */
    return 0;
}

int global_zone_stat(struct kernel *k, const char *item, uint64_t *v, ks_err *err) { return global_stat(k, "vm_zone_stat", item, v, err); }
int global_node_stat(struct kernel *k, const char *item, uint64_t *v, ks_err *err) { return global_stat(k, "vm_node_stat", item, v, err); }

static int read_zone(struct kernel *k, uint64_t zone, unsigned node, unsigned index, struct zone_info *z, ks_err *err)
{
    const char *Z = "struct zone";
    static const char *const wm[] = { "WMARK_MIN", "WMARK_LOW", "WMARK_HIGH" };
    uint64_t name, boost = 0;
    memset(z, 0, sizeof *z);
    z->zone = zone;
    z->node = node;
    z->index = index;
    if (kread_member(k, zone, Z, "name", &name, err) || kread_string(k, name, z->name, sizeof z->name, err) ||
        kread_member(k, zone, Z, "zone_start_pfn", &z->start_pfn, err) || kread_member(k, zone, Z, "spanned_pages", &z->spanned, err) ||
        kread_member(k, zone, Z, "present_pages", &z->present, err) ||
        kread_member(k, zone, Z, "managed_pages.counter", &z->managed, err) || zone_stat(k, zone, "NR_FREE_PAGES", &z->free_pages, err))
        return -1;
    if (kread_member_opt(k, zone, Z, "watermark_boost", &boost, err) < 0)
        return -1; /* 5.0+ */
    for (int i = 0; i < 3; i++) {
        int64_t w;
        char path[32];
        if (enum_value(k, wm[i], &w, err)) return -1;
        snprintf(path, sizeof path, "_watermark[%lld]", (long long)w);
        if (kread_member(k, zone, Z, path, &z->wmark[i], err)) return -1;
        z->wmark[i] += boost;
    }
    for (unsigned o = 0; o < array_count(k, Z, "free_area") && o < ZONE_MAX_ORDER; o++) {
        char path[48];
        snprintf(path, sizeof path, "free_area[%u].nr_free", o);
        if (kread_member(k, zone, Z, path, &z->nr_free[o], err)) return -1;
    }
    int64_t high;
    z->highmem = kdwarf_enumerator(k->dwarf, "ZONE_HIGHMEM", &high) && (int64_t)index == high;
    /* zone->per_cpu_pageset is a per-CPU pointer to struct per_cpu_pages (5.14+). */
    uint64_t pcp = 0, mine, count;
    if (kread_member_opt(k, zone, Z, "per_cpu_pageset", &pcp, err) < 0)
        return -1;
    for (unsigned cpu = 0; pcp && cpu < kpossible_cpus(k); cpu++) {
        if (kper_cpu_ptr(k, pcp, cpu, &mine, err) || kread_member(k, mine, "struct per_cpu_pages", "count", &count, err))
            return -1;
        z->pcp_pages += (int32_t)count > 0 ? count : 0;
    }
    return 0;
}

/* Non-NUMA kernels have one node, contig_page_data; NUMA kernels an array node_data[]. */
static int node_pgdat(struct kernel *k, unsigned node, uint64_t *pgdat, ks_err *err)
{
    if (ksym_has(k, "contig_page_data"))
        return node > 0 ? 1 : ksym_addr(k, "contig_page_data", pgdat, err);
    uint64_t arr;
    if (!ksym_has(k, "node_data"))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "neither contig_page_data nor node_data: no nodes");
    if (node >= 64)
        return 1;
    if (ksym_addr(k, "node_data", &arr, err) || kread_ulong(k, arr + (uint64_t)k->arch->word_size * node, pgdat, err))
        return -1;
    return *pgdat ? 0 : 1;
}

int for_each_zone(struct kernel *k, int (*fn)(struct kernel *k, const struct zone_info *z, void *arg), void *arg, ks_err *err)
{
    unsigned nzones = array_count(k, "struct pglist_data", "node_zones");
    uint64_t zsize = ktype_size(k, "struct zone"), zoff;
    if (!nzones || kmember_off(k, "struct pglist_data", "node_zones", &zoff, err)) return ks_fail(err, "no pglist_data.node_zones in the DWARF");
    for (unsigned node = 0; node < 64; node++) {
        uint64_t pgdat;
        int r = node_pgdat(k, node, &pgdat, err);
        if (r < 0) return -1;
        if (r > 0) break;
        for (unsigned i = 0; i < nzones; i++) {
            struct zone_info z;
            if (read_zone(k, pgdat + zoff + i * zsize, node, i, &z, err)) return -1;
            z.pgdat = pgdat;
            int stop = fn(k, &z, arg);
            if (stop) return stop < 0 ? -1 : 0;
        }
    }
    return 0;
}

int for_each_free_block(struct kernel *k, const struct zone_info *z, const struct zone_geometry *g,
                        int (*fn)(struct kernel *k, const struct free_block *b, void *arg), void *arg, ks_err *err)
{
    uint64_t link_off, budget = z->spanned + 1;
    if (kmember_off(k, "struct page", free_list_link(k), &link_off, err)) return -1;
    for (unsigned order = 0; order < g->max_order; order++) {
        for (unsigned mt = 0; mt < g->migrate_types; mt++) {
            char path[64];
            uint64_t off, node;
            free_list_path(k, order, mt, path, sizeof path);
            if (kmember_off(k, "struct zone", path, &off, err)) return -1;
            uint64_t head = z->zone + off;
            if (kread_ulong(k, head, &node, err)) return -1;
            struct u64set seen;
            u64set_init(&seen);
            while (node != head) {
                bool fresh = u64set_add(&seen, node);
                if (!fresh || budget-- == 0) {
                    u64set_free(&seen);
                    return ks_fail_kind(err, KS_E_CORRUPT, "zone %s: the order-%u free list %u loops (page %#llx reached twice)",
                                        z->name, order, mt, (unsigned long long)(node - link_off));
                }
                struct free_block b = { order, mt, 0, node - link_off, false, 0 };
                struct page_info pi;
                if (page_info_read(k, b.page, &pi, err)) {
                    u64set_free(&seen);
                    return ks_wrap(err, "zone %s order %u list %u", z->name, order, mt);
                }
                b.pfn = pi.pfn;
                b.is_buddy = page_is_buddy(k, &pi);
                b.page_order = pi.private;
                int stop = fn(k, &b, arg);
                if (stop || kread_ulong(k, node, &node, err)) {
                    u64set_free(&seen);
                    return stop > 0 ? 0 : -1;
                }
            }
            u64set_free(&seen);
        }
    }
    return 0;
}

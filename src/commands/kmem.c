/*
 * kmem — physical memory as the kernel accounts it.
 *   kmem -i        summary: total, free, used, shared, buffers, cached, slab, high/low, swap, commit
 *   kmem -z        each zone: size, present pages, watermarks, vm_stat counters
 *   kmem -f        the buddy free lists, checked (kmem_free.c)
 *   kmem -p [ADDR] struct pages: PAGE PHYSICAL MAPPING INDEX CNT FLAGS (kmem_page.c)
 *   kmem -s        SLUB caches (kmem_slab.c)
 *   kmem ADDRESS   what an address is: its page, free or in use, slab object, VMA (kmem_page.c)
 */
#include <inttypes.h>
#include <string.h>

#include "../mm/meminfo.h"
#include "../mm/page.h"
#include "../mm/zone.h"
#include "kmem.h"

void kmem_size_text(uint64_t bytes, char *out, size_t n)
{
    double v = (double)bytes;
    const char *unit = "KB";
    if (bytes == 0) { snprintf(out, n, "0"); return; }
    if (bytes >= (1ull << 30)) { v /= (double)(1ull << 30); unit = "GB"; }
    else if (bytes >= (1ull << 20)) { v /= (double)(1ull << 20); unit = "MB"; }
    else v /= 1024.0;
    if (v == (double)(uint64_t)v) snprintf(out, n, "%" PRIu64 " %s", (uint64_t)v, unit);
    else snprintf(out, n, "%.1f %s", v, unit);
}

/* ---- kmem -i ---- */

static void info_row(FILE *o, const char *label, uint64_t pages, uint64_t of, const char *of_name)
{
    char size[32], pct[32];
    kmem_size_text(pages * KS_PAGE_SIZE, size, sizeof size);
    if (of_name) snprintf(pct, sizeof pct, "%3" PRIu64 "%% of %s", of ? pages * 100 / of : 0, of_name);
    else snprintf(pct, sizeof pct, "        ----");
    fprintf(o, "%13s %8" PRIu64 "  %11s  %s\n", label, pages, size, pct);
}

int kmem_info(struct session *s, const char *cmd)
{
    struct meminfo m;
    ks_err err;
    if (si_meminfo(&s->k, &m, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    uint64_t used = m.total > m.free ? m.total - m.free : 0, low = m.total - m.total_high, free_low = m.free - m.free_high;
    if (s->json) {
        struct json j;
        json_init(&j);
        json_obj_begin(&j, NULL);
        const char *keys[] = { "total", "free", "used", "shared", "buffers", "cached", "slab", "total_high", "free_high",
                               "total_low", "free_low", "swap_total", "swap_free", "commit_limit", "committed" };
        uint64_t vals[] = { m.total, m.free, used, m.shared, m.buffers, m.cached, m.slab, m.total_high, m.free_high,
                            low, free_low, m.swap_total, m.swap_free, m.commit_limit, m.committed };
        json_obj_begin(&j, "pages");
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) json_uint(&j, keys[i], vals[i]);
        json_obj_end(&j);
        json_obj_end(&j);
        cmd_json_emit(s, &j);
        json_free(&j);
        return 0;
    }
    FILE *o = s->out;
    fprintf(o, "                 PAGES        TOTAL      PERCENTAGE\n");
    info_row(o, "TOTAL MEM", m.total, 0, NULL);
    info_row(o, "FREE", m.free, m.total, "TOTAL MEM");
    info_row(o, "USED", used, m.total, "TOTAL MEM");
    info_row(o, "SHARED", m.shared, m.total, "TOTAL MEM");
    info_row(o, "BUFFERS", m.buffers, m.total, "TOTAL MEM");
    info_row(o, "CACHED", m.cached, m.total, "TOTAL MEM");
    info_row(o, "SLAB", m.slab, m.total, "TOTAL MEM");
    fputc('\n', o);
    info_row(o, "TOTAL HIGH", m.total_high, m.total, "TOTAL MEM");
    info_row(o, "FREE HIGH", m.free_high, m.total_high, "TOTAL HIGH");
    info_row(o, "TOTAL LOW", low, m.total, "TOTAL MEM");
    info_row(o, "FREE LOW", free_low, low, "TOTAL LOW");
    fputc('\n', o);
    info_row(o, "TOTAL SWAP", m.swap_total, 0, NULL);
    info_row(o, "SWAP USED", m.swap_total - m.swap_free, m.swap_total, "TOTAL SWAP");
    info_row(o, "SWAP FREE", m.swap_free, m.swap_total, "TOTAL SWAP");
    fputc('\n', o);
    info_row(o, "COMMIT LIMIT", m.commit_limit, 0, NULL);
    info_row(o, "COMMITTED", m.committed, m.commit_limit, "TOTAL LIMIT");
    return 0;
}

/* ---- kmem -z ---- */

struct zones_ctx {
    struct session *s;
    struct json *j;
};

static void zone_stats(struct kernel *k, const struct zone_info *z, struct zones_ctx *c)
{
    struct ktype *e = kt_strip(kdwarf_type(k->dwarf, "enum zone_stat_item"));
    int64_t nr = 0;
    if (!e || !kdwarf_enumerator(k->dwarf, "NR_VM_ZONE_STAT_ITEMS", &nr)) return;
    if (c->j) json_obj_begin(c->j, "vm_stat"); else fprintf(c->s->out, "  VM_STAT:\n");
    for (unsigned i = 0; i < e->nenums; i++) {
        uint64_t v;
        if (e->enums[i].value >= nr || zone_stat(k, z->zone, e->enums[i].name, &v, NULL)) continue;
        if (c->j) json_uint(c->j, e->enums[i].name, v);
        else fprintf(c->s->out, "%25s: %" PRIu64 "\n", e->enums[i].name, v);
    }
    if (c->j) json_obj_end(c->j);
}

static int show_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct zones_ctx *c = arg;
    if (c->j) {
        json_obj_begin(c->j, NULL);
        json_uint(c->j, "node", z->node);
        json_uint(c->j, "index", z->index);
        json_str(c->j, "zone", z->name);
        json_hex(c->j, "addr", z->zone);
        json_uint(c->j, "start_pfn", z->start_pfn);
        json_uint(c->j, "spanned", z->spanned);
        json_uint(c->j, "present", z->present);
        json_uint(c->j, "managed", z->managed);
        json_uint(c->j, "min", z->wmark[0]);
        json_uint(c->j, "low", z->wmark[1]);
        json_uint(c->j, "high", z->wmark[2]);
        if (z->present) zone_stats(k, z, c);
        json_obj_end(c->j);
        return 0;
    }
    FILE *o = c->s->out;
    fprintf(o, "NODE: %u  ZONE: %u  ADDR: %" PRIx64 "  NAME: \"%s\"\n", z->node, z->index, z->zone, z->name);
    if (!z->present) { fprintf(o, "  [unpopulated]\n\n"); return 0; }
    fprintf(o, "  SIZE: %" PRIu64 "  PRESENT: %" PRIu64 "  MANAGED: %" PRIu64 "  MIN/LOW/HIGH: %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
            z->spanned, z->present, z->managed, z->wmark[0], z->wmark[1], z->wmark[2]);
    zone_stats(k, z, c);
    fputc('\n', o);
    return 0;
}

int kmem_zones(struct session *s, const char *cmd)
{
    struct json j;
    struct zones_ctx c = { s, cmd_json_list_begin(s, &j, "zones") };
    ks_err err;
    return cmd_json_list_end(s, c.j, for_each_zone(&s->k, show_zone, &c, &err)) ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

static int run_kmem(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: kmem -i|-z|-f|-s|-n|-p [ADDR]|ADDRESS");
    const char *o = argv[1];
    if (!strcmp(o, "-i") && argc == 2) return kmem_info(s, argv[0]);
    if (!strcmp(o, "-z") && argc == 2) return kmem_zones(s, argv[0]);
    if (!strcmp(o, "-f") && argc == 2) return kmem_free(s, argv[0]);
    if (!strcmp(o, "-s") && argc == 2) return kmem_slabs(s, argv[0]);
    if (!strcmp(o, "-n") && argc == 2) return kmem_sections(s, argv[0]);
    if (!strcmp(o, "-p")) return kmem_pages(s, argv[0], argc - 2, argv + 2);
    if (o[0] != '-' && argc == 2) return kmem_address(s, argv[0], o);
    return cmd_fail(s, argv[0], "usage: kmem -i|-z|-f|-s|-n|-p [ADDR]|ADDRESS");
}

const struct command cmd_kmem = {
    "kmem", "kmem -i | -z | -f | -s | -n | -p [ADDRESS...] | ADDRESS",
    "physical memory: summary, zones, free lists, pages, slabs, memory sections",
    "-i  crash's summary: TOTAL MEM (totalram_pages), FREE (NR_FREE_PAGES), USED, SHARED (NR_SHMEM),\n"
    "    BUFFERS (block-device page cache), CACHED (file pages - swap cache - buffers), SLAB, TOTAL/FREE\n"
    "    HIGH and LOW, swap, COMMIT LIMIT and COMMITTED: the sums /proc/meminfo shows.\n"
    "-z  per node and zone: ADDR, NAME, SIZE (spanned), PRESENT, MANAGED, MIN/LOW/HIGH watermarks and\n"
    "    every vm_stat counter by its enum name.\n"
    "-f  per zone and order: BLOCKS and PAGES on the free lists, and blocks per migratetype (named as\n"
    "    /proc/pagetypeinfo names them). Every listed page must be a free buddy page of that order and\n"
    "    the count must equal free_area.nr_free; each exception prints a MISMATCH line.\n"
    "-p  PAGE PHYSICAL MAPPING INDEX CNT FLAGS for every struct page, or for the pages of the given\n"
    "    physical addresses; FLAGS in hex and by name (enum pageflags). Under SPARSEMEM, frames in a\n"
    "    section without a mem_map (a hole) have no struct page and are left out.\n"
    "-n  the memory model: each node and zone with the struct page of its first frame (MEM_MAP); on\n"
    "    SPARSEMEM kernels every section with a mem_map: NR SECTION CODED_MEM_MAP (as stored, flag bits\n"
    "    cleared) MEM_MAP (decoded: the struct page of the section's first frame) STATE (P present,\n"
    "    M has a mem_map, O online, E early) PFN.\n"
    "-s  SLUB caches: CACHE OBJSIZE ALLOCATED TOTAL SLABS SSIZE NAME (allocated as /proc/slabinfo\n"
    "    counts active objects).\n"
    "ADDRESS: what it is — its page (free or in use), the slab cache and object holding it, or the\n"
    "    tasks and VMAs mapping it; inside mem_map, also which frame's struct page it lies in. At or\n"
    "    above PAGE_OFFSET (and below 4 GB) it is kernel virtual; otherwise physical.\n"
    "JSON: -i {\"pages\":{...}}; -z {\"zones\":[...]}; -f {\"zones\":[{\"node\",\"zone\",\"free_pages\",\"orders\":\n"
    "[{\"order\",\"blocks\",\"pages\",\"nr_free\",\"by_migratetype\":{...}}],\"mismatches\":[...]}],\"problems\"};\n"
    "-p {\"pages\":[...]}; -s {\"caches\":[...]}; -n {\"zones\":[...],\"model\",\"section_size_bits\",\"nr_sections\",\n"
    "\"sections\":[{\"nr\",\"section\",\"coded_mem_map\",\"mem_map\",\"state\",\"pfn\"}]}",
    run_kmem,
};

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
    if (bytes == 0) {
        snprintf(out, n, "0");
        return;
    }
    if (bytes >= (1ull << 30)) {
        v /= (double)(1ull << 30);
        unit = "GB";
    } else if (bytes >= (1ull << 20)) {
        v /= (double)(1ull << 20);
        unit = "MB";
    } else
        v /= 1024.0;
    if (v == (double)(uint64_t)v)
        snprintf(out, n, "%" PRIu64 " %s", (uint64_t)v, unit);
    else
        snprintf(out, n, "%.1f %s", v, unit);
}

/* ---- kmem -i ---- */

/* People see crash's report, one line per figure; programs get {"pages":{KEY:pages,...}}. */
static const struct column info_cols[] = {
    COL_TEXT(CT_STR, "", "label", 0, 13),
    COL_TEXT(CT_UNSIGNED, "                 PAGES", "pages", 1, 8),
    COL_TEXT(CT_STR, "        TOTAL", "total_size", 2, 11),
    COL_TEXT(CT_STR, "      PERCENTAGE", "percentage", 2, 0),
    COL_JSON(CT_UNSIGNED, "total"),
    COL_JSON(CT_UNSIGNED, "free"),
    COL_JSON(CT_UNSIGNED, "used"),
    COL_JSON(CT_UNSIGNED, "shared"),
    COL_JSON(CT_UNSIGNED, "buffers"),
    COL_JSON(CT_UNSIGNED, "cached"),
    COL_JSON(CT_UNSIGNED, "slab"),
    COL_JSON(CT_UNSIGNED, "total_high"),
    COL_JSON(CT_UNSIGNED, "free_high"),
    COL_JSON(CT_UNSIGNED, "total_low"),
    COL_JSON(CT_UNSIGNED, "free_low"),
    COL_JSON(CT_UNSIGNED, "swap_total"),
    COL_JSON(CT_UNSIGNED, "swap_free"),
    COL_JSON(CT_UNSIGNED, "commit_limit"),
    COL_JSON(CT_UNSIGNED, "committed"),
};

/* One line of the report: its label, its JSON key (NULL: people only), the pages, and what they
 * are a percentage of (of_name NULL: not a share). A blank line comes before a new group. */
struct info_line {
    const char *label, *key;
    uint64_t pages, of;
    const char *of_name;
    bool group;
};

static void info_row(struct table *t, const struct info_line *l)
{
    char size[32], pct[32];
    kmem_size_text(l->pages * KS_PAGE_SIZE, size, sizeof size);
    if (l->of_name)
        snprintf(pct, sizeof pct, "%3" PRIu64 "%% of %s", l->of ? l->pages * 100 / l->of : 0, l->of_name);
    else
        snprintf(pct, sizeof pct, "        ----");
    if (l->group)
        table_text(t, "\n");
    row_begin(t);
    put_s(t, "label", l->label);
    put_u(t, "pages", l->pages);
    put_s(t, "total_size", size);
    put_s(t, "percentage", pct);
    if (l->key)
        put_u(t, l->key, l->pages);
    row_end(t);
}

int kmem_info(struct session *s, const char *cmd)
{
    struct meminfo m;
    ks_err err;
    if (si_meminfo(&s->k, &m, &err))
        return cmd_fail_err(s, cmd, &err);
    uint64_t used = m.total > m.free ? m.total - m.free : 0, low = m.total - m.total_high, free_low = m.free - m.free_high;
    const struct info_line lines[] = {
        {"TOTAL MEM", "total", m.total, 0, NULL, false},
        {"FREE", "free", m.free, m.total, "TOTAL MEM", false},
        {"USED", "used", used, m.total, "TOTAL MEM", false},
        {"SHARED", "shared", m.shared, m.total, "TOTAL MEM", false},
        {"BUFFERS", "buffers", m.buffers, m.total, "TOTAL MEM", false},
        {"CACHED", "cached", m.cached, m.total, "TOTAL MEM", false},
        {"SLAB", "slab", m.slab, m.total, "TOTAL MEM", false},
        {"TOTAL HIGH", "total_high", m.total_high, m.total, "TOTAL MEM", true},
        {"FREE HIGH", "free_high", m.free_high, m.total_high, "TOTAL HIGH", false},
        {"TOTAL LOW", "total_low", low, m.total, "TOTAL MEM", false},
        {"FREE LOW", "free_low", free_low, low, "TOTAL LOW", false},
        {"TOTAL SWAP", "swap_total", m.swap_total, 0, NULL, true},
        {"SWAP USED", NULL, m.swap_total - m.swap_free, m.swap_total, "TOTAL SWAP", false},
        {"SWAP FREE", "swap_free", m.swap_free, m.swap_total, "TOTAL SWAP", false},
        {"COMMIT LIMIT", "commit_limit", m.commit_limit, 0, NULL, true},
        {"COMMITTED", "committed", m.committed, m.commit_limit, "TOTAL LIMIT", false},
    };
    struct table r, t;
    record_begin(s, &r, info_cols);
    object_begin_in(&r, &t, "pages", info_cols);
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        info_row(&t, &lines[i]);
    table_end(&t, 0);
    return record_end(&r, 0);
}

/* ---- kmem -z ---- */

/* Two label lines per zone, then its vm_stat counters by their enum names. */
static const struct column zone_cols[] = {
    COL_U("NODE: ", "node", 0, 0),
    COL_U("ZONE: ", "index", 2, 0),
    COL_X("ADDR: ", "addr", 2, 0),
    COL_QS("NAME: ", "zone", 2),
    COL_JSON(CT_UNSIGNED, "start_pfn"),
    COL_U("SIZE: ", "spanned", 2, 0),
    COL_U("PRESENT: ", "present", 2, 0),
    COL_U("MANAGED: ", "managed", 2, 0),
    COL_U("MIN/LOW/HIGH: ", "min", 2, 0),
    COL_U("/", "low", 0, 0),
    COL_U("/", "high", 0, 0),
    COL_LIST("vm_stat"),
};

static const struct column stat_cols[] = {
    COL_S("", "name", 0, 25),
    COL_U(": ", "value", 0, 0),
};

static void zone_stats(struct kernel *k, const struct zone_info *z, struct table *t)
{
    struct ktype *e = kt_strip(kdwarf_type(k->dwarf, "enum zone_stat_item"));
    int64_t nr = 0;
    if (!e || !kdwarf_enumerator(k->dwarf, "NR_VM_ZONE_STAT_ITEMS", &nr))
        return;
    struct table p;
    table_text(t, "  VM_STAT:\n");
    pairs_begin_in(t, &p, "vm_stat", stat_cols);
    table_set_style(&p, STYLE_LABELS);
    for (unsigned i = 0; i < e->nenums; i++) {
        uint64_t v;
        if (e->enums[i].value >= nr || zone_stat(k, z->zone, e->enums[i].name, &v, NULL))
            continue;
        put_pair_u(&p, e->enums[i].name, v);
    }
    table_end(&p, 0);
}

static int show_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct table *t = arg;
    row_begin(t);
    put_u(t, "node", z->node);
    put_u(t, "index", z->index);
    put_s(t, "zone", z->name);
    put_u(t, "addr", z->zone);
    put_u(t, "start_pfn", z->start_pfn);
    table_flush(t); /* the sizes are a line of their own */
    if (!z->present)
        table_text(t, "  [unpopulated]\n\n");
    if (z->present || table_is_json(t)) {
        put_u(t, "spanned", z->spanned);
        put_u(t, "present", z->present);
        put_u(t, "managed", z->managed);
        put_u(t, "min", z->wmark[0]);
        put_u(t, "low", z->wmark[1]);
        put_u(t, "high", z->wmark[2]);
    }
    if (z->present) {
        zone_stats(k, z, t);
        table_text(t, "\n");
    }
    row_end(t);
    return 0;
}

int kmem_zones(struct session *s, const char *cmd)
{
    struct table t;
    ks_err err;
    table_begin(s, &t, "zones", zone_cols);
    table_set_style(&t, STYLE_LABELS);
    return table_end(&t, for_each_zone(&s->k, show_zone, &t, &err)) ? cmd_fail_err(s, cmd, &err) : 0;
}

/* The reports that take no argument, by option letter. */
static const struct kmem_report {
    char opt;
    int (*run)(struct session *s, const char *cmd);
} reports[] = {
    {'i', kmem_info}, {'z', kmem_zones}, {'f', kmem_free}, {'s', kmem_slabs}, {'n', kmem_sections},
    {'t', kmem_types}, /* issue 14: page types */
};

static const struct kmem_report *report_of(const char *word)
{
    for (size_t i = 0; word[0] == '-' && word[1] && !word[2] && i < ARRAY_SIZE(reports); i++)
        if (reports[i].opt == word[1])
            return &reports[i];
    return NULL;
}

static int run_report(struct session *s, void *arg)
{
    const struct kmem_report *r = arg;
    return r->run(s, "kmem");
}

/* kmem -z -f: each report in turn, as crash takes several options; in JSON one document,
 * {"command":"kmem","results":[one per option]}. */
static int run_reports(struct session *s, int n, char **opts)
{
    const struct kmem_report *want[ARRAY_SIZE(reports)];
    if (n > (int)ARRAY_SIZE(reports))
        return cmd_fail(s, "kmem", "at most %zu of -i, -z, -f, -s and -n at once", ARRAY_SIZE(reports));
    for (int i = 0; i < n; i++)
        if (!(want[i] = report_of(opts[i])))
            return cmd_fail(s, "kmem", "%s: only -i, -z, -f, -s and -n go together", opts[i]);
    if (n == 1)
        return want[0]->run(s, "kmem");
    strbuf all, one;
    sb_init(&all);
    sb_init(&one);
    sb_puts(&all, "{\"command\":\"kmem\",\"results\":[");
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (!s->json) {
            failed |= want[i]->run(s, "kmem");
            continue;
        }
        sb_reset(&one);
        failed |= cmd_capture(s, run_report, (void *)want[i], &one) != 0;
        sb_printf(&all, "%s%s", i ? "," : "", one.len ? one.buf : "null");
    }
    sb_puts(&all, "]}\n");
    if (s->json)
        fputs(all.buf, s->out);
    sb_free(&all);
    sb_free(&one);
    return failed ? 1 : 0;
}

static int run_kmem(struct session *s, int argc, char **argv)
{
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: kmem -i|-z|-f|-s|-n|-p [ADDR]|ADDRESS");
    const char *o = argv[1];
    if (report_of(o))
        return run_reports(s, argc - 1, argv + 1);
    if (!strcmp(o, "-p"))
        return kmem_pages(s, argv[0], argc - 2, argv + 2);
    if (!strcmp(o, "-S")) /* issue 11: -S [CACHE], -V */
        return kmem_slab_objects(s, argv[0], argc - 2, argv + 2);
    if (!strcmp(o, "-V") && argc == 2)
        return kmem_vmstat(s, argv[0]);
    if (!strcmp(o, "-c")) /* issue 14: the census */
        return kmem_census(s, argv[0], argc - 2, argv + 2);
    if (o[0] != '-' && argc == 2)
        return kmem_address(s, argv[0], o);
    return cmd_fail(s, argv[0], "usage: kmem -i|-z|-f|-s|-n|-p [ADDR]|ADDRESS");
}

const struct command cmd_kmem = {
    "kmem",
    "kmem -i | -z | -f | -s | -S [CACHE] | -V | -n | -p [ADDRESS...] | ADDRESS",
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
    "    counts active objects). A cache that cannot be read (a wild name) shows \"?\" for what was not\n"
    "    read and \"(unreadable: KIND at ADDRESS)\", with an error line; the list goes on; exit status 1.\n"
    "-S [CACHE]  every slab of the cache (or of all), each object free or [allocated]: CPU slabs and\n"
    "    CPU partial lists, node partial lists, node full lists (kept only with slub_debug user\n"
    "    tracking), and the full slabs no list holds, found in mem_map. SLAB MEMORY NODE TOTAL ALLOCATED\n"
    "    FREE per slab; free objects are those on the slab's freelist or its CPU's, hardened freelist\n"
    "    pointers (CONFIG_SLAB_FREELIST_HARDENED) decoded. The cache line counts what the walk found.\n"
    "    A cache that cannot be read or walked (a corrupt freelist) is its cache line with \"?\" counts and\n"
    "    \"(unreadable: KIND at ADDRESS)\", an error line, and the next cache; exit status 1. JSON: its\n"
    "    counts and slabs null, and \"error\":{\"message\",\"kind\",\"address\",\"address_space\"}.\n"
    "-V  the vm counters by enum name: VM_ZONE_STAT (vm_zone_stat), VM_NODE_STAT (vm_node_stat), and\n"
    "    VM_EVENT_STATES (vm_event_states summed over the CPUs; PGPGIN/PGPGOUT in sectors, not KB).\n"
    "-t  page types: every frame from 0 to max_pfn by the word /proc/kpageflags gives it (computed as\n"
    "    fs/proc/page.c's stable_page_flags() does: page->flags by enum pageflags, and MMAP, ANON, BUDDY,\n"
    "    COMPOUND_HEAD/TAIL, ZERO_PAGE, PGTABLE... from mapcount, page_type, compound state, mapping):\n"
    "    KPF (the 64-bit word), PAGES, MAPCOUNT (summed /proc/kpagecount), NAMES (KPF_* without KPF_).\n"
    "    JSON {\"flags\":[{\"kpf\":\"0x...\",\"pages\",\"mapcount\",\"names\":[...]}]}.\n"
    "-c [--map] [--svg FILE [--task PID]]  the census: every frame from 0 to max_pfn once, in one class: hole, free (buddy),\n"
    "    percpu_free, slab, pagetable, kernel_stack, vmalloc, blk_mq_requests (blk-mq's request pools),\n"
    "    anon, file, shmem, swapcache, kernel_image, mem_map, reserved, unaccounted (an allocated page\n"
    "    nothing names: see docs/census.md). Then the classes beside the kernel's counters\n"
    "    (NR_FREE_PAGES, NR_SLAB_*, NR_PAGETABLE, ...) with the difference, free blocks per order, and\n"
    "    the owners: slab caches, page tables by mm (init_mm's kernel tables too), stacks by task (and\n"
    "    each CPU's IRQ stacks), page cache by file (FSTYPE:/path inside that filesystem, \" (deleted)\"\n"
    "    after it once unlinked, as /proc/PID/fd says). Names are whole (up to 4096 bytes); an owner\n"
    "    whose name cannot be read (a dentry chain that loops) keeps its pages with NAME\n"
    "    \"(unreadable: KIND at ADDRESS)\" (JSON: name null and an \"error\" object), one error line says\n"
    "    how many, and the command ends with exit status 1.\n"
    "    --svg: a picture of physical memory coloured by class, with the zone boundaries; --task PID also\n"
    "    outlines in blue the frames that task's page tables map (where its pages lie physically).\n"
    "    --map: the same picture as letters, a line of 64 cells each headed by its first pfn (text only).\n"
    "    JSON {\"frames\",\"classes\":[{\"class\",\"pages\",\"kb\"}],\"reconcile\":[{\"classes\",\"census\",\"counter\",\n"
    "    \"counter_pages\",\"difference\"}],\"free_blocks\":[...],\"slab_caches\",\"pagetables\",\"kernel_stacks\",\"files\":\n"
    "    [{\"owner\",\"pid\",\"pages\",\"name\"}],\"counters\":{NAME:value}}.\n"
    "ADDRESS: what it is — its page (free or in use), the slab cache and object holding it, or the\n"
    "    tasks and VMAs mapping it; inside mem_map, also which frame's struct page it lies in. At or\n"
    "    above PAGE_OFFSET (and below 4 GB) it is kernel virtual; otherwise physical.\n"
    "Several of -i, -z, -f, -s and -n run one after the other (kmem -z -f), as in crash.\n"
    "JSON: -i {\"pages\":{...}}; -z {\"zones\":[...]}; -f {\"zones\":[{\"node\",\"zone\",\"free_pages\",\"orders\":\n"
    "[{\"order\",\"blocks\",\"pages\",\"nr_free\",\"by_migratetype\":{...}}],\"mismatches\":[...]}],\"problems\"};\n"
    "-p {\"pages\":[...]}; -s {\"caches\":[...]}; -S {\"caches\":[{\"cache\",\"name\",\"objsize\",\"size\",\"allocated\",\n"
    "\"total\",\"slabs\":[{\"slab\",\"memory\",\"list\",\"cpu\",\"node\",\"objects\":[{\"address\",\"allocated\"}]}]}]};\n"
    "-V {\"vm_zone_stat\":{NAME:value},\"vm_node_stat\":{...},\"vm_event_states\":{...}};\n"
    "-n {\"zones\":[...],\"model\",\"section_size_bits\",\"nr_sections\",\n"
    "\"sections\":[{\"nr\",\"section\",\"coded_mem_map\",\"mem_map\",\"state\",\"pfn\"}]}; several options:\n"
    "{\"command\":\"kmem\",\"results\":[one document per option, in order]}",
    run_kmem,
};

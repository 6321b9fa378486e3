/* kmem -p: struct pages (PAGE PHYSICAL MAPPING INDEX CNT FLAGS); kmem ADDRESS: what an address is. */
#include <inttypes.h>
#include <string.h>

#include "../mm/page.h"
#include "../mm/slab.h"
#include "../mm/task.h"
#include "../mm/vma.h"
#include "../mm/zone.h"
#include "kmem.h"

#define PAGE_HEADER "  PAGE    PHYSICAL   MAPPING    INDEX CNT FLAGS\n"

static void page_line(struct session *s, const struct page_info *pi, struct json *j)
{
    char names[512];
    page_flag_names(&s->k, pi->flags, names, sizeof names);
    if (j) {
        json_obj_begin(j, NULL);
        json_hex(j, "page", pi->page);
        json_hex(j, "paddr", pi->pfn << KS_PAGE_SHIFT);
        json_hex(j, "mapping", pi->mapping);
        json_uint(j, "index", pi->index);
        json_int(j, "count", pi->count);
        json_hex(j, "flags", pi->flags);
        json_str(j, "flag_names", names);
        json_obj_end(j);
        return;
    }
    fprintf(s->out, "%8" PRIx64 "  %8" PRIx64 "  %8" PRIx64 "  %7" PRIu64 " %3" PRId64 " %" PRIx64 " %s\n", pi->page,
            pi->pfn << KS_PAGE_SHIFT, pi->mapping, pi->index, pi->count, pi->flags, names);
}

static int one_page(struct session *s, uint64_t pfn, struct json *j, ks_err *err)
{
    uint64_t page;
    struct page_info pi;
    if (pfn_to_page(&s->k, pfn, &page, err) || page_info_read(&s->k, page, &pi, err)) return -1;
    page_line(s, &pi, j);
    return 0;
}

int kmem_pages(struct session *s, const char *cmd, int argc, char **argv)
{
    ks_err err;
    uint64_t first, count;
    struct json j;
    if (mem_map_range(&s->k, &first, &count, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    if (s->json) { json_init(&j); json_obj_begin(&j, NULL); json_arr_begin(&j, "pages"); }
    else fputs(PAGE_HEADER, s->out);
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        uint64_t pa;
        if (!parse_u64(argv[i], 16, &pa)) rc = ks_fail(&err, "bad physical address %s", argv[i]);
        else rc = one_page(s, pa >> KS_PAGE_SHIFT, s->json ? &j : NULL, &err);
    }
    for (uint64_t pfn = first; argc == 0 && !rc && pfn < first + count; pfn++) rc = one_page(s, pfn, s->json ? &j : NULL, &err);
    if (s->json) { json_arr_end(&j); json_obj_end(&j); if (!rc) cmd_json_emit(s, &j); json_free(&j); }
    return rc ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

/* ---- kmem ADDRESS ---- */

/* The free buddy block holding pfn, if any: a buddy page of order o at pfn rounded down to 2^o. */
static bool in_free_block(struct kernel *k, uint64_t pfn, unsigned max_order, uint64_t *head, unsigned *order)
{
    for (unsigned o = 0; o < max_order; o++) {
        uint64_t h = pfn & ~((1ull << o) - 1), page;
        struct page_info pi;
        if (pfn_to_page(k, h, &page, NULL) || page_info_read(k, page, &pi, NULL)) return false;
        /* A free block of order n starts at a multiple of 2^n and covers 2^n frames. */
        if (page_is_buddy(k, &pi) && pi.private >= o && pi.private < 64 && !(h & ((1ull << pi.private) - 1)) &&
            pfn < h + (1ull << pi.private)) {
            *head = h;
            *order = (unsigned)pi.private;
            return true;
        }
    }
    return false;
}

struct mapper_search {
    struct session *s;
    uint64_t pfn;
    int found;
};

static int check_task(struct kernel *k, const struct task_info *ti, void *arg);

struct vma_scan {
    struct mapper_search *ms;
    const struct task_info *ti;
};

static int check_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vma_scan *vs = arg;
    for (uint64_t va = v->start; va < v->end; va += KS_PAGE_SIZE) {
        struct pt_walk w;
        if (uvtop_walk(k, vs->ti->mm, va, &w, NULL) || w.result != PT_MAPPED || w.paddr >> KS_PAGE_SHIFT != vs->ms->pfn) continue;
        fprintf(vs->ms->s->out, "MAPPED: PID %" PRIu64 " (%s) at %" PRIx64 "  VMA %" PRIx64 " %" PRIx64 "-%" PRIx64 " %s %s\n", vs->ti->pid,
                vs->ti->comm, va, v->vma, v->start, v->end, v->perms, v->name);
        vs->ms->found++;
    }
    return 0;
}

static int check_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct mapper_search *ms = arg;
    if (!ti->mm || ti->tgid != ti->pid) return 0;    /* one look per address space */
    struct vma_scan vs = { ms, ti };
    for_each_vma(k, ti->mm, check_vma, &vs, NULL);
    return 0;
}

static int describe_page(struct session *s, uint64_t pfn, uint64_t kaddr, ks_err *err)
{
    struct kernel *k = &s->k;
    uint64_t page, head;
    struct page_info pi;
    if (pfn_to_page(k, pfn, &page, err) || page_info_read(k, page, &pi, err)) return -1;
    fputs(PAGE_HEADER, s->out);
    page_line(s, &pi, NULL);
    struct zone_geometry g;
    unsigned order;
    if (zone_geometry(k, &g, err)) return -1;
    if (in_free_block(k, pfn, g.max_order, &head, &order)) {
        fprintf(s->out, "FREE: in a free buddy block of order %u (%u pages) starting at pfn %" PRIx64 "\n", order, 1u << order, head);
        return 0;
    }
    struct slab_object o;
    int r = kaddr ? slab_object_at(k, page, kaddr, &o, err) : 0;
    if (r < 0) return -1;
    if (r > 0) {
        fprintf(s->out, "SLAB: cache %s (%" PRIx64 "), slab %" PRIx64 ", object %" PRIx64 " (%s)\n", o.cache_name, o.cache, o.slab,
                o.object, o.free ? "free" : "allocated");
        return 0;
    }
    struct mapper_search ms = { s, pfn, 0 };
    if (pi.mapping && !page_is_slab(k, &pi) && for_each_task(k, check_task, &ms, err)) return -1;
    if (!ms.found) fprintf(s->out, "IN USE: count %" PRId64 "%s\n", pi.count, pi.mapping ? "" : ", no mapping (kernel memory)");
    return 0;
}

int kmem_address(struct session *s, const char *cmd, const char *arg)
{
    uint64_t addr, pa;
    ks_err err;
    if (cmd_parse_addr(s, arg, &addr, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    if (addr >= s->k.page_offset) {
        if (kvtop(&s->k, addr, &pa, &err)) return cmd_fail(s, cmd, "%s", err.msg);
        uint64_t delta;
        const struct ksym *sym = ksym_at(&s->k, addr, &delta);
        fprintf(s->out, "%" PRIx64 ": kernel virtual, physical %" PRIx64 "%s%s", addr, pa, sym ? ", " : "", sym ? sym->name : "");
        if (sym && delta) fprintf(s->out, "+%" PRIu64, delta);
        fputc('\n', s->out);
    } else {
        pa = addr;
        fprintf(s->out, "%" PRIx64 ": physical address\n", pa);
    }
    uint64_t high = 0, kaddr = 0;
    kvar_read_int(&s->k, "high_memory", NULL, &high, NULL);
    if (addr >= s->k.page_offset && addr < high) kaddr = addr;
    else if (pa + s->k.page_offset < high) kaddr = pa + s->k.page_offset;
    return describe_page(s, pa >> KS_PAGE_SHIFT, kaddr, &err) ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

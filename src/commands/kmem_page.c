/* kmem -p: struct pages (PAGE PHYSICAL MAPPING INDEX CNT FLAGS); kmem ADDRESS: what an address is. */
#include <inttypes.h>
#include <string.h>

#include "../mm/buddy.h"
#include "../mm/page.h"
#include "../mm/slab.h"
#include "../mm/task.h"
#include "../mm/vma.h"
#include "../mm/zone.h"
#include "kmem.h"

struct pages_ctx {
    struct session *s;
    struct json *j;
    bool header_done;      /* the column header goes out with the first line, not before an error */
};

static int one_page(struct pages_ctx *c, uint64_t pfn, ks_err *err)
{
    uint64_t page;
    struct page_info pi;
    if (pfn_to_page(&c->s->k, pfn, &page, err) || page_info_read(&c->s->k, page, &pi, err)) return -1;
    if (!c->j && !c->header_done) fputs(CMD_PAGE_HEADER, c->s->out);
    c->header_done = true;
    cmd_page_line(c->s, &pi, c->j);
    return 0;
}

int kmem_pages(struct session *s, const char *cmd, int argc, char **argv)
{
    ks_err err;
    const struct pfn_range *ranges;
    size_t nranges;
    struct json j;
    if (mem_map_ranges(&s->k, &ranges, &nranges, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    struct pages_ctx c = { s, cmd_json_list_begin(s, &j, "pages"), false };
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        uint64_t pa;
        if (!parse_u64(argv[i], 16, &pa)) rc = ks_fail(&err, "bad physical address %s", argv[i]);
        else rc = one_page(&c, pa >> KS_PAGE_SHIFT, &err);
    }
    for (size_t r = 0; argc == 0 && r < nranges; r++)      /* SPARSEMEM holes have no struct pages */
        for (uint64_t pfn = ranges[r].start; !rc && pfn < ranges[r].start + ranges[r].count; pfn++) rc = one_page(&c, pfn, &err);
    return cmd_json_list_end(s, c.j, rc) ? cmd_fail(s, cmd, "%s", err.msg) : 0;
}

/* ---- kmem ADDRESS ---- */

#define MAX_MAPPERS 16

struct mapper {
    uint64_t pid, vaddr, vma, start, end;
    char comm[17], perms[5], file[512];
};

/* What an address turned out to be. */
struct address_facts {
    uint64_t addr, paddr;
    bool kernel_virtual;
    char symbol[96];
    struct page_info page;
    enum { ADDR_IN_USE, ADDR_FREE, ADDR_SLAB, ADDR_MAPPED } state;
    uint64_t free_head;
    unsigned free_order;
    struct slab_object slab;
    unsigned nmappers;
    struct mapper mappers[MAX_MAPPERS];
    bool in_mem_map;           /* the address is inside a struct page: the one of frame described_pfn */
    uint64_t page_struct, described_pfn;
};

struct vma_scan {
    struct address_facts *f;
    const struct task_info *ti;
    uint64_t pgd_paddr;        /* the mm's page directory, found once per address space */
};

static int check_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vma_scan *vs = arg;
    struct address_facts *f = vs->f;
    for (uint64_t va = v->start; va < v->end && f->nmappers < MAX_MAPPERS; va += KS_PAGE_SIZE) {
        struct pt_walk w;
        if (pt_walk(k->paging, &k->mem, vs->pgd_paddr, va, &w, NULL) || w.result != PT_MAPPED || w.paddr >> KS_PAGE_SHIFT != f->page.pfn)
            continue;
        struct mapper *m = &f->mappers[f->nmappers++];
        *m = (struct mapper){ vs->ti->pid, va, v->vma, v->start, v->end, "", "", "" };
        snprintf(m->comm, sizeof m->comm, "%s", vs->ti->comm);
        snprintf(m->perms, sizeof m->perms, "%s", v->perms);
        snprintf(m->file, sizeof m->file, "%s", v->name);
    }
    return 0;
}

/* Reverse mapping the slow, sure way: every user address space's page tables. */
static int check_task(struct kernel *k, const struct task_info *ti, void *arg)
{
    if (!ti->mm || ti->tgid != ti->pid) return 0;    /* one look per address space */
    struct vma_scan vs = { arg, ti, 0 };
    if (mm_pgd_paddr(k, ti->mm, &vs.pgd_paddr, NULL)) return 0;
    for_each_vma(k, ti->mm, check_vma, &vs, NULL);
    return 0;
}

static int gather(struct session *s, uint64_t kaddr, struct address_facts *f, ks_err *err)
{
    struct kernel *k = &s->k;
    uint64_t page;
    struct zone_geometry g;
    if (pfn_to_page(k, f->paddr >> KS_PAGE_SHIFT, &page, err) || page_info_read(k, page, &f->page, err) || zone_geometry(k, &g, err))
        return -1;
    if (buddy_block_of(k, f->page.pfn, g.max_order, &f->free_head, &f->free_order)) { f->state = ADDR_FREE; return 0; }
    int r = kaddr ? slab_object_at(k, page, kaddr, &f->slab, err) : 0;
    if (r < 0) return -1;
    if (r > 0) { f->state = ADDR_SLAB; return 0; }
    struct page_info head;
    if (page_info_read(k, compound_head(k, page), &head, err)) return -1;
    if (head.mapping && !page_is_slab(k, &head) && for_each_task(k, check_task, f, err)) return -1;
    f->state = f->nmappers ? ADDR_MAPPED : ADDR_IN_USE;
    return 0;
}

static void print_facts_text(struct session *s, const struct address_facts *f)
{
    FILE *o = s->out;
    if (f->kernel_virtual) fprintf(o, "%" PRIx64 ": kernel virtual, physical %" PRIx64 "%s%s\n", f->addr, f->paddr, f->symbol[0] ? ", " : "", f->symbol);
    else fprintf(o, "%" PRIx64 ": physical address\n", f->addr);
    fputs(CMD_PAGE_HEADER, o);
    cmd_page_line(s, &f->page, NULL);
    if (f->in_mem_map)
        fprintf(o, "STRUCT PAGE: %" PRIx64 "+%" PRIu64 " is the struct page of pfn %" PRIx64 " (physical %" PRIx64 ")\n",
                f->page_struct, f->addr - f->page_struct, f->described_pfn, f->described_pfn << KS_PAGE_SHIFT);
    if (f->state == ADDR_FREE)
        fprintf(o, "FREE: in a free buddy block of order %u (%u pages) starting at pfn %" PRIx64 "\n", f->free_order, 1u << f->free_order, f->free_head);
    else if (f->state == ADDR_SLAB)
        fprintf(o, "SLAB: cache %s (%" PRIx64 "), slab %" PRIx64 ", object %" PRIx64 " (%s)\n", f->slab.cache_name, f->slab.cache,
                f->slab.slab, f->slab.object, f->slab.free ? "free" : "allocated");
    else if (f->state == ADDR_IN_USE)
        fprintf(o, "IN USE: count %" PRId64 "%s\n", f->page.count, f->page.mapping ? "" : ", no mapping (kernel memory)");
    for (unsigned i = 0; i < f->nmappers; i++) {
        const struct mapper *m = &f->mappers[i];
        fprintf(o, "MAPPED: PID %" PRIu64 " (%s) at %" PRIx64 "  VMA %" PRIx64 " %" PRIx64 "-%" PRIx64 " %s %s\n", m->pid, m->comm, m->vaddr,
                m->vma, m->start, m->end, m->perms, m->file);
    }
}

static void print_facts_json(struct session *s, const struct address_facts *f)
{
    static const char *const state[] = { "in use", "free", "slab", "mapped" };
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_hex(&j, "address", f->addr);
    json_hex(&j, "paddr", f->paddr);
    json_str(&j, "kind", f->kernel_virtual ? "kernel virtual" : "physical");
    json_str(&j, "symbol", f->symbol[0] ? f->symbol : NULL);
    json_str(&j, "state", state[f->state]);
    json_arr_begin(&j, "page");
    cmd_page_line(s, &f->page, &j);
    json_arr_end(&j);
    if (f->in_mem_map) {
        json_obj_begin(&j, "struct_page_of");
        json_hex(&j, "page", f->page_struct);
        json_hex(&j, "paddr", f->described_pfn << KS_PAGE_SHIFT);
        json_obj_end(&j);
    } else {
        json_null(&j, "struct_page_of");
    }
    if (f->state == ADDR_FREE) { json_uint(&j, "free_order", f->free_order); json_hex(&j, "free_block_pfn", f->free_head); }
    if (f->state == ADDR_SLAB) {
        json_str(&j, "cache", f->slab.cache_name);
        json_hex(&j, "object", f->slab.object);
        json_bool(&j, "object_free", f->slab.free);
    }
    json_arr_begin(&j, "mapped_by");
    for (unsigned i = 0; i < f->nmappers; i++) {
        json_obj_begin(&j, NULL);
        json_uint(&j, "pid", f->mappers[i].pid);
        json_hex(&j, "vaddr", f->mappers[i].vaddr);
        json_hex(&j, "vma", f->mappers[i].vma);
        json_str(&j, "file", f->mappers[i].file[0] ? f->mappers[i].file : NULL);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

int kmem_address(struct session *s, const char *cmd, const char *arg)
{
    struct address_facts f;
    ks_err err;
    memset(&f, 0, sizeof f);
    if (cmd_parse_addr(s, arg, &f.addr, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    uint64_t high = 0, kaddr = 0;
    kvar_read_int(&s->k, "high_memory", NULL, &high, NULL);
    /* Kernel space is PAGE_OFFSET..4 GB; below it, or past 4 GB (PAE), a number is physical. */
    if (f.addr >= s->k.page_offset && f.addr <= 0xFFFFFFFFull) {
        f.kernel_virtual = true;
        if (kvtop(&s->k, f.addr, &f.paddr, &err)) return cmd_fail(s, cmd, "%s", err.msg);
        uint64_t delta;
        const struct ksym *sym = ksym_at(&s->k, f.addr, &delta);
        if (sym) snprintf(f.symbol, sizeof f.symbol, delta ? "%s+%" PRIu64 : "%s", sym->name, delta);
        if (f.addr < high) kaddr = f.addr;
        f.in_mem_map = page_struct_containing(&s->k, f.addr, &f.page_struct, &f.described_pfn) == 0;
    } else {
        f.paddr = f.addr;
    }
    if (!kaddr && f.paddr + s->k.page_offset < high) kaddr = f.paddr + s->k.page_offset;   /* its direct-map alias */
    if (gather(s, kaddr, &f, &err)) return cmd_fail(s, cmd, "%s", err.msg);
    if (s->json) print_facts_json(s, &f); else print_facts_text(s, &f);
    return 0;
}

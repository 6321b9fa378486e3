/*
 * vtop — translate a virtual address the way the MMU does, and show every step, as crash does.
 *   vtop [-c PID|TASK] [-u|-k] ADDRESS...
 * Kernel addresses (at or above PAGE_OFFSET, or with -k) walk swapper_pg_dir; user addresses walk
 * the page directory of the context task's mm (from `set`, or -c).
 *
 * Non-PAE (the seeds' i386): PGD index = bits 31..22, the PMD is folded (printed as the PGD entry
 * again), PTE index = bits 21..12, then 12 bits of offset; a PSE PGD entry maps a 4 MB page.
 * PAE: PGD (PDPT) index = bits 31..30, PMD = 29..21 (2 MB pages possible), PTE = 20..12.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/page.h"
#include "../mm/task.h"
#include "../mm/vma.h"
#include "commands.h"
#include "context.h"

struct vtop_args {
    bool force_user, force_kernel;
    const char *ctx;
    int first_addr;
};

static void print_flags_json(struct json *j, const struct pt_format *f, uint64_t entry)
{
    char names[200];
    pt_flag_names(f, entry, true, names, sizeof names);
    json_arr_begin(j, "flags");
    char *save = NULL;
    for (char *t = strtok_r(names, "|", &save); t; t = strtok_r(NULL, "|", &save))
        if (strcmp(t, "(none)")) json_str(j, NULL, t);
    json_arr_end(j);
}

/* What vtop shows besides the walk: the VMA holding a user address, the page a mapping ends on. */
struct vtop_extra {
    bool has_vma, has_page;
    struct vma_info vma;
    struct page_info page;
};

static void emit_json(struct session *s, const struct pt_walk *w, uint64_t pid, bool user, const struct vtop_extra *x)
{
    const struct pt_format *f = s->k.paging;
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_hex(&j, "vaddr", w->vaddr);
    if (w->result == PT_MAPPED) json_hex(&j, "paddr", w->paddr); else json_null(&j, "paddr");
    json_int(&j, "page_size", w->result == PT_MAPPED ? (int64_t)w->page_size : 0);
    if (user) json_int(&j, "pid", (int64_t)pid);
    json_hex(&j, "page_directory", w->top);
    json_arr_begin(&j, "levels");
    for (unsigned i = 0; i < w->nsteps; i++) {
        json_obj_begin(&j, NULL);
        json_str(&j, "level", w->steps[i].level);
        json_hex(&j, "entry_addr", w->steps[i].entry_paddr);
        json_hex(&j, "entry", w->steps[i].entry);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    if (w->result == PT_MAPPED) print_flags_json(&j, f, w->leaf);
    if (w->result == PT_SWAP) {
        json_obj_begin(&j, "swap");
        json_int(&j, "type", (int64_t)w->swap_type);
        json_hex(&j, "offset", w->swap_offset);
        json_obj_end(&j);
    }
    if (x->has_vma) {
        json_obj_begin(&j, "vma");
        json_hex(&j, "vma", x->vma.vma);
        json_hex(&j, "start", x->vma.start);
        json_hex(&j, "end", x->vma.end);
        json_hex(&j, "flags", x->vma.flags);
        json_str(&j, "perms", x->vma.perms);
        json_str(&j, "file", x->vma.name[0] ? x->vma.name : NULL);
        json_obj_end(&j);
    } else if (user) {
        json_null(&j, "vma");
    }
    if (x->has_page) json_hex(&j, "page", x->page.page);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

/* The PGD lives in the direct map, so crash shows its entries by kernel virtual address. */
static uint64_t shown_entry_addr(struct session *s, const struct pt_walk *w, unsigned i)
{
    return i == 0 || w->steps[i].folded ? w->steps[i].entry_paddr + s->k.page_offset : w->steps[i].entry_paddr;
}

static void emit_text(struct session *s, const struct pt_walk *w, const struct vtop_extra *x)
{
    FILE *o = s->out;
    fprintf(o, "VIRTUAL   PHYSICAL\n");
    if (w->result == PT_MAPPED) fprintf(o, "%-8" PRIx64 "  %" PRIx64 "\n\n", w->vaddr, w->paddr);
    else fprintf(o, "%-8" PRIx64 "  (not mapped)\n\n", w->vaddr);
    fprintf(o, "PAGE DIRECTORY: %" PRIx64 "\n", w->top + s->k.page_offset);
    for (unsigned i = 0; i < w->nsteps; i++)
        fprintf(o, "  %s: %8" PRIx64 " => %" PRIx64 "\n", w->steps[i].level, shown_entry_addr(s, w, i), w->steps[i].entry);
    if (w->result == PT_MAPPED) {
        char flags[200];
        bool pte_level = w->page_size == KS_PAGE_SIZE;
        pt_flag_names(s->k.paging, w->leaf, pte_level, flags, sizeof flags);
        fprintf(o, " PAGE: %8" PRIx64 "%s\n\n", w->paddr & ~(w->page_size - 1),
                w->page_size > KS_PAGE_SIZE ? (w->page_size == (4u << 20) ? "  (4MB)" : "  (2MB)") : "");
        fprintf(o, "  PTE    PHYSICAL  FLAGS\n%" PRIx64 "  %8" PRIx64 "  (%s)\n", w->leaf, w->paddr & ~(w->page_size - 1), flags);
    } else if (w->result == PT_SWAP) {
        fprintf(o, "\n  PTE      SWAP TYPE  OFFSET\n%" PRIx64 "  %9" PRIu64 "  %" PRIx64 "\n", w->leaf, w->swap_type, w->swap_offset);
    }
    if (x->has_vma)
        fprintf(o, "\n  VMA       START      END    FLAGS FILE\n%8" PRIx64 "  %8" PRIx64 "  %8" PRIx64 " %6" PRIx64 " %s\n", x->vma.vma,
                x->vma.start, x->vma.end, x->vma.flags, x->vma.name);
    if (x->has_page) {
        fprintf(o, "\n%s", CMD_PAGE_HEADER);
        cmd_page_line(s, &x->page, NULL);
    }
}

static void gather_extra(struct session *s, const struct pt_walk *w, uint64_t mm, struct vtop_extra *x)
{
    memset(x, 0, sizeof *x);
    uint64_t page;
    if (mm) x->has_vma = find_vma(&s->k, mm, w->vaddr, &x->vma, NULL) == 1;
    /* A page outside mem_map (device memory such as the fixmap's APIC page) simply has no line. */
    if (w->result == PT_MAPPED && pfn_to_page(&s->k, w->paddr >> KS_PAGE_SHIFT, &page, NULL) == 0)
        x->has_page = page_info_read(&s->k, page, &x->page, NULL) == 0;
}

static int resolve_context(struct session *s, const char *ctx, uint64_t *mm, uint64_t *pid, ks_err *err)
{
    uint64_t task = s->context_task;
    if (ctx && cmd_parse_task(s, ctx, &task, err)) return -1;
    if (!task) return ks_fail(err, "a user address needs a task: use -c PID or `set PID`");
    if (task_pid(&s->k, task, pid, err) || task_mm(&s->k, task, mm, err)) return -1;
    if (!*mm) return ks_fail(err, "PID %llu is a kernel thread: no user address space", (unsigned long long)*pid);
    return 0;
}

static int parse_vtop(int argc, char **argv, struct vtop_args *a, ks_err *err)
{
    memset(a, 0, sizeof *a);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-u")) a->force_user = true;
        else if (!strcmp(argv[i], "-k")) a->force_kernel = true;
        else if (!strcmp(argv[i], "-c") && i + 1 < argc) a->ctx = argv[++i];
        else return ks_fail(err, "unknown option %s", argv[i]);
    }
    if (i == argc) return ks_fail(err, "usage: vtop [-c PID|TASK] [-u|-k] ADDRESS...");
    a->first_addr = i;
    return 0;
}

static int run_vtop(struct session *s, int argc, char **argv)
{
    struct vtop_args a;
    ks_err err;
    if (parse_vtop(argc, argv, &a, &err)) return cmd_fail(s, argv[0], "%s", err.msg);
    int rc = 0;
    for (int i = a.first_addr; i < argc; i++) {
        uint64_t vaddr, mm = 0, pid = 0;
        struct pt_walk w;
        if (cmd_parse_addr(s, argv[i], &vaddr, &err)) { rc = cmd_fail(s, argv[0], "%s", err.msg); continue; }
        bool user = a.force_user || a.ctx || (!a.force_kernel && vaddr < s->k.page_offset);
        if (user && resolve_context(s, a.ctx, &mm, &pid, &err)) { rc = cmd_fail(s, argv[0], "%s", err.msg); continue; }
        int r = user ? uvtop_walk(&s->k, mm, vaddr, &w, &err) : pt_walk(s->k.paging, &s->k.mem, s->k.pgd_paddr, vaddr, &w, &err);
        if (r) { rc = cmd_fail(s, argv[0], "%s", err.msg); continue; }
        struct vtop_extra x;
        gather_extra(s, &w, user ? mm : 0, &x);
        if (s->json) emit_json(s, &w, pid, user, &x);
        else { if (i > a.first_addr) fputc('\n', s->out); emit_text(s, &w, &x); }
    }
    return rc;
}

const struct command cmd_vtop = {
    "vtop", "vtop [-c PID|TASK] [-u|-k] ADDRESS...", "translate a virtual address, showing each page-table level",
    "Prints VIRTUAL and PHYSICAL, the PAGE DIRECTORY, one line per level \"LEVEL: entry-address => entry\"\n"
    "(the PGD entry by its kernel virtual address, lower levels by physical address, as crash does;\n"
    "non-PAE kernels show the folded PMD as the PGD entry again), the PAGE, and the mapping entry\n"
    "with its flags, then (user addresses) the VMA holding the address and the struct page it lands\n"
    "on (PAGE PHYSICAL MAPPING INDEX CNT FLAGS). Not-present entries stop the walk at their level;\n"
    "swap entries are decoded.\n"
    "Kernel addresses walk swapper_pg_dir; user addresses (below PAGE_OFFSET, or -u) walk the mm of\n"
    "the task given with -c PID|TASK or chosen with `set`.\n"
    "JSON: {\"vaddr\",\"paddr\"|null,\"page_size\",\"page_directory\",\"levels\":[{\"level\",\"entry_addr\",\n"
    "\"entry\"}],\"flags\":[...],\"page\"} plus \"pid\" and \"vma\" for user addresses, \"swap\" for swap entries.",
    run_vtop,
};

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

/* What vtop shows besides the walk: the VMA holding a user address, the page a mapping ends on. */
struct vtop_extra {
    bool has_vma, has_page;
    struct vma_info vma;
    struct page_info page;
};

/* The document's own members; the walk's parts are the tables below. */
static const struct column vtop_cols[] = {
    COL_X("PAGE DIRECTORY: ", "page_directory", 0, 0),
    COL_LIST("levels"),
    COL_LIST("vma"),
    COL_JSON(CT_HEX, "page"),
};

/* VIRTUAL PHYSICAL, and the translation's other facts for programs. */
static const struct column translation_cols[] = {
    COL_X("VIRTUAL", "vaddr", 0, -8),
    COL_X("   PHYSICAL", "paddr", 2, 0),
    COL_JSON(CT_SIGNED, "page_size"),
    COL_JSON(CT_SIGNED, "pid"),
};

/* "  PGD: c1234000 => 1234067": one line per level. */
static const struct column level_cols[] = {
    COL_S("", "level", 2, 0),
    COL_X("", "entry_addr", 1, 8),
    COL_X("=> ", "entry", 1, 0),
};

static const struct column leaf_cols[] = {
    COL_TEXT(CT_HEX, "  PTE", "pte", 0, 0),
    COL_TEXT(CT_HEX, "    PHYSICAL", "page_paddr", 2, 8),
    COL_FLAGS("  FLAGS", "flags", 2, 0),
};

static const struct column swap_cols[] = {
    COL_TEXT(CT_HEX, "  PTE", "pte", 0, 0),
    COL_U("      SWAP TYPE", "type", 2, 9),
    COL_X("  OFFSET", "offset", 2, 0),
};

/* The PGD lives in the direct map, so crash shows its entries by kernel virtual address. */
static uint64_t shown_entry_addr(struct session *s, const struct pt_walk *w, unsigned i)
{
    return i == 0 || w->steps[i].folded ? w->steps[i].entry_paddr + s->k.page_offset : w->steps[i].entry_paddr;
}

static void put_translation(struct table *r, const struct pt_walk *w, uint64_t pid, bool user)
{
    struct session *s = r->s;
    struct table t;
    table_begin_in(r, &t, NULL, translation_cols);
    row_begin(&t);
    put_u(&t, "vaddr", w->vaddr);
    if (w->result == PT_MAPPED)
        put_u(&t, "paddr", w->paddr);
    else
        put_null_as(&t, "paddr", "(not mapped)");
    put_i(&t, "page_size", w->result == PT_MAPPED ? (int64_t)w->page_size : 0);
    if (user)
        put_i(&t, "pid", (int64_t)pid);
    row_end(&t);
    table_end(&t, 0);
    table_text(r, "\n");
    put_u_as(r, "page_directory", w->top, w->top + s->k.page_offset);
}

static void put_levels(struct table *r, const struct pt_walk *w)
{
    struct table t;
    table_begin_in(r, &t, "levels", level_cols);
    table_set_style(&t, STYLE_LABELS);
    for (unsigned i = 0; i < w->nsteps; i++) {
        char shown[16];
        snprintf(shown, sizeof shown, "%s:", w->steps[i].level);
        row_begin(&t);
        put_s_as(&t, "level", w->steps[i].level, shown);
        put_u_as(&t, "entry_addr", w->steps[i].entry_paddr, shown_entry_addr(r->s, w, i));
        put_u(&t, "entry", w->steps[i].entry);
        row_end(&t);
    }
    table_end(&t, 0);
}

/* The entry that mapped the page, with its flags: by the PTE's names for people (a large page's
 * bit 7 is PSE, not PAT), as a PTE's for programs. */
static void put_leaf(struct table *r, const struct pt_walk *w)
{
    const struct pt_format *f = r->s->k.paging;
    uint64_t base = w->paddr & ~(w->page_size - 1);
    char names[200], shown[210], text_names[200];
    pt_flag_names(f, w->leaf, true, names, sizeof names);
    pt_flag_names(f, w->leaf, w->page_size == KS_PAGE_SIZE, text_names, sizeof text_names);
    snprintf(shown, sizeof shown, "(%s)", text_names);
    const char *large = w->page_size == (4u << 20) ? "  (4MB)" : "  (2MB)";
    table_text(r, " PAGE: %8" PRIx64 "%s\n\n", base, w->page_size > KS_PAGE_SIZE ? large : "");
    struct table t;
    table_begin_in(r, &t, NULL, leaf_cols);
    row_begin(&t);
    put_u(&t, "pte", w->leaf);
    put_u(&t, "page_paddr", base);
    put_s_as(&t, "flags", names, shown);
    row_end(&t);
    table_end(&t, 0);
}

static void put_swap(struct table *r, const struct pt_walk *w)
{
    struct table t;
    table_text(r, "\n");
    object_begin_in(r, &t, "swap", swap_cols);
    put_u(&t, "pte", w->leaf);
    put_u(&t, "type", w->swap_type);
    put_u(&t, "offset", w->swap_offset);
    table_end(&t, 0);
}

static void put_extra(struct table *r, const struct vtop_extra *x, bool user)
{
    struct table t;
    if (x->has_vma) {
        table_text(r, "\n");
        cmd_vma_table_in(r, &t, "vma", SHAPE_OBJECT);
        cmd_vma_row(&t, &x->vma, false);
        table_end(&t, 0);
    } else if (user) {
        put_null(r, "vma");
    }
    if (!x->has_page)
        return;
    put_u(r, "page", x->page.page); /* programs get the address; people the struct page line */
    if (table_is_json(r))
        return;
    table_text(r, "\n");
    cmd_page_table_in(r, &t, NULL, SHAPE_LIST);
    cmd_page_row(&t, &x->page);
    table_end(&t, 0);
}

static void emit(struct session *s, const struct pt_walk *w, uint64_t pid, bool user, const struct vtop_extra *x)
{
    struct table r;
    record_begin(s, &r, vtop_cols);
    put_translation(&r, w, pid, user);
    put_levels(&r, w);
    if (w->result == PT_MAPPED)
        put_leaf(&r, w);
    if (w->result == PT_SWAP)
        put_swap(&r, w);
    put_extra(&r, x, user);
    record_end(&r, 0);
}

static void gather_extra(struct session *s, const struct pt_walk *w, uint64_t mm, struct vtop_extra *x)
{
    memset(x, 0, sizeof *x);
    uint64_t page;
    if (mm)
        x->has_vma = find_vma(&s->k, mm, w->vaddr, &x->vma, NULL) == 1;
    /* A page outside mem_map (device memory such as the fixmap's APIC page) simply has no line. */
    if (w->result == PT_MAPPED && pfn_to_page(&s->k, w->paddr >> KS_PAGE_SHIFT, &page, NULL) == 0)
        x->has_page = page_info_read(&s->k, page, &x->page, NULL) == 0;
}

static int resolve_context(struct session *s, const char *ctx, uint64_t *mm, uint64_t *pid, ks_err *err)
{
    uint64_t task = s->context_task;
    if (ctx && cmd_parse_task(s, ctx, &task, err))
        return -1;
    if (!task)
        return ks_fail(err, "a user address needs a task: use -c PID or `set PID`");
    if (task_pid(&s->k, task, pid, err) || task_mm(&s->k, task, mm, err))
        return -1;
    if (!*mm)
        return ks_fail(err, "PID %llu is a kernel thread: no user address space", (unsigned long long)*pid);
    return 0;
}

static int parse_vtop(int argc, char **argv, struct vtop_args *a, ks_err *err)
{
    memset(a, 0, sizeof *a);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-u"))
            a->force_user = true;
        else if (!strcmp(argv[i], "-k"))
            a->force_kernel = true;
        else if (!strcmp(argv[i], "-c") && i + 1 < argc)
            a->ctx = argv[++i];
        else
            return ks_fail(err, "unknown option %s", argv[i]);
    }
    if (i == argc)
        return ks_fail(err, "usage: vtop [-c PID|TASK] [-u|-k] ADDRESS...");
    a->first_addr = i;
    return 0;
}

static int run_vtop(struct session *s, int argc, char **argv)
{
    struct vtop_args a;
    ks_err err;
    if (parse_vtop(argc, argv, &a, &err))
        return cmd_fail_err(s, argv[0], &err);
    int rc = 0;
    for (int i = a.first_addr; i < argc; i++) {
        uint64_t vaddr, mm = 0, pid = 0;
        struct pt_walk w;
        if (cmd_parse_addr(s, argv[i], &vaddr, &err)) {
            rc = cmd_fail_err(s, argv[0], &err);
            continue;
        }
        bool user = a.force_user || a.ctx || (!a.force_kernel && vaddr < s->k.page_offset);
        if (user && resolve_context(s, a.ctx, &mm, &pid, &err)) {
            rc = cmd_fail_err(s, argv[0], &err);
            continue;
        }
        int r = user ? uvtop_walk(&s->k, mm, vaddr, &w, &err) : kvtop_walk(&s->k, vaddr, &w, &err);
        if (r) {
            rc = cmd_fail_err(s, argv[0], &err);
            continue;
        }
        struct vtop_extra x;
        gather_extra(s, &w, user ? mm : 0, &x);
        if (i > a.first_addr && !s->json)
            fputc('\n', s->out);
        emit(s, &w, pid, user, &x);
    }
    return rc;
}

const struct command cmd_vtop = {
    "vtop",
    "vtop [-c PID|TASK] [-u|-k] ADDRESS...",
    "translate a virtual address, showing each page-table level",
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

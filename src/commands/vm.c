/*
 * vm — a task's address space, as crash shows it: the task, its MM, PGD, RSS and TOTAL_VM, then one
 * line per VMA (VMA START END FLAGS FILE). FILE is the mapped file's path, or [heap], [stack],
 * [vdso] as /proc/PID/maps names them.
 *   vm [-p] [PID|TASK]        -p: every page of every VMA, with its physical address
 */
#include <inttypes.h>
#include <string.h>

#include "../mm/task.h"
#include "../mm/vma.h"
#include "../output/output.h"
#include "commands.h"
#include "mem_usage.h"

struct vm_ctx {
    struct session *s;
    uint64_t pgd_paddr;
    bool pages;
    struct table vmas;
};

/* The address space's size, under the task line: MM PGD RSS TOTAL_VM. */
static const struct column mm_cols[] = {
    COL_ADDR("   MM", "mm", 0, 8),
    COL_ADDR("       PGD", "pgd", 2, 8),
    COL_KB("      RSS", "rss_kb", 2, 5),
    COL_KB("    TOTAL_VM", "total_vm_kb", 2, 7),
};

static void page_lines(struct vm_ctx *c, const struct vma_info *v)
{
    struct table *t = &c->vmas;
    table_text(t, "VIRTUAL   PHYSICAL\n");
    for (uint64_t va = v->start; va < v->end; va += KS_PAGE_SIZE) {
        struct pt_walk w;
        ks_err err;
        if (kpt_walk(&c->s->k, c->pgd_paddr, va, &w, &err)) {
            table_text(t, "%-8" PRIx64 "  (%s)\n", va, err.msg);
            continue;
        }
        if (w.result == PT_MAPPED)
            table_text(t, "%-8" PRIx64 "  %" PRIx64 "\n", va, w.paddr);
        else if (w.result == PT_SWAP)
            table_text(t, "%-8" PRIx64 "  (swap type %" PRIu64 " offset %" PRIx64 ")\n", va, w.swap_type, w.swap_offset);
        else
            table_text(t, "%-8" PRIx64 "  (not mapped)\n", va);
    }
}

static int show_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vm_ctx *c = arg;
    (void)k;
    cmd_vma_row(&c->vmas, v, true);
    if (c->pages && !table_is_json(&c->vmas))
        page_lines(c, v);
    return 0;
}

static int resolve_task(struct session *s, const char *arg, uint64_t *task, ks_err *err)
{
    if (!arg) {
        if (!s->context_task)
            return ks_fail(err, "no task context: give a PID or `set PID` first");
        *task = s->context_task;
        return 0;
    }
    return cmd_parse_task(s, arg, task, err);
}

static int run_vm(struct session *s, int argc, char **argv)
{
    struct vm_ctx c = {.s = s};
    const char *who = NULL;
    bool memory = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p"))
            c.pages = true;
        else if (!strcmp(argv[i], "-m"))
            memory = true;
        else if (!who)
            who = argv[i];
        else
            return cmd_fail(s, argv[0], "one task at a time");
    }
    uint64_t task, pgd;
    struct task_info ti;
    ks_err err;
    if (resolve_task(s, who, &task, &err) || task_info_read(&s->k, task, &ti, &err))
        return cmd_fail_err(s, argv[0], &err);
    if (memory && c.pages)
        return cmd_fail(s, argv[0], "-m or -p, not both");
    if (memory)
        return vm_memory(s, argv[0], task);
    if (ti.mm &&
        (kread_member(&s->k, ti.mm, "struct mm_struct", "pgd", &pgd, &err) || mm_pgd_paddr(&s->k, ti.mm, &c.pgd_paddr, &err)))
        return cmd_fail_err(s, argv[0], &err);
    struct table r, mm;
    cmd_task_record(s, &r, &ti);
    if (!ti.mm && !s->json) {
        table_text(&r, "(a kernel thread: no user address space)\n");
        return record_end(&r, 0);
    }
    table_begin_in(&r, &mm, NULL, mm_cols);
    row_begin(&mm);
    put_u(&mm, "mm", ti.mm);
    if (ti.mm)
        put_u(&mm, "pgd", pgd);
    else
        put_null(&mm, "pgd");
    put_u(&mm, "rss_kb", ti.rss * 4);
    put_u(&mm, "total_vm_kb", ti.total_vm * 4);
    row_end(&mm);
    table_end(&mm, 0);
    cmd_vma_table_in(&r, &c.vmas, "vmas", SHAPE_LIST);
    if (c.pages)
        table_set_header(&c.vmas, HEADER_EACH_ROW); /* each VMA heads its own page list */
    int rc = ti.mm ? for_each_vma(&s->k, ti.mm, show_vma, &c, &err) : 0;
    table_end(&c.vmas, rc);
    return record_end(&r, rc) ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_vm = {
    "vm",
    "vm [-p|-m] [PID|TASK]",
    "a task's address space: its VMAs, files, and (-p) pages",
    "Header: PID, TASK, CPU, COMMAND; then MM (mm_struct), PGD (its page directory), RSS and TOTAL_VM.\n"
    "Then one line per VMA, in address order: VMA (vm_area_struct), START, END, FLAGS (vm_flags, hex),\n"
    "FILE (the mapped file's path, or [heap], [stack], [vdso], [vvar] as /proc/PID/maps says).\n"
    "VMAs come from the maple tree (6.1+) or the vm_next list (older kernels), as the DWARF shows.\n"
    "-p: each page of each VMA with its physical address, \"not mapped\", or its swap entry.\n"
    "-m: per VMA, the pages its page tables map: RSS, PSS, USS, ANON, FILE, SHMEM and SWAP in KB, counted\n"
    "as /proc/PID/smaps counts them (see ps -m), then the whole address space's sums under MM.\n"
    "Without PID|TASK, the task chosen with `set`.\n"
    "JSON: {\"pid\",\"task\",\"comm\",\"mm\",\"pgd\",\"rss_kb\",\"total_vm_kb\",\"vmas\":[{\"vma\",\"start\",\"end\",\n"
    "\"flags\",\"perms\",\"offset\",\"file\"}]}; -m {\"pid\",\"task\",\"comm\",\"vmas\":[{\"vma\",\"start\",\"end\",\n"
    "\"rss_kb\",\"pss_kb\",\"uss_kb\",\"anon_kb\",\"file_kb\",\"shmem_kb\",\"swap_kb\",\"file\"}],\"mm\", the same sums}",
    run_vm,
};

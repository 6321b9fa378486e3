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
#include "commands.h"

struct vm_ctx {
    struct session *s;
    uint64_t mm, pgd_paddr;
    bool pages;
    struct json *j;
};

static void page_lines(struct vm_ctx *c, const struct vma_info *v)
{
    FILE *o = c->s->out;
    fprintf(o, "VIRTUAL   PHYSICAL\n");
    for (uint64_t va = v->start; va < v->end; va += KS_PAGE_SIZE) {
        struct pt_walk w;
        ks_err err;
        if (pt_walk(c->s->k.paging, &c->s->k.mem, c->pgd_paddr, va, &w, &err)) { fprintf(o, "%-8" PRIx64 "  (%s)\n", va, err.msg); continue; }
        if (w.result == PT_MAPPED) fprintf(o, "%-8" PRIx64 "  %" PRIx64 "\n", va, w.paddr);
        else if (w.result == PT_SWAP) fprintf(o, "%-8" PRIx64 "  (swap type %" PRIu64 " offset %" PRIx64 ")\n", va, w.swap_type, w.swap_offset);
        else fprintf(o, "%-8" PRIx64 "  (not mapped)\n", va);
    }
}

static int show_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vm_ctx *c = arg;
    (void)k;
    if (c->j) {
        json_obj_begin(c->j, NULL);
        json_hex(c->j, "vma", v->vma);
        json_hex(c->j, "start", v->start);
        json_hex(c->j, "end", v->end);
        json_hex(c->j, "flags", v->flags);
        json_str(c->j, "perms", v->perms);
        json_hex(c->j, "offset", v->file ? v->pgoff << KS_PAGE_SHIFT : 0);
        json_str(c->j, "file", v->name[0] ? v->name : NULL);
        json_obj_end(c->j);
        return 0;
    }
    if (c->pages) fprintf(c->s->out, "  VMA       START      END    FLAGS FILE\n");
    fprintf(c->s->out, "%8" PRIx64 "  %8" PRIx64 "  %8" PRIx64 " %6" PRIx64 " %s\n", v->vma, v->start, v->end, v->flags, v->name);
    if (c->pages) page_lines(c, v);
    return 0;
}

static int resolve_task(struct session *s, const char *arg, uint64_t *task, ks_err *err)
{
    if (!arg) {
        if (!s->context_task) return ks_fail(err, "no task context: give a PID or `set PID` first");
        *task = s->context_task;
        return 0;
    }
    return cmd_parse_task(s, arg, task, err);
}

static int run_vm(struct session *s, int argc, char **argv)
{
    struct vm_ctx c = { .s = s };
    const char *who = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p")) c.pages = true;
        else if (!who) who = argv[i];
        else return cmd_fail(s, argv[0], "one task at a time");
    }
    uint64_t task, pgd;
    struct task_info ti;
    ks_err err;
    if (resolve_task(s, who, &task, &err) || task_info_read(&s->k, task, &ti, &err)) return cmd_fail(s, argv[0], "%s", err.msg);
    c.mm = ti.mm;
    if (ti.mm && (kread_member(&s->k, ti.mm, "struct mm_struct", "pgd", &pgd, &err) || mm_pgd_paddr(&s->k, ti.mm, &c.pgd_paddr, &err)))
        return cmd_fail(s, argv[0], "%s", err.msg);
    struct json j;
    if (s->json) {
        json_init(&j);
        json_obj_begin(&j, NULL);
        json_uint(&j, "pid", ti.pid);
        json_hex(&j, "task", ti.task);
        json_str(&j, "comm", ti.comm);
        json_hex(&j, "mm", ti.mm);
        if (ti.mm) json_hex(&j, "pgd", pgd); else json_null(&j, "pgd");
        json_uint(&j, "rss_kb", ti.rss * 4);
        json_uint(&j, "total_vm_kb", ti.total_vm * 4);
        json_arr_begin(&j, "vmas");
        c.j = &j;
    } else {
        fprintf(s->out, "PID: %-6" PRIu64 " TASK: %" PRIx64 "  CPU: %-3u COMMAND: \"%s\"\n", ti.pid, ti.task, ti.cpu, ti.comm);
        if (!ti.mm) { fprintf(s->out, "(a kernel thread: no user address space)\n"); return 0; }
        fprintf(s->out, "   MM       PGD      RSS    TOTAL_VM\n%8" PRIx64 "  %8" PRIx64 "  %5" PRIu64 "k  %7" PRIu64 "k\n",
                ti.mm, pgd, ti.rss * 4, ti.total_vm * 4);
        if (!c.pages) fprintf(s->out, "  VMA       START      END    FLAGS FILE\n");
    }
    int rc = ti.mm ? for_each_vma(&s->k, ti.mm, show_vma, &c, &err) : 0;
    if (s->json) { json_arr_end(&j); json_obj_end(&j); if (!rc) cmd_json_emit(s, &j); json_free(&j); }
    return rc ? cmd_fail(s, argv[0], "%s", err.msg) : 0;
}

const struct command cmd_vm = {
    "vm", "vm [-p] [PID|TASK]", "a task's address space: its VMAs, files, and (-p) pages",
    "Header: PID, TASK, CPU, COMMAND; then MM (mm_struct), PGD (its page directory), RSS and TOTAL_VM.\n"
    "Then one line per VMA, in address order: VMA (vm_area_struct), START, END, FLAGS (vm_flags, hex),\n"
    "FILE (the mapped file's path, or [heap], [stack], [vdso], [vvar] as /proc/PID/maps says).\n"
    "VMAs come from the maple tree (6.1+) or the vm_next list (older kernels), as the DWARF shows.\n"
    "-p: each page of each VMA with its physical address, \"not mapped\", or its swap entry.\n"
    "Without PID|TASK, the task chosen with `set`.\n"
    "JSON: {\"pid\",\"task\",\"comm\",\"mm\",\"pgd\",\"rss_kb\",\"total_vm_kb\",\"vmas\":[{\"vma\",\"start\",\"end\",\n"
    "\"flags\",\"perms\",\"offset\",\"file\"}]}",
    run_vm,
};

/* Code address -> file:line through .debug_aranges and .debug_line (see lines.h). */
#include "lines.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_priv.h"

#define MAX_ROWS_PER_CU 4000000u

struct arange {
    uint64_t start, len, cu;
};

struct line_row {
    uint64_t addr;
    uint32_t line, file; /* file: index into the CU's file names */
    bool end;            /* the end of a sequence: no code from here */
};

struct cu_lines {
    uint64_t cu;
    struct line_row *rows;
    size_t nrows;
    char **files;
    size_t nfiles;
    int status; /* 0, or -1: the CU has no usable line table */
};

struct kd_lines {
    struct arange *ar;
    size_t nar;
    int status;
    struct cu_lines *cus;
    size_t ncus;
};

static int by_start(const void *a, const void *b)
{
    const struct arange *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int by_addr(const void *a, const void *b)
{
    const struct line_row *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (int)y->end - (int)x->end; /* an end of sequence before the next one's start */
}

static int load_aranges(struct kdwarf *kd, struct kd_lines *l, ks_err *err)
{
    Dwarf_Arange *ar = NULL;
    Dwarf_Signed n = 0;
    if (dwarf_get_aranges(kd->dbg, &ar, &n, NULL) != DW_DLV_OK || n <= 0)
        return ks_fail(err, "the vmlinux has no .debug_aranges: code addresses cannot be mapped to lines");
    l->ar = xcalloc((size_t)n, sizeof *l->ar);
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Unsigned seg, segsz, len;
        Dwarf_Addr start;
        Dwarf_Off cu;
        if (dwarf_get_arange_info_b(ar[i], &seg, &segsz, &start, &len, &cu, NULL) == DW_DLV_OK && len)
            l->ar[l->nar++] = (struct arange){start, len, cu};
        dwarf_dealloc(kd->dbg, ar[i], DW_DLA_ARANGE);
    }
    dwarf_dealloc(kd->dbg, ar, DW_DLA_LIST);
    qsort(l->ar, l->nar, sizeof *l->ar, by_start);
    return 0;
}

static const struct arange *arange_of(const struct kd_lines *l, uint64_t addr)
{
    size_t lo = ks_count_le(l->ar, l->nar, sizeof *l->ar, offsetof(struct arange, start), addr);
    /* Ranges of different CUs do not overlap; search back a little for a containing one. */
    for (size_t i = lo; i > 0 && lo - i < 64; i--)
        if (addr < l->ar[i - 1].start + l->ar[i - 1].len)
            return &l->ar[i - 1];
    return NULL;
}

/* File names are interned per CU: dwarf_linesrc returns a fresh copy for every row. */
static uint32_t intern_file(struct cu_lines *c, struct hashmap *names, const char *name)
{
    uint64_t idx;
    if (hm_get(names, name, &idx))
        return (uint32_t)idx;
    c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles] = xstrdup(name);
    hm_put(names, name, c->nfiles);
    return (uint32_t)c->nfiles++;
}

static int read_rows(struct kdwarf *kd, struct cu_lines *c, Dwarf_Line *lines, Dwarf_Signed n)
{
    struct hashmap names;
    hm_init(&names);
    c->rows = xcalloc((size_t)n, sizeof *c->rows);
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Addr addr;
        Dwarf_Unsigned lineno;
        Dwarf_Bool end = 0;
        char *src = NULL;
        if (dwarf_lineaddr(lines[i], &addr, NULL) != DW_DLV_OK || dwarf_lineno(lines[i], &lineno, NULL) != DW_DLV_OK)
            continue;
        dwarf_lineendsequence(lines[i], &end, NULL);
        uint32_t file = 0;
        if (dwarf_linesrc(lines[i], &src, NULL) == DW_DLV_OK) {
            file = intern_file(c, &names, src);
            dwarf_dealloc(kd->dbg, src, DW_DLA_STRING);
        }
        c->rows[c->nrows++] = (struct line_row){.addr = addr, .line = (uint32_t)lineno, .file = file, .end = end};
    }
    hm_free(&names);
    qsort(c->rows, c->nrows, sizeof *c->rows, by_addr);
    return c->nfiles ? 0 : -1;
}

static void load_cu(struct kdwarf *kd, struct cu_lines *c)
{
    Dwarf_Die die = NULL;
    Dwarf_Unsigned version;
    Dwarf_Small tables;
    Dwarf_Line_Context ctx = NULL;
    Dwarf_Line *lines = NULL;
    Dwarf_Signed n = 0;
    c->status = -1;
    if (dwarf_offdie_b(kd->dbg, c->cu, 1, &die, NULL) != DW_DLV_OK)
        return;
    if (dwarf_srclines_b(die, &version, &tables, &ctx, NULL) == DW_DLV_OK) {
        if (dwarf_srclines_from_linecontext(ctx, &lines, &n, NULL) == DW_DLV_OK && n > 0 && n < MAX_ROWS_PER_CU)
            c->status = read_rows(kd, c, lines, n);
        dwarf_srclines_dealloc_b(ctx);
    }
    dwarf_dealloc(kd->dbg, die, DW_DLA_DIE);
}

static struct cu_lines *cu_lines_of(struct kdwarf *kd, struct kd_lines *l, uint64_t cu)
{
    for (size_t i = 0; i < l->ncus; i++)
        if (l->cus[i].cu == cu)
            return &l->cus[i];
    l->cus = xrealloc(l->cus, (l->ncus + 1) * sizeof *l->cus);
    struct cu_lines *c = memset(&l->cus[l->ncus++], 0, sizeof *c);
    c->cu = cu;
    load_cu(kd, c);
    return c;
}

/* The row that covers addr: the last one at or below it, if no sequence ended in between. */
static const struct line_row *row_at(const struct cu_lines *c, uint64_t addr)
{
    size_t lo = ks_count_le(c->rows, c->nrows, sizeof *c->rows, offsetof(struct line_row, addr), addr);
    return lo && !c->rows[lo - 1].end ? &c->rows[lo - 1] : NULL;
}

int kd_cu_at(struct kdwarf *kd, uint64_t link_addr, uint64_t *cu_die, ks_err *err)
{
    if (!kd)
        return ks_fail(err, "no DWARF");
    if (kd_need_dwarf(kd, err))
        return -1;
    if (!kd->lines) {
        kd->lines = xcalloc(1, sizeof *kd->lines);
        kd->lines->status = load_aranges(kd, kd->lines, err);
    }
    if (kd->lines->status)
        return ks_fail(err, "the vmlinux has no usable .debug_aranges");
    const struct arange *a = arange_of(kd->lines, link_addr);
    if (!a)
        return ks_fail(err, "no compile unit holds %#llx", (unsigned long long)link_addr);
    *cu_die = a->cu;
    return 0;
}

int kdwarf_line_at(struct kdwarf *kd, uint64_t link_addr, char *file, size_t filesz, unsigned *line, ks_err *err)
{
    uint64_t cu;
    if (kd_cu_at(kd, link_addr, &cu, err))
        return -1;
    const struct cu_lines *c = cu_lines_of(kd, kd->lines, cu);
    const struct line_row *r = c->status ? NULL : row_at(c, link_addr);
    if (!r)
        return ks_fail(err, "no line table row for %#llx", (unsigned long long)link_addr);
    snprintf(file, filesz, "%s", r->file < c->nfiles ? c->files[r->file] : "?");
    *line = r->line;
    return 0;
}

void kd_lines_free(struct kd_lines *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->ncus; i++) {
        for (size_t f = 0; f < l->cus[i].nfiles; f++)
            free(l->cus[i].files[f]);
        free(l->cus[i].files);
        free(l->cus[i].rows);
    }
    free(l->cus);
    free(l->ar);
    free(l);
}

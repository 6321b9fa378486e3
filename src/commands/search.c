/*
 * search — memory searched for values or strings, in crash's form:
 *   search [-k | -u | -p] [-s START] [-e END | -l LENGTH] [-m MASK] [-h | -w] VALUE...
 *   search [-k | -u | -p] [-s START] [-e END | -l LENGTH] -c STRING...
 * Each match is one line "ADDRESS: VALUE" (the virtual address in the space searched, the
 * physical one with -p). The scan itself is kernel/search.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/search.h"
#include "../mm/task.h"
#include "../output/output.h"
#include "commands.h"

static const struct column match_cols[] = {
    COL_TEXT(CT_STR, "", "at", 0, 0),
    COL_JSON(CT_HEX, "vaddr"),
    COL_JSON(CT_HEX, "paddr"),
    COL_S("", "value", 1, 0),
};

struct search_out {
    struct session *s;
    struct table t;
    const struct search_req *r;
    bool show_progress;
    unsigned last_percent;
};

static int print_match(const struct search_match *m, void *arg)
{
    struct search_out *o = arg;
    char at[24], text[600], json[32];
    bool physical = o->r->space == SEARCH_PHYSICAL;
    snprintf(at, sizeof at, "%" PRIx64 ":", m->addr);
    row_begin(&o->t);
    put_s(&o->t, "at", at);
    if (physical)
        put_null(&o->t, "vaddr");
    else
        put_u(&o->t, "vaddr", m->addr);
    put_u(&o->t, "paddr", m->paddr);
    if (o->r->nstrings) {
        put_s(&o->t, "value", o->r->strings[m->target]);
    } else {
        snprintf(text, sizeof text, "%0*" PRIx64, (int)o->r->width * 2, m->value);
        snprintf(json, sizeof json, "0x%" PRIx64, m->value);
        put_s_as(&o->t, "value", json, text);
    }
    row_end(&o->t);
    return 0;
}

/* Whole-memory searches take a while: a percentage on the terminal, never in batch output. */
static void show_progress(unsigned permille, void *arg)
{
    struct search_out *o = arg;
    unsigned percent = permille / 10;
    if (!o->show_progress || percent == o->last_percent)
        return;
    o->last_percent = percent;
    fprintf(stderr, "\rsearch: %u%%", percent);
    fflush(stderr);
}

struct search_args {
    struct search_req r;
    bool have_start, have_end, have_length, strings;
    uint64_t length;
};

static int number(struct session *s, const char *opt, const char *arg, uint64_t *v)
{
    ks_err err;
    if (!arg)
        return cmd_fail(s, "search", "%s needs a value", opt);
    if (cmd_parse_addr(s, arg, v, &err))
        return cmd_fail(s, "search", "%s %s: %s", opt, arg, err.msg);
    return 0;
}

static int option(struct session *s, struct search_args *a, char **argv, int *i)
{
    const char *o = argv[*i];
    if (!strcmp(o, "-k") || !strcmp(o, "-u") || !strcmp(o, "-p")) {
        a->r.space = o[1] == 'k' ? SEARCH_KERNEL : o[1] == 'u' ? SEARCH_USER : SEARCH_PHYSICAL;
        return 0;
    }
    if (!strcmp(o, "-h") || !strcmp(o, "-w")) {
        a->r.width = o[1] == 'h' ? 2 : 4;
        return 0;
    }
    if (!strcmp(o, "-c")) {
        a->strings = true;
        return 0;
    }
    uint64_t *slot = !strcmp(o, "-s")   ? &a->r.start
                     : !strcmp(o, "-e") ? &a->r.end
                     : !strcmp(o, "-l") ? &a->length
                     : !strcmp(o, "-m") ? &a->r.mask
                                        : NULL;
    if (!slot)
        return cmd_fail(s, "search", "unknown option %s", o);
    a->have_start |= slot == &a->r.start;
    a->have_end |= slot == &a->r.end;
    a->have_length |= slot == &a->length;
    (*i)++;
    return number(s, o, argv[*i], slot);
}

static int target(struct session *s, struct search_args *a, char *word)
{
    if (a->r.nvalues + a->r.nstrings == SEARCH_MAX_TARGETS)
        return cmd_fail(s, "search", "at most %d values or strings at once", SEARCH_MAX_TARGETS);
    if (a->strings) {
        a->r.strings[a->r.nstrings++] = word;
        return 0;
    }
    return number(s, "value", word, &a->r.values[a->r.nvalues++]);
}

/* Where each space starts and ends unless -s/-e/-l say otherwise. */
static int set_range(struct session *s, struct search_args *a)
{
    struct kernel *k = &s->k;
    uint64_t lo = 0, hi = 1ull << 32;
    if (a->r.space == SEARCH_KERNEL)
        lo = k->page_offset;
    else if (a->r.space == SEARCH_USER)
        hi = k->page_offset;
    else
        hi = k->dump->max_pfn << KS_PAGE_SHIFT;
    if (!a->have_start)
        a->r.start = lo;
    if (a->have_length && a->have_end)
        return cmd_fail(s, "search", "-e and -l both say where to stop: give one");
    if (a->have_length)
        a->r.end = a->r.start + a->length;
    else if (!a->have_end)
        a->r.end = hi;
    return 0;
}

static int user_space(struct session *s, struct search_req *r)
{
    ks_err err;
    if (!s->context_task)
        return cmd_fail(s, "search", "-u searches the current task: choose one with `set PID`");
    if (task_mm(&s->k, s->context_task, &r->mm, &err))
        return cmd_fail_err(s, "search", &err);
    if (!r->mm)
        return cmd_fail(s, "search", "the current task is a kernel thread: it has no user memory");
    return 0;
}

static int parse(struct session *s, int argc, char **argv, struct search_args *a)
{
    a->r.width = 4;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && !a->strings ? option(s, a, argv, &i) : target(s, a, argv[i]))
            return 1;
    if (!a->r.nvalues && !a->r.nstrings)
        return cmd_fail(s, argv[0], "usage: %s", cmd_search.usage);
    if (a->r.space == SEARCH_USER && user_space(s, &a->r))
        return 1;
    return set_range(s, a);
}

static int run_search(struct session *s, int argc, char **argv)
{
    struct search_args a = {0};
    if (parse(s, argc, argv, &a))
        return 1;
    struct search_out o = {.s = s, .r = &a.r, .last_percent = ~0u};
    o.show_progress = !s->batch && !s->json && isatty(STDERR_FILENO);
    struct search_sink sink = {.match = print_match, .progress = show_progress, .arg = &o};
    table_begin(s, &o.t, "matches", match_cols);
    table_set_header(&o.t, HEADER_NONE);
    ks_err err;
    int rc = memory_search(&s->k, &a.r, &sink, &err);
    if (o.show_progress)
        fprintf(stderr, "\r%20s\r", "");
    rc = table_end(&o.t, rc);
    return rc ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_search = {
    "search",
    "search [-k|-u|-p] [-s START] [-e END|-l LENGTH] [-m MASK] [-h|-w] VALUE... | -c STRING...",
    "search memory for values or strings",
    "Scans one address space for each VALUE (symbols, hex as crash reads it, 0x.., or decimal with a d\n"
    "suffix) or, with -c, each STRING (the words after -c):\n"
    "  -k  kernel virtual memory, through the kernel's page tables (the default: PAGE_OFFSET to 4 GB)\n"
    "  -u  the current task's user memory (`set PID`), VMA by VMA through its own page tables\n"
    "  -p  physical memory, every frame the dump holds\n"
    "  -s START, -e END or -l LENGTH narrow the range; -m MASK ignores the bits set in MASK;\n"
    "  -h searches 16-bit values, -w 32-bit ones (the default, i386's word).\n"
    "Values are compared at their own alignment; a string may cross a page boundary where the pages\n"
    "are contiguous in the space searched. Only memory the dump holds is read; unmapped ranges are\n"
    "skipped a page-table entry at a time. On a terminal a percentage shows the progress.\n"
    "Output: one line per match, ADDRESS: VALUE (ADDRESS virtual in the space searched; physical\n"
    "with -p). At most 100000 matches.\n"
    "JSON: {\"matches\":[{\"vaddr\" (null with -p),\"paddr\",\"value\" (\"0x..\", or the string)}]}",
    run_search,
};

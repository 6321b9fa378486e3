/*
 * list — the entries of a kernel linked list, as crash's `list` walks them:
 *   list [-o OFFSET | STRUCT.MEMBER] [-h | -H] [-r] [-s STRUCT[.MEMBER,...]] START
 * STRUCT.MEMBER names where the link sits in each entry; its DWARF type says how the list is made:
 * a struct list_head (-h: START is an entry holding one; -H: START is a list_head standing alone,
 * such as `modules`), an hlist_node (-H: START is the hlist_head), or a pointer to the next entry
 * (a singly linked list starting at the entry START). The walk is klist.c's: bounded, cycles named.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/klist.h"
#include "../output/output.h"
#include "commands.h"

#define LIST_MAX_ENTRIES 1000000

enum link_kind { LINK_OFFSET, LINK_LIST_HEAD, LINK_HLIST, LINK_POINTER };

struct list_args {
    enum link_kind kind;
    uint64_t offset;
    bool entry_start, head_start, reverse; /* -h, -H, -r */
    const char *link_name;                 /* STRUCT.MEMBER as given, for messages */
    struct entry_show show;                /* -s */
    uint64_t start;
};

/* STRUCT.MEMBER: the member's offset and what kind of link it is. */
static int resolve_link(struct session *s, const char *spec, struct list_args *a, ks_err *err)
{
    char name[256];
    snprintf(name, sizeof name, "%s", spec);
    char *dot = strchr(name, '.');
    if (!dot)
        return ks_fail(err, "%s: not STRUCT.MEMBER", spec);
    *dot = 0;
    struct ktype *t = kdwarf_type_any(s->k.dwarf, name), *mt;
    if (!t)
        return ks_fail(err, "no type %s", name);
    if (kt_member_path(s->k.dwarf, t, dot + 1, &a->offset, &mt, NULL, err))
        return -1;
    struct ktype *st = kt_strip(mt);
    a->link_name = spec;
    if (st && st->kind == KT_STRUCT && st->name && !strcmp(st->name, "list_head"))
        a->kind = LINK_LIST_HEAD;
    else if (st && st->kind == KT_STRUCT && st->name && !strcmp(st->name, "hlist_node"))
        a->kind = LINK_HLIST;
    else if (st && st->kind == KT_POINTER)
        a->kind = LINK_POINTER;
    else
        return ks_fail(err, "%s is neither a list_head, an hlist_node nor a pointer", spec);
    return 0;
}

static int parse(struct session *s, int argc, char **argv, struct list_args *a, ks_err *err)
{
    const char *start = NULL;
    bool have_link = false; /* a dotted word after the link is START (init_task.tasks) */
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(w, "-h") || !strcmp(w, "-H") || !strcmp(w, "-r")) {
            a->entry_start |= w[1] == 'h';
            a->head_start |= w[1] == 'H';
            a->reverse |= w[1] == 'r';
        } else if (!strcmp(w, "-o") && has_value) {
            w = argv[++i];
            have_link = true;
            if (strchr(w, '.') ? resolve_link(s, w, a, err) : cmd_parse_addr(s, w, &a->offset, err))
                return -1;
        } else if (!strcmp(w, "-s") && has_value) {
            if (entry_show_parse(s, argv[++i], &a->show, err))
                return -1;
        } else if (w[0] == '-') {
            return ks_fail(err, "unknown option %s", w);
        } else if (strchr(w, '.') && !start && !have_link) {
            have_link = true;
            if (resolve_link(s, w, a, err))
                return -1;
        } else if (!start) {
            start = w;
        } else {
            return ks_fail(err, "one START at a time: %s", w);
        }
    }
    if (!start)
        return ks_fail(err, "no START: the first entry, or with -H the list's head");
    if (a->entry_start && a->head_start)
        return ks_fail(err, "-h (START is an entry) and -H (START is the head) exclude each other");
    return entry_parse_start(s, start, &a->start, err);
}

/* How klist_walk follows this list: from the DWARF of the link and what START is. */
static int make_spec(struct session *s, const struct list_args *a, struct klist_spec *sp, ks_err *err)
{
    memset(sp, 0, sizeof *sp);
    sp->max = LIST_MAX_ENTRIES;
    sp->what = a->link_name ? a->link_name : "list";
    bool headed = a->entry_start || a->head_start;
    if (a->kind == LINK_LIST_HEAD && !headed)
        return ks_fail(err, "%s is a list_head: say whether START is an entry (-h) or the list's head (-H)", a->link_name);
    if (a->kind == LINK_POINTER && headed)
        return ks_fail(err, "%s is a pointer to the next entry: START is the first entry, without -h or -H", a->link_name);
    if (a->reverse && a->kind != LINK_LIST_HEAD && !(a->kind == LINK_OFFSET && headed))
        return ks_fail(err, "-r follows a list_head's prev: %s has none", sp->what);
    bool list_head = a->kind == LINK_LIST_HEAD || (a->kind == LINK_OFFSET && headed);
    if (list_head) {
        sp->link_off = a->offset;
        sp->head = a->head_start ? a->start : a->start + a->offset;
        sp->head_is_entry = a->entry_start;
        return a->reverse ? kmember_off(&s->k, "struct list_head", "prev", &sp->next_off, err) : 0;
    }
    sp->null_ends = true;
    if (a->kind == LINK_HLIST) {
        sp->link_off = a->offset;
        sp->head = a->head_start ? a->start : a->start + a->offset;
        sp->head_is_entry = a->entry_start;
        return kmember_off(&s->k, "struct hlist_node", "next", &sp->next_off, err);
    }
    /* A singly linked list: each entry points at the next entry itself. */
    sp->head = a->start;
    sp->head_is_entry = true;
    sp->next_off = a->offset;
    return 0;
}

/* The entries, gathered first: the document lists their addresses, then (-s) their values. */
struct entries {
    uint64_t *addr;
    size_t n, cap;
};

static int gather(struct kernel *k, uint64_t entry, void *arg)
{
    struct entries *e = arg;
    (void)k;
    if (e->n == e->cap)
        e->addr = xrealloc(e->addr, (e->cap = e->cap ? 2 * e->cap : 256) * sizeof *e->addr);
    e->addr[e->n++] = entry;
    return 0;
}

static const struct column doc_cols[] = {
    COL_LIST("entries"),
};
static const struct column address_cols[] = {
    COL_JSON(CT_HEX, "entries"),
};

/* {"entries":["0x...",...]} as issue 11 has it, and with -s "values":[{...},...] in the same order. */
static int show_json(struct session *s, const struct list_args *a, const struct entries *e, ks_err *err)
{
    struct table r, v;
    record_begin(s, &r, doc_cols);
    values_begin_in(&r, &v, "entries", address_cols);
    for (size_t i = 0; i < e->n; i++)
        put_value_u(&v, e->addr[i]);
    table_end(&v, 0);
    int rc = 0;
    if (a->show.type) {
        json_arr_begin(r.j, "values");
        for (size_t i = 0; i < e->n && !rc; i++)
            rc = entry_show_json(&s->k, r.j, NULL, &a->show, e->addr[i], err);
        json_arr_end(r.j);
    }
    return record_end(&r, rc);
}

/* One address a line, each followed (-s) by its struct or members. */
static int show_text(struct session *s, const struct list_args *a, const struct entries *e, ks_err *err)
{
    for (size_t i = 0; i < e->n; i++) {
        fprintf(s->out, "%" PRIx64 "\n", e->addr[i]);
        if (a->show.type && entry_show_text(s, &a->show, e->addr[i], err))
            return -1;
    }
    return 0;
}

static int run_list(struct session *s, int argc, char **argv)
{
    struct list_args a = {.kind = LINK_OFFSET};
    struct klist_spec sp;
    ks_err err;
    if (parse(s, argc, argv, &a, &err) || make_spec(s, &a, &sp, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct entries e = {0};
    int rc = klist_walk(&s->k, &sp, gather, &e, &err);
    /* A broken list still shows the entries before the break, then the error (as crash does). */
    if (!s->json && show_text(s, &a, &e, rc ? NULL : &err) && !rc)
        rc = -1;
    if (s->json && !rc)
        rc = show_json(s, &a, &e, &err);
    free(e.addr);
    return rc ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_list = {
    "list",
    "list [-o OFFSET|STRUCT.MEMBER] [-h|-H] [-r] [-s STRUCT[.MEMBER,...]] START",
    "walk a kernel linked list: list_head, hlist or next pointers",
    "STRUCT.MEMBER (or -o STRUCT.MEMBER, or -o OFFSET in bytes) says where each entry keeps its link;\n"
    "its type in the DWARF says how the list is made:\n"
    "  struct list_head  -h START: START is an entry holding the list_head (it is listed first);\n"
    "                    -H START: START is a list_head of its own (e.g. `modules`), not listed.\n"
    "                    -r walks backwards, through prev.\n"
    "  hlist_node        -H START: START is the hlist_head; -h START: an entry. NULL ends the list.\n"
    "  a pointer         START is the first entry; each points at the next; NULL or START ends it.\n"
    "With -o OFFSET, -h/-H mean a list_head, and no -h/-H a pointer to the next entry. START is a\n"
    "symbol (its address) or an address. -s prints each entry as `struct` does, or with\n"
    "STRUCT.MEMBER,MEMBER only those members. The walk stops after 1000000 entries, and at an entry\n"
    "reached twice (a corrupt list), with one error line.\n"
    "Output: one entry address per line (the struct's, not the link's).\n"
    "JSON: {\"entries\":[\"0x...\",...]} and with -s \"values\":[each entry's struct or members, in order]}",
    run_list,
};

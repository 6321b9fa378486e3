/*
 * tree — the entries of one of the kernel's trees, in crash's form:
 *   tree -t rbtree [-o OFFSET|STRUCT.MEMBER] [-s STRUCT[.MEMBER,...]] [-p] ROOT
 *   tree -t xarray|radix|maple [-s STRUCT[.MEMBER,...]] [-p] ROOT
 * A red-black tree is given by its struct rb_root and lists the structs holding its nodes (node
 * minus the rb_node's offset) in key order; an XArray (the radix tree since 4.20) or a maple tree
 * by its root, listing the entries stored in index order. -p adds each entry's position: the index
 * (XArray), the index range (maple), the place in key order (rbtree). The walks are ktree.c's
 * and maple.c's: bounded, cycles named.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../kernel/ktree.h"
#include "../mm/maple.h"
#include "../output/output.h"
#include "commands.h"

static const struct column entry_cols[] = {
    COL_ADDR("", "address", 0, 0),
    COL_JSON(CT_UNSIGNED, "index"),
    COL_JSON(CT_UNSIGNED, "last"),
    COL_JSON(CT_BOOL, "is_value"),
};

enum tree_kind { TREE_RBTREE, TREE_XARRAY, TREE_MAPLE };

struct tree_args {
    enum tree_kind kind;
    bool have_kind, positions;
    uint64_t offset;
    struct entry_show show;
    uint64_t root;
};

struct tree_out {
    struct session *s;
    struct table t;
    const struct tree_args *a;
    uint64_t position;
    ks_err *err;
};

static int set_kind(const char *name, struct tree_args *a, ks_err *err)
{
    a->have_kind = true;
    if (!strcmp(name, "rbtree"))
        a->kind = TREE_RBTREE;
    else if (!strcmp(name, "xarray") || !strcmp(name, "radix"))
        a->kind = TREE_XARRAY;
    else if (!strcmp(name, "maple"))
        a->kind = TREE_MAPLE;
    else
        return ks_fail(err, "-t %s: the trees are rbtree, xarray (or radix) and maple", name);
    return 0;
}

/* -o OFFSET or STRUCT.MEMBER: where a struct keeps its rb_node. */
static int set_offset(struct session *s, const char *w, struct tree_args *a, ks_err *err)
{
    const char *dot = strchr(w, '.');
    if (!dot)
        return cmd_parse_addr(s, w, &a->offset, err);
    char type[256];
    snprintf(type, sizeof type, "%.*s", (int)(dot - w), w);
    struct ktype *t = kdwarf_type_any(s->k.dwarf, type);
    if (!t)
        return ks_fail(err, "no type %s", type);
    return kt_member_path(s->k.dwarf, t, dot + 1, &a->offset, NULL, NULL, err);
}

static int parse(struct session *s, int argc, char **argv, struct tree_args *a, ks_err *err)
{
    const char *root = NULL;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        bool more = i + 1 < argc;
        int rc = 0;
        if (!strcmp(w, "-t") && more)
            rc = set_kind(argv[++i], a, err);
        else if (!strcmp(w, "-o") && more)
            rc = set_offset(s, argv[++i], a, err);
        else if (!strcmp(w, "-s") && more)
            rc = entry_show_parse(s, argv[++i], &a->show, err);
        else if (!strcmp(w, "-p"))
            a->positions = true;
        else if (w[0] == '-')
            rc = ks_fail(err, "unknown option %s", w);
        else if (!root)
            root = w;
        else
            rc = ks_fail(err, "one ROOT at a time: %s", w);
        if (rc)
            return -1;
    }
    if (!a->have_kind)
        return ks_fail(err, "say which tree with -t rbtree, xarray or maple");
    if (!root)
        return ks_fail(err, "no ROOT: the rb_root, xarray or maple_tree to walk");
    if (a->offset && a->kind != TREE_RBTREE)
        return ks_fail(err, "-o is where a struct keeps its rb_node: only for -t rbtree");
    return entry_parse_start(s, root, &a->root, err);
}

/* Under the entry, for people: its place in the tree (-p), and that it is a value, not a pointer. */
static void show_position_text(struct tree_out *o, uint64_t index, uint64_t last, bool is_value)
{
    if (is_value)
        table_text(&o->t, "  (a value entry, not a pointer)\n");
    if (!o->a->positions)
        return;
    if (o->a->kind == TREE_MAPLE)
        table_text(&o->t, "  range: %" PRIx64 "-%" PRIx64 "\n", index, last);
    else if (o->a->kind == TREE_XARRAY)
        table_text(&o->t, "  index: %" PRIu64 "\n", index);
    else
        table_text(&o->t, "  position: %" PRIu64 "\n", index);
}

static int show_entry(struct tree_out *o, uint64_t address, uint64_t index, uint64_t last, bool is_value)
{
    struct table *t = &o->t;
    row_begin(t);
    put_u(t, "address", address);
    if (o->a->positions)
        put_u(t, "index", index);
    if (o->a->positions && o->a->kind == TREE_MAPLE)
        put_u(t, "last", last);
    if (is_value)
        put_b(t, "is_value", true);
    int rc = 0;
    bool show = o->a->show.type && !is_value;
    if (show && table_is_json(t))
        rc = entry_show_json(&o->s->k, t->j, "value", &o->a->show, address, o->err);
    row_end(t);
    if (!rc && !table_is_json(t))
        show_position_text(o, index, last, is_value);
    if (!rc && show && !table_is_json(t))
        rc = entry_show_text(o->s, &o->a->show, address, o->err);
    return rc ? -1 : 0;
}

static int rb_entry(struct kernel *k, uint64_t node, void *arg)
{
    struct tree_out *o = arg;
    (void)k;
    uint64_t n = o->position++;
    return show_entry(o, node - o->a->offset, n, n, false);
}

static int xa_entry(struct kernel *k, const struct xa_entry *e, void *arg)
{
    (void)k;
    return show_entry(arg, e->entry, e->index, e->index, e->is_value);
}

static int maple_entry(struct kernel *k, uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
    (void)k;
    return show_entry(arg, entry, first, last, false);
}

static int run_tree(struct session *s, int argc, char **argv)
{
    struct tree_args a = {0};
    ks_err err;
    if (parse(s, argc, argv, &a, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct tree_out o = {.s = s, .a = &a, .err = &err};
    table_begin(s, &o.t, "entries", entry_cols);
    table_set_header(&o.t, HEADER_NONE);
    int rc;
    if (a.kind == TREE_RBTREE)
        rc = rbtree_for_each(&s->k, a.root, rb_entry, &o, &err);
    else if (a.kind == TREE_XARRAY)
        rc = xa_for_each(&s->k, a.root, xa_entry, &o, &err);
    else
        rc = mt_for_each_range(&s->k, a.root, maple_entry, &o, &err);
    rc = table_end(&o.t, rc);
    return rc ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_tree = {
    "tree",
    "tree -t rbtree|xarray|radix|maple [-o OFFSET|STRUCT.MEMBER] [-s STRUCT[.MEMBER,...]] [-p] ROOT",
    "walk a kernel tree: red-black, XArray (radix) or maple",
    "ROOT is the tree's root (a symbol, an address, or VARIABLE.MEMBER such as init_mm.mm_mt):\n"
    "  -t rbtree  a struct rb_root; the entries are the structs holding the nodes, in key order: -o\n"
    "             gives where each keeps its rb_node (bytes, or STRUCT.MEMBER; default 0).\n"
    "  -t xarray  a struct xarray (-t radix: the same, the radix tree being one since 4.20); the\n"
    "             entries are the pointers stored, in index order; value entries are marked.\n"
    "  -t maple   a struct maple_tree (mm->mm_mt: the VMAs); the entries are the pointers stored.\n"
    "-p adds each entry's position: its index (xarray), index range (maple) or place in key order\n"
    "(rbtree). -s prints each entry as `struct` does, or only the members named. Walks stop at\n"
    "1000000 nodes, and at a node reached twice, with one error line.\n"
    "Output: one entry per line; with -p a line under it: \"index: N\" (xarray), \"range: FIRST-LAST\"\n"
    "(maple, hex), \"position: N\" (rbtree).\n"
    "JSON: {\"entries\":[{\"address\", \"index\" and (maple) \"last\" with -p, \"is_value\" for value entries,\n"
    "\"value\" with -s}]}",
    run_tree,
};

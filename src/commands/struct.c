/*
 * struct / union — a type's layout, or an object of that type in kernel memory.
 *   struct NAME [-o]                 the members with their types (-o: with byte offsets)
 *   struct NAME ADDRESS              the object at ADDRESS, member by member
 *   struct NAME.m1,m2 ADDRESS        only those members ("m.sub" and "m[3]" paths work)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/printval.h"
#include "commands.h"

static struct ktype *find_type(struct session *s, const char *keyword, const char *name)
{
    char spec[300];
    snprintf(spec, sizeof spec, "%s %s", keyword, name);
    return kdwarf_type_any(s->k.dwarf, spec);
}

/* A layout; an object ("struct NAME {...}"); or chosen members ("  a = VALUE," lines). */
static const struct column struct_cols[] = {
    COL_S("", "type", 0, 0),    COL_JSON(CT_HEX, "address"), COL_VALUE(" ", "value", 0),
    COL_VALUE("", "layout", 0), COL_LIST("members"),
};

static const struct column member_cols[] = {
    COL_S("", "name", 2, 0),
    COL_MORE(CT_RENDERED, " = ", "value", 0, 0, 0, ","),
};

/* One chosen member: a bit-field is read as its number, anything else printed from memory. */
static int put_member(struct table *t, struct ktype *type, const char *name, uint64_t addr, ks_err *err)
{
    struct session *s = t->s;
    uint64_t off, v;
    struct ktype *mt;
    const struct kt_member *m;
    if (kt_member_path(s->k.dwarf, type, name, &off, &mt, &m, err))
        return -1;
    if (m && m->bit_size) {
        char tn[200];
        kt_name(s->k.dwarf, type, tn, sizeof tn);
        if (kread_member(&s->k, addr, tn, name, &v, err))
            return -1;
        put_pair_u(t, name, v);
        return 0;
    }
    struct printval_opts po = {.hex = s->radix == 16};
    struct value_cell cell;
    return put_pair_rendered(t, name, value_cell_at(&cell, &s->k, mt, addr + off, 2, &po), err);
}

static int put_members(struct table *r, struct ktype *type, char *list, uint64_t addr, ks_err *err)
{
    struct table t;
    pairs_begin_in(r, &t, "members", member_cols);
    table_set_style(&t, STYLE_LABELS);
    char *save = NULL;
    int rc = 0;
    for (char *name = strtok_r(list, ",", &save); name && !rc; name = strtok_r(NULL, ",", &save))
        rc = put_member(&t, type, name, addr, err);
    return table_end(&t, rc);
}

/* The object at addr, or only the members listed. */
static int put_object(struct table *r, const char *keyword, const char *tname, struct ktype *t, char *members, uint64_t addr,
                      ks_err *err)
{
    struct session *s = r->s;
    char tn[256], shown[300];
    kt_name(s->k.dwarf, t, tn, sizeof tn);
    snprintf(shown, sizeof shown, "%s %s", keyword, tname);
    put_s_as(r, "type", tn, members ? NULL : shown);
    put_u(r, "address", addr);
    if (members)
        return put_members(r, t, members, addr, err);
    struct printval_opts po = {.hex = s->radix == 16};
    struct value_cell cell;
    int rc = put_rendered(r, "value", value_cell_at(&cell, &s->k, t, addr, 0, &po), err);
    if (rc)
        table_drop_line(r);
    return rc;
}

static int run_struct_like(struct session *s, int argc, char **argv, const char *keyword)
{
    const char *cmd = argv[0];
    bool offsets = false;
    const char *name = NULL, *addr_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o"))
            offsets = true;
        else if (!name)
            name = argv[i];
        else if (!addr_arg)
            addr_arg = argv[i];
        else
            return cmd_fail(s, cmd, "too many arguments");
    }
    if (!name)
        return cmd_fail(s, cmd, "usage: %s", keyword);
    char tname[256], *members = NULL;
    snprintf(tname, sizeof tname, "%s", name);
    char *dot = strchr(tname, '.');
    if (dot) {
        *dot = 0;
        members = dot + 1;
    }
    if (members && !*members)
        return cmd_fail(s, cmd, "%s: no member after the dot (STRUCT.MEMBER[,MEMBER])", name);
    struct ktype *t = find_type(s, keyword, tname);
    if (!t)
        return cmd_fail(s, cmd, "%s %s not found in the vmlinux DWARF", keyword, tname);
    uint64_t addr = 0;
    ks_err err;
    if (addr_arg && cmd_parse_addr(s, addr_arg, &addr, &err))
        return cmd_fail_err(s, cmd, &err);
    struct table r;
    struct layout_cell layout;
    record_begin(s, &r, struct_cols);
    int rc = 0;
    if (!addr_arg)
        put_rendered(&r, "layout", layout_cell(&layout, &s->k, t, offsets, NULL), NULL);
    else
        rc = put_object(&r, keyword, tname, t, members, addr, &err);
    return record_end(&r, rc) ? cmd_fail_err(s, cmd, &err) : 0;
}

static int run_struct(struct session *s, int argc, char **argv)
{
    return run_struct_like(s, argc, argv, "struct");
}
static int run_union(struct session *s, int argc, char **argv)
{
    return run_struct_like(s, argc, argv, "union");
}

#define STRUCT_HELP(KW)                                                                                                          \
    KW " NAME          the layout: each member with its type, and SIZE\n" KW                                                     \
       " NAME -o       the same with each member's byte offset in [brackets]\n" KW                                               \
       " NAME ADDRESS  the object at ADDRESS (a kernel virtual address or symbol)\n" KW                                          \
       " NAME.a,b.c ADDRESS  only members a and b.c of it (m[1][2]: subscripts checked against the bounds)\n"                    \
       "Layouts come from the vmlinux's DWARF. Integers print in decimal unless `set radix 16`.\n"                               \
       "JSON: layout {\"type\",\"size\",\"members\":[{\"name\",\"offset\",\"type\",\"bits\"?}]};\n"                              \
       "object {\"type\",\"address\",\"value\":{...}}; chosen members {\"type\",\"address\",\"members\":{...}}"

const struct command cmd_struct = {"struct", "struct NAME[.MEMBER,...] [-o] [ADDRESS]",
                                   "show a struct's layout, or a struct in memory", STRUCT_HELP("struct"), run_struct};
const struct command cmd_union = {"union", "union NAME[.MEMBER,...] [-o] [ADDRESS]",
                                  "show a union's layout, or a union in memory", STRUCT_HELP("union"), run_union};

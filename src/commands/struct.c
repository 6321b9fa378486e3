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

static int json_members_at(struct session *s, const char *cmd, struct ktype *t, char *list, uint64_t addr, struct json *j)
{
    char *save = NULL;
    json_obj_begin(j, "members");
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        uint64_t off, v;
        struct ktype *mt;
        const struct kt_member *m;
        ks_err err;
        char tn[200];
        kt_name(s->k.dwarf, t, tn, sizeof tn);
        if (kt_member_path(s->k.dwarf, t, name, &off, &mt, &m, &err)) return cmd_fail_err(s, cmd, &err);
        if (m && m->bit_size) {
            if (kread_member(&s->k, addr, tn, name, &v, &err)) return cmd_fail_err(s, cmd, &err);
            json_uint(j, name, v);
        } else if (json_object(&s->k, j, name, mt, addr + off, &err)) {
            return cmd_fail_err(s, cmd, &err);
        }
    }
    json_obj_end(j);
    return 0;
}

static int emit_json(struct session *s, const char *cmd, struct ktype *t, char *members, const char *addr_arg)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    int rc = 0;
    if (!addr_arg) {
        json_layout(&s->k, &j, t);
    } else {
        uint64_t addr;
        ks_err err;
        char tn[256];
        kt_name(s->k.dwarf, t, tn, sizeof tn);
        if (cmd_parse_addr(s, addr_arg, &addr, &err)) { json_free(&j); return cmd_fail_err(s, cmd, &err); }
        json_str(&j, "type", tn);
        json_hex(&j, "address", addr);
        if (members) rc = json_members_at(s, cmd, t, members, addr, &j);
        else if (json_object(&s->k, &j, "value", t, addr, &err)) rc = cmd_fail_err(s, cmd, &err);
    }
    json_obj_end(&j);
    if (!rc) cmd_json_emit(s, &j);
    json_free(&j);
    return rc;
}

static int print_members_at(struct session *s, const char *cmd, struct ktype *t, char *list, uint64_t addr)
{
    struct printval_opts po = { .hex = s->radix == 16 };
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        uint64_t off;
        struct ktype *mt;
        const struct kt_member *m;
        ks_err err;
        if (kt_member_path(s->k.dwarf, t, name, &off, &mt, &m, &err)) return cmd_fail_err(s, cmd, &err);
        fprintf(s->out, "  %s = ", name);
        if (m && m->bit_size) {
            uint64_t v;
            char tn[200];
            kt_name(s->k.dwarf, t, tn, sizeof tn);
            if (kread_member(&s->k, addr, tn, name, &v, &err)) return cmd_fail_err(s, cmd, &err);
            fprintf(s->out, "%" PRIu64, v);
        } else if (print_object(&s->k, s->out, mt, addr + off, 2, &po, &err)) {
            fputc('\n', s->out);
            return cmd_fail_err(s, cmd, &err);
        }
        fputs(",\n", s->out);
    }
    return 0;
}

static int run_struct_like(struct session *s, int argc, char **argv, const char *keyword)
{
    const char *cmd = argv[0];
    bool offsets = false;
    const char *name = NULL, *addr_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) offsets = true;
        else if (!name) name = argv[i];
        else if (!addr_arg) addr_arg = argv[i];
        else return cmd_fail(s, cmd, "too many arguments");
    }
    if (!name) return cmd_fail(s, cmd, "usage: %s", keyword);
    char tname[256], *members = NULL;
    snprintf(tname, sizeof tname, "%s", name);
    char *dot = strchr(tname, '.');
    if (dot) { *dot = 0; members = dot + 1; }
    if (members && !*members) return cmd_fail(s, cmd, "%s: no member after the dot (STRUCT.MEMBER[,MEMBER])", name);
    struct ktype *t = find_type(s, keyword, tname);
    if (!t) return cmd_fail(s, cmd, "%s %s not found in the vmlinux DWARF", keyword, tname);
    if (s->json) return emit_json(s, cmd, t, members, addr_arg);
    if (!addr_arg) {
        print_layout(&s->k, s->out, t, offsets, 0, 0, NULL);
        return 0;
    }
    uint64_t addr;
    ks_err err;
    if (cmd_parse_addr(s, addr_arg, &addr, &err)) return cmd_fail_err(s, cmd, &err);
    if (members) return print_members_at(s, cmd, t, members, addr);
    struct printval_opts po = { .hex = s->radix == 16 };
    fprintf(s->out, "%s %s ", keyword, tname);
    if (print_object(&s->k, s->out, t, addr, 0, &po, &err)) { fputc('\n', s->out); return cmd_fail_err(s, cmd, &err); }
    fputc('\n', s->out);
    return 0;
}

static int run_struct(struct session *s, int argc, char **argv) { return run_struct_like(s, argc, argv, "struct"); }
static int run_union(struct session *s, int argc, char **argv) { return run_struct_like(s, argc, argv, "union"); }

#define STRUCT_HELP(KW)                                                                            \
    KW " NAME          the layout: each member with its type, and SIZE\n"                          \
    KW " NAME -o       the same with each member's byte offset in [brackets]\n"                    \
    KW " NAME ADDRESS  the object at ADDRESS (a kernel virtual address or symbol)\n"               \
    KW " NAME.a,b.c ADDRESS  only members a and b.c of it (m[1][2]: subscripts checked against the bounds)\n" \
    "Layouts come from the vmlinux's DWARF. Integers print in decimal unless `set radix 16`.\n"      \
    "JSON: layout {\"type\",\"size\",\"members\":[{\"name\",\"offset\",\"type\",\"bits\"?}]};\n"     \
    "object {\"type\",\"address\",\"value\":{...}}; chosen members {\"type\",\"address\",\"members\":{...}}"

const struct command cmd_struct = { "struct", "struct NAME[.MEMBER,...] [-o] [ADDRESS]",
                                    "show a struct's layout, or a struct in memory", STRUCT_HELP("struct"), run_struct };
const struct command cmd_union = { "union", "union NAME[.MEMBER,...] [-o] [ADDRESS]",
                                   "show a union's layout, or a union in memory", STRUCT_HELP("union"), run_union };

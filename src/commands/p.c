/*
 * p — print a global variable with its DWARF type, as gdb (and so crash) does:
 *   p jiffies_64            the value
 *   p init_task.comm        a member path inside a variable
 *   p -x VAR                integers in hex
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/printval.h"
#include "../kernel/module_object.h"
#include "commands.h"

static int run_p(struct session *s, int argc, char **argv)
{
    struct printval_opts po = { .hex = s->radix == 16 };
    const char *expr = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-x")) po.hex = true;
        else if (!strcmp(argv[i], "-d")) po.hex = false;
        else if (!expr) expr = argv[i];
        else return cmd_fail(s, argv[0], "one variable at a time");
    }
    if (!expr) return cmd_fail(s, argv[0], "usage: p [-x|-d] VARIABLE[.MEMBER...]");
    char var[256];
    snprintf(var, sizeof var, "%s", expr);
    size_t cut = strcspn(var, ".[");
    const char *path = NULL;
    char rest[256] = "";
    if (var[cut]) {
        snprintf(rest, sizeof rest, "%s", var + cut + (var[cut] == '.'));
        var[cut] = 0;
        path = rest;
        if (expr[cut] == '[') {   /* jiffies[2]-style indexing of an array variable */
            snprintf(rest, sizeof rest, "%s", expr + cut);
        }
    }
    uint64_t addr;
    struct ktype *t;
    ks_err err;
    if (path && path[0] == '[') {
        if (kuser_var_addr(&s->k, var, NULL, &addr, &t, &err)) return cmd_fail(s, argv[0], "%s", err.msg);
        struct ktype *a = kt_strip(t);
        long idx = strtol(path + 1, NULL, 0);
        if (!a || a->kind != KT_ARRAY) return cmd_fail(s, argv[0], "%s is not an array", var);
        addr += (uint64_t)idx * kt_size(a->target);
        t = a->target;
    } else if (kuser_var_addr(&s->k, var, path, &addr, &t, &err)) {
        return cmd_fail(s, argv[0], "%s", err.msg);
    }
    if (s->json) {
        struct json j;
        char tn[256];
        kt_name(s->k.dwarf, t, tn, sizeof tn);
        json_init(&j);
        json_obj_begin(&j, NULL);
        json_str(&j, "expr", expr);
        json_str(&j, "type", tn);
        json_hex(&j, "address", addr);
        int rc = json_object(&s->k, &j, "value", t, addr, &err);
        json_obj_end(&j);
        if (rc == 0) cmd_json_emit(s, &j);
        json_free(&j);
        return rc ? cmd_fail(s, argv[0], "%s", err.msg) : 0;
    }
    fprintf(s->out, "%s = ", expr);
    if (print_object(&s->k, s->out, t, addr, 0, &po, &err)) { fputc('\n', s->out); return cmd_fail(s, argv[0], "%s", err.msg); }
    fputc('\n', s->out);
    return 0;
}

const struct command cmd_p = {
    "p", "p [-x|-d] VARIABLE[.MEMBER...]", "print a kernel variable with its type",
    "Prints a global (or file-static) variable, or a member path inside it, read from the dump and\n"
    "shown with its DWARF type: structs member by member, pointers in hex (function pointers with\n"
    "their symbol), char arrays as strings, enums by name. -x prints integers in hex.\n"
    "JSON: {\"expr\",\"type\",\"address\",\"value\"} (structs as objects, pointers as \"0x..\").",
    run_p,
};

/* whatis NAME — what a name is: a variable's declaration, a type's definition and size, a
 * function's prototype, or an expression's type. */
#include <string.h>

#include "../expr/expr_kernel.h"
#include "../kernel/printval.h"
#include "commands.h"

/* Neither a variable nor a type: a function ("void start_kernel(void)") or an expression's type.
 * decl gets the declaration text; false with err set if the text is not an expression either. */
static bool expression_type(struct session *s, const char *text, char *decl, size_t n, bool *is_function, ks_err *err)
{
    struct expr_kernel kx;
    struct expr_ctx x;
    struct expr_node *root;
    struct expr_value v;
    expr_kernel_init(&kx, &s->k, false);
    expr_init(&x, &kx.env);
    bool ok = expr_parse(&x, text, &root, err) == 0 && expr_eval(&x, root, &v, err) == 0;
    struct ktype *f = ok ? kt_strip(v.type) : NULL;
    *is_function = f && f->kind == KT_FUNC && root->kind == EN_IDENT;
    if (*is_function) {
        char ret[256], params[512];
        kt_name(s->k.dwarf, f->target, ret, sizeof ret);
        kt_func_params(s->k.dwarf, f, params, sizeof params);
        snprintf(decl, n, "%s %s%s", ret, text, params);
    } else if (ok) {
        kt_name(s->k.dwarf, v.type, decl, n);
    }
    expr_free(&x);
    return ok;
}

static int whatis_json(struct session *s, const char *cmd, const char *name, struct ktype *var_type)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_str(&j, "name", name);
    char text[400];
    struct ktype *t = var_type ? var_type : kdwarf_type_any(s->k.dwarf, name), *st = t ? kt_strip(t) : NULL;
    bool is_function;
    ks_err err;
    if (!t && !expression_type(s, name, text, sizeof text, &is_function, &err)) {
        json_free(&j);
        return cmd_fail(s, cmd, "%s is neither a variable, a type, a function nor an expression: %s", name, err.msg);
    }
    if (!t) {
        json_str(&j, "kind", is_function ? "function" : "expression");
        json_str(&j, is_function ? "declaration" : "type", text);
    } else if (var_type) {
        decl_text(&s->k, t, name, text, sizeof text);
        json_str(&j, "kind", "variable");
        json_str(&j, "declaration", text);
    } else if (st && (st->kind == KT_STRUCT || st->kind == KT_UNION)) {
        json_str(&j, "kind", "type");
        json_layout(&s->k, &j, st);
    } else {
        kt_name(s->k.dwarf, st, text, sizeof text);
        json_str(&j, "kind", "type");
        json_str(&j, "type", text);
        json_uint(&j, "size", kt_size(t));
        if (st && st->kind == KT_ENUM) {
            json_arr_begin(&j, "enumerators");
            for (unsigned i = 0; i < st->nenums; i++) {
                json_obj_begin(&j, NULL);
                json_str(&j, "name", st->enums[i].name);
                json_int(&j, "value", st->enums[i].value);
                json_obj_end(&j);
            }
            json_arr_end(&j);
        }
    }
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
    return 0;
}

static int run_whatis(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: whatis VARIABLE|TYPE");
    char name[256] = "";
    for (int i = 1; i < argc; i++) {   /* "whatis struct page" arrives as two words */
        strncat(name, argv[i], sizeof name - strlen(name) - 2);
        if (i + 1 < argc) strcat(name, " ");
    }
    struct ktype *t = kdwarf_var_type_any(s->k.dwarf, name);
    if (s->json) return whatis_json(s, argv[0], name, t);
    if (t) {
        char decl[400];
        decl_text(&s->k, t, name, decl, sizeof decl);
        fprintf(s->out, "%s;\n", decl);
        return 0;
    }
    t = kdwarf_type_any(s->k.dwarf, name);
    if (!t) {
        char decl[800];
        bool is_function;
        ks_err err;
        if (!expression_type(s, name, decl, sizeof decl, &is_function, &err))
            return cmd_fail(s, argv[0], "%s is neither a variable, a type, a function nor an expression: %s", name, err.msg);
        fprintf(s->out, is_function ? "%s;\n" : "type = %s\n", decl);
        return 0;
    }
    struct ktype *st = kt_strip(t);
    if (st && (st->kind == KT_STRUCT || st->kind == KT_UNION)) {
        bool td = t->kind == KT_TYPEDEF;
        if (td) fprintf(s->out, "typedef ");
        print_layout(&s->k, s->out, st, false, 0, 0, td ? t->name : NULL);
        return 0;
    }
    char tn[256];
    kt_name(s->k.dwarf, st, tn, sizeof tn);
    if (st && st->kind == KT_ENUM) {
        fprintf(s->out, "%s {\n", tn);
        for (unsigned i = 0; i < st->nenums; i++) fprintf(s->out, "  %s = %lld,\n", st->enums[i].name, (long long)st->enums[i].value);
        fputs("};\n", s->out);
    } else if (t->kind == KT_TYPEDEF) {
        fprintf(s->out, "typedef %s %s;\n", tn, t->name);
    } else {
        fprintf(s->out, "type = %s\n", tn);
    }
    fprintf(s->out, "SIZE: %llu\n", (unsigned long long)kt_size(t));
    return 0;
}

const struct command cmd_whatis = {
    "whatis", "whatis VARIABLE|TYPE|FUNCTION|EXPRESSION", "declaration of a variable, or definition of a type",
    "A global variable prints as its C declaration; a struct, union, enum or typedef prints its\n"
    "definition and SIZE, from the vmlinux's DWARF (function pointers with their prototypes:\n"
    "loff_t (*llseek)(struct file *, loff_t, int);). A function prints its prototype from its\n"
    "DWARF subprogram (void start_kernel(void);), and any other expression its type, as gdb's\n"
    "whatis does (type = pid_t).\n"
    "JSON: {\"name\",\"kind\":\"variable\",\"declaration\"} or {\"name\",\"kind\":\"type\",\"type\",\"size\",\n"
    "\"members\"|\"enumerators\"}; {\"name\",\"kind\":\"function\",\"declaration\"};\n"
    "{\"name\",\"kind\":\"expression\",\"type\"}",
    run_whatis,
};

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

/* What people see is the C text (a declaration, a definition, "type = ..."); programs get its kind
 * and parts. */
static const struct column whatis_cols[] = {
    COL_JSON(CT_STR, "name"),
    COL_JSON(CT_STR, "kind"),
    COL_MORE(CT_STR, "", "declaration", 0, 0, 0, ";"),
    COL_S("", "type", 0, 0),
    COL_VALUE("", "layout", 0),
    COL_LIST("enumerators"),
    COLUMN(CT_UNSIGNED, "SIZE: ", "size", 0, 0, 0, COL_BREAK),
};

static const struct column enumerator_cols[] = {
    COL_S("", "name", 2, 0),
    COL_MORE(CT_SIGNED, " = ", "value", 0, 0, 0, ","),
};

static void put_enumerators(struct table *r, struct ktype *st)
{
    struct table t;
    table_begin_in(r, &t, "enumerators", enumerator_cols);
    table_set_style(&t, STYLE_LABELS);
    for (unsigned i = 0; i < st->nenums; i++) {
        row_begin(&t);
        put_s(&t, "name", st->enums[i].name);
        put_i(&t, "value", st->enums[i].value);
        row_end(&t);
    }
    table_end(&t, 0);
    table_text(r, "};\n");
}

/* A type: a struct or union's layout, an enum's enumerators, or a typedef's or base type's name. */
static void put_type(struct table *r, struct session *s, struct ktype *t, struct layout_cell *layout)
{
    struct ktype *st = kt_strip(t);
    put_s(r, "kind", "type");
    if (st && (st->kind == KT_STRUCT || st->kind == KT_UNION)) {
        put_rendered(r, "layout", layout_cell(layout, &s->k, st, false, t->kind == KT_TYPEDEF ? t->name : NULL), NULL);
        return;
    }
    char tn[256], shown[600];
    kt_name(s->k.dwarf, st, tn, sizeof tn);
    if (st && st->kind == KT_ENUM)
        snprintf(shown, sizeof shown, "%s {", tn);
    else if (t->kind == KT_TYPEDEF)
        snprintf(shown, sizeof shown, "typedef %s %s;", tn, t->name);
    else
        snprintf(shown, sizeof shown, "type = %s", tn);
    put_s_as(r, "type", tn, shown);
    if (st && st->kind == KT_ENUM)
        put_enumerators(r, st);
    put_u(r, "size", kt_size(t));
}

static int run_whatis(struct session *s, int argc, char **argv)
{
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: whatis VARIABLE|TYPE");
    char name[256] = "";
    for (int i = 1; i < argc; i++) { /* "whatis struct page" arrives as two words */
        strncat(name, argv[i], sizeof name - strlen(name) - 2);
        if (i + 1 < argc)
            strcat(name, " ");
    }
    struct ktype *var = kdwarf_var_type_any(s->k.dwarf, name);
    struct ktype *type = var ? NULL : kdwarf_type_any(s->k.dwarf, name);
    char text[800];
    bool is_function = false;
    ks_err err;
    if (!var && !type && !expression_type(s, name, text, sizeof text, &is_function, &err))
        return cmd_fail(s, argv[0], "%s is neither a variable, a type, a function nor an expression: %s", name, err.msg);
    struct table r;
    struct layout_cell layout;
    record_begin(s, &r, whatis_cols);
    put_s(&r, "name", name);
    if (var) {
        decl_text(&s->k, var, name, text, sizeof text);
        put_s(&r, "kind", "variable");
        put_s(&r, "declaration", text);
    } else if (type) {
        put_type(&r, s, type, &layout);
    } else if (is_function) {
        put_s(&r, "kind", "function");
        put_s(&r, "declaration", text);
    } else {
        char shown[820];
        snprintf(shown, sizeof shown, "type = %s", text);
        put_s(&r, "kind", "expression");
        put_s_as(&r, "type", text, shown);
    }
    return record_end(&r, 0);
}

const struct command cmd_whatis = {
    "whatis",
    "whatis VARIABLE|TYPE|FUNCTION|EXPRESSION",
    "declaration of a variable, or definition of a type",
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

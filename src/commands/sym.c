/* sym NAME|ADDRESS — a symbol's runtime address, or the symbol (plus offset) holding an address.
 * Addresses include the KASLR offset; `sym -l` is not offered (the table is long: use `| grep`). */
#include <inttypes.h>
#include <string.h>

#include "../kernel/module.h"
#include "../output/output.h"
#include "commands.h"

/* "ADDRESS (TYPE) NAME+OFFSET [MODULE]", or "ADDRESS (no symbol)"; JSON has the parts. */
static const struct column sym_cols[] = {
    COL_ADDR("", "address", 0, 0), COL_S("", "type", 1, 0),    COL_S("", "name", 1, 0),
    COL_JSON(CT_SIGNED, "offset"), COL_JSON(CT_STR, "module"),
};

static void print_one(struct table *t, uint64_t addr, const struct ksym_where *w)
{
    char type[2] = {w->type, 0}, type_shown[8], name_shown[512];
    snprintf(type_shown, sizeof type_shown, "(%c)", w->type);
    int n = snprintf(name_shown, sizeof name_shown, "%s", w->name ? w->name : "");
    if (w->offset && n < (int)sizeof name_shown)
        n += snprintf(name_shown + n, sizeof name_shown - (size_t)n, "+%" PRIu64, w->offset);
    if (w->module && n < (int)sizeof name_shown)
        snprintf(name_shown + n, sizeof name_shown - (size_t)n, " [%s]", w->module);
    row_begin(t);
    put_u(t, "address", addr);
    put_s_as(t, "name", w->name, w->name ? name_shown : NULL);
    put_i(t, "offset", (int64_t)w->offset);
    put_s_as(t, "type", w->name ? type : NULL, w->name ? type_shown : "(no symbol)");
    put_s(t, "module", w->module);
    row_end(t);
}

/* NAME: a vmlinux or module symbol; ADDRESS: what holds it. */
static int lookup(struct session *s, const char *arg, uint64_t *addr, struct ksym_where *w)
{
    memset(w, 0, sizeof *w);
    if (ksym_addr(&s->k, arg, addr, NULL) == 0 || module_sym_addr(&s->k, arg, addr) == 0) {
        ksym_where(&s->k, *addr, w);
        return 0;
    }
    if (!parse_u64(arg, 16, addr))
        return -1;
    ksym_where(&s->k, *addr, w);
    return 0;
}

static int run_sym(struct session *s, int argc, char **argv)
{
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: sym NAME|ADDRESS...");
    struct table t;
    table_begin(s, &t, "symbols", sym_cols);
    table_set_header(&t, HEADER_NONE);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t addr;
        struct ksym_where w;
        if (lookup(s, argv[i], &addr, &w))
            rc = cmd_fail(s, argv[0], "no symbol %s", argv[i]);
        else
            print_one(&t, addr, &w);
    }
    return table_end(&t, 0) | rc;
}

const struct command cmd_sym = {
    "sym",
    "sym NAME|ADDRESS...",
    "symbol to address, or address to symbol+offset",
    "Output: ADDRESS (TYPE) NAME[+OFFSET], TYPE as nm prints it (T text, D data, B bss, R rodata;\n"
    "lower case for local symbols), and [MODULE] for a symbol of a loaded module (from its kallsyms\n"
    "in the dump). Addresses are runtime addresses, KASLR offset included.\n"
    "JSON: {\"symbols\":[{\"address\",\"name\",\"offset\",\"type\",\"module\"}]}",
    run_sym,
};

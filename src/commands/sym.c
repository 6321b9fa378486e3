/* sym NAME|ADDRESS — a symbol's runtime address, or the symbol (plus offset) holding an address.
 * Addresses include the KASLR offset; `sym -l` is not offered (the table is long: use `| grep`). */
#include <inttypes.h>
#include <string.h>

#include "../kernel/module.h"
#include "commands.h"

static void print_one(struct session *s, struct json *j, uint64_t addr, const struct ksym_where *w)
{
    const char *mod = w->module;
    if (j) {
        json_obj_begin(j, NULL);
        json_hex(j, "address", addr);
        json_str(j, "name", w->name);
        json_int(j, "offset", (int64_t)w->offset);
        json_str(j, "type", w->name ? (char[]){ w->type, 0 } : NULL);
        json_str(j, "module", mod);
        json_obj_end(j);
        return;
    }
    if (!w->name) {
        fprintf(s->out, "%" PRIx64 " (no symbol)\n", addr);
        return;
    }
    fprintf(s->out, "%" PRIx64 " (%c) %s", addr, w->type, w->name);
    if (w->offset) fprintf(s->out, "+%" PRIu64, w->offset);
    fprintf(s->out, "%s%s%s\n", mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
}

/* NAME: a vmlinux or module symbol; ADDRESS: what holds it. */
static int lookup(struct session *s, const char *arg, uint64_t *addr, struct ksym_where *w)
{
    memset(w, 0, sizeof *w);
    if (ksym_addr(&s->k, arg, addr, NULL) == 0 || module_sym_addr(&s->k, arg, addr) == 0) {
        ksym_where(&s->k, *addr, w);
        return 0;
    }
    if (!parse_u64(arg, 16, addr)) return -1;
    ksym_where(&s->k, *addr, w);
    return 0;
}

static int run_sym(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: sym NAME|ADDRESS...");
    struct json j, *jp = cmd_json_list_begin(s, &j, "symbols");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t addr;
        struct ksym_where w;
        if (lookup(s, argv[i], &addr, &w)) rc = cmd_fail(s, argv[0], "no symbol %s", argv[i]);
        else print_one(s, jp, addr, &w);
    }
    return cmd_json_list_end(s, jp, 0) | rc;
}

const struct command cmd_sym = {
    "sym", "sym NAME|ADDRESS...", "symbol to address, or address to symbol+offset",
    "Output: ADDRESS (TYPE) NAME[+OFFSET], TYPE as nm prints it (T text, D data, B bss, R rodata;\n"
    "lower case for local symbols), and [MODULE] for a symbol of a loaded module (from its kallsyms\n"
    "in the dump). Addresses are runtime addresses, KASLR offset included.\n"
    "JSON: {\"symbols\":[{\"address\",\"name\",\"offset\",\"type\",\"module\"}]}",
    run_sym,
};

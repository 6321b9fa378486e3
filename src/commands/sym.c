/* sym NAME|ADDRESS — a symbol's runtime address, or the symbol (plus offset) holding an address.
 * Addresses include the KASLR offset; `sym -l` is not offered (the table is long: use `| grep`). */
#include <inttypes.h>
#include <string.h>

#include "commands.h"

static void print_one(struct session *s, struct json *j, uint64_t addr, const struct ksym *sym, uint64_t delta)
{
    if (j) {
        json_obj_begin(j, NULL);
        json_hex(j, "address", addr);
        json_str(j, "name", sym ? sym->name : NULL);
        json_int(j, "offset", (int64_t)delta);
        json_str(j, "type", sym ? (char[]){ sym->type, 0 } : NULL);
        json_obj_end(j);
        return;
    }
    if (!sym) { fprintf(s->out, "%" PRIx64 " (no symbol)\n", addr); return; }
    if (delta) fprintf(s->out, "%" PRIx64 " (%c) %s+%" PRIu64 "\n", addr, sym->type, sym->name, delta);
    else fprintf(s->out, "%" PRIx64 " (%c) %s\n", addr, sym->type, sym->name);
}

static int run_sym(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: sym NAME|ADDRESS...");
    struct json j, *jp = s->json ? &j : NULL;
    if (jp) { json_init(jp); json_obj_begin(jp, NULL); json_arr_begin(jp, "symbols"); }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t addr, delta = 0;
        const struct ksym *sym = symtab_lookup(&s->k.syms, argv[i]);
        if (sym) {
            ksym_addr(&s->k, argv[i], &addr, NULL);
        } else if (parse_u64(argv[i], 16, &addr)) {
            sym = ksym_at(&s->k, addr, &delta);
        } else {
            rc = cmd_fail(s, argv[0], "no symbol %s", argv[i]);
            continue;
        }
        print_one(s, jp, addr, sym, delta);
    }
    if (jp) { json_arr_end(jp); json_obj_end(jp); cmd_json_emit(s, jp); json_free(jp); }
    return rc;
}

const struct command cmd_sym = {
    "sym", "sym NAME|ADDRESS...", "symbol to address, or address to symbol+offset",
    "Output: ADDRESS (TYPE) NAME[+OFFSET], TYPE as nm prints it (T text, D data, B bss, R rodata;\n"
    "lower case for local symbols). Addresses are runtime addresses, KASLR offset included.\n"
    "JSON: {\"symbols\":[{\"address\",\"name\",\"offset\",\"type\"}]}",
    run_sym,
};

/* eval EXPR — crash's calculator: C operators and precedence on numbers (hex unless written 123d)
 * and symbols (their runtime addresses), 64 bits wide, shown in hex, decimal, octal and binary. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/expr_kernel.h"
#include "commands.h"

static void print_text(struct session *s, uint64_t v)
{
    char bin[80];
    int n = 0;
    for (int b = 63; b >= 0; b--)
        if (n || (v >> b & 1) || b == 0)
            bin[n++] = (char)('0' + (v >> b & 1));
    bin[n] = 0;
    fprintf(s->out, "hexadecimal: %" PRIx64 "\n    decimal: %" PRIu64 "%s\n      octal: %" PRIo64 "\n     binary: %s\n", v, v,
            (int64_t)v < 0 ? " (negative as signed)" : "", v, bin);
}

static void print_json(struct session *s, uint64_t v)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_hex(&j, "hex", v);
    /* The same unsigned number the text shows. */
    json_uint(&j, "decimal", v);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

static int run_eval(struct session *s, int argc, char **argv)
{
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: eval EXPRESSION");
    strbuf text;
    sb_init(&text);
    for (int i = 1; i < argc; i++) {
        sb_puts(&text, argv[i]);
        if (i + 1 < argc)
            sb_putc(&text, ' ');
    }
    struct expr_kernel kx;
    struct expr_ctx x;
    struct expr_value v;
    uint64_t n = 0;
    ks_err err;
    expr_kernel_init(&kx, &s->k, true);
    expr_init(&x, &kx.env);
    int rc = expr_evaluate(&x, text.buf, &v, &err) || expr_scalar(&x, &v, &n, &err);
    expr_free(&x);
    sb_free(&text);
    if (rc)
        return cmd_fail_err(s, argv[0], &err);
    if (s->json)
        print_json(s, n);
    else
        print_text(s, n);
    return 0;
}

const struct command cmd_eval = {
    "eval",
    "eval EXPRESSION",
    "evaluate an expression of numbers and symbols",
    "Numbers are hex unless written 123d (decimal) or 0x..; symbols stand for their runtime\n"
    "addresses. Operators are C's, with C's precedence: unary - ~ !, * / %, + -, << >>, comparisons\n"
    "(1 or 0), & ^ |, && ||, ?: and parentheses. Arithmetic is on 64-bit unsigned numbers and wraps;\n"
    "a shift by 64 or more and a division by zero are errors. Outside parentheses > and | redirect\n"
    "the output as for any command, so write shifts and ors inside them: eval (bfc62b4c >> 22d).\n"
    "JSON: {\"hex\",\"decimal\"} (decimal: the same unsigned number as the text)",
    run_eval,
};

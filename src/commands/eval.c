/* eval EXPR — crash's calculator: C operators and precedence on numbers (hex unless written 123d)
 * and symbols (their runtime addresses), 64 bits wide, shown in hex, decimal, octal and binary. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/expr_kernel.h"
#include "commands.h"

/* One record, four lines for people; programs get the number as hex and as decimal. */
static const struct column eval_cols[] = {
    COL_X("hexadecimal: ", "hex", 0, 0),
    COLUMN(CT_UNSIGNED, "    decimal: ", "decimal", 0, 0, 0, COL_BREAK),
    COL_TEXT(CT_STR, "", "signed_note", 0, 0),
    COLUMN(CT_STR, "      octal: ", "octal", 0, 0, 0, COL_TEXT_ONLY | COL_BREAK),
    COLUMN(CT_STR, "     binary: ", "binary", 0, 0, 0, COL_TEXT_ONLY | COL_BREAK),
};

static void put_number(struct session *s, uint64_t v)
{
    char octal[32], bin[80];
    int n = 0;
    for (int b = 63; b >= 0; b--)
        if (n || (v >> b & 1) || b == 0)
            bin[n++] = (char)('0' + (v >> b & 1));
    bin[n] = 0;
    snprintf(octal, sizeof octal, "%" PRIo64, v);
    struct table t;
    record_begin(s, &t, eval_cols);
    put_u(&t, "hex", v);
    put_u(&t, "decimal", v); /* the same unsigned number for both */
    if ((int64_t)v < 0)
        put_s(&t, "signed_note", " (negative as signed)");
    put_s(&t, "octal", octal);
    put_s(&t, "binary", bin);
    record_end(&t, 0);
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
    put_number(s, n);
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

/* eval EXPR — crash's calculator: + - * / % << >> & | on hex numbers and symbols, shown in hex,
 * decimal, octal and binary. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "commands.h"

struct parser {
    struct session *s;
    const char *p;
    ks_err err;
    bool failed;
};

static uint64_t expr(struct parser *ps, int min_prec);

static uint64_t atom(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p)) ps->p++;
    if (*ps->p == '(') {
        ps->p++;
        uint64_t v = expr(ps, 0);
        while (isspace((unsigned char)*ps->p)) ps->p++;
        if (*ps->p == ')') ps->p++; else { ps->failed = true; ks_fail(&ps->err, "missing )"); }
        return v;
    }
    if (*ps->p == '-') { ps->p++; return (uint64_t)-(int64_t)atom(ps); }
    if (*ps->p == '~') { ps->p++; return ~atom(ps); }
    char word[128];
    size_t n = 0;
    while (n < sizeof word - 1 && (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')) word[n++] = *ps->p++;
    word[n] = 0;
    uint64_t v = 0;
    if (!n || cmd_parse_addr(ps->s, word, &v, &ps->err) != 0) {
        if (!n) ks_fail(&ps->err, "expected a number at \"%s\"", ps->p);
        ps->failed = true;
    }
    return v;
}

static int prec(const char *p, int *len)
{
    *len = 1;
    if (!strncmp(p, "<<", 2) || !strncmp(p, ">>", 2)) { *len = 2; return 3; }
    switch (*p) {
    case '|': return 1;
    case '^': return 1;
    case '&': return 2;
    case '+': case '-': return 4;
    case '*': case '/': case '%': return 5;
    default: return -1;
    }
}

static uint64_t expr(struct parser *ps, int min_prec)
{
    uint64_t lhs = atom(ps);
    for (;;) {
        while (isspace((unsigned char)*ps->p)) ps->p++;
        int len, pr = prec(ps->p, &len);
        if (pr < 0 || pr < min_prec || ps->failed) return lhs;
        const char *op = ps->p;
        ps->p += len;
        uint64_t rhs = expr(ps, pr + 1);
        if ((*op == '/' || *op == '%') && rhs == 0) { ps->failed = true; ks_fail(&ps->err, "division by zero"); return 0; }
        switch (*op) {
        case '|': lhs |= rhs; break;
        case '^': lhs ^= rhs; break;
        case '&': lhs &= rhs; break;
        case '+': lhs += rhs; break;
        case '-': lhs -= rhs; break;
        case '*': lhs *= rhs; break;
        case '/': lhs /= rhs; break;
        case '%': lhs %= rhs; break;
        case '<': lhs <<= rhs & 63; break;
        case '>': lhs >>= rhs & 63; break;
        }
    }
}

static int run_eval(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: eval EXPRESSION");
    char text[512] = "";
    for (int i = 1; i < argc; i++) { strncat(text, argv[i], sizeof text - strlen(text) - 2); strcat(text, " "); }
    struct parser ps = { .s = s, .p = text };
    uint64_t v = expr(&ps, 0);
    while (isspace((unsigned char)*ps.p)) ps.p++;
    if (!ps.failed && *ps.p) { ps.failed = true; ks_fail(&ps.err, "unexpected \"%s\"", ps.p); }
    if (ps.failed) return cmd_fail(s, argv[0], "%s", ps.err.msg);
    if (s->json) {
        struct json j;
        json_init(&j);
        json_obj_begin(&j, NULL);
        json_hex(&j, "hex", v);
        json_int(&j, "decimal", (int64_t)v);
        json_obj_end(&j);
        cmd_json_emit(s, &j);
        json_free(&j);
        return 0;
    }
    char bin[80];
    int n = 0;
    for (int b = 63; b >= 0; b--)
        if (n || (v >> b & 1) || b == 0) bin[n++] = (char)('0' + (v >> b & 1));
    bin[n] = 0;
    fprintf(s->out, "hexadecimal: %" PRIx64 "\n    decimal: %" PRIu64 "%s\n      octal: %" PRIo64 "\n     binary: %s\n", v, v,
            (int64_t)v < 0 ? " (negative as signed)" : "", v, bin);
    return 0;
}

const struct command cmd_eval = {
    "eval", "eval EXPRESSION", "evaluate an expression of numbers and symbols",
    "Numbers are hex unless written 123d (decimal); symbols stand for their runtime addresses.\n"
    "Operators: + - * / % << >> & | ^ ~ and parentheses. Outside parentheses > and | redirect the\n"
    "output as for any command, so write shifts and ors inside them: eval (bfc62b4c >> 22d).\n"
    "JSON: {\"hex\",\"decimal\"}",
    run_eval,
};

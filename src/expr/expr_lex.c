/* The lexer: C numbers, character literals, identifiers and operators — or, for crash's eval,
 * hex numbers by default. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expr_priv.h"

static const struct {
    const char *text;
    int op;
} two_char_ops[] = {
    {"<<", OP_SHL}, {">>", OP_SHR},    {"<=", OP_LE},   {">=", OP_GE},    {"==", OP_EQ},
    {"!=", OP_NE},  {"&&", OP_ANDAND}, {"||", OP_OROR}, {"->", OP_ARROW},
};

static bool digits_in_base(const char *s, size_t n, int base)
{
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)s[i]);
        int d = isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
        if (d >= base)
            return false;
    }
    return n > 0;
}

/* Digits to a number; false on overflow of 64 bits. */
static bool to_u64(const char *s, size_t n, int base, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)s[i]);
        uint64_t d = (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + d;
    }
    *out = v;
    return true;
}

/* C's rule for an unsuffixed literal's type on i386: the first of int, (unsigned int for hex and
 * octal), long long, unsigned long long that holds it; u and l suffixes narrow the list. */
static struct ktype *literal_type(struct expr_ctx *x, uint64_t v, bool decimal, bool is_unsigned, int longs)
{
    if (!is_unsigned && longs < 2 && v <= INT32_MAX)
        return expr_builtin(x, longs ? "long int" : "int");
    if ((is_unsigned || !decimal) && longs < 2 && v <= UINT32_MAX)
        return expr_builtin(x, longs ? "long unsigned int" : "unsigned int");
    if (!is_unsigned && v <= INT64_MAX)
        return expr_builtin(x, "long long int");
    return expr_builtin(x, "long long unsigned int");
}

static int lex_c_number(struct expr_ctx *x, const char *s, size_t *len, struct token *t, ks_err *err)
{
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    *len = n;
    size_t digits = n;
    bool is_unsigned = false;
    int longs = 0;
    while (digits > 0 && strchr("uUlL", s[digits - 1])) {
        if (toupper((unsigned char)s[digits - 1]) == 'U')
            is_unsigned = true;
        else
            longs++;
        digits--;
    }
    int base = 10;
    size_t skip = 0;
    if (digits > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, skip = 2;
    else if (digits > 1 && s[0] == '0')
        base = 8, skip = 1;
    if (longs > 2 || !digits_in_base(s + skip, digits - skip, base))
        return ks_fail(err, "invalid number \"%.*s\"", (int)KS_MIN(n, (size_t)40), s);
    if (!to_u64(s + skip, digits - skip, base, &t->num))
        return ks_fail(err, "number \"%.*s\" is too large", (int)KS_MIN(n, (size_t)40), s);
    t->type = literal_type(x, t->num, base == 10, is_unsigned, longs);
    return 0;
}

/* crash's eval: a word of hex digits is a hex number, 123d a decimal one; other words are names. */
static bool lex_hex_word(struct expr_ctx *x, const char *s, size_t n, struct token *t, bool *too_large)
{
    const char *d = s;
    size_t nd = n;
    int base = 16;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        d += 2, nd -= 2;
    else if (n > 1 && (s[n - 1] == 'd' || s[n - 1] == 'D') && digits_in_base(s, n - 1, 10))
        nd--, base = 10;
    if (!digits_in_base(d, nd, base))
        return false;
    *too_large = !to_u64(d, nd, base, &t->num);
    t->type = expr_builtin(x, "long long unsigned int");
    return true;
}

static int lex_char(struct expr_ctx *x, const char *s, size_t *len, struct token *t, ks_err *err)
{
    size_t i = 1;
    unsigned v;
    static const char esc_in[] = "ntr0\\'\"abfv", esc_out[] = "\n\t\r\0\\'\"\a\b\f\v";
    if (s[i] == '\\' && s[i + 1] == 'x' && isxdigit((unsigned char)s[i + 2])) {
        v = 0;
        for (i += 2; isxdigit((unsigned char)s[i]) && v < 0x100; i++)
            v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
    } else if (s[i] == '\\' && s[i + 1] >= '0' && s[i + 1] <= '7') {
        v = 0;
        for (i++; s[i] >= '0' && s[i] <= '7' && v < 0x40; i++)
            v = v * 8 + (unsigned)(s[i] - '0');
    } else if (s[i] == '\\' && s[i + 1] && strchr(esc_in, s[i + 1])) {
        v = (unsigned char)esc_out[strchr(esc_in, s[i + 1]) - esc_in];
        i += 2;
    } else if (s[i] && s[i] != '\\' && s[i] != '\'') {
        v = (unsigned char)s[i++];
    } else {
        return ks_fail(err, "invalid character constant");
    }
    if (s[i] != '\'' || v > 0xff)
        return ks_fail(err, "invalid character constant");
    *len = i + 1;
    t->num = v;
    t->type = expr_builtin(x, "char");
    return 0;
}

static size_t ident_length(const char *s, bool dots)
{
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' ||
           (dots && s[n] == '.' && (isalnum((unsigned char)s[n + 1]) || s[n + 1] == '_')))
        n++;
    return n;
}

static int lex_op(const char *s, size_t *len, struct token *t, ks_err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(two_char_ops); i++)
        if (!strncmp(s, two_char_ops[i].text, 2)) {
            t->op = two_char_ops[i].op;
            *len = 2;
            return 0;
        }
    if (!strchr("+-*/%<>&^|!~?:()[].,", *s)) {
        if (isprint((unsigned char)*s))
            return ks_fail(err, "unexpected character '%c'", *s);
        return ks_fail(err, "unexpected byte 0x%02x", (unsigned char)*s);
    }
    t->op = (unsigned char)*s;
    *len = 1;
    return 0;
}

static int lex_one(struct expr_ctx *x, const char *s, size_t *len, struct token *t, ks_err *err)
{
    bool hex = x->env->hex_numbers;
    if (*s == '\'') {
        t->kind = TK_NUM;
        return lex_char(x, s, len, t, err);
    }
    if (hex && (isalnum((unsigned char)*s) || *s == '_')) {
        size_t n = ident_length(s, true);
        bool too_large = false;
        *len = n;
        if (lex_hex_word(x, s, n, t, &too_large)) {
            t->kind = TK_NUM;
            return too_large ? ks_fail(err, "number \"%.*s\" is too large", (int)KS_MIN(n, (size_t)40), s) : 0;
        }
        if (isdigit((unsigned char)*s))
            return ks_fail(err, "invalid number \"%.*s\"", (int)KS_MIN(n, (size_t)40), s);
    } else if (isdigit((unsigned char)*s)) {
        t->kind = TK_NUM;
        return lex_c_number(x, s, len, t, err);
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        size_t n = ident_length(s, hex);
        t->kind = TK_IDENT;
        t->text = expr_alloc(x, n + 1);
        memcpy(t->text, s, n);
        *len = n;
        return 0;
    }
    t->kind = TK_OP;
    return lex_op(s, len, t, err);
}

int expr_lex(struct expr_ctx *x, const char *text, struct token **out, size_t *n, ks_err *err)
{
    size_t len = strlen(text);
    if (len > EXPR_MAX_TEXT)
        return ks_fail(err, "expression of %zu characters is longer than the %d accepted", len, EXPR_MAX_TEXT);
    /* At most one token per character, plus the end. */
    struct token *toks = expr_alloc(x, (len + 1) * sizeof *toks);
    size_t nt = 0, pos = 0;
    for (;;) {
        while (isspace((unsigned char)text[pos]))
            pos++;
        struct token *t = &toks[nt++];
        t->pos = (unsigned)pos;
        if (!text[pos])
            break;
        size_t tl = 0;
        if (lex_one(x, text + pos, &tl, t, err))
            return -1;
        pos += tl;
    }
    *out = toks;
    *n = nt;
    return 0;
}

void expr_tok_text(const struct token *t, char *out, size_t n)
{
    if (t->kind == TK_END)
        snprintf(out, n, "the end");
    else if (t->kind == TK_IDENT)
        snprintf(out, n, "'%.64s'", t->text);
    else if (t->kind == TK_NUM)
        snprintf(out, n, "%" PRIu64, t->num);
    else if (t->op < 256)
        snprintf(out, n, "'%c'", t->op);
    else
        for (size_t i = 0; i < ARRAY_SIZE(two_char_ops); i++)
            if (two_char_ops[i].op == t->op)
                snprintf(out, n, "'%s'", two_char_ops[i].text);
}

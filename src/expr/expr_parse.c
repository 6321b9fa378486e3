/* The parser: tokens to an AST with C's precedence (precedence climbing for binary operators,
 * recursive descent for the rest). Type names in casts and sizeof are resolved here. */
#include <stdio.h>
#include <string.h>

#include "expr_priv.h"

/* Deeper nesting than this is refused rather than risking the stack. */
#define MAX_DEPTH 200

struct parser {
    struct expr_ctx *x;
    struct token *t;
    size_t i, n;
    int depth;
    ks_err *err;
};

static struct expr_node *parse_cond(struct parser *p);
static struct expr_node *parse_unary(struct parser *p);

static const struct token *peek(const struct parser *p, size_t ahead)
{
    size_t i = p->i + ahead;
    return &p->t[i < p->n ? i : p->n - 1];
}

static bool is_op(const struct parser *p, int op)
{
    return peek(p, 0)->kind == TK_OP && peek(p, 0)->op == op;
}
static bool is_word(const struct token *t, const char *w)
{
    return t->kind == TK_IDENT && !strcmp(t->text, w);
}

static struct expr_node *fail_at(struct parser *p, const char *what)
{
    char got[80];
    expr_tok_text(peek(p, 0), got, sizeof got);
    ks_fail(p->err, "%s at %s (column %u)", what, got, peek(p, 0)->pos + 1);
    return NULL;
}

static bool expect(struct parser *p, int op, const char *what)
{
    if (is_op(p, op)) {
        p->i++;
        return true;
    }
    fail_at(p, what);
    return false;
}

static struct expr_node *node(struct parser *p, enum expr_kind kind, int op, unsigned pos)
{
    struct expr_node *n = expr_alloc(p->x, sizeof *n);
    n->kind = kind;
    n->op = op;
    n->pos = pos;
    return n;
}

/* ---- type names: "struct page *", "unsigned long", "pte_t", "const char *" ---- */

static const char *const base_words[] = {"unsigned", "signed", "int", "char", "short", "long", "_Bool", "void"};

static bool is_base_word(const struct token *t)
{
    for (size_t i = 0; i < ARRAY_SIZE(base_words); i++)
        if (is_word(t, base_words[i]))
            return true;
    return false;
}

static bool is_qualifier(const struct token *t)
{
    return is_word(t, "const") || is_word(t, "volatile");
}

/* "unsigned long" and friends to the name DWARF (and gdb) gives the type. */
static struct ktype *base_type(struct parser *p)
{
    int is_unsigned = 0, is_signed = 0, longs = 0, shorts = 0, chars = 0, ints = 0, bools = 0, voids = 0;
    for (const struct token *t = peek(p, 0); is_base_word(t) || is_qualifier(t); t = peek(p, 0)) {
        p->i++;
        is_unsigned += is_word(t, "unsigned");
        is_signed += is_word(t, "signed");
        longs += is_word(t, "long");
        shorts += is_word(t, "short");
        chars += is_word(t, "char");
        ints += is_word(t, "int");
        bools += is_word(t, "_Bool");
        voids += is_word(t, "void");
    }
    const char *name = NULL;
    if (voids)
        name = "void";
    else if (bools)
        name = "_Bool";
    else if (chars)
        name = is_unsigned ? "unsigned char" : is_signed ? "signed char" : "char";
    else if (shorts)
        name = is_unsigned ? "short unsigned int" : "short int";
    else if (longs >= 2)
        name = is_unsigned ? "long long unsigned int" : "long long int";
    else if (longs)
        name = is_unsigned ? "long unsigned int" : "long int";
    else
        name = is_unsigned ? "unsigned int" : "int";
    bool bad = voids + bools + chars + shorts + (longs > 0) > 1 || longs > 2 || (is_unsigned && is_signed) ||
               (ints && (voids || bools || chars));
    if (bad)
        ks_fail(p->err, "invalid type name (column %u)", peek(p, 0)->pos + 1);
    return bad ? NULL : expr_builtin(p->x, name);
}

/* A bare name is a type when it names one and no variable (C's typedef rule). Unlike gdb, a bare
 * struct tag also counts, "(task_struct *)x", because crash's own commands take tags bare. */
static bool names_type(struct parser *p, const struct token *t)
{
    const struct expr_env *e = p->x->env;
    if (t->kind != TK_IDENT || !e->type)
        return false;
    const struct token *next = peek(p, 1);
    if (next->kind != TK_OP || (next->op != ')' && next->op != '*'))
        return false;
    struct expr_value v;
    if (e->lookup && e->lookup(e->ctx, t->text, -1, &v, NULL) == 0)
        return false;
    return e->type(e->ctx, t->text) != NULL;
}

static bool starts_type(struct parser *p)
{
    const struct token *t = peek(p, 0);
    return is_word(t, "struct") || is_word(t, "union") || is_word(t, "enum") || is_base_word(t) || is_qualifier(t) ||
           names_type(p, t);
}

static struct ktype *tagged_type(struct parser *p)
{
    const struct token *kw = peek(p, 0), *tag = peek(p, 1);
    if (tag->kind != TK_IDENT) {
        p->i++;
        fail_at(p, "expected a tag name");
        return NULL;
    }
    char spec[300];
    snprintf(spec, sizeof spec, "%s %s", kw->text, tag->text);
    struct ktype *t = p->x->env->type ? p->x->env->type(p->x->env->ctx, spec) : NULL;
    if (!t) {
        ks_fail(p->err, "no type %s", spec);
        return NULL;
    }
    p->i += 2;
    return t;
}

static struct ktype *type_name(struct parser *p)
{
    while (is_qualifier(peek(p, 0)))
        p->i++;
    const struct token *t = peek(p, 0);
    struct ktype *type;
    if (is_word(t, "struct") || is_word(t, "union") || is_word(t, "enum"))
        type = tagged_type(p);
    else if (is_base_word(t))
        type = base_type(p);
    else if (t->kind == TK_IDENT && p->x->env->type && (type = p->x->env->type(p->x->env->ctx, t->text)))
        p->i++;
    else {
        fail_at(p, "expected a type name");
        return NULL;
    }
    for (; type; p->i++) {
        if (is_op(p, '*'))
            type = expr_pointer_to(p->x, type);
        else if (!is_qualifier(peek(p, 0)))
            break;
    }
    return type;
}

/* ---- expressions ---- */

static struct expr_node *parse_primary(struct parser *p)
{
    const struct token *t = peek(p, 0);
    if (t->kind == TK_NUM) {
        struct expr_node *n = node(p, EN_NUM, 0, t->pos);
        n->num = t->num;
        n->type = t->type;
        p->i++;
        return n;
    }
    if (is_word(t, "per_cpu") && peek(p, 1)->kind == TK_OP && peek(p, 1)->op == '(') {
        struct expr_node *n = node(p, EN_PERCPU, 0, t->pos);
        p->i += 2;
        if (!(n->a = parse_cond(p)) || !expect(p, ',', "expected ',' in per_cpu(VARIABLE, CPU)") || !(n->b = parse_cond(p)) ||
            !expect(p, ')', "expected ')'"))
            return NULL;
        return n;
    }
    if (t->kind == TK_IDENT) {
        struct expr_node *n = node(p, EN_IDENT, 0, t->pos);
        n->name = t->text;
        p->i++;
        return n;
    }
    if (is_op(p, '(')) {
        p->i++;
        struct expr_node *n = parse_cond(p);
        return n && expect(p, ')', "expected ')'") ? n : NULL;
    }
    return fail_at(p, "expected a number, a name or '('");
}

static struct expr_node *parse_postfix(struct parser *p)
{
    struct expr_node *n = parse_primary(p);
    while (n) {
        const struct token *t = peek(p, 0);
        if (t->kind != TK_OP)
            break;
        if (t->op == '[') {
            p->i++;
            struct expr_node *ix = node(p, EN_INDEX, 0, t->pos);
            ix->a = n;
            if (!(ix->b = parse_cond(p)) || !expect(p, ']', "expected ']'"))
                return NULL;
            n = ix;
        } else if (t->op == '.' || t->op == OP_ARROW) {
            struct expr_node *m = node(p, t->op == '.' ? EN_MEMBER : EN_ARROW, 0, t->pos);
            p->i++;
            if (peek(p, 0)->kind != TK_IDENT)
                return fail_at(p, "expected a member name");
            m->a = n;
            m->name = peek(p, 0)->text;
            p->i++;
            n = m;
        } else {
            break;
        }
    }
    return n;
}

static struct expr_node *parse_sizeof(struct parser *p, unsigned pos)
{
    if (is_op(p, '(')) {
        p->i++;
        if (starts_type(p)) {
            struct expr_node *n = node(p, EN_SIZEOF_TYPE, 0, pos);
            return (n->type = type_name(p)) && expect(p, ')', "expected ')'") ? n : NULL;
        }
        p->i--;
    }
    struct expr_node *n = node(p, EN_SIZEOF_EXPR, 0, pos);
    return (n->a = parse_unary(p)) ? n : NULL;
}

static struct expr_node *parse_unary(struct parser *p)
{
    if (++p->depth > MAX_DEPTH) {
        ks_fail(p->err, "expression nested more than %d deep", MAX_DEPTH);
        return NULL;
    }
    struct expr_node *n = NULL;
    const struct token *t = peek(p, 0);
    if (t->kind == TK_OP && t->op < 256 && strchr("-+~!*&", t->op)) {
        n = node(p, EN_UNARY, t->op, t->pos);
        p->i++;
        if (!(n->a = parse_unary(p)))
            n = NULL;
    } else if (is_word(t, "sizeof")) {
        p->i++;
        n = parse_sizeof(p, t->pos);
    } else if (is_op(p, '(')) {
        p->i++;
        if (starts_type(p)) {
            n = node(p, EN_CAST, 0, t->pos);
            if (!(n->type = type_name(p)) || !expect(p, ')', "expected ')' after the type") || !(n->a = parse_unary(p)))
                n = NULL;
        } else {
            p->i--;
            n = parse_postfix(p);
        }
    } else {
        n = parse_postfix(p);
    }
    p->depth--;
    return n;
}

static int precedence(const struct token *t)
{
    if (t->kind != TK_OP)
        return -1;
    switch (t->op) {
    case OP_OROR:
        return 1;
    case OP_ANDAND:
        return 2;
    case '|':
        return 3;
    case '^':
        return 4;
    case '&':
        return 5;
    case OP_EQ:
    case OP_NE:
        return 6;
    case '<':
    case '>':
    case OP_LE:
    case OP_GE:
        return 7;
    case OP_SHL:
    case OP_SHR:
        return 8;
    case '+':
    case '-':
        return 9;
    case '*':
    case '/':
    case '%':
        return 10;
    default:
        return -1;
    }
}

/* Left-associative binary operators of precedence min_prec and above. */
static struct expr_node *parse_binary(struct parser *p, int min_prec)
{
    struct expr_node *lhs = parse_unary(p);
    for (int pr; lhs && (pr = precedence(peek(p, 0))) >= min_prec;) {
        const struct token *t = peek(p, 0);
        p->i++;
        struct expr_node *rhs = parse_binary(p, pr + 1);
        if (!rhs)
            return NULL;
        struct expr_node *n = node(p, t->op == OP_ANDAND || t->op == OP_OROR ? EN_LOGIC : EN_BINARY, t->op, t->pos);
        n->a = lhs;
        n->b = rhs;
        lhs = n;
    }
    return lhs;
}

static struct expr_node *parse_cond(struct parser *p)
{
    if (++p->depth > MAX_DEPTH) {
        ks_fail(p->err, "expression nested more than %d deep", MAX_DEPTH);
        return NULL;
    }
    struct expr_node *c = parse_binary(p, 1);
    if (c && is_op(p, '?')) {
        struct expr_node *n = node(p, EN_COND, '?', peek(p, 0)->pos);
        p->i++;
        n->a = c;
        if (!(n->b = parse_cond(p)) || !expect(p, ':', "expected ':'") || !(n->c = parse_cond(p)))
            n = NULL;
        c = n;
    }
    p->depth--;
    return c;
}

int expr_parse(struct expr_ctx *x, const char *text, struct expr_node **out, ks_err *err)
{
    struct parser p = {.x = x, .err = err};
    x->text = text;
    if (expr_lex(x, text, &p.t, &p.n, err))
        return -1;
    if (peek(&p, 0)->kind == TK_END)
        return ks_fail(err, "empty expression");
    struct expr_node *n = parse_cond(&p);
    if (!n)
        return -1;
    if (peek(&p, 0)->kind != TK_END)
        return fail_at(&p, "unexpected text"), -1;
    *out = n;
    return 0;
}

/* The evaluator: an AST to a typed value. Lvalues are read only when an operator needs their
 * value; all integer arithmetic is uint64_t wrapped to the result type (no undefined behaviour). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expr_priv.h"

/* Bounds the recursion on a long chain such as 1+1+1+... (the parser bounds nesting). */
#define MAX_EVAL_DEPTH 4096

static int eval(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err);

void expr_type_name(struct expr_ctx *x, struct ktype *t, char *out, size_t n)
{
    if (x->env->type_name)
        x->env->type_name(x->env->ctx, t, out, n);
    else
        kt_name(NULL, t, out, n);
}

static struct ktype *strip(struct ktype *t)
{
    return kt_strip(t);
}
static bool kind_is(struct ktype *t, enum kt_kind k)
{
    return strip(t) && strip(t)->kind == k;
}

static void rvalue(struct expr_value *v, struct ktype *t, uint64_t bits)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    v->v = expr_wrap(t, bits);
}

static struct ktype *int_type(struct expr_ctx *x)
{
    return expr_builtin(x, "int");
}

/* A pointer's target, for types built lazily by the DWARF layer. */
static struct ktype *pointee(struct expr_ctx *x, struct ktype *ptr)
{
    return expr_target(x, strip(ptr));
}

static uint64_t pointee_size(struct expr_ctx *x, struct ktype *ptr)
{
    struct ktype *t = pointee(x, ptr);
    uint64_t size = kt_size(t);
    /* void * and function pointers step by bytes, as gdb (and GNU C) do. */
    return size ? size : 1;
}

int expr_scalar(struct expr_ctx *x, const struct expr_value *v, uint64_t *out, ks_err *err)
{
    struct ktype *s = strip(v->type);
    if (!v->lvalue) {
        *out = v->v;
        return 0;
    }
    if (s && (s->kind == KT_ARRAY || s->kind == KT_FUNC)) {
        *out = v->addr;
        return 0;
    }
    char tn[200];
    if (!s || (s->kind != KT_BASE && s->kind != KT_ENUM && s->kind != KT_POINTER)) {
        expr_type_name(x, v->type, tn, sizeof tn);
        return ks_fail(err, "%s is not a number or a pointer", s && s->kind == KT_VOID ? "a value of unknown type" : tn);
    }
    uint8_t buf[8] = {0};
    size_t size = v->bit_size ? (v->bit_shift + v->bit_size + 7) / 8 : (size_t)KS_MIN(s->size, (uint64_t)8);
    if (size > sizeof buf || x->env->read(x->env->ctx, v->addr, buf, size, err))
        return -1;
    uint64_t raw = 0;
    for (size_t i = 0; i < size; i++)
        raw |= (uint64_t)buf[i] << (8 * i);
    if (v->bit_size) {
        raw >>= v->bit_shift;
        if (v->bit_size < 64)
            raw &= (UINT64_C(1) << v->bit_size) - 1;
        if (expr_is_signed(s) && v->bit_size < 64 && (raw >> (v->bit_size - 1) & 1))
            raw |= ~((UINT64_C(1) << v->bit_size) - 1);
        *out = raw;
        return 0;
    }
    *out = expr_wrap(s, raw);
    return 0;
}

/* The value as an rvalue: arrays and functions decay to pointers; struct values cannot be. */
static int to_rvalue(struct expr_ctx *x, const struct expr_value *v, struct expr_value *out, ks_err *err)
{
    struct ktype *s = strip(v->type);
    uint64_t bits;
    if (expr_scalar(x, v, &bits, err))
        return -1;
    struct ktype *t = v->type;
    if (v->lvalue && s->kind == KT_ARRAY)
        t = expr_pointer_to(x, s->target);
    else if (v->lvalue && s->kind == KT_FUNC)
        t = expr_pointer_to(x, v->type);
    rvalue(out, t, bits);
    return 0;
}

static int eval_rvalue(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value lv;
    return eval(x, n, &lv, err) || to_rvalue(x, &lv, v, err) ? -1 : 0;
}

/* C's integer promotion and usual arithmetic conversions, on i386 sizes. */
static struct ktype *promoted(struct expr_ctx *x, struct ktype *t)
{
    uint64_t size = kt_size(t);
    if (size < 4)
        return int_type(x);
    if (size >= 8)
        return expr_builtin(x, expr_is_signed(t) ? "long long int" : "long long unsigned int");
    return expr_builtin(x, expr_is_signed(t) ? "int" : "unsigned int");
}

static struct ktype *common_type(struct expr_ctx *x, struct ktype *a, struct ktype *b)
{
    struct ktype *pa = promoted(x, a), *pb = promoted(x, b);
    if (pa->size != pb->size)
        return pa->size > pb->size ? pa : pb;
    return pa->is_signed ? pb : pa;
}

static int shift(struct expr_ctx *x, const struct expr_node *n, struct expr_value *a, struct expr_value *b, struct expr_value *v,
                 ks_err *err)
{
    struct ktype *t = promoted(x, a->type);
    unsigned bits = (unsigned)t->size * 8;
    if (expr_is_signed(b->type) && (int64_t)b->v < 0)
        return ks_fail(err, "negative shift count %" PRId64, (int64_t)b->v);
    if (b->v >= bits)
        return ks_fail(err, "shift count %" PRIu64 " is not below the %u bits of %s", b->v, bits, t->name);
    uint64_t r = n->op == OP_SHL ? a->v << b->v : a->v >> b->v;
    /* An arithmetic shift of a negative signed value, spelt without implementation-defined C. */
    if (n->op == OP_SHR && t->is_signed && (int64_t)a->v < 0)
        r = ~(~a->v >> b->v);
    rvalue(v, t, r);
    return 0;
}

static int divide(struct ktype *t, int op, uint64_t a, uint64_t b, uint64_t *r, ks_err *err)
{
    if (b == 0)
        return ks_fail(err, "division by zero");
    if (!t->is_signed) {
        *r = op == '/' ? a / b : a % b;
        return 0;
    }
    /* INT_MIN / -1 overflows in C; the wrapped result is -INT_MIN == INT_MIN, and the remainder 0. */
    if ((int64_t)b == -1) {
        *r = op == '/' ? 0 - a : 0;
        return 0;
    }
    *r = (uint64_t)(op == '/' ? (int64_t)a / (int64_t)b : (int64_t)a % (int64_t)b);
    return 0;
}

static int compare(struct ktype *t, int op, uint64_t a, uint64_t b)
{
    bool lt = t->is_signed ? (int64_t)a < (int64_t)b : a < b;
    bool eq = a == b;
    switch (op) {
    case '<':
        return lt;
    case '>':
        return !lt && !eq;
    case OP_LE:
        return lt || eq;
    case OP_GE:
        return !lt;
    case OP_EQ:
        return eq;
    default:
        return !eq;
    }
}

static bool is_comparison(int op)
{
    return op == '<' || op == '>' || op == OP_LE || op == OP_GE || op == OP_EQ || op == OP_NE;
}

static int pointer_arith(struct expr_ctx *x, const struct expr_node *n, struct expr_value *a, struct expr_value *b,
                         struct expr_value *v, ks_err *err)
{
    bool pa = kind_is(a->type, KT_POINTER), pb = kind_is(b->type, KT_POINTER);
    if (is_comparison(n->op)) {
        rvalue(v, int_type(x), (uint64_t)compare(expr_builtin(x, "long unsigned int"), n->op, a->v, b->v));
        return 0;
    }
    if (pa && pb && n->op == '-') {
        uint64_t size = pointee_size(x, a->type);
        /* ptrdiff_t is int on i386: the byte difference, signed, divided by the element size. */
        int64_t diff = (int64_t)(int32_t)(uint32_t)(a->v - b->v);
        rvalue(v, int_type(x), (uint64_t)(diff / (int64_t)size));
        return 0;
    }
    struct expr_value *p = pa ? a : b, *i = pa ? b : a;
    if ((pa && pb) || !expr_is_integer(i->type) || (n->op != '+' && !(n->op == '-' && pa)))
        return ks_fail(err, "invalid operands to binary '%s' (column %u)",
                       n->op == '-'   ? "-"
                       : n->op == '+' ? "+"
                                      : "operator",
                       n->pos + 1);
    uint64_t step = i->v * pointee_size(x, p->type);
    rvalue(v, p->type, n->op == '+' ? p->v + step : p->v - step);
    return 0;
}

static int binary(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value a, b;
    if (eval_rvalue(x, n->a, &a, err) || eval_rvalue(x, n->b, &b, err))
        return -1;
    if (kind_is(a.type, KT_POINTER) || kind_is(b.type, KT_POINTER))
        return pointer_arith(x, n, &a, &b, v, err);
    if (!expr_is_integer(a.type) || !expr_is_integer(b.type))
        return ks_fail(err, "invalid operands (column %u)", n->pos + 1);
    if (n->op == OP_SHL || n->op == OP_SHR)
        return shift(x, n, &a, &b, v, err);
    struct ktype *t = common_type(x, a.type, b.type);
    uint64_t l = expr_wrap(t, a.v), r = expr_wrap(t, b.v), res = 0;
    if (is_comparison(n->op)) {
        rvalue(v, int_type(x), (uint64_t)compare(t, n->op, l, r));
        return 0;
    }
    switch (n->op) {
    case '+':
        res = l + r;
        break;
    case '-':
        res = l - r;
        break;
    case '*':
        res = l * r;
        break;
    case '/':
    case '%':
        if (divide(t, n->op, l, r, &res, err))
            return -1;
        break;
    case '&':
        res = l & r;
        break;
    case '|':
        res = l | r;
        break;
    case '^':
        res = l ^ r;
        break;
    default:
        return ks_fail(err, "unknown operator");
    }
    rvalue(v, t, res);
    return 0;
}

static int truth(struct expr_ctx *x, const struct expr_node *n, bool *out, ks_err *err)
{
    struct expr_value v;
    if (eval_rvalue(x, n, &v, err))
        return -1;
    if (!expr_is_integer(v.type) && !kind_is(v.type, KT_POINTER))
        return ks_fail(err, "a struct or union is not a truth value");
    *out = v.v != 0;
    return 0;
}

static int logic(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    bool a, b = false;
    if (truth(x, n->a, &a, err))
        return -1;
    /* Short-circuit: the right side is not evaluated (nor read) when the left decides. */
    if ((n->op == OP_ANDAND) == a && truth(x, n->b, &b, err))
        return -1;
    rvalue(v, int_type(x), n->op == OP_ANDAND ? a && b : a || b);
    return 0;
}

static int deref(struct expr_ctx *x, const struct expr_value *p, struct expr_value *v, ks_err *err)
{
    if (!kind_is(p->type, KT_POINTER))
        return ks_fail(err, "attempt to take contents of a non-pointer value");
    struct ktype *t = pointee(x, p->type);
    if (!t || t->kind == KT_VOID)
        return ks_fail(err, "attempt to take contents of a void pointer");
    memset(v, 0, sizeof *v);
    v->type = t;
    v->lvalue = true;
    v->addr = p->v;
    return 0;
}

static int unary(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value a;
    if (n->op == '&') {
        if (eval(x, n->a, &a, err))
            return -1;
        if (!a.lvalue)
            return ks_fail(err, "cannot take the address of a value not in memory (column %u)", n->pos + 1);
        if (a.bit_size)
            return ks_fail(err, "cannot take the address of a bit-field");
        rvalue(v, expr_pointer_to(x, a.type), a.addr);
        return 0;
    }
    if (n->op == '!') {
        bool t;
        if (truth(x, n->a, &t, err))
            return -1;
        rvalue(v, int_type(x), !t);
        return 0;
    }
    if (eval_rvalue(x, n->a, &a, err))
        return -1;
    if (n->op == '*')
        return deref(x, &a, v, err);
    if (!expr_is_integer(a.type))
        return ks_fail(err, "invalid operand to unary '%c' (column %u)", n->op, n->pos + 1);
    struct ktype *t = promoted(x, a.type);
    uint64_t bits = expr_wrap(t, a.v);
    rvalue(v, t, n->op == '-' ? 0 - bits : n->op == '~' ? ~bits : bits);
    return 0;
}

static int member(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value a, obj;
    if (eval(x, n->a, &a, err))
        return -1;
    /* gdb lets '.' follow a pointer and '->' apply to a struct; so do we. */
    if (kind_is(a.type, KT_POINTER)) {
        struct expr_value p;
        if (to_rvalue(x, &a, &p, err) || deref(x, &p, &obj, err))
            return -1;
    } else {
        obj = a;
    }
    char tn[200];
    expr_type_name(x, obj.type, tn, sizeof tn);
    if (!kind_is(obj.type, KT_STRUCT) && !kind_is(obj.type, KT_UNION))
        return ks_fail(err, "%s is not a struct or union: no member %s", tn, n->name);
    uint64_t off = 0;
    const struct kt_member *m = kt_find_member(obj.type, n->name, &off);
    if (!m)
        return ks_fail(err, "there is no member named %s in %s", n->name, tn);
    if (!obj.lvalue)
        return ks_fail(err, "member %s of a value not in memory", n->name);
    memset(v, 0, sizeof *v);
    v->type = m->type;
    v->lvalue = true;
    v->addr = obj.addr + off;
    if (m->bit_size) {
        v->bit_shift = kt_bit_shift(m);
        v->bit_size = m->bit_size;
    }
    return 0;
}

static int subscript(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value a, i;
    if (eval(x, n->a, &a, err) || eval_rvalue(x, n->b, &i, err))
        return -1;
    if (!expr_is_integer(i.type))
        return ks_fail(err, "array subscript is not an integer (column %u)", n->b->pos + 1);
    struct ktype *s = strip(a.type);
    int64_t idx = expr_is_signed(i.type) ? (int64_t)i.v : (int64_t)(i.v & INT64_MAX);
    char tn[200];
    expr_type_name(x, a.type, tn, sizeof tn);
    if (s && s->kind == KT_ARRAY && a.lvalue) {
        /* An unknown bound (count 0, e.g. char linux_banner[]) cannot be checked, as in C. */
        if (idx < 0 || (s->count && (uint64_t)idx >= s->count))
            return ks_fail(err, "index %" PRId64 " is out of bounds: the array has %" PRIu64 " elements (column %u)", idx,
                           s->count, n->b->pos + 1);
        memset(v, 0, sizeof *v);
        v->type = s->target;
        v->lvalue = true;
        v->addr = a.addr + (uint64_t)idx * kt_size(s->target);
        return 0;
    }
    if (s && s->kind == KT_POINTER) {
        struct expr_value p;
        if (to_rvalue(x, &a, &p, err))
            return -1;
        p.v = expr_wrap(p.type, p.v + (uint64_t)idx * pointee_size(x, p.type));
        return deref(x, &p, v, err);
    }
    return ks_fail(err, "%s is not an array or a pointer: it cannot be subscripted (column %u)", tn, n->pos + 1);
}

static int cast(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct ktype *to = strip(n->type);
    char tn[200];
    expr_type_name(x, n->type, tn, sizeof tn);
    if (to && to->kind == KT_VOID) {
        rvalue(v, n->type, 0);
        return 0;
    }
    if (!to || (to->kind != KT_BASE && to->kind != KT_ENUM && to->kind != KT_POINTER))
        return ks_fail(err, "cannot cast to %s", tn);
    struct expr_value a;
    if (eval_rvalue(x, n->a, &a, err))
        return -1;
    rvalue(v, n->type, a.v);
    return 0;
}

static int per_cpu(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    struct expr_value a, c;
    if (eval_rvalue(x, n->b, &c, err))
        return -1;
    if (!x->env->per_cpu)
        return ks_fail(err, "per_cpu() needs a kernel");
    if (c.v > 4096)
        return ks_fail(err, "no CPU %" PRIu64, c.v);
    /* The variable itself is named by its template, whatever CPU the rest is evaluated for. */
    int saved = x->cpu;
    x->cpu = -1;
    int rc = eval(x, n->a, &a, err);
    x->cpu = saved;
    if (rc)
        return -1;
    uint64_t addr;
    if (a.lvalue) {
        /* per_cpu(var, cpu): the CPU's copy of the variable. */
        if (x->env->per_cpu(x->env->ctx, a.addr, (unsigned)c.v, &addr, err))
            return -1;
        *v = a;
        v->addr = addr;
        return 0;
    }
    /* per_cpu(ptr, cpu): what the kernel's per_cpu_ptr() points to on that CPU. */
    if (!kind_is(a.type, KT_POINTER))
        return ks_fail(err, "per_cpu() wants a per-CPU variable or pointer");
    if (x->env->per_cpu(x->env->ctx, a.v, (unsigned)c.v, &addr, err))
        return -1;
    a.v = addr;
    return deref(x, &a, v, err);
}

static int eval_node(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    switch (n->kind) {
    case EN_NUM:
        rvalue(v, n->type, n->num);
        return 0;
    case EN_IDENT:
        if (!x->env->lookup)
            return ks_fail(err, "no symbol \"%s\" in current context", n->name);
        return x->env->lookup(x->env->ctx, n->name, x->cpu, v, err);
    case EN_MEMBER:
    case EN_ARROW:
        return member(x, n, v, err);
    case EN_INDEX:
        return subscript(x, n, v, err);
    case EN_UNARY:
        return unary(x, n, v, err);
    case EN_BINARY:
        return binary(x, n, v, err);
    case EN_LOGIC:
        return logic(x, n, v, err);
    case EN_COND: {
        bool c;
        return truth(x, n->a, &c, err) ? -1 : eval(x, c ? n->b : n->c, v, err);
    }
    case EN_CAST:
        return cast(x, n, v, err);
    case EN_SIZEOF_TYPE:
        rvalue(v, expr_builtin(x, "unsigned int"), kt_size(n->type));
        return 0;
    case EN_SIZEOF_EXPR: {
        struct expr_value a;
        if (eval(x, n->a, &a, err))
            return -1;
        rvalue(v, expr_builtin(x, "unsigned int"), kt_size(a.type));
        return 0;
    }
    case EN_PERCPU:
        return per_cpu(x, n, v, err);
    }
    return ks_fail(err, "unknown expression node");
}

static int eval(struct expr_ctx *x, const struct expr_node *n, struct expr_value *v, ks_err *err)
{
    if (++x->depth > MAX_EVAL_DEPTH) {
        x->depth--;
        return ks_fail(err, "expression too long to evaluate");
    }
    int rc = eval_node(x, n, v, err);
    x->depth--;
    return rc;
}

int expr_eval(struct expr_ctx *x, const struct expr_node *n, struct expr_value *out, ks_err *err)
{
    x->depth = 0;
    return eval(x, n, out, err);
}

int expr_evaluate(struct expr_ctx *x, const char *text, struct expr_value *out, ks_err *err)
{
    struct expr_node *n;
    return expr_parse(x, text, &n, err) ? -1 : expr_eval(x, n, out, err);
}

/* A place named without reading memory: a name, its members and subscripts. */
static bool plain_place(const struct expr_node *n)
{
    if (n->kind == EN_IDENT)
        return true;
    return (n->kind == EN_MEMBER || n->kind == EN_INDEX) && plain_place(n->a) && (n->kind != EN_INDEX || n->b->kind == EN_NUM);
}

bool expr_uses_percpu(struct expr_ctx *x, const struct expr_node *n)
{
    /* &var of a per-CPU variable is its template address, as gdb (and crash) print it. */
    if (n && n->kind == EN_UNARY && n->op == '&' && plain_place(n->a))
        return false;
    if (!n || n->kind == EN_PERCPU || n->kind == EN_SIZEOF_TYPE || n->kind == EN_SIZEOF_EXPR)
        return false;
    if (n->kind == EN_IDENT)
        return x->env->is_percpu && x->env->is_percpu(x->env->ctx, n->name);
    return expr_uses_percpu(x, n->a) || expr_uses_percpu(x, n->b) || expr_uses_percpu(x, n->c);
}

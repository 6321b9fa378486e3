/* The expression layer's own memory and types: an arena freed at once, the C base types literals
 * and operators produce, pointer types for `&`, and wrapping integers to a type's size. */
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* i386: long and pointers are 4 bytes. */
static const struct {
    const char *name;
    unsigned size;
    bool is_signed, is_char, is_bool;
} base_types[] = {
    {"char", 1, true, true, false},
    {"signed char", 1, true, true, false},
    {"unsigned char", 1, false, true, false},
    {"short int", 2, true, false, false},
    {"short unsigned int", 2, false, false, false},
    {"int", 4, true, false, false},
    {"unsigned int", 4, false, false, false},
    {"long int", 4, true, false, false},
    {"long unsigned int", 4, false, false, false},
    {"long long int", 8, true, false, false},
    {"long long unsigned int", 8, false, false, false},
    {"_Bool", 1, false, false, true},
};

void *expr_alloc(struct expr_ctx *x, size_t n)
{
    if (x->nowned == x->capowned) {
        x->capowned = x->capowned ? x->capowned * 2 : 64;
        x->owned = xrealloc(x->owned, x->capowned * sizeof *x->owned);
    }
    void *p = xcalloc(1, n);
    x->owned[x->nowned++] = p;
    return p;
}

void expr_init(struct expr_ctx *x, const struct expr_env *env)
{
    memset(x, 0, sizeof *x);
    x->env = env;
    x->cpu = -1;
    /* One more slot for void. */
    x->nbuiltin = ARRAY_SIZE(base_types) + 1;
    x->builtin = expr_alloc(x, x->nbuiltin * sizeof *x->builtin);
    for (size_t i = 0; i < ARRAY_SIZE(base_types); i++) {
        struct ktype *t = &x->builtin[i];
        t->kind = KT_BASE;
        t->name = (char *)base_types[i].name;
        t->size = base_types[i].size;
        t->is_signed = base_types[i].is_signed;
        t->is_char = base_types[i].is_char;
        t->is_bool = base_types[i].is_bool;
    }
    struct ktype *v = &x->builtin[x->nbuiltin - 1];
    v->kind = KT_VOID;
    v->name = (char *)"void";
}

void expr_free(struct expr_ctx *x)
{
    for (size_t i = 0; i < x->nowned; i++)
        free(x->owned[i]);
    free(x->owned);
    memset(x, 0, sizeof *x);
}

struct ktype *expr_builtin(struct expr_ctx *x, const char *dwarf_name)
{
    for (size_t i = 0; i < x->nbuiltin; i++)
        if (!strcmp(x->builtin[i].name, dwarf_name))
            return &x->builtin[i];
    return NULL;
}

struct ktype *expr_pointer_to(struct expr_ctx *x, struct ktype *target)
{
    struct ktype *p = expr_alloc(x, sizeof *p);
    p->kind = KT_POINTER;
    p->size = 4;
    p->target = target;
    p->target_built = true;
    return p;
}

struct ktype *expr_target(struct expr_ctx *x, struct ktype *ptr)
{
    if (ptr->kind != KT_POINTER || ptr->target_built || !x->env->target)
        return ptr->target;
    return x->env->target(x->env->ctx, ptr);
}

bool expr_is_signed(struct ktype *t)
{
    struct ktype *s = kt_strip(t);
    /* Enums: gdb and the kernel's compilers treat them as int unless a value needs unsigned. */
    if (s && s->kind == KT_ENUM)
        return true;
    return s && s->kind == KT_BASE && s->is_signed;
}

bool expr_is_integer(struct ktype *t)
{
    struct ktype *s = kt_strip(t);
    return s && ((s->kind == KT_BASE && !s->is_float) || s->kind == KT_ENUM);
}

uint64_t expr_wrap(struct ktype *t, uint64_t v)
{
    uint64_t size = kt_size(t);
    if (size == 0 || size >= 8)
        return v;
    unsigned bits = (unsigned)size * 8;
    uint64_t mask = (UINT64_C(1) << bits) - 1;
    v &= mask;
    if (expr_is_signed(t) && (v >> (bits - 1) & 1))
        v |= ~mask;
    return v;
}

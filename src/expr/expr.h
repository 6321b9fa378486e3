/*
 * expr: C expressions over the kernel's DWARF types, as gdb (and so crash's p) reads them.
 *
 * Promise: expr_parse() turns text into an AST with C's grammar and precedence (postfix [] . ->,
 * unary - ~ ! * & sizeof and casts, * / %, + -, << >>, comparisons, & ^ |, && ||, ?:) or fails
 * with one line naming the place. expr_eval() gives a typed value: an lvalue (type + kernel
 * virtual address, read only when needed) or an rvalue (type + integer). Integer arithmetic is done
 * in uint64_t and wrapped to the result type's size: no undefined behaviour; a shift by the type's
 * width or more, a negative shift and a division by zero are errors. Subscripts are checked against
 * the array bounds the DWARF gives. The layer knows nothing of dumps: names, memory and per-CPU
 * offsets come through struct expr_env (expr_kernel.c binds it to a struct kernel), so the grammar
 * is testable without a dump.
 */
#ifndef KS_EXPR_H
#define KS_EXPR_H
#include <stdbool.h>
#include <stdint.h>

#include "../dwarf/types.h"
#include "../util/util.h"

/* Longest expression accepted; longer text is refused with a clear error, never cut. */
#define EXPR_MAX_TEXT 4096

struct expr_value {
    struct ktype *type;
    bool lvalue; /* in memory at addr */
    uint64_t addr;
    uint64_t v;         /* rvalue: the integer or pointer, zero- or sign-extended from its size */
    unsigned bit_shift; /* lvalue bit-field: bits below it in the bytes at addr, and its width */
    unsigned bit_size;
};

struct expr_env {
    void *ctx;
    /* A name as the program sees it: a variable (lvalue), an enumerator or symbol (rvalue).
     * cpu >= 0 asks for that CPU's copy of a per-CPU variable. Non-zero with err set if unknown. */
    int (*lookup)(void *ctx, const char *name, int cpu, struct expr_value *out, ks_err *err);
    /* Is name a per-CPU variable (one whose value differs per CPU)? May be NULL. */
    bool (*is_percpu)(void *ctx, const char *name);
    /* A type by C name: "struct page", "pte_t" (no stars); NULL if there is none. */
    struct ktype *(*type)(void *ctx, const char *spec);
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len, ks_err *err);
    /* What a pointer points to (types built on demand); NULL: t->target. */
    struct ktype *(*target)(void *ctx, struct ktype *ptr);
    /* The type's C name for messages; NULL: kt_name without a DWARF handle. */
    void (*type_name)(void *ctx, struct ktype *t, char *out, size_t n);
    /* per_cpu(): addr of the CPU's copy of the per-CPU object at template address addr. */
    int (*per_cpu)(void *ctx, uint64_t addr, unsigned cpu, uint64_t *out, ks_err *err);
    /* crash's eval: bare numbers are hex ("123d" is decimal), literals are 64-bit unsigned, and
     * names may hold dots (symbols like foo.isra.0). */
    bool hex_numbers;
};

enum expr_kind {
    EN_NUM,
    EN_IDENT,
    EN_MEMBER,
    EN_ARROW,
    EN_INDEX,
    EN_UNARY,
    EN_BINARY,
    EN_LOGIC,
    EN_COND,
    EN_CAST,
    EN_SIZEOF_TYPE,
    EN_SIZEOF_EXPR,
    EN_PERCPU,
};

struct expr_node {
    enum expr_kind kind;
    int op; /* the operator token for unary/binary nodes */
    struct expr_node *a, *b, *c;
    char *name; /* identifier or member */
    uint64_t num;
    struct ktype *type; /* literal's type, cast target, sizeof's type */
    unsigned pos;       /* offset in the text, for error messages */
};

struct expr_ctx {
    const struct expr_env *env;
    const char *text;
    int cpu; /* -1: per-CPU variables are their templates */
    int depth;
    void **owned; /* nodes, names and synthetic types, freed by expr_free */
    size_t nowned, capowned;
    struct ktype *builtin; /* the C base types literals and operators need */
    size_t nbuiltin;
};

void expr_init(struct expr_ctx *x, const struct expr_env *env);
void expr_free(struct expr_ctx *x);
int expr_parse(struct expr_ctx *x, const char *text, struct expr_node **out, ks_err *err);
int expr_eval(struct expr_ctx *x, const struct expr_node *n, struct expr_value *out, ks_err *err);
/* Parse and evaluate in one go. */
int expr_evaluate(struct expr_ctx *x, const char *text, struct expr_value *out, ks_err *err);
/* A scalar's value (reading an lvalue; arrays and functions give their address). */
int expr_scalar(struct expr_ctx *x, const struct expr_value *v, uint64_t *out, ks_err *err);
/* Does the expression name a per-CPU variable outside per_cpu()? */
bool expr_uses_percpu(struct expr_ctx *x, const struct expr_node *n);

/* Helpers shared by the parser and the evaluator (expr_types.c). */
void *expr_alloc(struct expr_ctx *x, size_t n);
struct ktype *expr_builtin(struct expr_ctx *x, const char *dwarf_name);
struct ktype *expr_pointer_to(struct expr_ctx *x, struct ktype *target);
struct ktype *expr_target(struct expr_ctx *x, struct ktype *ptr);
/* The type's size in bytes, and the value's bits wrapped (and sign-extended) to it. */
uint64_t expr_wrap(struct ktype *t, uint64_t v);
bool expr_is_signed(struct ktype *t);
bool expr_is_integer(struct ktype *t);

#endif

/* Shared between the lexer, the parser and the evaluator of src/expr. Not for other layers. */
#ifndef KS_EXPR_PRIV_H
#define KS_EXPR_PRIV_H
#include "expr.h"

/* Operator codes: one-character operators are their character; these are the others. */
enum {
    OP_SHL = 256,
    OP_SHR,
    OP_LE,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_ANDAND,
    OP_OROR,
    OP_ARROW,
};

enum tok_kind { TK_END, TK_NUM, TK_IDENT, TK_OP };

struct token {
    enum tok_kind kind;
    int op;
    uint64_t num;
    struct ktype *type; /* a number's C type */
    char *text;         /* identifiers (arena-owned) */
    unsigned pos;
};

/* Split text into tokens (arena-owned, ending with TK_END). */
int expr_lex(struct expr_ctx *x, const char *text, struct token **out, size_t *n, ks_err *err);
/* "'+'", "'<<'", "'foo'", "the end": for error messages. */
void expr_tok_text(const struct token *t, char *out, size_t n);
void expr_type_name(struct expr_ctx *x, struct ktype *t, char *out, size_t n);

#endif

/* output's private half: a value as put_* received it, and its two renderings (cell.c). */
#ifndef KS_OUTPUT_CELL_H
#define KS_OUTPUT_CELL_H
#include "output.h"

struct cell_value {
    enum { VAL_UNSIGNED, VAL_SIGNED, VAL_FLOAT, VAL_STRING, VAL_NULL } kind;
    uint64_t u;
    int64_t i;
    double f;
    const char *s;     /* what programs see */
    const char *shown; /* what people see, when it differs (put_s_as) */
    bool not_shown;    /* nothing for people (put_s_as with shown NULL) */
};

/* The text of the cell, padded to the column's width (the gap is the caller's). */
void cell_text(strbuf *sb, const struct column *c, const struct cell_value *v);
/* The JSON member named by the column's key. */
void cell_json(struct json *j, const struct column *c, const struct cell_value *v);

#endif

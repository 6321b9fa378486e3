/* Shared by the streaming DIE reader's files (die_stream.c, die_abbrev.c); not for other files. */
#ifndef KS_DIE_STREAM_PRIV_H
#define KS_DIE_STREAM_PRIV_H
#include <stdbool.h>
#include <stdint.h>

#include "die_stream.h"

struct ds_spec {
    uint16_t at, form;
    int64_t implicit;
};

struct ds_abbrev {
    uint64_t code;
    uint16_t tag;
    bool children;
    uint32_t first, nspec; /* into the table's specs */
};

struct ds_table {
    struct ds_abbrev *abbrevs; /* sorted by code */
    size_t n;
    struct ds_spec *specs;
    size_t nspecs;
    struct ds_abbrev **direct; /* code -> abbrev when the codes are dense */
    uint64_t ndirect;
};

struct ds_blob {
    uint8_t *p; /* NUL-terminated one byte past size */
    uint64_t size;
};

/* A bounded cursor: a read past the end sets bad and reads zeros. */
struct cur {
    const uint8_t *p, *end;
    bool bad;
};

static inline uint64_t rd(struct cur *c, unsigned n)
{
    if ((size_t)(c->end - c->p) < n) {
        c->bad = true;
        c->p = c->end;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)c->p[i] << (8 * i);
    c->p += n;
    return v;
}

static inline uint64_t uleb(struct cur *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0; c->p < c->end; shift += 7) {
        uint8_t b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
        if (shift > 70) /* longer than any value: padding attacks stop here */
            break;
    }
    c->bad = true;
    c->p = c->end;
    return 0;
}

static inline int64_t sleb(struct cur *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (; c->p < c->end; shift += 7) {
        uint8_t b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (shift + 7 < 64 && (b & 0x40))
                v |= ~0ull << (shift + 7);
            return (int64_t)v;
        }
        if (shift > 70)
            break;
    }
    c->bad = true;
    c->p = c->end;
    return 0;
}

static inline const uint8_t *take(struct cur *c, uint64_t n)
{
    if ((uint64_t)(c->end - c->p) < n) {
        c->bad = true;
        c->p = c->end;
        return NULL;
    }
    const uint8_t *at = c->p;
    c->p += n;
    return at;
}

bool ds_form_known(uint64_t form);
/* Forms of type units, supplementary files and split DWARF. */
bool ds_form_unsupported(uint64_t form);
/* The table at off in .debug_abbrev (sec); 0 or DS_CORRUPT/DS_UNSUPPORTED with err. */
int ds_parse_table(const struct ds_blob *sec, uint64_t off, struct ds_table *t, ks_err *err);
const struct ds_abbrev *ds_abbrev_of(const struct ds_table *t, uint64_t code);
void ds_free_table(struct ds_table *t);

#endif

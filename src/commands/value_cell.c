/* Kernel values and type layouts as cells of the output model: printval renders them for people
 * (as gdb prints them) and for programs (JSON), from the one put_rendered call a command makes. */
#include <string.h>

#include "commands.h"

static int object_text(void *arg, FILE *out, ks_err *err)
{
    const struct value_cell *c = arg;
    struct ktype *st = kt_strip(c->type);
    if (c->in_memory)
        return print_object(c->k, out, c->type, c->addr, c->indent, &c->po, err);
    if (st && st->kind == KT_VOID)
        fputs("void", out);
    else
        print_value(c->k, out, c->type, c->bytes, 0, c->indent, &c->po);
    return 0;
}

static int object_json(void *arg, struct json *j, const char *key, ks_err *err)
{
    const struct value_cell *c = arg;
    struct ktype *st = kt_strip(c->type);
    if (c->in_memory)
        return json_object(c->k, j, key, c->type, c->addr, err);
    if (st && st->kind == KT_VOID)
        json_null(j, key);
    else
        json_value(c->k, j, key, c->type, c->bytes);
    return 0;
}

static void cell_init(struct value_cell *c, struct kernel *k, struct ktype *t, int indent, const struct printval_opts *po)
{
    memset(c, 0, sizeof *c);
    c->k = k;
    c->type = t;
    c->indent = indent;
    if (po)
        c->po = *po;
    c->r = (struct cell_render){object_text, object_json, c};
}

const struct cell_render *value_cell_at(struct value_cell *c, struct kernel *k, struct ktype *t, uint64_t addr, int indent,
                                        const struct printval_opts *po)
{
    cell_init(c, k, t, indent, po);
    c->in_memory = true;
    c->addr = addr;
    return &c->r;
}

const struct cell_render *value_cell_bytes(struct value_cell *c, struct kernel *k, struct ktype *t, const uint8_t bytes[8],
                                           const struct printval_opts *po)
{
    cell_init(c, k, t, 0, po);
    memcpy(c->bytes, bytes, sizeof c->bytes);
    return &c->r;
}

static int layout_text(void *arg, FILE *out, ks_err *err)
{
    const struct layout_cell *c = arg;
    (void)err;
    if (c->declared)
        fputs("typedef ", out);
    print_layout(c->k, out, c->type, c->offsets, 0, 0, c->declared);
    return 0;
}

/* The layout's members go into the enclosing object ("type", "size", "members"): key unused. */
static int layout_json(void *arg, struct json *j, const char *key, ks_err *err)
{
    const struct layout_cell *c = arg;
    (void)key;
    (void)err;
    json_layout(c->k, j, c->type);
    return 0;
}

const struct cell_render *layout_cell(struct layout_cell *c, struct kernel *k, struct ktype *t, bool offsets,
                                      const char *declared)
{
    *c = (struct layout_cell){.k = k, .type = t, .offsets = offsets, .declared = declared};
    c->r = (struct cell_render){layout_text, layout_json, c};
    return &c->r;
}

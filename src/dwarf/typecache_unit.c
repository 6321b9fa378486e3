/*
 * One unit's types as compact nodes, built by types.c's rules (that file is the specification:
 * sizes, pointer defaults, qualifiers, arrays' dimensions, member places and bit-fields,
 * enumerator values, function parameters), and the name index built by dwarf_index.c's rules
 * (top-level DIEs only, the first complete definition wins, declarations are not indexed).
 * The insides of subprograms are skipped: their types are function-local and no name reaches
 * them (a reference that does is followed on demand, the unit being whole in memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typecache_build.h"

struct tfixup {
    uint32_t member;
    uint32_t bits;
    uint64_t msb, loc;
};

size_t tv_push(struct tvec *v, size_t sz)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->p = xrealloc(v->p, v->cap * sz);
    }
    memset((char *)v->p + v->n * sz, 0, sz);
    return v->n++;
}

bool tb_node_at(const struct ub *ub, uint64_t die, uint32_t *node)
{
    if (die < ub->u->off || die >= ub->u->end || !ub->at[die - ub->u->off])
        return false;
    *node = ub->at[die - ub->u->off] - 1;
    return true;
}

uint32_t tb_intern(struct tb *b, const char *s)
{
    uint64_t key = s ? ds_string_key(b->r, s) : 0, id;
    if (key && key <= b->str_direct_len) { /* in .debug_str: one array access */
        uint32_t *slot = &b->str_direct[key - 1];
        if (!*slot)
            *slot = tc_str_ref(b->out, s) + 1;
        return *slot - 1;
    }
    if (!key && s) { /* a short DW_FORM_string ("next", "lock"): the bytes are the key */
        size_t len = strnlen(s, 8);
        if (len < 8) {
            key = 1ull << 63;
            memcpy(&key, s, len);
            key |= 1ull << 63;
        }
    }
    if (!key)
        return tc_str_ref(b->out, s);
    if (u64_get(&b->str_ids, key, &id))
        return (uint32_t)id;
    id = tc_str_ref(b->out, s);
    u64_put(&b->str_ids, key, id);
    return (uint32_t)id;
}

bool tb_entry(const struct tb *b, int ns, uint32_t name, uint64_t *entry)
{
    return name != TC_NO_NAME && u64_get(&b->names, (uint64_t)ns << 32 | name, entry);
}

static enum kt_kind kind_of_tag(uint16_t tag)
{
    switch (tag) {
    case DW_TAG_base_type:
        return KT_BASE;
    case DW_TAG_pointer_type:
        return KT_POINTER;
    case DW_TAG_structure_type:
        return KT_STRUCT;
    case DW_TAG_union_type:
        return KT_UNION;
    case DW_TAG_enumeration_type:
        return KT_ENUM;
    case DW_TAG_typedef:
        return KT_TYPEDEF;
    case DW_TAG_array_type:
        return KT_ARRAY;
    case DW_TAG_const_type:
        return KT_CONST;
    case DW_TAG_volatile_type:
        return KT_VOLATILE;
    case DW_TAG_subroutine_type:
        return KT_FUNC;
    case DW_TAG_subprogram:
        return KT_FUNC;
    default:
        return KT_QUAL; /* restrict, atomic, ...: passed through */
    }
}

static bool is_type_tag(uint16_t tag)
{
    return (kind_of_tag(tag) != KT_QUAL && tag != DW_TAG_subprogram) || tag == DW_TAG_restrict_type ||
           tag == DW_TAG_atomic_type || tag == DW_TAG_immutable_type || tag == DW_TAG_unspecified_type ||
           tag == DW_TAG_reference_type || tag == DW_TAG_rvalue_reference_type;
}

static int ns_of_tag(uint16_t tag)
{
    return tag == DW_TAG_structure_type                       ? NS_STRUCT
           : tag == DW_TAG_union_type                         ? NS_UNION
           : tag == DW_TAG_enumeration_type                   ? NS_ENUM
           : tag == DW_TAG_typedef || tag == DW_TAG_base_type ? NS_TYPEDEF
                                                              : -1;
}

static struct tnode *node(struct ub *ub, uint32_t i)
{
    return &TV_AT(ub->nodes, struct tnode, i);
}

static uint32_t new_node(struct ub *ub, uint64_t die, uint64_t tdie)
{
    size_t i = tv_push(&ub->nodes, sizeof(struct tnode));
    tv_push(&ub->tdie, sizeof(uint64_t));
    TV_AT(ub->tdie, uint64_t, i) = tdie;
    node(ub, (uint32_t)i)->die = die;
    node(ub, (uint32_t)i)->target = TC_REF_NULL;
    node(ub, (uint32_t)i)->name = TC_NO_NAME;
    if (die)
        ub->at[die - ub->u->off] = (uint32_t)i + 1;
    return (uint32_t)i;
}

/* DW_AT_data_member_location: a constant, or DW_OP_plus_uconst n (as types.c member_location). */
static uint64_t member_location(const struct ds_die *d)
{
    const struct ds_attr *a = ds_attr(d, DW_AT_data_member_location);
    if (!a)
        return 0;
    if (a->form == DW_FORM_exprloc || a->form == DW_FORM_block1) {
        uint64_t loc = 0;
        if (a->blen >= 2 && a->block[0] == DW_OP_plus_uconst) {
            const uint8_t *p = a->block + 1;
            for (unsigned shift = 0; p < a->block + a->blen && shift < 64; shift += 7, p++) {
                loc |= (uint64_t)(*p & 0x7f) << shift;
                if (!(*p & 0x80))
                    break;
            }
        }
        return loc;
    }
    if (a->form == DW_FORM_data1 || a->form == DW_FORM_data2 || a->form == DW_FORM_data4 || a->form == DW_FORM_data8 ||
        a->form == DW_FORM_udata)
        return a->u;
    /* dwarf_formudata takes a signed form only when it is not negative */
    return (a->form == DW_FORM_sdata || a->form == DW_FORM_implicit_const) && a->s >= 0 ? a->u : 0;
}

static uint64_t type_die(const struct ds_die *d)
{
    uint64_t off;
    return ds_ref(d, DW_AT_type, &off) == 0 ? off : 0;
}

static void add_member(struct ub *ub, const struct ds_die *c)
{
    size_t i = tv_push(&ub->members, sizeof(struct tmember));
    tv_push(&ub->mdie, sizeof(uint64_t));
    struct tmember *m = &TV_AT(ub->members, struct tmember, i);
    TV_AT(ub->mdie, uint64_t, i) = type_die(c);
    m->name = tb_intern(ub->b, ds_name(c));
    m->offset = member_location(c);
    uint64_t bits = 0, v = 0, unit = 0, msb = 0;
    if (ds_udata(c, DW_AT_bit_size, &bits) != 0 || bits == 0)
        return;
    m->bit_size = (uint32_t)bits;
    if (ds_udata(c, DW_AT_data_bit_offset, &v) == 0) {
        m->bit_pos = v;
    } else {
        ds_udata(c, DW_AT_bit_offset, &msb);
        if (ds_udata(c, DW_AT_byte_size, &unit) != 0) { /* the unit is the type's size: known once resolved */
            size_t f = tv_push(&ub->fixups, sizeof(struct tfixup));
            TV_AT(ub->fixups, struct tfixup, f) = (struct tfixup){(uint32_t)i, (uint32_t)bits, msb, m->offset};
            return;
        }
        m->bit_pos = m->offset * 8 + unit * 8 - msb - bits;
    }
    m->offset = m->bit_pos / 8;
}

static void add_param(struct ub *ub, const struct ds_die *c)
{
    size_t i = tv_push(&ub->members, sizeof(struct tmember));
    tv_push(&ub->mdie, sizeof(uint64_t));
    TV_AT(ub->mdie, uint64_t, i) = type_die(c);
    TV_AT(ub->members, struct tmember, i).name = tb_intern(ub->b, ds_name(c));
}

static void add_enumerator(struct ub *ub, const struct ds_die *c)
{
    size_t i = tv_push(&ub->enums, sizeof(struct tc_enum));
    int64_t v = 0;
    ds_sdata(c, DW_AT_const_value, &v);
    TV_AT(ub->enums, struct tc_enum, i).name = tb_intern(ub->b, ds_name(c));
    TV_AT(ub->enums, struct tc_enum, i).value = v;
}

static uint64_t dimension(const struct ds_die *c)
{
    uint64_t n = 0, ub = 0;
    if (ds_udata(c, DW_AT_count, &n) == 0)
        return n;
    if (ds_udata(c, DW_AT_upper_bound, &ub) == 0 && ub != UINT64_MAX)
        return ub + 1;
    return 0;
}

/* Children of a struct, union, enum, function or array; *after is past them. Nested DIEs of
 * other kinds are not read (C does not nest types; a reference to one builds it on demand). */
static int read_children(struct ub *ub, uint32_t n, const struct ds_die *d, uint64_t at, uint64_t *after, ks_err *err)
{
    struct ds_die c;
    uint64_t dims[8];
    unsigned nd = 0;
    uint8_t kind = node(ub, n)->kind;
    uint32_t first = (uint32_t)(kind == KT_ENUM ? ub->enums.n : ub->members.n);
    *after = at;
    while (d->has_children && at < ub->u->end) {
        uint64_t next;
        int rc = ds_read_die(ub->u, at, &c, &next, err);
        if (rc)
            return rc;
        if (!c.tag) {
            *after = next;
            break;
        }
        if (c.tag == DW_TAG_member && (kind == KT_STRUCT || kind == KT_UNION))
            add_member(ub, &c);
        else if (c.tag == DW_TAG_formal_parameter && kind == KT_FUNC)
            add_param(ub, &c);
        else if (c.tag == DW_TAG_unspecified_parameters && kind == KT_FUNC)
            node(ub, n)->flags |= TCF_VARARGS;
        else if (c.tag == DW_TAG_enumerator && kind == KT_ENUM)
            add_enumerator(ub, &c);
        else if (c.tag == DW_TAG_subrange_type && kind == KT_ARRAY && nd < 8)
            dims[nd++] = dimension(&c);
        if ((rc = ds_skip_children(ub->u, &c, next, &at, err)) != 0)
            return rc;
        *after = at;
    }
    struct tnode *t = node(ub, n);
    if (kind == KT_ARRAY) {
        if (nd == 0)
            dims[nd++] = 0;
        uint64_t elem = TV_AT(ub->tdie, uint64_t, n);
        uint32_t inner = TC_REF_NULL;
        for (unsigned i = nd; i-- > 1;) { /* inner dimensions are anonymous array types */
            uint32_t k = new_node(ub, 0, elem);
            node(ub, k)->kind = KT_ARRAY;
            node(ub, k)->count = dims[i];
            node(ub, k)->derived = 1;
            if (inner != TC_REF_NULL) {
                node(ub, k)->target = inner;
                TV_AT(ub->tdie, uint64_t, k) = TDIE_SET;
            }
            inner = TN_LOCAL | k;
        }
        t = node(ub, n);
        t->count = dims[0];
        t->derived = 1;
        if (inner != TC_REF_NULL) {
            t->target = inner;
            TV_AT(ub->tdie, uint64_t, n) = TDIE_SET;
        }
        return 0;
    }
    t->first = first;
    t->nkids = (uint32_t)(kind == KT_ENUM ? ub->enums.n : ub->members.n) - first;
    return 0;
}

/* The node for the DIE d (read at d->off, attributes ending at next); *after is past its subtree. */
static int build_node(struct ub *ub, const struct ds_die *d, uint64_t next, uint64_t *after, uint32_t *out, ks_err *err)
{
    const char *name = ds_name(d);
    uint64_t u = 0;
    int ns = ns_of_tag(d->tag);
    if (name && ns >= 0 && ns != NS_TYPEDEF && ds_attr(d, DW_AT_declaration)) {
        /* "struct foo;" stands for the definition the index names (types.c build_type) */
        uint32_t n = *out = new_node(ub, d->off, 0);
        node(ub, n)->kind = TN_DECL;
        node(ub, n)->ns = (uint8_t)ns;
        node(ub, n)->name = tb_intern(ub->b, name);
        node(ub, n)->target = TN_UNSET; /* the definition, looked up when first referred to */
        uint64_t size = 0;
        if (ds_udata(d, DW_AT_byte_size, &size) == 0)
            node(ub, n)->size = size;
        return ds_skip_children(ub->u, d, next, after, err);
    }
    uint32_t n = *out = new_node(ub, d->off, type_die(d));
    struct tnode *t = node(ub, n);
    t->kind = (uint8_t)kind_of_tag(d->tag);
    t->name = tb_intern(ub->b, name);
    if (ds_udata(d, DW_AT_byte_size, &u) == 0)
        t->size = u;
    switch (t->kind) {
    case KT_BASE:
        if (ds_udata(d, DW_AT_encoding, &u) == 0)
            t->flags = (uint8_t)((u == DW_ATE_signed || u == DW_ATE_signed_char ? TCF_SIGNED : 0) |
                                 (u == DW_ATE_signed_char || u == DW_ATE_unsigned_char ? TCF_CHAR : 0) |
                                 (u == DW_ATE_boolean ? TCF_BOOL : 0) | (u == DW_ATE_float ? TCF_FLOAT : 0));
        TV_AT(ub->tdie, uint64_t, n) = TDIE_SET;
        break;
    case KT_POINTER:
        if (!t->size)
            t->size = 4;
        break;
    case KT_STRUCT:
    case KT_UNION:
    case KT_ENUM:
        TV_AT(ub->tdie, uint64_t, n) = TDIE_SET; /* no target: TC_REF_NULL */
        break;
    case KT_FUNC:
        if (ds_attr(d, DW_AT_prototyped))
            t->flags |= TCF_PROTOTYPED;
        break;
    case KT_ARRAY:
        break;
    default:
        t->derived = t->size == 0;
        break;
    }
    if (t->kind == KT_STRUCT || t->kind == KT_UNION || t->kind == KT_ENUM || t->kind == KT_FUNC || t->kind == KT_ARRAY)
        return read_children(ub, n, d, next, after, err);
    return ds_skip_children(ub->u, d, next, after, err);
}

/* ---- references ---- */

static uint32_t decl_target(struct ub *ub, uint32_t n)
{
    struct tb *b = ub->b;
    struct tnode *t = node(ub, n);
    uint64_t e;
    if (t->target != TN_UNSET)
        return t->target;
    t->target = TN_LOCAL | n; /* no definition met yet: the declaration itself, resolved at the end */
    if (tb_entry(b, t->ns, t->name, &e)) {
        const struct tentry *en = &TV_AT(b->entries, struct tentry, e);
        uint32_t local;
        if (en->die >= ub->u->off && en->die < ub->u->end) {
            if (tb_node_at(ub, en->die, &local))
                t->target = TN_LOCAL | local;
        } else {
            t->target = en->ref;
        }
    }
    return t->target;
}

static int node_at(struct ub *ub, uint64_t die, uint32_t *n, ks_err *err)
{
    uint64_t next, after;
    if (tb_node_at(ub, die, n))
        return 0;
    struct ds_die d;
    int rc = ds_read_die(ub->u, die, &d, &next, err);
    if (rc)
        return rc;
    if (!d.tag)
        return ds_corrupt(err, "a type reference names a null entry");
    return build_node(ub, &d, next, &after, n, err);
}

static int resolve(struct ub *ub, uint64_t die, uint32_t *ref, ks_err *err)
{
    struct tb *b = ub->b;
    uint64_t v;
    if (!die) {
        *ref = TC_REF_VOID;
        return 0;
    }
    if (die < ub->u->off) {
        if (!u64_get(&b->exported, die, &v))
            return ds_unsupported(err, "a reference into an earlier compile unit");
        *ref = (uint32_t)v;
        return 0;
    }
    if (die >= ub->u->end) {
        if (!u64_get(&b->fwd, die, &v)) {
            size_t i = tv_push(&b->nodes, sizeof(struct tnode));
            TV_AT(b->nodes, struct tnode, i).kind = TN_FWD;
            TV_AT(b->nodes, struct tnode, i).die = die;
            TV_AT(b->nodes, struct tnode, i).target = TC_REF_NULL;
            TV_AT(b->nodes, struct tnode, i).name = TC_NO_NAME;
            for (int k = 0; k <= TB_ROUNDS; k++)
                TV_AT(b->nodes, struct tnode, i).h[k] = tb_mix(TN_FWD, die);
            v = i + 1;
            u64_put(&b->fwd, die, v);
            u64_put(&b->wanted, die, TN_UNSET);
        }
        *ref = (uint32_t)v;
        return 0;
    }
    uint32_t n;
    int rc = node_at(ub, die, &n, err);
    if (rc)
        return rc;
    *ref = node(ub, n)->kind == TN_DECL ? decl_target(ub, n) : TN_LOCAL | n;
    return 0;
}

/* Every node's and member's references, including the nodes built on demand meanwhile. */
static int resolve_nodes(struct ub *ub, ks_err *err)
{
    for (size_t i = 0; i < ub->nodes.n; i++) {
        uint64_t tdie = TV_AT(ub->tdie, uint64_t, i);
        uint32_t ref;
        int rc;
        if (node(ub, (uint32_t)i)->kind == TN_DECL) {
            decl_target(ub, (uint32_t)i);
            continue;
        }
        if (tdie != TDIE_SET) {
            if ((rc = resolve(ub, tdie, &ref, err)) != 0)
                return rc;
            node(ub, (uint32_t)i)->target = ref;
        }
        uint8_t kind = node(ub, (uint32_t)i)->kind;
        if (kind != KT_STRUCT && kind != KT_UNION && kind != KT_FUNC)
            continue;
        for (uint32_t m = 0; m < node(ub, (uint32_t)i)->nkids; m++) {
            uint32_t at = node(ub, (uint32_t)i)->first + m;
            if ((rc = resolve(ub, TV_AT(ub->mdie, uint64_t, at), &ref, err)) != 0)
                return rc;
            TV_AT(ub->members, struct tmember, at).type = ref;
        }
    }
    return 0;
}

/* DWARF 2/3 bit-fields without a byte size: the storage unit is the member type's size. */
static void fix_bitfields(struct ub *ub)
{
    for (size_t i = 0; i < ub->fixups.n; i++) {
        const struct tfixup *f = &TV_AT(ub->fixups, struct tfixup, i);
        struct tmember *m = &TV_AT(ub->members, struct tmember, f->member);
        uint64_t unit = tb_size(ub, m->type, 0);
        m->bit_pos = f->loc * 8 + unit * 8 - f->msb - f->bits;
        m->offset = m->bit_pos / 8;
    }
}

/* ---- the index ---- */

static void pend(struct ub *ub, uint32_t entry, uint64_t die, uint64_t var)
{
    size_t i = tv_push(&ub->pending, sizeof(struct tpending));
    TV_AT(ub->pending, struct tpending, i) = (struct tpending){entry, TC_REF_NULL, die, var};
}

static bool put_entry(struct ub *ub, int ns, const char *name, uint64_t die, uint32_t *entry)
{
    struct tb *b = ub->b;
    size_t i = b->entries.n;
    uint32_t id = tb_intern(b, name);
    uint64_t key = (uint64_t)ns << 32 | id;
    if (u64_get(&b->names, key, NULL))
        return false;
    u64_put(&b->names, key, i);
    b->count[ns]++;
    tv_push(&b->entries, sizeof(struct tentry));
    struct tentry *e = &TV_AT(b->entries, struct tentry, i);
    e->die = die;
    e->name = id;
    e->ns = (uint8_t)ns;
    e->ref = TC_REF_NULL;
    *entry = (uint32_t)i;
    return true;
}

/* A variable whose DW_AT_specification names its declaration: name and type are the declaration's. */
static int index_spec(struct ub *ub, uint64_t spec, ks_err *err)
{
    struct tb *b = ub->b;
    uint32_t entry;
    if (spec < ub->u->off || spec >= ub->u->end) {
        uint64_t v;
        if (!u64_get(&b->exported_vars, spec, &v))
            return ds_unsupported(err, "a variable specified in another unit");
        const char *name = (const char *)b->out->strings.p + (v >> 32);
        if ((uint32_t)(v >> 32) != TC_NO_NAME && put_entry(ub, NS_VAR, name, spec, &entry))
            TV_AT(b->entries, struct tentry, entry).ref = (uint32_t)v;
        return 0;
    }
    struct ds_die decl;
    uint64_t next;
    int rc = ds_read_die(ub->u, spec, &decl, &next, err);
    if (rc)
        return rc;
    const char *name = ds_name(&decl);
    if (name && put_entry(ub, NS_VAR, name, spec, &entry) && ds_attr(&decl, DW_AT_type))
        pend(ub, entry, type_die(&decl), 0);
    return 0;
}

static int index_var(struct ub *ub, const struct ds_die *d, ks_err *err)
{
    uint64_t spec;
    uint32_t entry;
    if (ds_ref(d, DW_AT_specification, &spec) == 0)
        return index_spec(ub, spec, err);
    const char *name = ds_name(d);
    if (ub->partial && ds_attr(d, DW_AT_type)) /* another unit's definition may name this one */
        pend(ub, tb_intern(ub->b, name), type_die(d), d->off);
    else if (ub->partial) /* ... and then have no type, as here */
        u64_put(&ub->b->exported_vars, d->off, (uint64_t)tb_intern(ub->b, name) << 32 | TC_REF_NULL);
    if (!name || !ds_attr(d, DW_AT_type))
        return 0;
    if (put_entry(ub, ds_attr(d, DW_AT_declaration) ? NS_VARDECL : NS_VAR, name, d->off, &entry))
        pend(ub, entry, type_die(d), 0);
    return 0;
}

static void index_type(struct ub *ub, const struct ds_die *d, uint64_t next)
{
    const char *name = ds_name(d);
    int ns = ns_of_tag(d->tag);
    uint32_t entry;
    if (d->tag == DW_TAG_enumeration_type && d->has_children) {
        struct ds_die c;
        for (uint64_t at = next; at < ub->u->end;) {
            if (ds_read_die(ub->u, at, &c, &at, NULL) || !c.tag)
                break;
            const char *en = ds_name(&c);
            if (en && put_entry(ub, NS_ENUMERATOR, en, d->off, &entry))
                pend(ub, entry, d->off, 0);
            if (c.has_children && ds_skip_children(ub->u, &c, at, &at, NULL))
                break;
        }
    }
    if (ns < 0 || !name || ds_attr(d, DW_AT_declaration))
        return;
    if (put_entry(ub, ns, name, d->off, &entry))
        pend(ub, entry, d->off, 0);
}

/* ---- the walk ---- */

/* Every DIE below the unit DIE, subprograms' insides skipped; top-level DIEs are indexed. */
static int walk(struct ub *ub, ks_err *err)
{
    struct ds_die d;
    uint64_t at, next;
    int rc = ds_read_die(ub->u, ub->u->first_die, &d, &at, err);
    if (rc)
        return rc;
    ub->partial = d.tag == DW_TAG_partial_unit;
    unsigned depth = d.has_children ? 1 : 0;
    while (depth && at < ub->u->end) {
        if ((rc = ds_read_die(ub->u, at, &d, &next, err)) != 0)
            return rc;
        if (!d.tag) {
            depth--;
            at = next;
            continue;
        }
        if (depth == 1 && d.tag == DW_TAG_variable && (rc = index_var(ub, &d, err)) != 0)
            return rc;
        if (depth == 1 && ns_of_tag(d.tag) >= 0)
            index_type(ub, &d, next);
        uint32_t n;
        if (is_type_tag(d.tag) && !tb_node_at(ub, d.off, &n)) {
            if ((rc = build_node(ub, &d, next, &at, &n, err)) != 0)
                return rc;
        } else if (d.tag == DW_TAG_subprogram || is_type_tag(d.tag)) {
            if ((rc = ds_skip_children(ub->u, &d, next, &at, err)) != 0)
                return rc;
        } else {
            at = next;
            if (d.has_children && ++depth > 512)
                return ds_corrupt(err, "DIEs nest too deep");
        }
    }
    return 0;
}

int tb_read_unit(struct ub *ub, ks_err *err)
{
    int rc = walk(ub, err);
    for (size_t i = 0; !rc && i < ub->pending.n; i++) {
        struct tpending *p = &TV_AT(ub->pending, struct tpending, i);
        uint32_t ref;
        rc = resolve(ub, p->die, &ref, err);
        TV_AT(ub->pending, struct tpending, i).ref = ref;
    }
    if (!rc)
        rc = resolve_nodes(ub, err);
    if (!rc)
        fix_bitfields(ub);
    return rc;
}

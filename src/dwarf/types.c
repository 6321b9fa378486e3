/*
 * Building struct ktype from DIEs, on demand, and the queries the upper layers use.
 * A type is registered in kd->by_die before its members are filled, so recursive types terminate;
 * pointer targets stay unbuilt until kt_target() follows them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_priv.h"
#include "typecache.h"

static struct ktype *build_type(struct kdwarf *kd, Dwarf_Off off);
struct ktype *kd_build_type(struct kdwarf *kd, uint64_t die) { return build_type(kd, die); }

static struct ktype *built_get(struct kdwarf *kd, Dwarf_Off off)
{
    uint64_t v;
    return u64_get(&kd->by_die, off, &v) ? (struct ktype *)(uintptr_t)v : NULL;
}

static void built_put(struct kdwarf *kd, Dwarf_Off off, struct ktype *t)
{
    if (!u64_get(&kd->by_die, off, NULL)) /* first one stays, as hm_put did */
        u64_put(&kd->by_die, off, (uint64_t)(uintptr_t)t);
}

/* The type a DIE's DW_AT_type names (void if none). */
static struct ktype *type_of(struct kdwarf *kd, Dwarf_Die die)
{
    Dwarf_Off off;
    if (kd_attr_ref(kd, die, DW_AT_type, &off) != 0) return &kd->void_type;
    struct ktype *t = build_type(kd, off);
    return t ? t : &kd->void_type;
}

/* DW_AT_data_member_location: a constant, or (old compilers) DW_OP_plus_uconst n. */
static uint64_t member_location(struct kdwarf *kd, Dwarf_Die die)
{
    Dwarf_Attribute a;
    if (dwarf_attr(die, DW_AT_data_member_location, &a, NULL) != DW_DLV_OK) return 0;
    Dwarf_Half form = 0;
    dwarf_whatform(a, &form, NULL);
    uint64_t loc = 0;
    if (form == DW_FORM_exprloc || form == DW_FORM_block1) {
        Dwarf_Unsigned len = 0;
        Dwarf_Ptr p = NULL;
        if (dwarf_formexprloc(a, &len, &p, NULL) == DW_DLV_OK && len >= 2 && ((uint8_t *)p)[0] == DW_OP_plus_uconst) {
            const uint8_t *b = (uint8_t *)p + 1;
            for (unsigned shift = 0; b < (uint8_t *)p + len && shift < 64; shift += 7, b++) {
                loc |= (uint64_t)(*b & 0x7f) << shift;
                if (!(*b & 0x80)) break;
            }
        }
    } else {
        /* libdwarf 20210528's dwarf_formudata refuses DW_FORM_implicit_const (GCC 12's DWARF 5 puts
         * common member offsets in the abbreviation): its value comes through dwarf_formsdata. */
        Dwarf_Unsigned u = 0;
        Dwarf_Signed s = 0;
        if (dwarf_formudata(a, &u, NULL) == DW_DLV_OK) loc = u;
        else if (form == DW_FORM_implicit_const && dwarf_formsdata(a, &s, NULL) == DW_DLV_OK && s >= 0) loc = (uint64_t)s;
    }
    dwarf_dealloc_attribute(a);
    return loc;
}

static void fill_member(struct kdwarf *kd, Dwarf_Die die, struct kt_member *m)
{
    m->name = kd_name(kd, die);
    m->type = type_of(kd, die);
    m->offset = member_location(kd, die);
    Dwarf_Unsigned bits = 0, v = 0;
    if (kd_attr_udata(kd, die, DW_AT_bit_size, &bits) != 0 || bits == 0) return;
    m->bit_size = (unsigned)bits;
    if (kd_attr_udata(kd, die, DW_AT_data_bit_offset, &v) == 0) {
        m->bit_pos = v;                          /* DWARF 4+: from the start of the struct, LSB first */
    } else {
        /* DWARF 2/3 style: storage unit at data_member_location, bit_offset counted from its MSB. */
        Dwarf_Unsigned unit = 0, msb = 0;
        if (kd_attr_udata(kd, die, DW_AT_byte_size, &unit) != 0) unit = kt_size(m->type);
        kd_attr_udata(kd, die, DW_AT_bit_offset, &msb);
        m->bit_pos = m->offset * 8 + unit * 8 - msb - bits;
    }
    /* The byte holding the first bit, as gdb (and so crash) shows it; bit_pos keeps the exact bit. */
    m->offset = m->bit_pos / 8;
}

static void fill_children(struct kdwarf *kd, Dwarf_Die die, struct ktype *t)
{
    Dwarf_Die c = NULL;
    unsigned cap = 0;
    if (dwarf_child(die, &c, NULL) != DW_DLV_OK) return;
    while (c) {
        Dwarf_Half tag = 0;
        dwarf_tag(c, &tag, NULL);
        if (tag == DW_TAG_member && (t->kind == KT_STRUCT || t->kind == KT_UNION)) {
            if (t->nmembers == cap) t->members = xrealloc(t->members, (cap = cap ? cap * 2 : 8) * sizeof *t->members);
            struct kt_member *m = &t->members[t->nmembers++];
            memset(m, 0, sizeof *m);
            fill_member(kd, c, m);
        } else if (tag == DW_TAG_formal_parameter && t->kind == KT_FUNC) {
            /* A function's parameters are its members: a type and (in a definition) a name. */
            if (t->nmembers == cap) t->members = xrealloc(t->members, (cap = cap ? cap * 2 : 8) * sizeof *t->members);
            struct kt_member *m = &t->members[t->nmembers++];
            memset(m, 0, sizeof *m);
            m->name = kd_name(kd, c);
            m->type = type_of(kd, c);
        } else if (tag == DW_TAG_unspecified_parameters && t->kind == KT_FUNC) {
            t->varargs = true;
        } else if (tag == DW_TAG_enumerator && t->kind == KT_ENUM) {
            if (t->nenums == cap) t->enums = xrealloc(t->enums, (cap = cap ? cap * 2 : 8) * sizeof *t->enums);
            struct kt_enumerator *e = &t->enums[t->nenums++];
            Dwarf_Signed v = 0;
            kd_attr_sdata(kd, c, DW_AT_const_value, &v);
            e->name = kd_name(kd, c);
            e->value = v;
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(kd->dbg, c, 1, &next, NULL);
        dwarf_dealloc_die(c);
        c = r == DW_DLV_OK ? next : NULL;
    }
    /* Exactly as long as needed: the type cache's build holds millions of these at once. */
    if (t->nmembers && t->nmembers < cap) t->members = xrealloc(t->members, t->nmembers * sizeof *t->members);
    if (t->nenums && t->nenums < cap) t->enums = xrealloc(t->enums, t->nenums * sizeof *t->enums);
}

/* Arrays: one ktype per dimension, outermost first. */
static void fill_array(struct kdwarf *kd, Dwarf_Die die, struct ktype *t)
{
    struct ktype *elem = type_of(kd, die);
    uint64_t dims[8];
    unsigned nd = 0;
    Dwarf_Die c = NULL;
    if (dwarf_child(die, &c, NULL) == DW_DLV_OK) {
        while (c) {
            Dwarf_Half tag = 0;
            dwarf_tag(c, &tag, NULL);
            if (tag == DW_TAG_subrange_type && nd < 8) {
                Dwarf_Unsigned n = 0, ub = 0;
                if (kd_attr_udata(kd, c, DW_AT_count, &n) == 0) dims[nd++] = n;
                else if (kd_attr_udata(kd, c, DW_AT_upper_bound, &ub) == 0 && ub != (Dwarf_Unsigned)-1) dims[nd++] = ub + 1;
                else dims[nd++] = 0;
            }
            Dwarf_Die next = NULL;
            int r = dwarf_siblingof_b(kd->dbg, c, 1, &next, NULL);
            dwarf_dealloc_die(c);
            c = r == DW_DLV_OK ? next : NULL;
        }
    }
    if (nd == 0) dims[nd++] = 0;
    for (unsigned i = nd; i-- > 1;) {           /* inner dimensions are anonymous array types */
        struct ktype *inner = kd_new_type(kd);
        inner->kind = KT_ARRAY;
        inner->target = elem;
        inner->count = dims[i];
        inner->size = dims[i] * kt_size(elem);
        elem = inner;
    }
    t->target = elem;
    t->count = dims[0];
    t->size = dims[0] * kt_size(elem);
}

static enum kt_kind kind_of_tag(Dwarf_Half tag)
{
    switch (tag) {
    case DW_TAG_base_type: return KT_BASE;
    case DW_TAG_pointer_type: return KT_POINTER;
    case DW_TAG_structure_type: return KT_STRUCT;
    case DW_TAG_union_type: return KT_UNION;
    case DW_TAG_enumeration_type: return KT_ENUM;
    case DW_TAG_typedef: return KT_TYPEDEF;
    case DW_TAG_array_type: return KT_ARRAY;
    case DW_TAG_const_type: return KT_CONST;
    case DW_TAG_volatile_type: return KT_VOLATILE;
    case DW_TAG_subroutine_type: return KT_FUNC;
    case DW_TAG_subprogram: return KT_FUNC;
    default: return KT_VOID;    /* restrict, atomic, ... are transparent below */
    }
}

static void fill_type(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half tag, struct ktype *t)
{
    Dwarf_Unsigned u = 0;
    if (kd_attr_udata(kd, die, DW_AT_byte_size, &u) == 0) t->size = u;
    switch (t->kind) {
    case KT_BASE:
        if (kd_attr_udata(kd, die, DW_AT_encoding, &u) == 0) {
            t->is_signed = u == DW_ATE_signed || u == DW_ATE_signed_char;
            t->is_char = u == DW_ATE_signed_char || u == DW_ATE_unsigned_char;
            t->is_bool = u == DW_ATE_boolean;
            t->is_float = u == DW_ATE_float;
        }
        break;
    case KT_POINTER: {
        Dwarf_Off off;
        t->target_die = kd_attr_ref(kd, die, DW_AT_type, &off) == 0 ? off : 0;
        if (!t->size) t->size = 4;
        break;
    }
    case KT_STRUCT: case KT_UNION: case KT_ENUM: fill_children(kd, die, t); break;
    case KT_ARRAY: fill_array(kd, die, t); break;
    case KT_FUNC:
        t->target = type_of(kd, die);
        t->prototyped = kd_has_attr(die, DW_AT_prototyped);
        fill_children(kd, die, t);
        break;
    case KT_VOID:   /* a qualifier we pass through */
        (void)tag;
        /* fallthrough */
    default:
        t->target = type_of(kd, die);
        if (!t->size) t->size = kt_size(t->target);
        break;
    }
}

static struct ktype *build_type(struct kdwarf *kd, Dwarf_Off off)
{
    /* The type cache holds every type a name reaches; only what it lacks wakes libdwarf. */
    struct ktype *t = kd->tc ? tc_type_at_die(kd, off) : NULL;
    if (t || (t = built_get(kd, off)) != NULL)
        return t;
    if (kd_need_dwarf(kd, NULL))
        return NULL;
    Dwarf_Die die;
    if (dwarf_offdie_b(kd->dbg, off, 1, &die, NULL) != DW_DLV_OK) return NULL;
    Dwarf_Half tag = 0;
    dwarf_tag(die, &tag, NULL);
    char *name = kd_name(kd, die);
    /* A declaration ("struct foo;") stands for the full definition found elsewhere. */
    if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type) && name &&
        kd_has_attr(die, DW_AT_declaration)) {
        uint64_t def;
        int ns = tag == DW_TAG_structure_type ? NS_STRUCT : tag == DW_TAG_union_type ? NS_UNION : NS_ENUM;
        if (hm_get(&kd->ns[ns], name, &def) && def != off) {
            dwarf_dealloc_die(die);
            t = build_type(kd, def);
            if (t) built_put(kd, off, t);
            return t;
        }
    }
    t = kd_new_type(kd);
    t->kind = kind_of_tag(tag);
    t->name = name;
    t->die = off;
    built_put(kd, off, t);
    fill_type(kd, die, tag, t);
    if (t->kind == KT_VOID && t->target) t->kind = KT_QUAL;
    dwarf_dealloc_die(die);
    return t;
}

struct ktype *kt_target(struct kdwarf *kd, struct ktype *t)
{
    if (t->kind != KT_POINTER) return t->target;
    if (!t->target_built) {
        if (t->owner)
            kd = t->owner;
        if (t->target_in_cache)
            t->target = tc_type_ref(kd, (uint32_t)t->target_die);
        else
            t->target = t->target_die ? build_type(kd, t->target_die) : &kd->void_type;
        if (!t->target) t->target = &kd->void_type;
        t->target_built = true;
    }
    return t->target;
}

struct ktype *kt_strip(struct ktype *t)
{
    for (int i = 0; t && i < 64 && (t->kind == KT_TYPEDEF || t->kind == KT_CONST || t->kind == KT_VOLATILE || t->kind == KT_QUAL); i++)
        t = t->target;
    return t;
}

uint64_t kt_size(struct ktype *t)
{
    if (!t) return 0;
    if (t->size || t->kind == KT_ARRAY) return t->size;
    struct ktype *s = kt_strip(t);
    return s ? s->size : 0;
}

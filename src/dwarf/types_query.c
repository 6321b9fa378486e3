/* Looking types up by the names people type, naming them back, and walking member paths. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_priv.h"
#include "typecache.h"

static struct ktype *pointer_to(struct kdwarf *kd, struct ktype *target)
{
    /* Synthetic pointer types are cached per target so repeated lookups don't leak. */
    char key[40];
    snprintf(key, sizeof key, "ptr:%p", (void *)target);
    uint64_t v;
    if (hm_get(&kd->built, key, &v)) return (struct ktype *)(uintptr_t)v;
    struct ktype *p = kd_new_type(kd);
    p->kind = KT_POINTER;
    p->size = 4;
    p->target = target;
    p->target_built = true;
    hm_put(&kd->built, key, (uint64_t)(uintptr_t)p);
    return p;
}

static struct ktype *lookup_ns(struct kdwarf *kd, int ns, const char *name)
{
    uint64_t off;
    return hm_get(&kd->ns[ns], name, &off) ? kd_build_type(kd, off) : NULL;
}

struct ktype *kdwarf_type(struct kdwarf *kd, const char *spec)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    int stars = 0;
    for (char *e = buf + strlen(buf); e > buf && (e[-1] == '*' || isspace((unsigned char)e[-1]));) {
        if (e[-1] == '*') stars++;
        *--e = 0;
    }
    char *name = buf;
    while (isspace((unsigned char)*name)) name++;
    struct ktype *t = NULL;
    if (!strncmp(name, "struct ", 7)) t = lookup_ns(kd, NS_STRUCT, name + 7);
    else if (!strncmp(name, "union ", 6)) t = lookup_ns(kd, NS_UNION, name + 6);
    else if (!strncmp(name, "enum ", 5)) t = lookup_ns(kd, NS_ENUM, name + 5);
    else if (!strcmp(name, "void")) t = &kd->void_type;
    else {
        static const int order[] = { NS_STRUCT, NS_UNION, NS_TYPEDEF, NS_ENUM };
        for (size_t i = 0; i < ARRAY_SIZE(order) && !t; i++) t = lookup_ns(kd, order[i], name);
    }
    while (t && stars--) t = pointer_to(kd, t);
    return t;
}

struct ktype *kdwarf_var_type(struct kdwarf *kd, const char *var)
{
    uint64_t off, cached;
    if (hm_get(&kd->var_types, var, &cached)) return (struct ktype *)(uintptr_t)cached;
    bool known = false;
    if (kd->tc) {
        /* The cache holds every variable's type, so a name it lacks has none. */
        struct ktype *t = tc_var_type(kd, var, &known);
        if (t)
            hm_put(&kd->var_types, var, (uint64_t)(uintptr_t)t);
        return t;
    }
    if (!hm_get(&kd->ns[NS_VAR], var, &off) && !hm_get(&kd->ns[NS_VARDECL], var, &off)) return NULL;
    Dwarf_Die die;
    if (dwarf_offdie_b(kd->dbg, off, 1, &die, NULL) != DW_DLV_OK) return NULL;
    Dwarf_Off toff;
    struct ktype *t = kd_attr_ref(kd, die, DW_AT_type, &toff) == 0 ? kd_build_type(kd, toff) : NULL;
    dwarf_dealloc_die(die);
    if (t) hm_put(&kd->var_types, var, (uint64_t)(uintptr_t)t);
    return t;
}

void kdwarf_set_extra(struct kdwarf *kd, struct kdwarf *const *extra, size_t n)
{
    kd->extra = extra;
    kd->nextra = n;
}

struct ktype *kdwarf_type_any(struct kdwarf *kd, const char *spec)
{
    struct ktype *t = kdwarf_type(kd, spec);
    for (size_t i = 0; !t && i < kd->nextra; i++)
        t = kdwarf_type(kd->extra[i], spec);
    return t;
}

struct ktype *kdwarf_var_type_any(struct kdwarf *kd, const char *var)
{
    struct ktype *t = kdwarf_var_type(kd, var);
    for (size_t i = 0; !t && i < kd->nextra; i++)
        t = kdwarf_var_type(kd->extra[i], var);
    return t;
}

bool kdwarf_enumerator(struct kdwarf *kd, const char *name, int64_t *value)
{
    uint64_t off;
    if (!hm_get(&kd->ns[NS_ENUMERATOR], name, &off)) return false;
    struct ktype *e = kd_build_type(kd, off);
    for (unsigned i = 0; e && i < e->nenums; i++)
        if (e->enums[i].name && !strcmp(e->enums[i].name, name)) { *value = e->enums[i].value; return true; }
    return false;
}

struct ktype *kdwarf_enumerator_type(struct kdwarf *kd, const char *name)
{
    uint64_t off;
    return hm_get(&kd->ns[NS_ENUMERATOR], name, &off) ? kd_build_type(kd, off) : NULL;
}

/* The DIE offset of a CU's top-level subprogram named name that has code (0 if none). */
static uint64_t subprogram_in(struct kdwarf *kd, uint64_t cu_off, const char *name)
{
    Dwarf_Die cu = NULL, d = NULL;
    uint64_t found = 0;
    if (dwarf_offdie_b(kd->dbg, cu_off, 1, &cu, NULL) != DW_DLV_OK) return 0;
    if (dwarf_child(cu, &d, NULL) != DW_DLV_OK) d = NULL;
    while (d && !found) {
        Dwarf_Half tag = 0;
        char *n = NULL;
        Dwarf_Off off = 0, origin;
        if (dwarf_tag(d, &tag, NULL) == DW_DLV_OK && tag == DW_TAG_subprogram && kd_has_attr(d, DW_AT_low_pc) &&
            dwarf_dieoffset(d, &off, NULL) == DW_DLV_OK) {
            /* An out-of-line copy of an inline function names its abstract instance, which has the types. */
            if (kd_attr_ref(kd, d, DW_AT_abstract_origin, &origin) == 0) off = origin;
            Dwarf_Die named = NULL;
            if (off != 0 && dwarf_offdie_b(kd->dbg, off, 1, &named, NULL) == DW_DLV_OK) {
                if (dwarf_diename(named, &n, NULL) == DW_DLV_OK && n && !strcmp(n, name)) found = off;
                dwarf_dealloc_die(named);
            }
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(kd->dbg, d, 1, &next, NULL);
        dwarf_dealloc_die(d);
        d = r == DW_DLV_OK ? next : NULL;
    }
    if (d) dwarf_dealloc_die(d);
    dwarf_dealloc_die(cu);
    return found;
}

struct ktype *kdwarf_func_type(struct kdwarf *kd, const char *name, uint64_t link_addr)
{
    uint64_t cu, die;
    if (kd_need_dwarf(kd, NULL) || kd_cu_at(kd, link_addr, &cu, NULL))
        return NULL;
    die = subprogram_in(kd, cu, name);
    return die ? kd_build_type(kd, die) : NULL;
}

void kdwarf_each_type_name(struct kdwarf *kd, const char *prefix, void (*fn)(const char *, void *), void *arg)
{
    hm_each_prefix(&kd->ns[NS_STRUCT], prefix, fn, arg);
    hm_each_prefix(&kd->ns[NS_UNION], prefix, fn, arg);
    hm_each_prefix(&kd->ns[NS_TYPEDEF], prefix, fn, arg);
    for (size_t i = 0; i < kd->nextra; i++)
        kdwarf_each_type_name(kd->extra[i], prefix, fn, arg);
}

static const char *kind_word(enum kt_kind k)
{
    return k == KT_STRUCT ? "struct " : k == KT_UNION ? "union " : k == KT_ENUM ? "enum " : "";
}

/* Type graphs from corrupt DWARF can loop (a pointer to itself); names stop at this depth. */
#define KT_NAME_DEPTH 32

static void name_at(struct kdwarf *kd, struct ktype *t, char *out, size_t outsz, int depth);

void kt_name(struct kdwarf *kd, struct ktype *t, char *out, size_t outsz) { name_at(kd, t, out, outsz, 0); }

/* "(struct file *, loff_t, int)", "(void)", "(const char *, ...)". */
static void params_at(struct kdwarf *kd, struct ktype *f, char *out, size_t outsz, int depth)
{
    size_t len = (size_t)snprintf(out, outsz, "(");
    for (unsigned i = 0; i < f->nmembers && len < outsz; i++) {
        char p[200];
        name_at(kd, f->members[i].type, p, sizeof p, depth + 1);
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", p);
    }
    if (len < outsz && f->varargs) len += (size_t)snprintf(out + len, outsz - len, "%s...", f->nmembers ? ", " : "");
    if (len < outsz && !f->nmembers && !f->varargs && f->prototyped) len += (size_t)snprintf(out + len, outsz - len, "void");
    if (len < outsz) snprintf(out + len, outsz - len, ")");
}

void kt_func_params(struct kdwarf *kd, struct ktype *f, char *out, size_t outsz) { params_at(kd, f, out, outsz, 0); }

/* "int (*)(struct file *, int)" for a pointer to a function, "int (struct file *, int)" for one. */
static void func_name_at(struct kdwarf *kd, struct ktype *f, bool pointer, char *out, size_t outsz, int depth)
{
    char ret[200], params[400];
    name_at(kd, f->target, ret, sizeof ret, depth + 1);
    params_at(kd, f, params, sizeof params, depth);
    snprintf(out, outsz, "%s %s%s", ret, pointer ? "(*)" : "", params);
}

static void name_at(struct kdwarf *kd, struct ktype *t, char *out, size_t outsz, int depth)
{
    if (!t) { snprintf(out, outsz, "?"); return; }
    if (depth > KT_NAME_DEPTH) { snprintf(out, outsz, "..."); return; }
    switch (t->kind) {
    case KT_POINTER: {
        char inner[200];
        struct ktype *target = kt_target(kd, t);
        if (target && target->kind == KT_FUNC) { func_name_at(kd, target, true, out, outsz, depth); return; }
        name_at(kd, target, inner, sizeof inner, depth + 1);
        size_t il = strlen(inner);
        /* C writes a pointer to a pointer "char **", not "char * *". */
        snprintf(out, outsz, il && inner[il - 1] == '*' ? "%s*" : "%s *", inner);
        return;
    }
    case KT_ARRAY: {
        /* Dimensions in C's order, outermost first: "struct kmem_cache * [2][14]". */
        char inner[200], dims[96] = "";
        size_t dl = 0;
        struct ktype *e = t;
        for (; e && e->kind == KT_ARRAY && dl < sizeof dims - 24; e = e->target)
            dl += (size_t)snprintf(dims + dl, sizeof dims - dl, "[%llu]", (unsigned long long)e->count);
        name_at(kd, e, inner, sizeof inner, depth + 1);
        snprintf(out, outsz, "%s %s", inner, dims);
        return;
    }
    case KT_CONST: case KT_VOLATILE: {
        /* C puts a qualifier of a pointer after the star: "char *const". */
        char inner[200];
        const char *q = t->kind == KT_CONST ? "const" : "volatile";
        name_at(kd, t->target, inner, sizeof inner, depth + 1);
        struct ktype *target = t->target;
        /* A qualified array is an array of qualified elements, which already say so. */
        if (target && target->kind == KT_ARRAY) snprintf(out, outsz, "%s", inner);
        else if (target && target->kind == KT_POINTER) snprintf(out, outsz, "%s%s", inner, q);
        else snprintf(out, outsz, "%s %s", q, inner);
        return;
    }
    case KT_QUAL: name_at(kd, t->target, out, outsz, depth + 1); return;
    case KT_FUNC: func_name_at(kd, t, false, out, outsz, depth); return;
    default:
        snprintf(out, outsz, "%s%s", kind_word(t->kind), t->name ? t->name : "{...}");
    }
}

/* Find a member by name in t (a struct/union), looking inside anonymous members. */
static const struct kt_member *find_member(struct ktype *t, const char *name, uint64_t *off, int depth)
{
    t = kt_strip(t);
    if (!t || (t->kind != KT_STRUCT && t->kind != KT_UNION) || depth > 16) return NULL;
    for (unsigned i = 0; i < t->nmembers; i++) {
        const struct kt_member *m = &t->members[i];
        if (m->name && !strcmp(m->name, name)) { *off += m->offset; return m; }
    }
    for (unsigned i = 0; i < t->nmembers; i++) {
        const struct kt_member *m = &t->members[i];
        if (m->name) continue;
        uint64_t sub = *off + m->offset;
        const struct kt_member *found = find_member(m->type, name, &sub, depth + 1);
        if (found) { *off = sub; return found; }
    }
    return NULL;
}

const struct kt_member *kt_find_member(struct ktype *t, const char *name, uint64_t *offset)
{
    *offset = 0;
    return find_member(t, name, offset, 0);
}

int kt_member_path(struct kdwarf *kd, struct ktype *t, const char *path, uint64_t *offset, struct ktype **type,
                   const struct kt_member **member, ks_err *err)
{
    (void)kd;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    uint64_t off = 0;
    const struct kt_member *m = NULL;
    struct ktype *cur = t;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        char *br = strchr(tok, '[');
        if (br) *br = 0;
        m = find_member(cur, tok, &off, 0);
        if (!m) {
            char tn[200];
            kt_name(kd, cur, tn, sizeof tn);
            return ks_fail_kind(err, KS_E_NO_MEMBER, "%s has no member %s", tn, tok);
        }
        cur = m->type;
        /* Every subscript, a number checked against the array's bound: "a[1][2]". */
        while (br) {
            char *end;
            unsigned long long index = strtoull(br + 1, &end, 0);
            struct ktype *a = kt_strip(cur);
            if (end == br + 1 || *end != ']' || br[1] == '-')
                return ks_fail_kind(err, KS_E_BAD_ARG, "bad subscript in %s", path);
            if (!a || a->kind != KT_ARRAY) return ks_fail_kind(err, KS_E_BAD_ARG, "member %s is not an array", tok);
            if (a->count && index >= a->count)
                return ks_fail_kind(err, KS_E_BAD_ARG, "index %llu is out of bounds of %s: it has %llu elements", index, tok,
                                    (unsigned long long)a->count);
            off += index * kt_size(a->target);
            cur = a->target;
            br = end[1] == '[' ? end + 1 : NULL;
            if (!br && end[1]) return ks_fail_kind(err, KS_E_BAD_ARG, "bad subscript in %s", path);
        }
    }
    *offset = off;
    if (type) *type = cur;
    if (member) *member = m;
    return 0;
}

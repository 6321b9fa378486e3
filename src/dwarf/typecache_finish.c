/*
 * After the last unit: declarations resolved through the index (or, with no definition anywhere,
 * kept as the empty struct types.c builds for them), references to later units resolved, sizes
 * derived from targets as kt_size does, then a partition refinement over the (small) canonical
 * graph merges what the per-unit step left apart: classes start from each node's shape and are
 * refined by the classes of what it refers to until their number stops growing, so cycles
 * through pointers are handled. One record per class that a name or a variable reaches; a
 * record's DIE is its class's first in DIE order. Then the driver: the whole cold build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "typecache_build.h"

static bool is_node(uint32_t ref)
{
    return ref != TC_REF_VOID && ref != TC_REF_NULL;
}
static struct tnode *cn(struct tb *b, size_t i)
{
    return &TV_AT(b->nodes, struct tnode, i);
}
static bool has_members(const struct tnode *t)
{
    return t->kind == KT_STRUCT || t->kind == KT_UNION || t->kind == KT_FUNC;
}
static bool is_type_ns(int ns)
{
    return ns != NS_VAR && ns != NS_VARDECL;
}

static uint32_t final_ref(const uint32_t *repl, uint32_t ref)
{
    for (int i = 0; i < 64 && is_node(ref) && repl[ref - 1] != ref; i++)
        ref = repl[ref - 1];
    return ref;
}

/* repl[i]: the node that stands for canonical node i (itself for every ordinary node). */
static int resolve_leaves(struct tb *b, uint32_t *repl, ks_err *err)
{
    for (size_t i = 0; i < b->nodes.n; i++) {
        struct tnode *t = cn(b, i);
        uint64_t v;
        repl[i] = (uint32_t)i + 1;
        if (t->kind == TN_DECL) {
            if (tb_entry(b, t->ns, t->name, &v) && is_node(TV_AT(b->entries, struct tentry, v).ref)) {
                repl[i] = TV_AT(b->entries, struct tentry, v).ref;
                continue;
            }
            /* no definition anywhere: the declaration is its own (empty) type, as types.c builds it */
            t->kind = t->ns == NS_STRUCT ? KT_STRUCT : t->ns == NS_UNION ? KT_UNION : KT_ENUM;
            t->target = TC_REF_NULL;
            t->nkids = t->first = 0;
        } else if (t->kind == TN_FWD) {
            if (!u64_get(&b->wanted, t->die, &v) || v == TN_UNSET)
                return ds_unsupported(err, "a reference to a later unit's DIE that is not a type");
            repl[i] = (uint32_t)v;
        }
    }
    for (size_t i = 0; i < b->nodes.n; i++) {
        struct tnode *t = cn(b, i);
        t->target = final_ref(repl, t->target);
        for (uint32_t k = 0; has_members(t) && k < t->nkids; k++)
            TV_AT(b->members, struct tmember, t->first + k).type =
                final_ref(repl, TV_AT(b->members, struct tmember, t->first + k).type);
    }
    for (size_t i = 0; i < b->entries.n; i++)
        TV_AT(b->entries, struct tentry, i).ref = final_ref(repl, TV_AT(b->entries, struct tentry, i).ref);
    return 0;
}

/* kt_size's rule, now that every target is known; a cycle without a size gives 0 as it does. */
static uint64_t final_size(struct tb *b, size_t i, uint8_t *state, int depth)
{
    struct tnode *t = cn(b, i);
    if ((!t->derived && t->kind != KT_ARRAY) || state[i] == 2)
        return t->size;
    if (state[i] == 1 || depth > 64)
        return 0;
    state[i] = 1;
    uint64_t inner = is_node(t->target) ? final_size(b, t->target - 1, state, depth + 1) : 0;
    t->size = t->kind == KT_ARRAY ? t->count * inner : inner;
    state[i] = 2;
    return t->size;
}

static void derive_sizes(struct tb *b)
{
    uint8_t *state = xcalloc(b->nodes.n + 1, 1);
    for (size_t i = 0; i < b->nodes.n; i++)
        final_size(b, i, state, 0);
    for (size_t i = 0; i < b->nodes.n; i++)
        cn(b, i)->derived = 0;
    free(state);
}

/* ---- refinement ---- */

struct refine {
    size_t n;       /* live nodes */
    uint32_t *live; /* live index -> canonical index */
    uint32_t *pos;  /* canonical index -> live index */
    uint64_t *cls;
    uint32_t *rep; /* live index -> live index of its class's representative */
    uint32_t *rec; /* live index -> record number (0: not written) */
};

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t count_distinct(const uint64_t *cls, size_t n)
{
    uint64_t *sorted = xmalloc((n + 1) * sizeof *sorted);
    memcpy(sorted, cls, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    size_t distinct = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        distinct += sorted[i] != sorted[i - 1];
    free(sorted);
    return distinct;
}

static uint64_t class_of_ref(const struct refine *r, uint32_t ref, const uint64_t *cls)
{
    return !is_node(ref) ? (ref == TC_REF_NULL ? 2 : 3) : cls[r->pos[ref - 1]];
}

static void classes(struct tb *b, struct refine *r)
{
    size_t n = r->n, before = 0, now;
    uint64_t *cls = xmalloc((n + 1) * sizeof *cls), *next = xmalloc((n + 1) * sizeof *next);
    for (size_t k = 0; k < n; k++)
        cls[k] = tb_shape(cn(b, r->live[k]), b->members.p, b->enums.p);
    for (int round = 0; round < 256 && (now = count_distinct(cls, n)) != before; round++) {
        before = now;
        for (size_t k = 0; k < n; k++) {
            const struct tnode *t = cn(b, r->live[k]);
            uint64_t h = tb_mix(cls[k], class_of_ref(r, t->target, cls));
            for (uint32_t m = 0; has_members(t) && m < t->nkids; m++)
                h = tb_mix(h, class_of_ref(r, TV_AT(b->members, struct tmember, t->first + m).type, cls));
            next[k] = h;
        }
        uint64_t *swap = cls;
        cls = next;
        next = swap;
    }
    free(next);
    r->cls = cls;
}

struct by_class {
    uint64_t cls, die;
    uint32_t k;
};

static int by_class_then_die(const void *a, const void *b)
{
    const struct by_class *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    if (x->die != y->die)
        return x->die < y->die ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Each class's representative: its first DIE in DIE order (an anonymous inner array has none). */
static void representatives(struct tb *b, struct refine *r)
{
    struct by_class *order = xmalloc((r->n + 1) * sizeof *order);
    for (size_t k = 0; k < r->n; k++) {
        uint64_t die = cn(b, r->live[k])->die;
        order[k] = (struct by_class){r->cls[k], die ? die : UINT64_MAX, (uint32_t)k};
    }
    qsort(order, r->n, sizeof *order, by_class_then_die);
    r->rep = xmalloc((r->n + 1) * sizeof *r->rep);
    for (size_t i = 0, first = 0; i < r->n; i++) {
        if (i == 0 || order[i].cls != order[i - 1].cls)
            first = order[i].k;
        r->rep[order[i].k] = (uint32_t)first;
    }
    free(order);
}

static void mark(struct tb *b, struct refine *r, uint32_t ref, uint32_t **stack, size_t *n, size_t *cap)
{
    if (!is_node(ref))
        return;
    uint32_t k = r->rep[r->pos[ref - 1]];
    if (r->rec[k])
        return;
    r->rec[k] = 1;
    if (*n == *cap)
        *stack = xrealloc(*stack, (*cap = *cap ? *cap * 2 : 1024) * sizeof **stack);
    (*stack)[(*n)++] = k;
    (void)b;
}

/* Records for the classes a name or a variable reaches, numbered in canonical order. */
static size_t number_records(struct tb *b, struct refine *r)
{
    uint32_t *stack = NULL;
    size_t n = 0, cap = 0, records = 0;
    r->rec = xcalloc(r->n + 1, sizeof *r->rec);
    for (size_t i = 0; i < b->entries.n; i++)
        mark(b, r, TV_AT(b->entries, struct tentry, i).ref, &stack, &n, &cap);
    while (n) {
        const struct tnode *t = cn(b, r->live[stack[--n]]);
        mark(b, r, t->target, &stack, &n, &cap);
        for (uint32_t m = 0; has_members(t) && m < t->nkids; m++)
            mark(b, r, TV_AT(b->members, struct tmember, t->first + m).type, &stack, &n, &cap);
    }
    free(stack);
    for (size_t k = 0; k < r->n; k++)
        if (r->rec[k])
            r->rec[k] = (uint32_t)++records;
    return records;
}

/* ---- records ---- */

static uint32_t rec_ref(const struct refine *r, uint32_t ref)
{
    return is_node(ref) ? r->rec[r->rep[r->pos[ref - 1]]] : ref;
}

static void put_types(struct tb *b, const struct refine *r)
{
    struct tc_out *w = b->out;
    for (size_t k = 0; k < r->n; k++) {
        if (!r->rec[k] || r->rep[k] != k)
            continue;
        const struct tnode *t = cn(b, r->live[k]);
        struct tc_type rec = {.kind = t->kind,
                              .flags = t->flags,
                              .name = t->name,
                              .size = t->size,
                              .die = t->die,
                              .count = t->count,
                              .target = rec_ref(r, t->target)};
        if (t->kind == KT_ENUM) {
            rec.first = (uint32_t)(w->enums.len / sizeof(struct tc_enum));
            rec.nenums = t->nkids;
            gb_add(&w->enums, &TV_AT(b->enums, struct tc_enum, t->first), t->nkids * sizeof(struct tc_enum));
        } else {
            rec.first = (uint32_t)(w->members.len / sizeof(struct tc_member));
            rec.nmembers = has_members(t) ? t->nkids : 0;
            for (uint32_t i = 0; i < rec.nmembers; i++) {
                const struct tmember *m = &TV_AT(b->members, struct tmember, t->first + i);
                struct tc_member mr = {.name = m->name,
                                       .type = rec_ref(r, m->type),
                                       .offset = m->offset,
                                       .bit_pos = m->bit_pos,
                                       .bit_size = m->bit_size};
                gb_add(&w->members, &mr, sizeof mr);
            }
        }
        gb_add(&w->types, &rec, sizeof rec);
    }
}

static int by_die(const void *a, const void *b)
{
    const struct tc_die *x = a, *y = b;
    return x->die < y->die ? -1 : x->die > y->die;
}

/* The names, the DIEs they point at (each once, sorted) and every variable's type. */
static void put_index(struct tb *b, const struct refine *r)
{
    struct tc_out *w = b->out;
    for (size_t i = 0; i < b->entries.n; i++) {
        const struct tentry *e = &TV_AT(b->entries, struct tentry, i);
        if (!is_type_ns(e->ns) || !is_node(e->ref))
            continue;
        struct tc_die d = {.die = e->die, .ref = rec_ref(r, e->ref)};
        struct tc_name nm = {.name = e->name, .ns = e->ns, .die = e->die};
        gb_add(&w->dies, &d, sizeof d);
        gb_add(&w->names, &nm, sizeof nm);
    }
    size_t n = w->dies.len / sizeof(struct tc_die), kept = 0;
    struct tc_die *d = (struct tc_die *)w->dies.p;
    if (n)
        qsort(d, n, sizeof *d, by_die);
    for (size_t i = 0; i < n; i++)
        if (!kept || d[i].die != d[kept - 1].die)
            d[kept++] = d[i];
    w->dies.len = kept * sizeof *d;
    /* a variable's type: its definition's (NS_VAR) if there is one, else its declaration's */
    for (size_t i = 0; i < b->entries.n; i++) {
        const struct tentry *e = &TV_AT(b->entries, struct tentry, i);
        uint64_t def;
        if (e->ns != NS_VAR && (e->ns != NS_VARDECL || tb_entry(b, NS_VAR, e->name, &def)))
            continue;
        if (e->ref == TC_REF_NULL)
            continue;
        struct tc_var v = {.name = e->name, .type = rec_ref(r, e->ref)};
        gb_add(&w->vars, &v, sizeof v);
    }
}

int tb_finish(struct tb *b, ks_err *err)
{
    uint32_t *repl = xmalloc((b->nodes.n + 1) * sizeof *repl);
    int rc = resolve_leaves(b, repl, err);
    if (rc) {
        free(repl);
        return rc;
    }
    derive_sizes(b);
    struct refine r = {0};
    r.live = xmalloc((b->nodes.n + 1) * sizeof *r.live);
    r.pos = xcalloc(b->nodes.n + 1, sizeof *r.pos);
    for (size_t i = 0; i < b->nodes.n; i++)
        if (repl[i] == i + 1) {
            r.pos[i] = (uint32_t)r.n;
            r.live[r.n++] = (uint32_t)i;
        }
    free(repl);
    classes(b, &r);
    representatives(b, &r);
    number_records(b, &r);
    put_types(b, &r);
    put_index(b, &r);
    free(r.live);
    free(r.pos);
    free(r.cls);
    free(r.rep);
    free(r.rec);
    return 0;
}

/* ---- the cold build ---- */

static void reset_unit(struct ub *ub)
{
    ub->nodes.n = ub->members.n = ub->enums.n = ub->tdie.n = ub->mdie.n = ub->fixups.n = ub->pending.n = 0;
    if (ub->u && ub->at_cap < ub->u->end - ub->u->off) {
        free(ub->at);
        ub->at_cap = (size_t)(ub->u->end - ub->u->off);
        ub->at = xcalloc(ub->at_cap, sizeof *ub->at);
    }
}

/* The unit's DIE table back to zeros, touching only what it set. */
static void clear_unit(struct ub *ub)
{
    for (size_t i = 0; i < ub->nodes.n; i++) {
        uint64_t die = TV_AT(ub->nodes, struct tnode, i).die;
        if (die)
            ub->at[die - ub->u->off] = 0;
    }
}

static void free_unit(struct ub *ub)
{
    struct tvec *v[] = {&ub->nodes, &ub->members, &ub->enums, &ub->tdie, &ub->mdie, &ub->fixups, &ub->pending};
    for (size_t i = 0; i < ARRAY_SIZE(v); i++)
        free(v[i]->p);
    free(ub->at);
    free(ub->map);
    free(ub->hyp);
    free(ub->stamp);
}

static void free_builder(struct tb *b)
{
    free(b->nodes.p);
    free(b->members.p);
    free(b->enums.p);
    free(b->entries.p);
    free(b->uf.p);
    struct u64map *maps[] = {&b->by_hash, &b->exported, &b->exported_vars, &b->fwd, &b->wanted};
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
        u64_free(maps[i]);
    u64_free(&b->names);
    u64_free(&b->str_ids);
    free(b->str_direct);
}

static void show_progress(const struct ds_reader *r, const struct tb *b)
{
    uint64_t done, total;
    ds_progress(r, &done, &total);
    fprintf(stderr, "\rksleuth: building the type cache: %3u%% (%llu units)", (unsigned)(total ? done * 100 / total : 0),
            (unsigned long long)b->units);
}

static int read_units(struct ds_reader *r, struct tb *b, bool progress, ks_err *err)
{
    struct ub ub = {.b = b};
    struct ds_unit u;
    int rc;
    while ((rc = ds_next_unit(r, &u, err)) == DS_UNIT) {
        ub.u = &u;
        reset_unit(&ub);
        if ((rc = tb_read_unit(&ub, err)) != 0)
            break;
        tb_merge_unit(&ub);
        clear_unit(&ub);
        if (progress && ++b->units % 32 == 0)
            show_progress(r, b);
    }
    free_unit(&ub);
    if (progress)
        fprintf(stderr, "\r%60s\r", "");
    return rc;
}

int tc_stream_build(int fd, const char *name, const char *build_id, bool progress, struct tc_image *image, ks_err *err)
{
    struct ds_reader *r = NULL;
    struct tc_out out;
    struct tb b;
    memset(&b, 0, sizeof b);
    memset(image, 0, sizeof *image);
    tc_out_init(&out);
    b.out = &out;
    u64_init(&b.names);
    u64_init(&b.str_ids);
    int rc = ds_open(&r, fd, name, err);
    b.r = r;
    b.str_direct_len = ds_string_key_limit(r);
    b.str_direct = xcalloc(b.str_direct_len + 1, sizeof *b.str_direct);
    if (rc == DS_UNIT)
        rc = read_units(r, &b, progress, err);
    ds_close(r);
    if (rc == DS_END && !b.count[NS_STRUCT])
        rc = ds_corrupt(err, "vmlinux DWARF has no struct types (built without CONFIG_DEBUG_INFO?)");
    if (rc == DS_END)
        rc = tb_finish(&b, err);
    if (rc == 0) {
        struct growbuf g = tc_assemble(&out, build_id);
        image->p = g.p;
        image->len = g.len;
        for (int i = 0; i < NS_COUNT; i++)
            image->names += b.count[i];
    }
    free_builder(&b);
    tc_out_free(&out);
    return rc;
}

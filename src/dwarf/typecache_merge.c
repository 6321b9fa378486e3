/*
 * Merging a unit's nodes into the canonical graph, the way libbpf's BTF dedup does it: a node's
 * candidates are the canonical nodes with the same hash of its shape and two rounds of its
 * referents' shapes (bisimilar nodes hash alike); a candidate is accepted when a worklist of
 * (unit node, canonical node) hypotheses closes without a conflict (coinductive: a cycle through
 * pointers is assumed equal), and all of them are then committed. Unmatched nodes become new
 * canonical nodes. The check is sound, not complete: what it leaves apart, the refinement at the
 * end (typecache_finish.c) merges.
 */
#include <stdlib.h>
#include <string.h>

#include "typecache_build.h"

uint64_t tb_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static struct tnode *canon(struct tb *b, uint32_t ref)
{
    return &TV_AT(b->nodes, struct tnode, ref - 1);
}
static struct tnode *local(struct ub *ub, uint32_t i)
{
    return &TV_AT(ub->nodes, struct tnode, i);
}

#define TB_MAX_TRIES 4

static bool is_ref_node(uint32_t ref)
{
    return ref != TC_REF_VOID && ref != TC_REF_NULL;
}

/* A unit node whose references lead somewhere (declarations and forward references are leaves). */
static bool has_refs(const struct tnode *t)
{
    return t->kind != TN_DECL && t->kind != TN_FWD;
}
static bool has_members(const struct tnode *t)
{
    return t->kind == KT_STRUCT || t->kind == KT_UNION || t->kind == KT_FUNC;
}

uint64_t tb_shape(const struct tnode *t, const struct tmember *mem, const struct tc_enum *en)
{
    uint64_t h = tb_mix(tb_mix(tb_mix(t->kind, t->name), t->derived ? 0xdull : t->size), t->count);
    h = tb_mix(tb_mix(h, t->flags), (uint64_t)t->ns << 8 | t->derived);
    if (t->kind == TN_FWD)
        h = tb_mix(h, t->die);
    for (uint32_t i = 0; t->kind == KT_ENUM && i < t->nkids; i++)
        h = tb_mix(tb_mix(h, en[t->first + i].name), (uint64_t)en[t->first + i].value);
    for (uint32_t i = 0; has_members(t) && i < t->nkids; i++) {
        const struct tmember *m = &mem[t->first + i];
        h = tb_mix(tb_mix(tb_mix(tb_mix(h, m->name), m->offset), m->bit_pos), m->bit_size);
    }
    return tb_mix(h, t->nkids);
}

/* ---- sizes ---- */

uint64_t tb_size(const struct ub *ub, uint32_t ref, int depth)
{
    if (!is_ref_node(ref) || depth > 64)
        return 0;
    const struct tnode *t =
        ref & TN_LOCAL ? &TV_AT(ub->nodes, struct tnode, ref & ~TN_LOCAL) : &TV_AT(ub->b->nodes, struct tnode, ref - 1);
    if (t->kind == TN_DECL && is_ref_node(t->target) && t->target != ref && t->target != TN_UNSET)
        return tb_size(ub, t->target, depth + 1);
    if (t->kind == TN_DECL || t->kind == TN_FWD || (!t->derived && t->kind != KT_ARRAY))
        return t->size;
    uint64_t inner = tb_size(ub, t->target, depth + 1);
    return t->kind == KT_ARRAY ? t->count * inner : inner;
}

/* ---- hashes ---- */

/* A named struct, union or enum, or a declaration of one: referents hash it by its name alone,
 * so that what refers to a declaration and what refers to the definition hash alike. */
static bool named_aggregate(const struct tnode *t, uint64_t *h)
{
    uint64_t kind = t->kind == TN_DECL ? (uint64_t)(t->ns == NS_STRUCT  ? KT_STRUCT
                                                    : t->ns == NS_UNION ? KT_UNION
                                                                        : KT_ENUM)
                                       : t->kind;
    if (t->name == TC_NO_NAME || (kind != KT_STRUCT && kind != KT_UNION && kind != KT_ENUM))
        return false;
    *h = tb_mix(0xa66a66ull, tb_mix(kind, t->name));
    return true;
}

static uint64_t ref_hash(struct ub *ub, uint32_t ref, int round)
{
    uint64_t h;
    if (!is_ref_node(ref))
        return ref == TC_REF_VOID ? 0x1111 : 0x2222;
    const struct tnode *t = ref & TN_LOCAL ? local(ub, ref & ~TN_LOCAL) : canon(ub->b, ref);
    return named_aggregate(t, &h) ? h : t->h[round];
}

/* A canonical declaration stands for its definition once the index has met it. */
static uint32_t follow(struct tb *b, uint32_t ref)
{
    if (!is_ref_node(ref) || (ref & TN_LOCAL))
        return ref;
    struct tnode *t = canon(b, ref);
    uint64_t v;
    if (t->kind == TN_FWD && !is_ref_node(t->target) && u64_get(&b->wanted, t->die, &v) && v != TN_UNSET)
        t->target = (uint32_t)v; /* the later unit has been read */
    if (t->kind == TN_FWD)
        return is_ref_node(t->target) ? t->target : ref;
    if (t->kind != TN_DECL)
        return ref;
    if (is_ref_node(t->target))
        return t->target;
    if (t->first == b->entries.n) /* no new names since the last look (first is unused in a declaration) */
        return ref;
    t->first = (uint32_t)b->entries.n;
    uint64_t e;
    if (tb_entry(b, t->ns, t->name, &e) && is_ref_node(TV_AT(b->entries, struct tentry, e).ref)) {
        t->target = TV_AT(b->entries, struct tentry, e).ref;
        return t->target;
    }
    return ref;
}

static uint64_t round_hash(struct ub *ub, const struct tnode *t, uint64_t h, int round)
{
    if (!has_refs(t))
        return h;
    h = tb_mix(h, ref_hash(ub, t->target, round));
    for (uint32_t i = 0; has_members(t) && i < t->nkids; i++)
        h = tb_mix(h, ref_hash(ub, TV_AT(ub->members, struct tmember, t->first + i).type, round));
    return h;
}

static bool is_alias(struct ub *ub, uint32_t i)
{
    const struct tnode *t = local(ub, i);
    return t->kind == TN_DECL && t->target != (TN_LOCAL | i);
}

static void hash_unit(struct ub *ub)
{
    for (uint32_t i = 0; i < ub->nodes.n; i++)
        local(ub, i)->h[0] = tb_shape(local(ub, i), ub->members.p, ub->enums.p);
    for (int k = 1; k <= TB_ROUNDS; k++)
        for (uint32_t i = 0; i < ub->nodes.n; i++)
            local(ub, i)->h[k] = round_hash(ub, local(ub, i), local(ub, i)->h[0], k - 1);
}

/* ---- equivalence ---- */

/* Canonical nodes proven equal (a union-find over them): matching then sees one node where the
 * graph still holds variants; the refinement at the end makes them one record. */
static uint32_t find(struct tb *b, uint32_t ref)
{
    if (!is_ref_node(ref))
        return ref;
    while (b->uf.n < b->nodes.n) {
        size_t i = tv_push(&b->uf, sizeof(uint32_t));
        TV_AT(b->uf, uint32_t, i) = (uint32_t)i + 1;
    }
    uint32_t *p = b->uf.p;
    while (p[ref - 1] != ref) {
        p[ref - 1] = p[p[ref - 1] - 1];
        ref = p[ref - 1];
    }
    return ref;
}

static uint32_t same(struct tb *b, uint32_t ref)
{
    return find(b, follow(b, ref));
}

struct pair {
    uint32_t l, c; /* l: TN_LOCAL | unit node, or a canonical node; c: canonical */
};

struct work {
    struct pair *v;
    size_t n, cap;
    uint64_t *seen; /* canonical pairs assumed in this try: key, then generation */
    size_t seen_cap, seen_n;
    uint32_t gen;
};

static bool seen_pair(struct work *w, uint32_t x, uint32_t y, bool add)
{
    if (add && (w->seen_n + 1) * 2 > w->seen_cap) {
        uint64_t *old = w->seen;
        size_t oldcap = w->seen_cap;
        w->seen_cap = oldcap ? oldcap * 2 : 1024;
        w->seen = xcalloc(w->seen_cap * 2, sizeof *w->seen);
        for (size_t i = 0; i < oldcap; i++)
            if (old[2 * i + 1] == w->gen) {
                size_t k = (size_t)(tb_mix(0, old[2 * i]) & (w->seen_cap - 1));
                while (w->seen[2 * k + 1] == w->gen)
                    k = (k + 1) & (w->seen_cap - 1);
                w->seen[2 * k] = old[2 * i];
                w->seen[2 * k + 1] = w->gen;
            }
        free(old);
    }
    if (!w->seen_cap)
        return false;
    uint64_t key = (uint64_t)x << 32 | y;
    size_t k = (size_t)(tb_mix(0, key) & (w->seen_cap - 1));
    for (; w->seen[2 * k + 1] == w->gen; k = (k + 1) & (w->seen_cap - 1))
        if (w->seen[2 * k] == key)
            return true;
    if (add) {
        w->seen[2 * k] = key;
        w->seen[2 * k + 1] = w->gen;
        w->seen_n++;
    }
    return false;
}

static void push(struct work *w, uint32_t l, uint32_t c)
{
    if (w->n == w->cap)
        w->v = xrealloc(w->v, (w->cap = w->cap ? w->cap * 2 : 256) * sizeof *w->v);
    w->v[w->n++] = (struct pair){l, c};
}

struct side {
    const struct tnode *t;
    const struct tmember *members;
    const struct tc_enum *enums;
};

static struct side side_of(struct ub *ub, uint32_t ref)
{
    if (ref & TN_LOCAL)
        return (struct side){local(ub, ref & ~TN_LOCAL), ub->members.p, ub->enums.p};
    return (struct side){canon(ub->b, ref), ub->b->members.p, ub->b->enums.p};
}

static bool same_shape(struct side x, struct side y)
{
    const struct tnode *l = x.t, *c = y.t;
    if (l->h[0] != c->h[0] || l->kind != c->kind || l->flags != c->flags || l->ns != c->ns || l->derived != c->derived ||
        l->name != c->name || l->size != c->size || l->count != c->count || l->nkids != c->nkids)
        return false;
    for (uint32_t i = 0; l->kind == KT_ENUM && i < l->nkids; i++) {
        const struct tc_enum *e = &x.enums[l->first + i], *f = &y.enums[c->first + i];
        if (e->name != f->name || e->value != f->value)
            return false;
    }
    for (uint32_t i = 0; has_members(l) && i < l->nkids; i++) {
        const struct tmember *m = &x.members[l->first + i], *n = &y.members[c->first + i];
        if (m->name != n->name || m->offset != n->offset || m->bit_pos != n->bit_pos || m->bit_size != n->bit_size)
            return false;
    }
    return true;
}

/* Is unit node j the definition the index names for declaration d (met in this very unit)? */
static bool is_index_def(struct ub *ub, uint32_t j, const struct tnode *d)
{
    const struct tnode *t = local(ub, j);
    uint64_t h, e;
    if (t->name != d->name || !named_aggregate(t, &h) || t->kind == TN_DECL)
        return false;
    if (!tb_entry(ub->b, d->ns, d->name, &e))
        return false;
    return TV_AT(ub->b->entries, struct tentry, e).die == t->die;
}

/* Does lr (a unit or canonical reference) stand for canonical reference cr? New hypotheses go on
 * the worklist: a unit node takes one canonical partner, a canonical pair is assumed once. */
static bool pair_ok(struct ub *ub, struct work *w, uint32_t lr, uint32_t cr)
{
    struct tb *b = ub->b;
    cr = same(b, cr);
    if ((lr & TN_LOCAL) && lr != TC_REF_NULL) {
        uint32_t j = lr & ~TN_LOCAL;
        if (is_ref_node(cr) && canon(b, cr)->kind == TN_DECL && is_index_def(ub, j, canon(b, cr)))
            return true; /* the declaration stands for this very definition */
        if (ub->map[j] != TN_UNSET)
            lr = ub->map[j]; /* committed: compare its partner */
        else if (ub->stamp[j] == ub->gen)
            return ub->hyp[j] == cr;
        else if (!is_ref_node(cr) || canon(b, cr)->h[0] != local(ub, j)->h[0])
            return false;
        else {
            ub->stamp[j] = ub->gen;
            ub->hyp[j] = cr;
            push(w, lr, cr);
            return true;
        }
    }
    lr = same(b, lr);
    if (lr == cr)
        return true;
    if (!is_ref_node(lr) || !is_ref_node(cr) || canon(b, lr)->h[0] != canon(b, cr)->h[0])
        return false;
    if (!seen_pair(w, lr, cr, true))
        push(w, lr, cr);
    return true;
}

static bool check_pair(struct ub *ub, struct work *w, struct pair p)
{
    struct side x = side_of(ub, p.l), y = side_of(ub, p.c);
    if (!same_shape(x, y))
        return false;
    if (!has_refs(x.t))
        return true;
    if (!pair_ok(ub, w, x.t->target, y.t->target))
        return false;
    for (uint32_t i = 0; has_members(x.t) && i < x.t->nkids; i++)
        if (!pair_ok(ub, w, x.members[x.t->first + i].type, y.members[y.t->first + i].type))
            return false;
    return true;
}

static bool try_equiv(struct ub *ub, struct work *w, uint32_t l, uint32_t c)
{
    ub->gen++;
    w->gen++;
    w->seen_n = 0;
    w->n = 0;
    ub->stamp[l] = ub->gen;
    ub->hyp[l] = c;
    push(w, TN_LOCAL | l, c);
    /* the worklist keeps every pair it took, so success can commit them */
    for (size_t at = 0; at < w->n; at++)
        if (!check_pair(ub, w, w->v[at]))
            return false;
    for (size_t i = 0; i < w->n; i++) {
        struct pair p = w->v[i];
        if (p.l & TN_LOCAL)
            ub->map[p.l & ~TN_LOCAL] = p.c;
        else
            TV_AT(ub->b->uf, uint32_t, find(ub->b, p.l) - 1) = find(ub->b, p.c);
    }
    return true;
}

/* ---- new canonical nodes ---- */

static uint32_t translate(const struct ub *ub, uint32_t ref)
{
    return (ref & TN_LOCAL) && ref != TC_REF_NULL ? ub->map[ref & ~TN_LOCAL] : ref;
}

static void add_canonical(struct ub *ub, uint32_t i)
{
    struct tb *b = ub->b;
    const struct tnode *l = local(ub, i);
    uint32_t id = ub->map[i] - 1;
    struct tnode *c = &TV_AT(b->nodes, struct tnode, id);
    *c = *l;
    c->target = has_refs(l) ? translate(ub, l->target) : TC_REF_NULL;
    if (l->kind == KT_ENUM) {
        c->first = (uint32_t)b->enums.n;
        for (uint32_t k = 0; k < l->nkids; k++) {
            size_t at = tv_push(&b->enums, sizeof(struct tc_enum));
            TV_AT(b->enums, struct tc_enum, at) = TV_AT(ub->enums, struct tc_enum, l->first + k);
        }
    } else if (has_members(l)) {
        c->first = (uint32_t)b->members.n;
        for (uint32_t k = 0; k < l->nkids; k++) {
            size_t at = tv_push(&b->members, sizeof(struct tmember));
            struct tmember *m = &TV_AT(b->members, struct tmember, at);
            *m = TV_AT(ub->members, struct tmember, l->first + k);
            m->type = translate(ub, m->type);
        }
    } else {
        c->first = 0;
        c->nkids = 0;
    }
    uint64_t head = 0;
    u64_get(&b->by_hash, c->h[TB_ROUNDS], &head);
    c->chain = (uint32_t)head;
    u64_put(&b->by_hash, c->h[TB_ROUNDS], id + 1);
}

static void match_or_add(struct ub *ub)
{
    struct tb *b = ub->b;
    struct work w = {0};
    for (uint32_t i = 0; i < ub->nodes.n; i++) {
        uint64_t head;
        if (ub->map[i] != TN_UNSET || is_alias(ub, i) || !u64_get(&b->by_hash, local(ub, i)->h[TB_ROUNDS], &head))
            continue;
        /* The newest candidates first, and only a few: the rest are variants from before a
         * declaration's definition was met, which the refinement merges at the end anyway. */
        unsigned tries = 0;
        for (uint32_t c = (uint32_t)head; c && ub->map[i] == TN_UNSET && tries < TB_MAX_TRIES; c = canon(b, c)->chain)
            if (find(b, c) == c && tries++ < TB_MAX_TRIES)
                try_equiv(ub, &w, i, c);
    }
    free(w.v);
    free(w.seen);
    size_t first_new = b->nodes.n;
    for (uint32_t i = 0; i < ub->nodes.n; i++)
        if (ub->map[i] == TN_UNSET && !is_alias(ub, i))
            ub->map[i] = (uint32_t)tv_push(&b->nodes, sizeof(struct tnode)) + 1;
    for (uint32_t i = 0; i < ub->nodes.n; i++)
        if (!is_alias(ub, i) && ub->map[i] - 1 >= first_new)
            add_canonical(ub, i);
    for (uint32_t i = 0; i < ub->nodes.n; i++)
        if (is_alias(ub, i))
            ub->map[i] = translate(ub, local(ub, i)->target);
}

/* What other units may refer to: dwz's partial units, and DIEs a unit read earlier asked for. */
static void export_unit(struct ub *ub)
{
    struct tb *b = ub->b;
    for (uint32_t i = 0; i < ub->nodes.n; i++) {
        uint64_t die = local(ub, i)->die, v;
        if (!die)
            continue;
        if (ub->partial)
            u64_put(&b->exported, die, ub->map[i]);
        if (b->wanted.len && u64_get(&b->wanted, die, &v))
            u64_put(&b->wanted, die, ub->map[i]);
    }
    for (size_t i = 0; i < ub->pending.n; i++) {
        const struct tpending *p = &TV_AT(ub->pending, struct tpending, i);
        uint32_t ref = translate(ub, p->ref);
        if (p->var)
            u64_put(&b->exported_vars, p->var, (uint64_t)p->entry << 32 | ref);
        else
            TV_AT(b->entries, struct tentry, p->entry).ref = ref;
    }
}

void tb_merge_unit(struct ub *ub)
{
    size_t n = ub->nodes.n ? ub->nodes.n : 1;
    ub->map = xrealloc(ub->map, n * sizeof *ub->map);
    ub->hyp = xrealloc(ub->hyp, n * sizeof *ub->hyp);
    ub->stamp = xrealloc(ub->stamp, n * sizeof *ub->stamp);
    memset(ub->stamp, 0, n * sizeof *ub->stamp);
    for (size_t i = 0; i < ub->nodes.n; i++)
        ub->map[i] = TN_UNSET;
    ub->gen = 0;
    hash_unit(ub);
    match_or_add(ub);
    export_unit(ub);
    ub->b->unit_nodes += ub->nodes.n;
}

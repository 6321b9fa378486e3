/*
 * Writing the type cache: build every type the index names (and every type those reach, pointer
 * targets included) from the DWARF, then lay the graph out as records (typecache.h). The file is
 * written under a name only this process uses and renamed into place, so two ksleuths building the
 * same cache at once each publish a whole file and a reader never sees half of one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dwarf_priv.h"
#include "typecache.h"

struct growbuf {
    uint8_t *p;
    size_t len, cap;
};

static size_t gb_add(struct growbuf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    size_t at = b->len;
    memcpy(b->p + at, data, n);
    b->len += n;
    return at;
}

struct writer {
    struct kdwarf *kd;
    struct growbuf strings, types, members, enums, dies, names, vars;
    struct hashmap string_at; /* string -> offset in strings (each name stored once) */
};

static uint32_t str_ref(struct writer *w, const char *s)
{
    uint64_t at;
    if (!s)
        return TC_NO_NAME;
    if (hm_get(&w->string_at, s, &at))
        return (uint32_t)at;
    at = gb_add(&w->strings, s, strlen(s) + 1);
    hm_put(&w->string_at, s, at);
    return (uint32_t)at;
}

static uint32_t type_ref(const struct kdwarf *kd, const struct ktype *t)
{
    if (!t)
        return TC_REF_NULL;
    return t == &kd->void_type || t->owner != kd ? TC_REF_VOID : t->cache_id;
}

/* ---- building everything ---- */

/* libdwarf finds a DIE's compile unit quickly only when the offsets it is asked for rise (it looks
 * on from the unit it used last): every batch of work below goes in DIE order. */
struct job {
    uint64_t die;
    const char *var;       /* a variable's name, or NULL */
    struct ktype *pointer; /* a pointer whose target to build, or NULL */
};

struct jobs {
    struct job *v;
    size_t n, cap;
};

static void job_add(struct jobs *j, struct job job)
{
    if (j->n == j->cap)
        j->v = xrealloc(j->v, (j->cap = j->cap ? j->cap * 2 : 1024) * sizeof *j->v);
    j->v[j->n++] = job;
}

static int by_die_job(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    return x->die < y->die ? -1 : x->die > y->die;
}

static void run_job(struct kdwarf *kd, const struct job *job)
{
    if (job->var)
        kdwarf_var_type(kd, job->var);
    else if (job->pointer)
        kt_target(kd, job->pointer);
    else
        kd_build_type(kd, job->die);
}

/* Step to the next compile unit's header: libdwarf then finds DIEs of that unit at once, where any
 * other unit costs a walk of its list of units. 0 at the end (and the next call starts over). */
static uint64_t next_unit_end(struct kdwarf *kd)
{
    Dwarf_Unsigned len, typeoff, next;
    Dwarf_Half ver, asz, lsz, esz, cutype;
    Dwarf_Off abbr;
    Dwarf_Sig8 sig;
    int r = dwarf_next_cu_header_d(kd->dbg, 1, &len, &ver, &abbr, &asz, &lsz, &esz, &sig, &typeoff, &next, &cutype, NULL);
    return r == DW_DLV_OK ? next : 0;
}

static void run_jobs(struct kdwarf *kd, struct jobs *j)
{
    qsort(j->v, j->n, sizeof *j->v, by_die_job);
    size_t i = 0;
    uint64_t end;
    while ((end = next_unit_end(kd)) != 0) {
        while (i < j->n && j->v[i].die < end)
            run_job(kd, &j->v[i++]);
    }
    for (; i < j->n; i++) /* past the last unit: a damaged reference; libdwarf will say no */
        run_job(kd, &j->v[i]);
    j->n = 0;
}

/* Every named type and every variable's type. */
static void build_named(struct kdwarf *kd, struct jobs *j)
{
    for (int ns = 0; ns < NS_COUNT; ns++) {
        const struct hashmap *h = &kd->ns[ns];
        bool var = ns == NS_VAR || ns == NS_VARDECL;
        for (size_t i = 0; i < h->cap; i++)
            if (h->e[i].key)
                job_add(j, (struct job){h->e[i].value, var ? h->e[i].key : NULL, NULL});
    }
    run_jobs(kd, j);
}

static void build_everything(struct kdwarf *kd, bool progress)
{
    struct jobs j = {0};
    build_named(kd, &j);
    /* Pointer targets are built only when followed: follow them all, round after round, until the
     * last round built nothing new. */
    for (size_t from = 0, to; from < kd->nowned; from = to) {
        to = kd->nowned;
        for (size_t i = from; i < to; i++)
            if (kd->owned[i]->kind == KT_POINTER && !kd->owned[i]->target_built)
                job_add(&j, (struct job){kd->owned[i]->target_die, NULL, kd->owned[i]});
        if (progress)
            fprintf(stderr, "\rksleuth: writing the type cache: %zu types", kd->nowned);
        run_jobs(kd, &j);
    }
    free(j.v);
    if (progress)
        fprintf(stderr, "\r%60s\r", "");
}

/* ---- records ---- */

static uint8_t flags_of(const struct ktype *t)
{
    return (uint8_t)((t->is_signed ? TCF_SIGNED : 0) | (t->is_char ? TCF_CHAR : 0) | (t->is_bool ? TCF_BOOL : 0) |
                     (t->is_float ? TCF_FLOAT : 0) | (t->prototyped ? TCF_PROTOTYPED : 0) | (t->varargs ? TCF_VARARGS : 0));
}

static void put_type(struct writer *w, struct ktype *t)
{
    struct kdwarf *kd = w->kd;
    struct tc_type r = {.kind = (uint8_t)t->kind,
                        .flags = flags_of(t),
                        .name = str_ref(w, t->name),
                        .size = t->size,
                        .die = t->die,
                        .count = t->count};
    r.target = type_ref(kd, t->kind == KT_POINTER ? kt_target(kd, t) : t->target);
    if (t->kind == KT_ENUM) {
        r.first = (uint32_t)(w->enums.len / sizeof(struct tc_enum));
        r.nenums = t->nenums;
        for (unsigned i = 0; i < t->nenums; i++) {
            struct tc_enum e = {.name = str_ref(w, t->enums[i].name), .value = t->enums[i].value};
            gb_add(&w->enums, &e, sizeof e);
        }
    } else {
        r.first = (uint32_t)(w->members.len / sizeof(struct tc_member));
        r.nmembers = t->nmembers;
        for (unsigned i = 0; i < t->nmembers; i++) {
            const struct kt_member *m = &t->members[i];
            struct tc_member rec = {.name = str_ref(w, m->name),
                                    .type = type_ref(kd, m->type),
                                    .offset = m->offset,
                                    .bit_pos = m->bit_pos,
                                    .bit_size = m->bit_size};
            gb_add(&w->members, &rec, sizeof rec);
        }
    }
    gb_add(&w->types, &r, sizeof r);
}

/* ---- one record for each distinct type ----
 * Each compile unit repeats the types it uses, so the DWARF holds the same struct list_head
 * hundreds of times. Types are merged when they are indistinguishable: same shape (kind, name,
 * size, members, enumerators) and, recursively, the same types referred to. Classes start from the
 * shape and are refined by the classes of what each type refers to until the number of classes
 * stops growing (the usual refinement, so cycles through pointers are handled). */

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t str_hash(const char *s)
{
    return s ? tc_checksum((const uint8_t *)s, strlen(s)) : 1;
}

static uint64_t shape_of(const struct ktype *t)
{
    uint64_t h = mix(mix(mix((uint64_t)t->kind, str_hash(t->name)), t->size), t->count);
    h = mix(h, flags_of(t));
    for (unsigned i = 0; i < t->nmembers; i++) {
        const struct kt_member *m = &t->members[i];
        h = mix(mix(mix(mix(h, str_hash(m->name)), m->offset), m->bit_pos), m->bit_size);
    }
    for (unsigned i = 0; i < t->nenums; i++)
        h = mix(mix(h, str_hash(t->enums[i].name)), (uint64_t)t->enums[i].value);
    return mix(h, t->nmembers * 31 + t->nenums);
}

static uint64_t class_of_ref(const struct kdwarf *kd, const struct ktype *t, const uint64_t *cls)
{
    if (!t)
        return 2;
    return t == &kd->void_type || t->owner != kd ? 3 : cls[t->cache_id - 1];
}

static size_t count_distinct(const uint64_t *cls, size_t n)
{
    uint64_t *sorted = xmalloc(n * sizeof *sorted);
    memcpy(sorted, cls, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    size_t distinct = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        distinct += sorted[i] != sorted[i - 1];
    free(sorted);
    return distinct;
}

static uint64_t *classes(struct kdwarf *kd)
{
    size_t n = kd->nowned, before = 0, now;
    uint64_t *cls = xmalloc(n * sizeof *cls), *next = xmalloc(n * sizeof *next);
    for (size_t i = 0; i < n; i++)
        cls[i] = shape_of(kd->owned[i]);
    for (int round = 0; round < 256 && (now = count_distinct(cls, n)) != before; round++) {
        before = now;
        for (size_t i = 0; i < n; i++) {
            struct ktype *t = kd->owned[i];
            uint64_t h = mix(cls[i], class_of_ref(kd, t->kind == KT_POINTER ? kt_target(kd, t) : t->target, cls));
            for (unsigned m = 0; m < t->nmembers; m++)
                h = mix(h, class_of_ref(kd, t->members[m].type, cls));
            next[i] = h;
        }
        uint64_t *swap = cls;
        cls = next;
        next = swap;
    }
    free(next);
    return cls;
}

struct by_class {
    uint64_t cls;
    size_t index;
};

static int by_class_then_index(const void *a, const void *b)
{
    const struct by_class *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* rep[i]: the first type of i's class. Then record numbers for the representatives, in order, and
 * every type's cache_id is its representative's. */
static size_t *representatives(struct kdwarf *kd)
{
    size_t n = kd->nowned;
    uint64_t *cls = classes(kd);
    struct by_class *order = xmalloc(n * sizeof *order);
    size_t *rep = xmalloc(n * sizeof *rep);
    for (size_t i = 0; i < n; i++)
        order[i] = (struct by_class){cls[i], i};
    qsort(order, n, sizeof *order, by_class_then_index);
    for (size_t i = 0, first = 0; i < n; i++) {
        if (i == 0 || order[i].cls != order[i - 1].cls)
            first = order[i].index;
        rep[order[i].index] = first;
    }
    uint32_t id = 0;
    for (size_t i = 0; i < n; i++)
        if (rep[i] == i)
            kd->owned[i]->cache_id = ++id;
    for (size_t i = 0; i < n; i++)
        kd->owned[i]->cache_id = kd->owned[rep[i]]->cache_id;
    free(order);
    free(cls);
    return rep;
}

static int by_die(const void *a, const void *b)
{
    const struct tc_die *x = a, *y = b;
    return x->die < y->die ? -1 : x->die > y->die;
}

/* The DIE offsets the names point at, each once. Only those: the DIEs of every compile unit's copy
 * of every type number in the millions (2.3 M for Debian's vmlinux) and would make a warm start
 * touch tens of MB; a prototype that libdwarf builds later finds its types by DIE in the DWARF. */
static void put_dies(struct writer *w)
{
    struct kdwarf *kd = w->kd;
    for (int ns = 0; ns < NS_COUNT; ns++) {
        for (size_t i = 0; i < kd->ns[ns].cap && ns != NS_VAR && ns != NS_VARDECL; i++) {
            if (!kd->ns[ns].e[i].key)
                continue;
            struct tc_die d = {.die = kd->ns[ns].e[i].value, .ref = type_ref(kd, kd_build_type(kd, kd->ns[ns].e[i].value))};
            if (d.ref != TC_REF_VOID && d.ref != TC_REF_NULL)
                gb_add(&w->dies, &d, sizeof d);
        }
    }
    size_t n = w->dies.len / sizeof(struct tc_die), kept = 0;
    struct tc_die *d = (struct tc_die *)w->dies.p;
    qsort(d, n, sizeof *d, by_die);
    for (size_t i = 0; i < n; i++)
        if (!kept || d[i].die != d[kept - 1].die)
            d[kept++] = d[i];
    w->dies.len = kept * sizeof *d;
}

/* Type names whose type could be built, and every variable's type. */
static void put_names(struct writer *w)
{
    struct kdwarf *kd = w->kd;
    for (int ns = 0; ns < NS_COUNT; ns++) {
        for (size_t i = 0; i < kd->ns[ns].cap; i++) {
            const struct hm_entry *e = &kd->ns[ns].e[i];
            if (!e->key || ns == NS_VAR || ns == NS_VARDECL)
                continue;
            if (!kd_build_type(kd, e->value))
                continue;
            struct tc_name n = {.name = str_ref(w, e->key), .ns = (uint8_t)ns, .die = e->value};
            gb_add(&w->names, &n, sizeof n);
        }
    }
    for (size_t i = 0; i < kd->var_types.cap; i++) {
        const struct hm_entry *e = &kd->var_types.e[i];
        if (!e->key)
            continue;
        struct tc_var v = {.name = str_ref(w, e->key), .type = type_ref(kd, (struct ktype *)(uintptr_t)e->value)};
        gb_add(&w->vars, &v, sizeof v);
    }
}

static void pad8(struct growbuf *b)
{
    static const uint8_t zero[8];
    gb_add(b, zero, (8 - b->len % 8) % 8);
}

/* Header and sections in one buffer, checksummed. */
static struct growbuf assemble(struct writer *w, const char *build_id)
{
    struct growbuf out = {0};
    struct tc_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, TC_MAGIC, sizeof TC_MAGIC);
    h.version = TC_VERSION;
    h.header_size = sizeof h;
    snprintf(h.build_id, sizeof h.build_id, "%s", build_id);
    gb_add(&out, &h, sizeof h);
    struct growbuf *secs[TC_NSEC] = {&w->strings, &w->types, &w->members, &w->enums, &w->dies, &w->names, &w->vars};
    static const size_t recsize[TC_NSEC] = {1,
                                            sizeof(struct tc_type),
                                            sizeof(struct tc_member),
                                            sizeof(struct tc_enum),
                                            sizeof(struct tc_die),
                                            sizeof(struct tc_name),
                                            sizeof(struct tc_var)};
    for (int s = 0; s < TC_NSEC; s++) {
        pad8(&out);
        h.sec[s].off = out.len;
        h.sec[s].count = secs[s]->len / recsize[s];
        if (secs[s]->len)
            gb_add(&out, secs[s]->p, secs[s]->len);
    }
    pad8(&out);
    h.file_size = out.len;
    h.checksum = tc_checksum(out.p + sizeof h, out.len - sizeof h);
    memcpy(out.p, &h, sizeof h);
    return out;
}

static void mkdir_parents(const char *path)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(dir, 0755);
        *p = '/';
    }
}

/* A temporary name no other process uses, then rename: the file appears whole or not at all. */
static void publish(const struct growbuf *b, const char *path)
{
    char tmp[1100];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int len = snprintf(tmp, sizeof tmp, "%s.%d.%ld.tmp", path, (int)getpid(), ts.tv_nsec);
    if (len < 0 || (size_t)len >= sizeof tmp)
        return; /* a cut name could clash with another writer's or rename the wrong file: no cache */
    mkdir_parents(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return; /* a read-only cache directory is fine: the types are built again next time */
    size_t done = 0;
    while (done < b->len) {
        ssize_t n = write(fd, b->p + done, b->len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (close(fd) == 0 && done == b->len && rename(tmp, path) == 0)
        return;
    unlink(tmp);
}

void tc_write(struct kdwarf *kd, const char *path, const char *build_id, bool progress)
{
    if (!path[0])
        return;
    build_everything(kd, progress);
    /* Everything the file holds is built: libdwarf's own heap goes before the merge's arrays are
     * made (it starts again, lazily, if asked for a line table or a prototype). */
    if (kd->path)
        kd_dwarf_stop(kd);
#ifdef __GLIBC__
    /* Hand libdwarf's freed heap back: the merge's large arrays are mapped afresh by malloc and
     * would otherwise come on top of it (70 MB of peak RSS on Debian's vmlinux). */
    malloc_trim(0);
#endif
    struct writer w = {.kd = kd};
    hm_init(&w.string_at);
    str_ref(&w, ""); /* the table is never empty and ends with a NUL */
    for (size_t i = 0; i < kd->nowned; i++)
        kd->owned[i]->cache_id = (uint32_t)(i + 1);
    size_t *rep = representatives(kd);
    for (size_t i = 0; i < kd->nowned; i++)
        if (rep[i] == i)
            put_type(&w, kd->owned[i]);
    free(rep);
    put_dies(&w);
    put_names(&w);
    struct growbuf out = assemble(&w, build_id);
    publish(&out, path);
    free(out.p);
    struct growbuf *all[] = {&w.strings, &w.types, &w.members, &w.enums, &w.dies, &w.names, &w.vars};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        free(all[i]->p);
    hm_free(&w.string_at);
}

/*
 * Reading the type cache (format in typecache.h and docs/design.md): map it, check every offset,
 * count and reference once, then build struct ktype from the records on demand. After the checks
 * no record can point outside the file, so building needs no further bounds tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_priv.h"
#include "typecache.h"

struct tcache {
    const uint8_t *base;
    size_t len;
    bool mapped; /* base is our mmap (else the caller's buffer) */
    const char *strings;
    const struct tc_type *types;
    const struct tc_member *members;
    const struct tc_enum *enums;
    const struct tc_die *dies;
    size_t ntypes, nmembers, nenums, ndies;
    struct ktype **built; /* record -> its struct ktype once built */
    struct hashmap vars;  /* variable name -> type ref */
};

/* FNV-1a over 8-byte words (then the tail bytes): fast enough to check a 50 MB file each start. */
static uint64_t tc_checksum_from(uint64_t h, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

uint64_t tc_checksum(const uint8_t *p, size_t n)
{
    return tc_checksum_from(0xcbf29ce484222325ull, p, n);
}

static int refuse(struct tc_why *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof why->text, fmt, ap);
    va_end(ap);
    return -1;
}

static const uint8_t *section(const uint8_t *buf, const struct tc_header *h, enum tc_sec s, size_t recsize)
{
    const struct tc_section *sec = &h->sec[s];
    if (sec->off % 8 || sec->off < h->header_size || sec->off > h->file_size)
        return NULL;
    if (sec->count > (h->file_size - sec->off) / recsize)
        return NULL;
    return buf + sec->off;
}

static bool ref_ok(const struct tcache *tc, uint32_t ref)
{
    return ref == TC_REF_VOID || ref == TC_REF_NULL || ref - 1 < tc->ntypes;
}

static bool name_ok(const struct tcache *tc, uint32_t name, size_t strsize)
{
    (void)tc;
    return name == TC_NO_NAME || name < strsize;
}

/* Largest first dimension an array record may claim: far beyond any kernel array, small enough
 * that a walk bounded by it ends. */
#define TC_MAX_ARRAY_COUNT (1ull << 26)

/* A struct's or union's members lie inside it, and a bit-field's bits inside the 8 bytes read
 * from its byte offset (kt_bit_value): a file that says otherwise would send readers past the
 * buffers they sized from the type. Members of other kinds (a function's parameters) have none. */
static bool record_members_fit(const struct tcache *tc, const struct tc_type *t)
{
    if (t->kind == KT_ARRAY)
        return t->count <= TC_MAX_ARRAY_COUNT;
    if (t->kind != KT_STRUCT && t->kind != KT_UNION)
        return true;
    for (uint32_t j = 0; j < t->nmembers; j++) {
        const struct tc_member *m = &tc->members[t->first + j];
        if (m->offset > t->size)
            return false;
        if (m->bit_size == 0)
            continue;
        if (m->offset > UINT64_MAX / 8 || m->bit_pos < m->offset * 8)
            return false;
        if (m->bit_pos - m->offset * 8 + m->bit_size > 64)
            return false;
    }
    return true;
}

static int check_types(const struct tcache *tc, size_t strsize, struct tc_why *why)
{
    for (size_t i = 0; i < tc->ntypes; i++) {
        const struct tc_type *t = &tc->types[i];
        size_t nkids = t->kind == KT_ENUM ? t->nenums : t->nmembers;
        size_t limit = t->kind == KT_ENUM ? tc->nenums : tc->nmembers;
        if (t->kind > KT_FUNC || !name_ok(tc, t->name, strsize) || !ref_ok(tc, t->target))
            return refuse(why, "type record %zu is malformed", i);
        if ((t->kind == KT_ENUM ? t->nmembers : t->nenums) != 0 || t->first > limit || nkids > limit - t->first)
            return refuse(why, "type record %zu lists members outside the file", i);
    }
    for (size_t i = 0; i < tc->nmembers; i++)
        if (!name_ok(tc, tc->members[i].name, strsize) || !ref_ok(tc, tc->members[i].type) || tc->members[i].bit_size > 64)
            return refuse(why, "member record %zu is malformed", i);
    for (size_t i = 0; i < tc->ntypes; i++)
        if (!record_members_fit(tc, &tc->types[i]))
            return refuse(why, "type record %zu has a member outside its size", i);
    for (size_t i = 0; i < tc->nenums; i++)
        if (!name_ok(tc, tc->enums[i].name, strsize))
            return refuse(why, "enumerator record %zu is malformed", i);
    for (size_t i = 0; i < tc->ndies; i++)
        if (tc->dies[i].ref - 1 >= tc->ntypes || (i && tc->dies[i].die <= tc->dies[i - 1].die))
            return refuse(why, "DIE table entry %zu is malformed", i);
    return 0;
}

/* The checksum of a file through read(), so that checking it does not make the whole mapping
 * resident (a warm start's RSS is what it touches, not the file's size). */
static uint64_t file_checksum(int fd, uint64_t from, uint64_t to)
{
    size_t chunk = 1u << 20, have = 0;
    uint8_t *buf = xmalloc(chunk + 8);
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t at = from; at < to;) {
        ssize_t n = pread(fd, buf + have, (size_t)KS_MIN((uint64_t)chunk, to - at), (off_t)at);
        if (n <= 0)
            break;
        at += (uint64_t)n;
        have += (size_t)n;
        size_t whole = at < to ? have / 8 * 8 : have;
        h = tc_checksum_from(h, buf, whole);
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    free(buf);
    return h;
}

static int check_header(const uint8_t *buf, size_t len, const char *build_id, int fd, struct tc_why *why)
{
    const struct tc_header *h = (const struct tc_header *)buf;
    if (len < sizeof *h || memcmp(h->magic, TC_MAGIC, sizeof TC_MAGIC))
        return refuse(why, "not a ksleuth type cache");
    if (h->version != TC_VERSION || h->header_size != sizeof *h)
        return refuse(why, "format version %u, this ksleuth writes %u", h->version, TC_VERSION);
    if (h->file_size != len)
        return refuse(why, "truncated: %zu of %llu bytes", len, (unsigned long long)h->file_size);
    if (strncmp(h->build_id, build_id, sizeof h->build_id) || !memchr(h->build_id, 0, sizeof h->build_id))
        return refuse(why, "made for another vmlinux (build-id %.40s)", h->build_id);
    uint64_t sum = fd >= 0 ? file_checksum(fd, h->header_size, len) : tc_checksum(buf + h->header_size, len - h->header_size);
    if (sum != h->checksum)
        return refuse(why, "checksum mismatch (corrupt)");
    return 0;
}

static int load_names(struct kdwarf *kd, struct tcache *tc, const struct tc_header *h, struct tc_why *why)
{
    const struct tc_name *names = (const void *)section(tc->base, h, TC_NAMES, sizeof *names);
    const struct tc_var *vars = (const void *)section(tc->base, h, TC_VARS, sizeof *vars);
    size_t strsize = h->sec[TC_STRINGS].count;
    if (!names || !vars)
        return refuse(why, "name tables lie outside the file");
    for (size_t i = 0; i < h->sec[TC_NAMES].count; i++) {
        if (names[i].ns >= NS_COUNT || names[i].name >= strsize)
            return refuse(why, "name entry %zu is malformed", i);
        hm_put(&kd->ns[names[i].ns], tc->strings + names[i].name, names[i].die);
    }
    for (size_t i = 0; i < h->sec[TC_VARS].count; i++) {
        if (vars[i].name >= strsize || !ref_ok(tc, vars[i].type))
            return refuse(why, "variable entry %zu is malformed", i);
        hm_put(&tc->vars, tc->strings + vars[i].name, vars[i].type);
    }
    return 0;
}

static int map_sections(struct tcache *tc, const struct tc_header *h, struct tc_why *why)
{
    size_t strsize = h->sec[TC_STRINGS].count;
    tc->strings = (const char *)section(tc->base, h, TC_STRINGS, 1);
    tc->types = (const void *)section(tc->base, h, TC_TYPES, sizeof *tc->types);
    tc->members = (const void *)section(tc->base, h, TC_MEMBERS, sizeof *tc->members);
    tc->enums = (const void *)section(tc->base, h, TC_ENUMS, sizeof *tc->enums);
    tc->dies = (const void *)section(tc->base, h, TC_DIES, sizeof *tc->dies);
    if (!tc->strings || !tc->types || !tc->members || !tc->enums || !tc->dies)
        return refuse(why, "a section lies outside the file");
    /* Every string ends inside the table: the last byte is a NUL. */
    if (strsize == 0 || tc->strings[strsize - 1] != 0)
        return refuse(why, "string table is not terminated");
    tc->ntypes = h->sec[TC_TYPES].count;
    tc->nmembers = h->sec[TC_MEMBERS].count;
    tc->nenums = h->sec[TC_ENUMS].count;
    tc->ndies = h->sec[TC_DIES].count;
    if (tc->ntypes >= TC_REF_NULL - 1)
        return refuse(why, "too many types");
    return check_types(tc, strsize, why);
}

static void forget_names(struct kdwarf *kd)
{
    for (int i = 0; i < NS_COUNT; i++) {
        hm_free(&kd->ns[i]);
        hm_init(&kd->ns[i]);
    }
}

static int attach(struct kdwarf *kd, const uint8_t *buf, size_t len, const char *build_id, int fd, struct tc_why *why)
{
    if (check_header(buf, len, build_id, fd, why))
        return -1;
    struct tcache *tc = xcalloc(1, sizeof *tc);
    tc->base = buf;
    tc->len = len;
    hm_init(&tc->vars);
    const struct tc_header *h = (const struct tc_header *)buf;
    if (map_sections(tc, h, why) || load_names(kd, tc, h, why)) {
        forget_names(kd);
        tc_close(tc);
        return -1;
    }
    tc->built = xcalloc(tc->ntypes + 1, sizeof *tc->built);
    kd->tc = tc;
    return 0;
}

int tc_attach(struct kdwarf *kd, const uint8_t *buf, size_t len, const char *build_id, struct tc_why *why)
{
    return attach(kd, buf, len, build_id, -1, why);
}

int tc_open(struct kdwarf *kd, const char *path, const char *build_id, struct tc_why *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : refuse(why, "%s", strerror(errno));
    struct stat sb;
    void *map = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0)
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        return refuse(why, "empty or unreadable");
    }
    int r = attach(kd, map, (size_t)sb.st_size, build_id, fd, why);
    close(fd);
    if (r) {
        munmap(map, (size_t)sb.st_size);
        return -1;
    }
    kd->tc->mapped = true;
    return 0;
}

void tc_close(struct tcache *tc)
{
    if (!tc)
        return;
    if (tc->mapped)
        munmap((void *)tc->base, tc->len);
    hm_free(&tc->vars);
    free(tc->built);
    free(tc);
}

/* ---- building types from records ---- */

static const char *string_at(const struct tcache *tc, uint32_t name)
{
    return name == TC_NO_NAME ? NULL : tc->strings + name;
}

/* The type for ref: an existing one, or a new shell whose record is queued to be filled. */
static struct ktype *shell_of(struct kdwarf *kd, uint32_t ref, uint32_t **queue, size_t *nqueue, size_t *capqueue)
{
    struct tcache *tc = kd->tc;
    if (ref == TC_REF_VOID)
        return &kd->void_type;
    if (ref == TC_REF_NULL)
        return NULL;
    if (tc->built[ref])
        return tc->built[ref];
    const struct tc_type *r = &tc->types[ref - 1];
    struct ktype *t = kd_new_type(kd);
    t->borrowed = true;
    t->kind = (enum kt_kind)r->kind;
    t->name = (char *)string_at(tc, r->name);
    t->size = r->size;
    t->die = r->die;
    t->count = r->count;
    t->is_signed = r->flags & TCF_SIGNED;
    t->is_char = r->flags & TCF_CHAR;
    t->is_bool = r->flags & TCF_BOOL;
    t->is_float = r->flags & TCF_FLOAT;
    t->prototyped = r->flags & TCF_PROTOTYPED;
    t->varargs = r->flags & TCF_VARARGS;
    tc->built[ref] = t;
    if (*nqueue == *capqueue)
        *queue = xrealloc(*queue, (*capqueue = *capqueue ? *capqueue * 2 : 64) * sizeof **queue);
    (*queue)[(*nqueue)++] = ref;
    return t;
}

/* Fill a shell's references; the types they name become shells in turn (no recursion, so a
 * long chain in a damaged file cannot exhaust the stack). */
static void fill_from_record(struct kdwarf *kd, uint32_t ref, uint32_t **queue, size_t *nqueue, size_t *capqueue)
{
    struct tcache *tc = kd->tc;
    const struct tc_type *r = &tc->types[ref - 1];
    struct ktype *t = tc->built[ref];
    if (t->kind == KT_POINTER) {
        t->target_in_cache = true;
        t->target_die = r->target;
    } else {
        t->target = shell_of(kd, r->target, queue, nqueue, capqueue);
    }
    if (t->kind == KT_ENUM && r->nenums) {
        t->enums = xcalloc(r->nenums, sizeof *t->enums);
        for (uint32_t i = 0; i < r->nenums; i++) {
            t->enums[i].name = (char *)string_at(tc, tc->enums[r->first + i].name);
            t->enums[i].value = tc->enums[r->first + i].value;
        }
        t->nenums = r->nenums;
    } else if (t->kind != KT_ENUM && r->nmembers) {
        t->members = xcalloc(r->nmembers, sizeof *t->members);
        for (uint32_t i = 0; i < r->nmembers; i++) {
            const struct tc_member *m = &tc->members[r->first + i];
            t->members[i] = (struct kt_member){(char *)string_at(tc, m->name), m->offset, m->bit_size, m->bit_pos, NULL};
            t->members[i].type = shell_of(kd, m->type, queue, nqueue, capqueue);
        }
        t->nmembers = r->nmembers;
    }
}

struct ktype *tc_type_ref(struct kdwarf *kd, uint32_t ref)
{
    uint32_t *queue = NULL;
    size_t nqueue = 0, capqueue = 0;
    struct ktype *t = shell_of(kd, ref, &queue, &nqueue, &capqueue);
    while (nqueue)
        fill_from_record(kd, queue[--nqueue], &queue, &nqueue, &capqueue);
    free(queue);
    return t;
}

struct ktype *tc_type_at_die(struct kdwarf *kd, uint64_t die)
{
    const struct tcache *tc = kd->tc;
    size_t lo = 0, hi = tc->ndies;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->dies[mid].die < die)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == tc->ndies || tc->dies[lo].die != die)
        return NULL;
    return tc_type_ref(kd, tc->dies[lo].ref);
}

struct ktype *tc_var_type(struct kdwarf *kd, const char *name, bool *known)
{
    uint64_t ref;
    *known = hm_get(&kd->tc->vars, name, &ref);
    return *known ? tc_type_ref(kd, (uint32_t)ref) : NULL;
}

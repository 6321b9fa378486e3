/* Every name equal: a vmlinux opened twice, once through libdwarf (--no-cache) and once from the
 * type cache the streaming build made (src/dwarf/typecache_build.h), must give the same index
 * (every struct, union, enum, typedef and enumerator name at the same DIE) and, for every name
 * and every variable, the same type graph: kind, name, C spelling, size, count, flags, every
 * member's name, offset and bit-field, every enumerator, followed through members, targets and
 * pointers (each pair of types compared once, so cycles end).
 *   test_typecache_equal VMLINUX WORKDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/dwarf_priv.h"
#include "dwarf/symtab.h"
#include "dwarf/typecache.h"
#include "dwarf/types.h"
#include "typecache_open.h"

static unsigned long failures, compared;
static struct hashmap seen; /* "x:y" pairs already compared */

#define CHECK(cond, ...)                                                                                                         \
    do {                                                                                                                         \
        if (!(cond)) {                                                                                                           \
            if (failures++ < 40) {                                                                                               \
                fprintf(stderr, "FAIL: ");                                                                                       \
                fprintf(stderr, __VA_ARGS__);                                                                                    \
                fputc('\n', stderr);                                                                                             \
            }                                                                                                                    \
        }                                                                                                                        \
    } while (0)

static bool same_flags(const struct ktype *x, const struct ktype *y)
{
    return x->is_signed == y->is_signed && x->is_char == y->is_char && x->is_bool == y->is_bool && x->is_float == y->is_float &&
           x->prototyped == y->prototyped && x->varargs == y->varargs;
}

static void same(struct kdwarf *a, struct ktype *x, struct kdwarf *b, struct ktype *y, const char *what, int depth)
{
    char nx[256], ny[256], key[64];
    if (depth > 64 || (!x && !y))
        return;
    CHECK(x && y, "%s: present on one side only", what);
    if (!x || !y)
        return;
    snprintf(key, sizeof key, "%p:%p", (void *)x, (void *)y);
    if (!hm_put(&seen, key, 1))
        return;
    compared++;
    kt_name(a, x, nx, sizeof nx);
    kt_name(b, y, ny, sizeof ny);
    CHECK(!strcmp(nx, ny), "%s: named %s from DWARF, %s from the cache", what, nx, ny);
    CHECK(x->kind == y->kind && kt_size(x) == kt_size(y) && x->count == y->count && same_flags(x, y),
          "%s (%s): kind %d/%d size %llu/%llu count %llu/%llu or flags differ", what, nx, x->kind, y->kind,
          (unsigned long long)kt_size(x), (unsigned long long)kt_size(y), (unsigned long long)x->count,
          (unsigned long long)y->count);
    CHECK((!x->name && !y->name) || (x->name && y->name && !strcmp(x->name, y->name)), "%s (%s): name differs", what, nx);
    CHECK(x->nmembers == y->nmembers && x->nenums == y->nenums, "%s (%s): member counts differ", what, nx);
    for (unsigned i = 0; i < x->nmembers && i < y->nmembers; i++) {
        const struct kt_member *m = &x->members[i], *n = &y->members[i];
        CHECK((!m->name && !n->name) || (m->name && n->name && !strcmp(m->name, n->name)), "%s: member %u name", nx, i);
        CHECK(m->offset == n->offset && m->bit_pos == n->bit_pos && m->bit_size == n->bit_size, "%s: member %u (%s) place", nx, i,
              m->name ? m->name : "?");
        same(a, m->type, b, n->type, nx, depth + 1);
    }
    for (unsigned i = 0; i < x->nenums && i < y->nenums; i++)
        CHECK(!strcmp(x->enums[i].name, y->enums[i].name) && x->enums[i].value == y->enums[i].value, "%s: enumerator %u", nx, i);
    if (x->kind == KT_POINTER)
        same(a, kt_target(a, x), b, kt_target(b, y), nx, depth + 1);
    else if (x->target || y->target)
        same(a, x->target, b, y->target, nx, depth + 1);
}

static const char *const ns_word[NS_COUNT] = {"struct",    "union", "enum", "typedef", "variable", "declared variable",
                                              "enumerator"};

static int by_die(const void *a, const void *b)
{
    const struct hm_entry *x = a, *y = b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* The same names at the same DIEs, and the same type for each. In DIE order: libdwarf finds a DIE
 * quickly only in the unit it looked in last. */
static void compare_names(struct kdwarf *dwarf, struct kdwarf *cache, int ns)
{
    const struct hashmap *h = &dwarf->ns[ns];
    struct hm_entry *order = malloc((h->len + 1) * sizeof *order);
    size_t n = 0;
    for (size_t i = 0; i < h->cap; i++)
        if (h->e[i].key)
            order[n++] = h->e[i];
    qsort(order, n, sizeof *order, by_die);
    bool var = ns == NS_VAR || ns == NS_VARDECL;
    for (size_t i = 0; i < n; i++) {
        const char *name = order[i].key;
        uint64_t die;
        char what[300];
        snprintf(what, sizeof what, "%s %s", ns_word[ns], name);
        if (var) {
            same(dwarf, kdwarf_var_type(dwarf, name), cache, kdwarf_var_type(cache, name), what, 0);
            continue;
        }
        CHECK(hm_get(&cache->ns[ns], name, &die) && die == order[i].value, "%s: not at the same DIE in the cache", what);
        same(dwarf, kd_build_type(dwarf, order[i].value), cache, kd_build_type(cache, order[i].value), what, 0);
        int64_t v1 = 0, v2 = 0;
        if (ns == NS_ENUMERATOR)
            CHECK(kdwarf_enumerator(dwarf, name, &v1) == kdwarf_enumerator(cache, name, &v2) && v1 == v2,
                  "enumerator %s: %lld/%lld", name, (long long)v1, (long long)v2);
    }
    free(order);
    if (!var)
        CHECK(cache->ns[ns].len == h->len, "%s names: %zu from DWARF, %zu in the cache", ns_word[ns], h->len, cache->ns[ns].len);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    struct symtab st;
    char path[1024];
    fake_symtab(&st, "\x5e\x9a\x1e\x01", argv[2], path, sizeof path);
    hm_init(&seen);
    struct kdwarf *dwarf = open_kd(argv[1], &st, true);
    struct kdwarf *cold = open_kd(argv[1], &st, false);
    CHECK(!strncmp(kdwarf_index_origin(cold), "built", 5), "the first open builds: %s", kdwarf_index_origin(cold));
    CHECK(cold->dbg == NULL, "the cold build started libdwarf");
    struct kdwarf *warm = open_kd(argv[1], &st, false);
    CHECK(!strncmp(kdwarf_index_origin(warm), "cache", 5), "the second open reads the cache: %s", kdwarf_index_origin(warm));
    for (int ns = 0; ns < NS_COUNT; ns++)
        compare_names(dwarf, warm, ns);
    printf("%lu type pairs compared over %zu struct, %zu union, %zu enum, %zu typedef names, %zu variables\n", compared,
           dwarf->ns[NS_STRUCT].len, dwarf->ns[NS_UNION].len, dwarf->ns[NS_ENUM].len, dwarf->ns[NS_TYPEDEF].len,
           dwarf->ns[NS_VAR].len + dwarf->ns[NS_VARDECL].len);
    kdwarf_close(cold);
    kdwarf_close(warm);
    kdwarf_close(dwarf);
    hm_free(&seen);
    if (failures)
        fprintf(stderr, "%lu failures\n", failures);
    else
        printf("typecache.equal: every name equal\n");
    return failures != 0;
}

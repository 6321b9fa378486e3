/* The type cache (src/dwarf/typecache.c) on a small real object, dwarf_sample.c built with gcc -g
 * (tests/fuzz/corpus/dwarf/sample): the types built from the cache must be the types libdwarf
 * gives for the same names — kind, name, size, count, every member's name, offset and bit-field,
 * enumerators, C spelling — and a damaged cache file must be refused, warned about once and rebuilt.
 *   test_typecache SAMPLE_ELF WORKDIR [SEED_OUT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf/symtab.h"
#include "dwarf/typecache.h"
#include "dwarf/types.h"
#include "typecache_open.h"

static int failures;

#define CHECK(cond, ...)                                                                                                         \
    do {                                                                                                                         \
        if (!(cond)) {                                                                                                           \
            failures++;                                                                                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                                 \
            fprintf(stderr, __VA_ARGS__);                                                                                        \
            fputc('\n', stderr);                                                                                                 \
        }                                                                                                                        \
    } while (0)

static const char *const names[] = {"struct node", "pte_t", "enum colour", "pteval_t", "int", "struct node *", "char"};
static const char *const vars[] = {"sample_node", "sample_array", "sample_pte"};

/* The same type from two sources, compared field by field down to depth 4. */
static void same(struct kdwarf *a, struct ktype *x, struct kdwarf *b, struct ktype *y, const char *what, int depth)
{
    char nx[256], ny[256];
    if (depth > 4 || (!x && !y))
        return;
    CHECK(x && y, "%s: present on one side only", what);
    if (!x || !y)
        return;
    kt_name(a, x, nx, sizeof nx);
    kt_name(b, y, ny, sizeof ny);
    CHECK(!strcmp(nx, ny), "%s: named %s from DWARF, %s from the cache", what, nx, ny);
    CHECK(x->kind == y->kind && kt_size(x) == kt_size(y) && x->count == y->count, "%s (%s): kind/size/count differ", what, nx);
    CHECK(x->nmembers == y->nmembers && x->nenums == y->nenums, "%s (%s): member counts differ", what, nx);
    for (unsigned i = 0; i < x->nmembers && i < y->nmembers; i++) {
        const struct kt_member *m = &x->members[i], *n = &y->members[i];
        CHECK((!m->name && !n->name) || (m->name && n->name && !strcmp(m->name, n->name)), "%s: member %u name", nx, i);
        CHECK(m->offset == n->offset && m->bit_pos == n->bit_pos && m->bit_size == n->bit_size, "%s: member %u place", nx, i);
        same(a, m->type, b, n->type, nx, depth + 1);
    }
    for (unsigned i = 0; i < x->nenums && i < y->nenums; i++)
        CHECK(!strcmp(x->enums[i].name, y->enums[i].name) && x->enums[i].value == y->enums[i].value, "%s: enumerator %u", nx, i);
    if (x->kind == KT_POINTER)
        same(a, kt_target(a, x), b, kt_target(b, y), nx, depth + 1);
    else if (x->target)
        same(a, x->target, b, y->target, nx, depth + 1);
}

static void compare_all(struct kdwarf *dwarf, struct kdwarf *cache)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        same(dwarf, kdwarf_type(dwarf, names[i]), cache, kdwarf_type(cache, names[i]), names[i], 0);
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        same(dwarf, kdwarf_var_type(dwarf, vars[i]), cache, kdwarf_var_type(cache, vars[i]), vars[i], 0);
    int64_t v1 = 0, v2 = 0;
    CHECK(kdwarf_enumerator(dwarf, "BLUE", &v1) && kdwarf_enumerator(cache, "BLUE", &v2) && v1 == -1 && v2 == -1, "BLUE");
    CHECK(kdwarf_type(cache, "struct node")->nmembers == 10, "struct node has 10 members in dwarf_sample.c");
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) ? -1 : (long)sb.st_size;
}

/* Damage the cache file, open again: refused, rebuilt whole. */
static void damaged(const char *elf, const struct symtab *st, const char *path, const char *how)
{
    FILE *f = fopen(path, "r+b");
    if (!strcmp(how, "truncated")) {
        if (f)
            fclose(f);
        f = NULL;
        CHECK(truncate(path, file_size(path) / 2) == 0, "truncate");
    } else if (f) {
        long at = !strcmp(how, "corrupt") ? file_size(path) - 20 : !strcmp(how, "version") ? 8 : 32;
        fseek(f, at, SEEK_SET);
        fputc(!strcmp(how, "foreign") ? 'z' : 0x5a, f);
    }
    if (f)
        fclose(f);
    struct kdwarf *kd = open_kd(elf, st, false);
    CHECK(!strncmp(kdwarf_index_origin(kd), "built", 5), "%s cache was used: %s", how, kdwarf_index_origin(kd));
    kdwarf_close(kd);
    kd = open_kd(elf, st, false);
    CHECK(!strncmp(kdwarf_index_origin(kd), "cache", 5), "after a %s cache, no good one was written: %s", how,
          kdwarf_index_origin(kd));
    kdwarf_close(kd);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *elf = argv[1];
    char path[1024];
    struct symtab st;
    fake_symtab(&st, "\x12\x34\x56\x78", argv[2], path, sizeof path);
    struct kdwarf *dwarf = open_kd(elf, &st, true);
    struct kdwarf *cold = open_kd(elf, &st, false);
    CHECK(!strncmp(kdwarf_index_origin(cold), "built", 5), "first open builds: %s", kdwarf_index_origin(cold));
    struct kdwarf *warm = open_kd(elf, &st, false);
    CHECK(!strncmp(kdwarf_index_origin(warm), "cache", 5), "second open reads the cache: %s", kdwarf_index_origin(warm));
    compare_all(dwarf, warm);
    compare_all(cold, warm);
    kdwarf_close(cold);
    kdwarf_close(warm);
    kdwarf_close(dwarf);
    if (argc > 3) {
        char cmd[2200];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, argv[3]);
        CHECK(system(cmd) == 0, "seed copy");
    }
    static const char *const hows[] = {"corrupt", "truncated", "version", "foreign"};
    for (size_t i = 0; i < sizeof hows / sizeof *hows; i++)
        damaged(elf, &st, path, hows[i]);
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        printf("typecache: all checks passed\n");
    return failures != 0;
}

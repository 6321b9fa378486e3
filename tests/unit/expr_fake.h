/* A fake program for the expression evaluator, shared by its unit test and its fuzz target:
 * struct point (with a bit-field), int arr[4], int grid[2][3], struct point *pp, char banner[]
 * (unknown bound), an enumerator RED and a per-CPU int pcpu, in a memory image at BASE. */
#ifndef KS_EXPR_FAKE_H
#define KS_EXPR_FAKE_H
#include <string.h>

#include "expr/expr.h"

#define BASE          0xc0000000u
#define MEM_SIZE      0x1000u
#define PERCPU_STRIDE 0x200u

struct fake {
    uint8_t mem[MEM_SIZE];
    struct ktype int_t, uint_t, char_t, point, int_arr, int_row, int_grid, point_ptr, char_arr, enum_t;
    struct kt_member point_members[3];
    struct kt_enumerator enums[1];
};

static struct fake F;

static const struct {
    const char *name;
    uint32_t addr;
    struct ktype *type;
} vars[] = {
    {"pt", BASE + 0x00, &F.point},     {"arr", BASE + 0x20, &F.int_arr},     {"grid", BASE + 0x40, &F.int_grid},
    {"pp", BASE + 0x60, &F.point_ptr}, {"banner", BASE + 0x80, &F.char_arr}, {"pcpu", BASE + 0x100, &F.int_t},
};

static void put32(uint32_t addr, uint32_t v)
{
    memcpy(F.mem + (addr - BASE), &v, 4);
}

static int lookup(void *ctx, const char *name, int cpu, struct expr_value *out, ks_err *err)
{
    memset(out, 0, sizeof *out);
    if (!strcmp(name, "RED")) {
        out->type = &F.enum_t;
        out->v = 1;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
        if (!strcmp(vars[i].name, name)) {
            out->type = vars[i].type;
            out->lvalue = true;
            out->addr = vars[i].addr + (cpu >= 0 && !strcmp(name, "pcpu") ? (uint64_t)cpu * PERCPU_STRIDE : 0);
            return 0;
        }
    return ks_fail(err, "no symbol \"%s\"", name);
}

static bool is_percpu(void *ctx, const char *name)
{
    return !strcmp(name, "pcpu");
}

static struct ktype *type_named(void *ctx, const char *spec)
{
    if (!strcmp(spec, "struct point"))
        return &F.point;
    if (!strcmp(spec, "color_t"))
        return &F.enum_t;
    return NULL;
}

static int read_mem(void *ctx, uint64_t addr, void *buf, size_t len, ks_err *err)
{
    if (addr < BASE || addr - BASE > MEM_SIZE - len)
        return ks_fail(err, "cannot read %#llx", (unsigned long long)addr);
    memcpy(buf, F.mem + (addr - BASE), len);
    return 0;
}

static int per_cpu(void *ctx, uint64_t addr, unsigned cpu, uint64_t *out, ks_err *err)
{
    if (cpu >= 2)
        return ks_fail(err, "no CPU %u", cpu);
    *out = addr + cpu * PERCPU_STRIDE;
    return 0;
}

static void base(struct ktype *t, const char *name, unsigned size, bool is_signed)
{
    t->kind = KT_BASE;
    t->name = (char *)name;
    t->size = size;
    t->is_signed = is_signed;
}

static void array(struct ktype *t, struct ktype *elem, uint64_t count)
{
    t->kind = KT_ARRAY;
    t->target = elem;
    t->count = count;
    t->size = count * kt_size(elem);
}

static void build_program(void)
{
    base(&F.int_t, "int", 4, true);
    base(&F.uint_t, "unsigned int", 4, false);
    base(&F.char_t, "char", 1, true);
    F.char_t.is_char = true;
    /* struct point { int x; int y; unsigned int flags : 3 (bits 66..68: byte 8, shift 2); } */
    F.point_members[0] = (struct kt_member){.name = "x", .offset = 0, .type = &F.int_t};
    F.point_members[1] = (struct kt_member){.name = "y", .offset = 4, .type = &F.int_t};
    F.point_members[2] = (struct kt_member){.name = "flags", .offset = 8, .bit_size = 3, .bit_pos = 66, .type = &F.uint_t};
    F.point = (struct ktype){.kind = KT_STRUCT, .name = "point", .size = 16, .members = F.point_members, .nmembers = 3};
    array(&F.int_arr, &F.int_t, 4);
    array(&F.int_row, &F.int_t, 3);
    array(&F.int_grid, &F.int_row, 2);
    F.point_ptr = (struct ktype){.kind = KT_POINTER, .size = 4, .target = &F.point, .target_built = true};
    array(&F.char_arr, &F.char_t, 0);
    F.enums[0] = (struct kt_enumerator){"RED", 1};
    F.enum_t = (struct ktype){.kind = KT_ENUM, .name = "color", .size = 4, .enums = F.enums, .nenums = 1};
    put32(BASE + 0x00, (uint32_t)-3); /* pt.x */
    put32(BASE + 0x04, 7);            /* pt.y */
    F.mem[8] = 5 << 2;                /* pt.flags = 5 */
    for (unsigned i = 0; i < 4; i++)
        put32(BASE + 0x20 + 4 * i, 10 + i);
    for (unsigned i = 0; i < 6; i++)
        put32(BASE + 0x40 + 4 * i, 100 + i);
    put32(BASE + 0x60, BASE); /* pp = &pt */
    memcpy(F.mem + 0x80, "Linux", 6);
    put32(BASE + 0x100, 11); /* pcpu on CPU 0 */
    put32(BASE + 0x100 + PERCPU_STRIDE, 22);
}

static struct expr_env env_c = {
    .lookup = lookup,
    .is_percpu = is_percpu,
    .type = type_named,
    .read = read_mem,
    .per_cpu = per_cpu,
};

static struct expr_env env_hex = {
    .lookup = lookup,
    .type = type_named,
    .read = read_mem,
    .per_cpu = per_cpu,
    .hex_numbers = true,
};

#endif

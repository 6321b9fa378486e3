/*
 * types: the kernel's C types and global variables, from the vmlinux's DWARF.
 *
 * Promise: kdwarf_open() indexes every named struct, union, enum, typedef, base type, enumerator
 * and global variable once and writes every type they reach to the type cache (typecache.h), keyed
 * by the build-id; later opens map that cache and never start libdwarf unless asked for what it
 * does not hold (line tables, a function's prototype). Types are built on first use from their DIE and kept; pointer targets are
 * built only when followed, so asking for task_struct does not drag in the whole kernel.
 * Everything above this layer asks for layouts by name; no struct offset is ever written down
 * elsewhere in ksleuth.
 */
#ifndef KS_TYPES_H
#define KS_TYPES_H
#include <stdbool.h>
#include <stdint.h>

#include "../util/util.h"

enum kt_kind { KT_VOID, KT_BASE, KT_POINTER, KT_STRUCT, KT_UNION, KT_ENUM, KT_TYPEDEF, KT_ARRAY, KT_CONST, KT_VOLATILE, KT_QUAL, KT_FUNC };
/* KT_QUAL: restrict, _Atomic and other qualifiers ksleuth passes through silently. */

struct ktype;

struct kt_member {
    char *name;              /* NULL for an anonymous struct/union member */
    uint64_t offset;         /* bytes from the start of the containing type; for a bit-field, the
                                byte holding its first bit, as gdb shows it */
    unsigned bit_size;       /* 0 unless a bit-field */
    uint64_t bit_pos;        /* bit-fields: bit number from the start of the containing type, LSB first */
    struct ktype *type;
};

/* A bit-field's shift within the bytes starting at m->offset. */
static inline unsigned kt_bit_shift(const struct kt_member *m) { return (unsigned)(m->bit_pos - m->offset * 8); }
/* Bytes to read from m->offset to hold the whole bit-field. */
static inline unsigned kt_bit_bytes(const struct kt_member *m) { return (kt_bit_shift(m) + m->bit_size + 7) / 8; }
/* The bit-field's value from those bytes (little-endian). */
static inline uint64_t kt_bit_value(const struct kt_member *m, const uint8_t *unit)
{
    uint64_t raw = 0;
    for (unsigned i = 0; i < kt_bit_bytes(m) && i < 8; i++) raw |= (uint64_t)unit[i] << (8 * i);
    raw >>= kt_bit_shift(m);
    return m->bit_size >= 64 ? raw : raw & ((1ull << m->bit_size) - 1);
}

struct kt_enumerator {
    char *name;
    int64_t value;
};

/* Fields ordered so there is no padding: the type cache's build holds millions of these. */
struct ktype {
    enum kt_kind kind;
    unsigned nmembers;
    char *name;              /* NULL if anonymous */
    uint64_t size;
    struct ktype *target;    /* typedef/const/volatile/array element; pointers: use kt_target() */
    uint64_t target_die;     /* pointers: the target's DIE, built on demand (0 = void *) */
    uint64_t count;          /* arrays: elements in the first dimension (0 = flexible/unknown) */
    struct kt_member *members;
    struct kt_enumerator *enums;
    uint64_t die;
    struct kdwarf *owner;    /* whose DWARF the DIE offsets (die, target_die) belong to */
    unsigned nenums;
    uint32_t cache_id;       /* while the cache is written: this type's record number */
    bool is_signed, is_char, is_bool, is_float;
    bool target_built;
    bool prototyped, varargs; /* functions: target is the return type, members the parameters */
    bool target_in_cache;    /* pointers built from the type cache: target_die is a cache record */
    bool borrowed;           /* names point into the mapped type cache */
};

struct kdwarf;
struct symtab;

struct kdwarf_opts {
    bool progress;           /* show indexing progress (a terminal is watching) */
    bool no_cache;
};

int kdwarf_open(struct kdwarf **out, const char *vmlinux, const struct symtab *st, const struct kdwarf_opts *o, ks_err *err);
void kdwarf_close(struct kdwarf *kd);
/* The DWARF of an object file already relocated in memory (a module's .ko, see relobj.h): kd takes
 * the fd; indexed on open, never cached. */
int kdwarf_open_fd(struct kdwarf **out, int fd, const char *name, ks_err *err);
/* More DWARF for the names users type: the modules loaded with `mod -s`. The *_any lookups search
 * kd first, then these, in order; everything that probes the kernel's own layouts uses kd alone,
 * so a module can never change how ksleuth reads the kernel. kd does not own them. */
void kdwarf_set_extra(struct kdwarf *kd, struct kdwarf *const *extra, size_t n);
struct ktype *kdwarf_type_any(struct kdwarf *kd, const char *spec);
struct ktype *kdwarf_var_type_any(struct kdwarf *kd, const char *var);
/* "where the types came from": "built (N names, X s)" or "cache <path>" */
const char *kdwarf_index_origin(const struct kdwarf *kd);

/* "struct mm_struct", "union thread_union", "enum pageflags", "pte_t", "unsigned long",
 * or a bare name tried as struct, union, typedef, enum in that order. Trailing '*'s make pointers. */
struct ktype *kdwarf_type(struct kdwarf *kd, const char *spec);
struct ktype *kdwarf_var_type(struct kdwarf *kd, const char *var);
bool kdwarf_enumerator(struct kdwarf *kd, const char *name, int64_t *value);
/* The enum type an enumerator belongs to (NULL if none). */
struct ktype *kdwarf_enumerator_type(struct kdwarf *kd, const char *name);
/* A function's type (return and parameter types) from its DW_TAG_subprogram, found lazily through
 * .debug_aranges from the function's link-time address; NULL if the DWARF has none. */
struct ktype *kdwarf_func_type(struct kdwarf *kd, const char *name, uint64_t link_addr);
/* Complete names for the REPL: struct/union/typedef names starting with prefix. */
void kdwarf_each_type_name(struct kdwarf *kd, const char *prefix, void (*fn)(const char *, void *), void *arg);

struct ktype *kt_target(struct kdwarf *kd, struct ktype *t);
/* Through typedefs, const and volatile to the type that says what the bytes are. */
struct ktype *kt_strip(struct ktype *t);
uint64_t kt_size(struct ktype *t);
/* "struct foo", "unsigned int", "pte_t", "char *", "int [16]", "int (*)(struct file *, int)" */
void kt_name(struct kdwarf *kd, struct ktype *t, char *out, size_t outsz);
/* A function type's parameter list: "(struct file *, loff_t, int)", "(void)". */
void kt_func_params(struct kdwarf *kd, struct ktype *f, char *out, size_t outsz);

/* One member by name, looking inside anonymous members as C does; offset gets its byte offset. */
const struct kt_member *kt_find_member(struct ktype *t, const char *name, uint64_t *offset);
/* Member lookup through anonymous members; path may be "a.b.c" or "a[2].b". Gives the byte
 * offset, the type at the end of the path (the element type after an index) and the last member
 * (for bit-field details). */
int kt_member_path(struct kdwarf *kd, struct ktype *t, const char *path, uint64_t *offset, struct ktype **type,
                   const struct kt_member **member, ks_err *err);

#endif

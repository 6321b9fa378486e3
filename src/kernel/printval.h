/*
 * printval: print kernel objects the way gdb (and so crash's `p` and `struct`) shows them:
 * members one per line with nesting, pointers in hex, char arrays as strings, enums by name.
 * Also prints type layouts (`struct NAME [-o]`). Output is bounded: huge arrays are elided.
 */
#ifndef KS_PRINTVAL_H
#define KS_PRINTVAL_H
#include <stdbool.h>
#include <stdio.h>

#include "../util/json.h"
#include "kernel.h"

struct printval_opts {
    bool hex;                 /* integers in hex (p -x, set radix 16) */
    char fmt;                 /* gdb's print/FMT letter: x d u o t c, or 0. Unlike -x, it also
                                 shows char arrays element by element and pointers as numbers */
};

/* Read `t` at kernel address addr and print "{...}" / the value, starting at the current column. */
int print_object(struct kernel *k, FILE *out, struct ktype *t, uint64_t addr, int indent, const struct printval_opts *o,
                 ks_err *err);
/* Print a value already in memory (bytes holds kt_size(t) bytes read from addr). */
void print_value(struct kernel *k, FILE *out, struct ktype *t, const uint8_t *bytes, uint64_t addr, int indent,
                 const struct printval_opts *o);
/* The same value as JSON: numbers, strings for char arrays and enum names, "0x.." for pointers,
 * objects for structs (anonymous members' fields folded into their parent, as C names them). */
void json_value(struct kernel *k, struct json *j, const char *key, struct ktype *t, const uint8_t *bytes);
int json_object(struct kernel *k, struct json *j, const char *key, struct ktype *t, uint64_t addr, ks_err *err);
/* A struct/union layout as {"type","size","members":[{"name","offset","type","bits"?}]}. */
void json_layout(struct kernel *k, struct json *j, struct ktype *t);

/* The layout of a struct/union: members with types, with [offset] when show_offsets. At the top
 * level, `declared` (a typedef's name, or NULL) closes it as C does: "} pte_t;". */
void print_layout(struct kernel *k, FILE *out, struct ktype *t, bool show_offsets, int indent, uint64_t base,
                  const char *declared);
/* "type name" declaration text, e.g. "struct list_head *next" or "char comm[16]". */
void decl_text(struct kernel *k, struct ktype *t, const char *name, char *out, size_t outsz);

#endif

/*
 * relobj: a relocatable ELF object (a kernel module's .ko) as the linker would leave it once the
 * module loader has placed it: its sections, its symbols, its GNU build-id, and its DWARF with
 * every relocation of the debug sections applied for the addresses the sections were loaded at.
 *
 * Promise: relobj_open() accepts only a 32-bit little-endian i386 ET_REL file and checks every
 * section and symbol against the file's size, so a truncated or corrupt .ko is one error line.
 * The file is read once into memory and never written; the relocated copy handed to libdwarf lives
 * in an anonymous memory file.
 */
#ifndef KS_RELOBJ_H
#define KS_RELOBJ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

struct kdwarf;

struct relobj_section {
    char *name;
    uint32_t type, flags, offset, size, link, info, entsize;
    uint64_t addr; /* where the loader put it (set by the caller) */
    bool placed;   /* addr is known; unplaced allocated sections resolve to 0 */
};

struct relobj_sym {
    char *name;
    uint64_t value, size; /* value: offset into its section */
    unsigned shndx;
    char type; /* nm's letter: t T d D b B r R */
};

struct relobj {
    char *path;
    uint8_t *image;
    size_t size;
    struct relobj_section *sec;
    size_t nsec;
    struct relobj_sym *syms; /* named function and object symbols of allocated sections */
    size_t nsyms;
    uint8_t build_id[64]; /* the NT_GNU_BUILD_ID descriptor */
    size_t build_id_len;
    char modname[64]; /* "name=" of .modinfo, "" if none */
};

int relobj_open(struct relobj *o, const char *path, ks_err *err);
void relobj_close(struct relobj *o);
/* The section of that name, or NULL. */
struct relobj_section *relobj_section(struct relobj *o, const char *name);
/* The loaded address of a symbol (its section's address plus its value); false if unplaced. */
bool relobj_sym_addr(const struct relobj *o, const struct relobj_sym *s, uint64_t *addr);
/* The object's DWARF, relocated for the sections' addresses (place them first). */
int relobj_dwarf(struct relobj *o, struct kdwarf **out, ks_err *err);

#endif

/*
 * typecache: every type a vmlinux's DWARF can answer a name with, written once in a compact binary
 * file of ksleuth's own (docs/design.md, "The type cache") and read back through mmap, so a warm
 * start never initialises libdwarf. Types are built from the mapped records lazily and are the same
 * struct ktype graphs the DWARF builder makes (types.c), down to the DIE offsets they carry.
 *
 * The file is keyed by the vmlinux's build-id, versioned and checksummed, and written to a temporary
 * name then renamed, so a reader sees either no file or a whole one. A file that fails any check is
 * not used: the caller rebuilds it and says so in one line.
 */
#ifndef KS_TYPECACHE_H
#define KS_TYPECACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"
#include "types.h"

#define TC_MAGIC   "KSTYPES"
/* 2: written by the streaming build. Version 1 files made through libdwarf 20210528 put members whose
 * offset is a DW_FORM_implicit_const (GCC 12's DWARF 5) at offset 0: they must not be read again. */
#define TC_VERSION 2u

/* Sections of the file, in this order after the header (each 8-byte aligned). */
enum tc_sec { TC_STRINGS, TC_TYPES, TC_MEMBERS, TC_ENUMS, TC_DIES, TC_NAMES, TC_VARS, TC_NSEC };

struct tc_section {
    uint64_t off;   /* from the start of the file */
    uint64_t count; /* records (bytes for TC_STRINGS) */
};

struct tc_header {
    char magic[8];        /* TC_MAGIC */
    uint32_t version;     /* TC_VERSION */
    uint32_t header_size; /* sizeof(struct tc_header) */
    uint64_t file_size;
    uint64_t checksum;  /* tc_checksum of bytes [header_size, file_size) */
    char build_id[136]; /* hex, NUL-terminated */
    struct tc_section sec[TC_NSEC];
};

/* A reference to a type: TC_REF_VOID, TC_REF_NULL, or record number + 1. */
#define TC_REF_VOID 0u
#define TC_REF_NULL 0xffffffffu
#define TC_NO_NAME  0xffffffffu

enum tc_flag { TCF_SIGNED = 1, TCF_CHAR = 2, TCF_BOOL = 4, TCF_FLOAT = 8, TCF_PROTOTYPED = 16, TCF_VARARGS = 32 };

struct tc_type {
    uint8_t kind;  /* enum kt_kind */
    uint8_t flags; /* enum tc_flag */
    uint16_t pad;
    uint32_t name; /* offset in TC_STRINGS or TC_NO_NAME */
    uint64_t size, die, count;
    uint32_t target; /* ref; for a pointer, its (lazily built) target */
    uint32_t first;  /* first member (struct, union, function) or enumerator (enum) */
    uint32_t nmembers, nenums;
    uint64_t pad2;
};

struct tc_member {
    uint32_t name, type;
    uint64_t offset, bit_pos;
    uint32_t bit_size, pad;
};

struct tc_enum {
    uint32_t name, pad;
    int64_t value;
};

struct tc_die { /* sorted by die: a DIE offset (a definition or a declaration) -> its type */
    uint64_t die;
    uint32_t ref, pad;
};

struct tc_name { /* one entry of kd->ns: namespace, name, DIE offset */
    uint32_t name;
    uint8_t ns, pad[3];
    uint64_t die;
};

struct tc_var { /* a global variable's type */
    uint32_t name, type;
};

struct kdwarf;
struct tcache;

uint64_t tc_checksum(const uint8_t *p, size_t n);

/* Why a file was refused, for the one warning line. */
struct tc_why {
    char text[200];
};

/* Map path and check it whole. 0: kd now answers from it; 1: there is no file (say nothing);
 * -1: the file is unusable and why says so. */
int tc_open(struct kdwarf *kd, const char *path, const char *build_id, struct tc_why *why);
/* The same over a buffer the caller keeps alive while kd lives (the fuzz target's way in). */
int tc_attach(struct kdwarf *kd, const uint8_t *buf, size_t len, const char *build_id, struct tc_why *why);
void tc_close(struct tcache *tc);
/* A kdwarf answering from a cache in memory alone (no DWARF behind it): the fuzz target's and the
 * unit test's way in. buf must stay alive while the kdwarf does. */
int kdwarf_open_cache_buffer(struct kdwarf **out, const uint8_t *buf, size_t len, const char *build_id, ks_err *err);

/* The type whose DIE is at die, built from the cache (NULL if the cache does not hold it). */
struct ktype *tc_type_at_die(struct kdwarf *kd, uint64_t die);
/* A pointer's target kept as a cache reference (kt_target). */
struct ktype *tc_type_ref(struct kdwarf *kd, uint32_t ref);
/* A global variable's type; *known says whether the cache has the variable at all. */
struct ktype *tc_var_type(struct kdwarf *kd, const char *name, bool *known);

/* A whole cache file in memory. */
struct tc_image {
    uint8_t *p;
    size_t len;
    size_t names; /* index entries, for "built (N names, ...)" */
};

/* Build the cache from one streaming pass over fd's DWARF (die_stream.h; libdwarf is not
 * started): 0, or DS_CORRUPT / DS_UNSUPPORTED with err saying why in one line. */
int tc_stream_build(int fd, const char *name, const char *build_id, bool progress, struct tc_image *image, ks_err *err);
/* Write a cache file to path (temp file + rename): 0 when written. A read-only cache directory
 * leaves no file. */
int tc_publish(const uint8_t *p, size_t len, const char *path);

#endif

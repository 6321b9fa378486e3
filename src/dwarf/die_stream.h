/*
 * die_stream: ksleuth's own reader of a vmlinux's .debug_info, one unit at a time.
 *
 * Promise: the sections are found through libelf's section headers and read with pread; a
 * SHF_COMPRESSED (ELFCOMPRESS_ZLIB) .debug_info is inflated incrementally, so the memory held is
 * the small sections (.debug_abbrev, .debug_str, .debug_line_str, .debug_str_offsets, read whole)
 * plus a buffer as large as the largest unit — never the whole decompressed section, which is
 * what libdwarf and libdw hold (487 MB for Debian's vmlinux). Units of DWARF 2 to 5
 * (DW_UT_compile, DW_UT_partial) are decoded with every attribute form. Everything read is
 * checked: unit lengths against the section, LEB128 lengths, abbreviation codes, string offsets,
 * the inflated size against the compression header, references inside the section. What it does
 * not support (type units, split DWARF, 64-bit DWARF, .debug_types, alternate files) makes
 * ds_next_unit fail with DS_UNSUPPORTED; damage fails with DS_CORRUPT. Either way err says why in
 * one line and the caller reads the file another way.
 */
#ifndef KS_DIE_STREAM_H
#define KS_DIE_STREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

enum ds_status { DS_END = 0, DS_UNIT = 1, DS_CORRUPT = -1, DS_UNSUPPORTED = -2 };

struct ds_reader;

struct ds_abbrev; /* one abbreviation (private) */

struct ds_unit {
    uint64_t off, end;  /* section offsets: the header's first byte, one past the last */
    uint64_t first_die; /* section offset of the unit DIE */
    const uint8_t *buf; /* the unit's bytes; buf[0] is section offset off */
    uint8_t version, addr_size, unit_type;
    uint64_t str_offsets_base;
    struct ds_reader *r;
};

/* An attribute's value. Refs are section offsets; strings point into the string sections. */
struct ds_attr {
    uint16_t at, form;
    uint64_t u;           /* constants (zero-extended), flags, refs, offsets */
    int64_t s;            /* sdata and implicit_const, sign-extended */
    const uint8_t *block; /* exprloc and blocks */
    uint64_t blen;
    const char *str; /* string forms, NULL for others */
};

#define DS_MAX_ATTRS 48

struct ds_die {
    uint64_t off; /* section offset; a null entry (end of siblings) has tag 0 */
    uint16_t tag;
    bool has_children;
    unsigned nattr;
    struct ds_attr attr[DS_MAX_ATTRS];
};

/* Say what is wrong in err and return DS_CORRUPT or DS_UNSUPPORTED. */
int ds_corrupt(ks_err *err, const char *what);
int ds_unsupported(ks_err *err, const char *what);

/* Open the reader on fd (not taken). DS_UNIT when ready; DS_UNSUPPORTED/DS_CORRUPT with err. */
int ds_open(struct ds_reader **out, int fd, const char *name, ks_err *err);
void ds_close(struct ds_reader *r);
/* The next unit, whole in memory until the next call. DS_END after the last. */
int ds_next_unit(struct ds_reader *r, struct ds_unit *u, ks_err *err);
/* Decoded and compressed bytes read so far and the section's size, for progress. */
void ds_progress(const struct ds_reader *r, uint64_t *done, uint64_t *total);

/* Decode the DIE at section offset off of unit u; *next is the offset just after its attributes
 * (its first child if it has children). 0 or DS_CORRUPT/DS_UNSUPPORTED with err. */
int ds_read_die(const struct ds_unit *u, uint64_t off, struct ds_die *d, uint64_t *next, ks_err *err);
/* The offset past d's subtree (d read at off, next as ds_read_die gave it): DW_AT_sibling when
 * present, else a walk over the children, bounded in depth. */
int ds_skip_children(const struct ds_unit *u, const struct ds_die *d, uint64_t next, uint64_t *after, ks_err *err);

/* A key naming the string s for the whole pass when it lies in .debug_str or .debug_line_str,
 * 0 when it does not (a DW_FORM_string lives in the unit and moves with it). */
uint64_t ds_string_key(const struct ds_reader *r, const char *s);
/* Keys up to this one name .debug_str's strings (it is .debug_str's size, or 0 if that is huge). */
uint64_t ds_string_key_limit(const struct ds_reader *r);

/* The attribute at of d, or NULL. */
const struct ds_attr *ds_attr(const struct ds_die *d, uint16_t at);
/* Unsigned constant as libdwarf's dwarf_formudata (then formsdata) gives it: 0 when present. */
int ds_udata(const struct ds_die *d, uint16_t at, uint64_t *v);
/* Signed as kd_attr_sdata reads it: data1..8/udata unsigned, sdata signed. */
int ds_sdata(const struct ds_die *d, uint16_t at, int64_t *v);
/* A reference attribute's section offset: 0 when present. */
int ds_ref(const struct ds_die *d, uint16_t at, uint64_t *off);
/* The name (DW_AT_name) or NULL. */
const char *ds_name(const struct ds_die *d);

#endif

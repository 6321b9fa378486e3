/*
 * The streaming DIE reader (die_stream.h): sections through libelf's headers, .debug_info through
 * zlib a unit at a time, abbreviations and attribute forms decoded here with every read bounded.
 */
#include <gelf.h>
#include <libdwarf/dwarf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../util/hashmap.h"
#include "die_stream_priv.h"

#ifndef ELFCOMPRESS_ZLIB
#define ELFCOMPRESS_ZLIB 1
#endif

/* Larger than any kernel unit (Debian's largest is a few MB) and any sane .debug_str. */
#define DS_MAX_SECTION (1ull << 32)
#define DS_MAX_DEPTH   512
#define DS_CHUNK       (1u << 20)

struct ds_reader {
    int fd;
    struct ds_blob abbrev, str, line_str, str_offsets;
    /* .debug_info */
    uint64_t file_off, file_size; /* the section's bytes in the file (compressed or not) */
    uint64_t total;               /* decompressed size */
    bool compressed;
    z_stream z;
    bool z_live;
    uint8_t *in;
    uint64_t in_read; /* compressed bytes read from the file */
    uint8_t *buf;
    size_t cap, pos, have;
    uint64_t base_off;    /* section offset of buf[0] */
    uint64_t produced;    /* decoded bytes put in buf so far, in all */
    struct u64map tables; /* abbrev offset -> index in tabs */
    struct ds_table *tabs;
    size_t ntabs;
    const struct ds_table *current;
};

int ds_corrupt(ks_err *err, const char *what)
{
    ks_fail(err, "DWARF: %s", what);
    return DS_CORRUPT;
}

int ds_unsupported(ks_err *err, const char *what)
{
    ks_fail(err, "DWARF: unsupported: %s", what);
    return DS_UNSUPPORTED;
}

/* ---- reading sections ---- */

static int read_exact(int fd, uint8_t *p, uint64_t n, uint64_t off)
{
    while (n) {
        ssize_t got = pread(fd, p, (size_t)KS_MIN(n, (uint64_t)(1u << 30)), (off_t)off);
        if (got <= 0)
            return -1;
        p += got;
        n -= (uint64_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

/* The compression header of a SHF_COMPRESSED section: its size once inflated and its length. */
static int chdr(int fd, int elfclass, uint64_t off, uint64_t size, uint64_t *inflated, uint64_t *hdrlen, ks_err *err)
{
    uint8_t h[24];
    *hdrlen = elfclass == ELFCLASS64 ? 24 : 12;
    if (size < *hdrlen || read_exact(fd, h, *hdrlen, off))
        return ds_corrupt(err, "compressed section header is cut short");
    uint32_t type;
    memcpy(&type, h, 4);
    if (type != ELFCOMPRESS_ZLIB)
        return ds_unsupported(err, "a debug section compressed other than with zlib");
    if (elfclass == ELFCLASS64) {
        memcpy(inflated, h + 8, 8);
    } else {
        uint32_t s32;
        memcpy(&s32, h + 4, 4);
        *inflated = s32;
    }
    if (*inflated >= DS_MAX_SECTION)
        return ds_corrupt(err, "a debug section claims an impossible size");
    return 0;
}

static int inflate_whole(int fd, uint64_t off, uint64_t size, struct ds_blob *b, ks_err *err)
{
    uint8_t *in = xmalloc(size ? size : 1);
    int r = 0;
    if (read_exact(fd, in, size, off)) {
        free(in);
        return ds_corrupt(err, "cannot read a debug section");
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        free(in);
        return ds_corrupt(err, "zlib cannot start");
    }
    z.next_in = in;
    z.avail_in = (uInt)size;
    z.next_out = b->p;
    z.avail_out = (uInt)b->size;
    int zr = inflate(&z, Z_FINISH);
    if (zr != Z_STREAM_END || z.total_out != b->size)
        r = ds_corrupt(err, "a compressed debug section does not inflate to its stated size");
    inflateEnd(&z);
    free(in);
    return r;
}

/* A small section read whole (and inflated), NUL-terminated so every string in it ends. */
static int read_blob(int fd, int elfclass, const GElf_Shdr *sh, struct ds_blob *b, ks_err *err)
{
    uint64_t off = sh->sh_offset, size = sh->sh_size;
    if (sh->sh_flags & SHF_COMPRESSED) {
        uint64_t hdrlen;
        int r = chdr(fd, elfclass, off, size, &b->size, &hdrlen, err);
        if (r)
            return r;
        b->p = xcalloc(1, b->size + 1);
        return inflate_whole(fd, off + hdrlen, size - hdrlen, b, err);
    }
    b->size = size;
    b->p = xcalloc(1, size + 1);
    return read_exact(fd, b->p, size, off) ? ds_corrupt(err, "cannot read a debug section") : 0;
}

static int found_section(struct ds_reader *r, int fd, int elfclass, const char *name, const GElf_Shdr *sh, uint64_t fsize,
                         ks_err *err)
{
    if (!strncmp(name, ".zdebug", 7) || !strcmp(name, ".gnu_debugaltlink") || (!strcmp(name, ".debug_types") && sh->sh_size))
        return ds_unsupported(err, name);
    if (!strncmp(name, ".debug_", 7) && strstr(name, ".dwo"))
        return ds_unsupported(err, "split DWARF");
    struct ds_blob *b = !strcmp(name, ".debug_abbrev")        ? &r->abbrev
                        : !strcmp(name, ".debug_str")         ? &r->str
                        : !strcmp(name, ".debug_line_str")    ? &r->line_str
                        : !strcmp(name, ".debug_str_offsets") ? &r->str_offsets
                                                              : NULL;
    bool info = !strcmp(name, ".debug_info");
    if (!b && !info)
        return 0;
    if (sh->sh_type == SHT_NOBITS)
        return 0;
    if (sh->sh_offset > fsize || sh->sh_size > fsize - sh->sh_offset)
        return ds_corrupt(err, "a debug section lies outside the file");
    if ((b && b->p) || (info && r->file_size))
        return ds_corrupt(err, "a debug section appears twice");
    if (b)
        return read_blob(fd, elfclass, sh, b, err);
    r->file_off = sh->sh_offset;
    r->file_size = sh->sh_size;
    r->total = sh->sh_size;
    if (sh->sh_flags & SHF_COMPRESSED) {
        uint64_t hdrlen;
        int rc = chdr(fd, elfclass, sh->sh_offset, sh->sh_size, &r->total, &hdrlen, err);
        if (rc)
            return rc;
        r->compressed = true;
        r->file_off += hdrlen;
        r->file_size -= hdrlen;
    }
    if (!r->file_size)
        return ds_corrupt(err, "empty .debug_info");
    return 0;
}

static int find_sections(struct ds_reader *r, int fd, ks_err *err)
{
    struct stat sb;
    if (fstat(fd, &sb))
        return ds_corrupt(err, "cannot stat the file");
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstrndx;
    if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
        if (elf)
            elf_end(elf);
        return ds_corrupt(err, "not an ELF file with section headers");
    }
    int elfclass = gelf_getclass(elf), rc = 0;
    for (Elf_Scn *s = NULL; !rc && (s = elf_nextscn(elf, s)) != NULL;) {
        GElf_Shdr sh;
        const char *name;
        if (!gelf_getshdr(s, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
            continue;
        rc = found_section(r, fd, elfclass, name, &sh, (uint64_t)sb.st_size, err);
    }
    elf_end(elf);
    if (!rc && (!r->file_size || !r->abbrev.p))
        rc = ds_corrupt(err, "no .debug_info or .debug_abbrev");
    return rc;
}

int ds_open(struct ds_reader **out, int fd, const char *name, ks_err *err)
{
    (void)name;
    struct ds_reader *r = xcalloc(1, sizeof *r);
    *out = r;
    r->fd = fd;
    u64_init(&r->tables);
    int rc = find_sections(r, fd, err);
    if (rc)
        return rc;
    if (r->compressed) {
        if (inflateInit(&r->z) != Z_OK)
            return ds_corrupt(err, "zlib cannot start");
        r->z_live = true;
        r->in = xmalloc(DS_CHUNK);
    }
    return DS_UNIT;
}

void ds_close(struct ds_reader *r)
{
    if (!r)
        return;
    if (r->z_live)
        inflateEnd(&r->z);
    struct ds_blob *blobs[] = {&r->abbrev, &r->str, &r->line_str, &r->str_offsets};
    for (size_t i = 0; i < ARRAY_SIZE(blobs); i++)
        free(blobs[i]->p);
    for (size_t i = 0; i < r->ntabs; i++)
        ds_free_table(&r->tabs[i]);
    free(r->tabs);
    u64_free(&r->tables);
    free(r->in);
    free(r->buf);
    free(r);
}

void ds_progress(const struct ds_reader *r, uint64_t *done, uint64_t *total)
{
    *done = r->base_off + r->pos;
    *total = r->total;
}

/* ---- the .debug_info stream ---- */

static int fill_compressed(struct ds_reader *r, ks_err *err)
{
    size_t room = (size_t)KS_MIN((uint64_t)(r->cap - r->have), r->total - r->produced);
    r->z.next_out = r->buf + r->have;
    r->z.avail_out = (uInt)room;
    while (r->z.avail_out) {
        if (!r->z.avail_in) {
            uint64_t left = r->file_size - r->in_read;
            size_t n = (size_t)KS_MIN(left, (uint64_t)DS_CHUNK);
            if (!n || read_exact(r->fd, r->in, n, r->file_off + r->in_read))
                return ds_corrupt(err, ".debug_info is cut short");
            r->in_read += n;
            r->z.next_in = r->in;
            r->z.avail_in = (uInt)n;
        }
        int zr = inflate(&r->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END && r->z.avail_out)
            return ds_corrupt(err, ".debug_info inflates to less than its stated size");
        if (zr != Z_OK && zr != Z_STREAM_END)
            return ds_corrupt(err, ".debug_info does not inflate");
    }
    r->have += room;
    r->produced += room;
    return 0;
}

/* Make n bytes from the current position readable, moving what is left to the front and
 * growing the buffer to the largest unit seen. */
static int ensure(struct ds_reader *r, uint64_t n, ks_err *err)
{
    if (r->have - r->pos >= n)
        return 0;
    if (r->base_off + r->pos + n > r->total)
        return ds_corrupt(err, "a unit runs past the end of .debug_info");
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, r->have - r->pos);
        r->base_off += r->pos;
        r->have -= r->pos;
        r->pos = 0;
    }
    if (r->cap < n) {
        r->cap = (size_t)KS_MIN(KS_MAX(n, (uint64_t)DS_CHUNK), r->total);
        r->buf = xrealloc(r->buf, r->cap);
    }
    while (r->have < n) {
        if (r->compressed) {
            int rc = fill_compressed(r, err);
            if (rc)
                return rc;
            continue;
        }
        size_t room = (size_t)KS_MIN((uint64_t)(r->cap - r->have), r->total - r->produced);
        if (read_exact(r->fd, r->buf + r->have, room, r->file_off + r->produced))
            return ds_corrupt(err, ".debug_info is cut short");
        r->have += room;
        r->produced += room;
    }
    return 0;
}

static const struct ds_table *table_at(struct ds_reader *r, uint64_t off, ks_err *err, int *rc)
{
    uint64_t i;
    if (u64_get(&r->tables, off, &i))
        return &r->tabs[i];
    r->tabs = xrealloc(r->tabs, (r->ntabs + 1) * sizeof *r->tabs);
    *rc = ds_parse_table(&r->abbrev, off, &r->tabs[r->ntabs], err);
    if (*rc) {
        ds_free_table(&r->tabs[r->ntabs]);
        return NULL;
    }
    u64_put(&r->tables, off, r->ntabs);
    return &r->tabs[r->ntabs++];
}

/* ---- units ---- */

int ds_next_unit(struct ds_reader *r, struct ds_unit *u, ks_err *err)
{
    int rc;
    if (r->base_off + r->pos >= r->total)
        return DS_END;
    if ((rc = ensure(r, 4, err)) != 0)
        return rc;
    uint32_t len;
    memcpy(&len, r->buf + r->pos, 4);
    if (len >= 0xfffffff0u)
        return ds_unsupported(err, "64-bit DWARF");
    if (len < 7)
        return ds_corrupt(err, "a unit header is cut short");
    if ((rc = ensure(r, (uint64_t)len + 4, err)) != 0)
        return rc;
    memset(u, 0, sizeof *u);
    u->r = r;
    u->buf = r->buf + r->pos;
    u->off = r->base_off + r->pos;
    u->end = u->off + 4 + (uint64_t)len;
    r->pos += 4 + (size_t)len;
    struct cur c = {u->buf + 4, u->buf + 4 + len, false};
    u->version = (uint8_t)rd(&c, 2);
    uint64_t abbrev_off;
    if (u->version < 2 || u->version > 5)
        return u->version > 5 ? ds_unsupported(err, "DWARF version above 5") : ds_corrupt(err, "a unit's version is not 2..5");
    if (u->version == 5) {
        u->unit_type = (uint8_t)rd(&c, 1);
        u->addr_size = (uint8_t)rd(&c, 1);
        abbrev_off = rd(&c, 4);
        if (u->unit_type != DW_UT_compile && u->unit_type != DW_UT_partial)
            return ds_unsupported(err, "type, skeleton or split units");
    } else {
        u->unit_type = DW_UT_compile;
        abbrev_off = rd(&c, 4);
        u->addr_size = (uint8_t)rd(&c, 1);
    }
    if (c.bad || (u->addr_size != 4 && u->addr_size != 8))
        return ds_corrupt(err, "a malformed unit header");
    u->first_die = u->off + (uint64_t)(c.p - u->buf);
    rc = 0;
    r->current = table_at(r, abbrev_off, err, &rc);
    if (!r->current)
        return rc;
    u->str_offsets_base = 8; /* DWARF 5's default header size, for a unit that does not say */
    struct ds_die d;
    uint64_t next;
    if ((rc = ds_read_die(u, u->first_die, &d, &next, err)) != 0)
        return rc;
    const struct ds_attr *base = ds_attr(&d, DW_AT_str_offsets_base);
    if (base)
        u->str_offsets_base = base->u;
    return DS_UNIT;
}

/* ---- attribute values ---- */

static const char *string_in(const struct ds_blob *b, uint64_t off)
{
    return b->p && off < b->size ? (const char *)b->p + off : NULL;
}

static const char *strx(const struct ds_unit *u, uint64_t index)
{
    const struct ds_blob *so = &u->r->str_offsets;
    if (!so->p || index > (so->size / 4) || u->str_offsets_base > so->size - index * 4 ||
        so->size - index * 4 - u->str_offsets_base < 4)
        return NULL;
    uint32_t off;
    memcpy(&off, so->p + u->str_offsets_base + index * 4, 4);
    return string_in(&u->r->str, off);
}

static unsigned fixed_size(uint16_t form, const struct ds_unit *u)
{
    switch (form) {
    case DW_FORM_addr:
        return u->addr_size;
    case DW_FORM_data1:
    case DW_FORM_ref1:
    case DW_FORM_flag:
    case DW_FORM_strx1:
    case DW_FORM_addrx1:
        return 1;
    case DW_FORM_data2:
    case DW_FORM_ref2:
    case DW_FORM_strx2:
    case DW_FORM_addrx2:
        return 2;
    case DW_FORM_strx3:
    case DW_FORM_addrx3:
        return 3;
    case DW_FORM_data4:
    case DW_FORM_ref4:
    case DW_FORM_strp:
    case DW_FORM_line_strp:
    case DW_FORM_sec_offset:
    case DW_FORM_strx4:
    case DW_FORM_addrx4:
        return 4;
    case DW_FORM_data8:
    case DW_FORM_ref8:
        return 8;
    case DW_FORM_ref_addr:
        return u->version == 2 ? u->addr_size : 4;
    default:
        return 0;
    }
}

static uint64_t block_len(uint16_t form, struct cur *c)
{
    switch (form) {
    case DW_FORM_block1:
        return rd(c, 1);
    case DW_FORM_block2:
        return rd(c, 2);
    case DW_FORM_block4:
        return rd(c, 4);
    default:
        return uleb(c); /* block, exprloc */
    }
}

/* The string forms resolved, references made section offsets and checked. */
static int finish_value(const struct ds_unit *u, struct ds_attr *a, ks_err *err)
{
    switch (a->form) {
    case DW_FORM_strp:
        a->str = string_in(&u->r->str, a->u);
        break;
    case DW_FORM_line_strp:
        a->str = string_in(&u->r->line_str, a->u);
        break;
    case DW_FORM_strx:
    case DW_FORM_strx1:
    case DW_FORM_strx2:
    case DW_FORM_strx3:
    case DW_FORM_strx4:
        a->str = strx(u, a->u);
        break;
    case DW_FORM_ref1:
    case DW_FORM_ref2:
    case DW_FORM_ref4:
    case DW_FORM_ref8:
    case DW_FORM_ref_udata:
        if (a->u >= u->end - u->off)
            return ds_corrupt(err, "a reference leaves its unit");
        a->u += u->off;
        return 0;
    case DW_FORM_ref_addr:
        if (a->u >= u->r->total)
            return ds_corrupt(err, "a reference leaves .debug_info");
        return 0;
    default:
        return 0;
    }
    return a->str ? 0 : ds_corrupt(err, "a string offset lies outside its section");
}

static int read_value(const struct ds_unit *u, struct cur *c, const struct ds_spec *s, struct ds_attr *a, ks_err *err)
{
    uint16_t form = s->form;
    for (int hops = 0; form == DW_FORM_indirect; hops++) {
        uint64_t f = uleb(c);
        if (hops > 0 || !ds_form_known(f) || f == DW_FORM_implicit_const)
            return ds_corrupt(err, "a malformed indirect form");
        if (ds_form_unsupported(f))
            return ds_unsupported(err, "type units, supplementary or split DWARF forms");
        form = (uint16_t)f;
    }
    memset(a, 0, sizeof *a);
    a->at = s->at;
    a->form = form;
    unsigned n = fixed_size(form, u);
    if (n) {
        a->u = rd(c, n);
    } else {
        switch (form) {
        case DW_FORM_sdata:
            a->s = sleb(c);
            a->u = (uint64_t)a->s;
            break;
        case DW_FORM_implicit_const:
            a->s = s->implicit;
            a->u = (uint64_t)a->s;
            break;
        case DW_FORM_flag_present:
            a->u = 1;
            break;
        case DW_FORM_udata:
        case DW_FORM_ref_udata:
        case DW_FORM_strx:
        case DW_FORM_addrx:
        case DW_FORM_loclistx:
        case DW_FORM_rnglistx:
            a->u = uleb(c);
            break;
        case DW_FORM_data16:
            a->block = take(c, 16);
            a->blen = 16;
            break;
        case DW_FORM_string: {
            const uint8_t *nul = memchr(c->p, 0, (size_t)(c->end - c->p));
            if (!nul)
                return ds_corrupt(err, "a string runs past its unit");
            a->str = (const char *)c->p;
            c->p = nul + 1;
            break;
        }
        case DW_FORM_block1:
        case DW_FORM_block2:
        case DW_FORM_block4:
        case DW_FORM_block:
        case DW_FORM_exprloc:
            a->blen = block_len(form, c);
            a->block = take(c, a->blen);
            break;
        default:
            return ds_corrupt(err, "an unknown attribute form");
        }
    }
    if (c->bad)
        return ds_corrupt(err, "a DIE runs past its unit");
    return finish_value(u, a, err);
}

int ds_read_die(const struct ds_unit *u, uint64_t off, struct ds_die *d, uint64_t *next, ks_err *err)
{
    if (off < u->first_die || off >= u->end)
        return ds_corrupt(err, "a DIE offset outside its unit");
    struct cur c = {u->buf + (off - u->off), u->buf + (u->end - u->off), false};
    d->off = off;
    d->nattr = 0;
    d->has_children = false;
    uint64_t code = uleb(&c);
    if (c.bad)
        return ds_corrupt(err, "a DIE runs past its unit");
    if (!code) {
        d->tag = 0;
        *next = off + 1;
        return 0;
    }
    const struct ds_abbrev *a = ds_abbrev_of(u->r->current, code);
    if (!a)
        return ds_corrupt(err, "a DIE names an abbreviation its unit lacks");
    d->tag = a->tag;
    d->has_children = a->children;
    const struct ds_spec *specs = u->r->current->specs + a->first;
    for (uint32_t i = 0; i < a->nspec; i++) {
        int rc = read_value(u, &c, &specs[i], &d->attr[d->nattr++], err);
        if (rc)
            return rc;
    }
    *next = u->off + (uint64_t)(c.p - u->buf);
    return 0;
}

int ds_skip_children(const struct ds_unit *u, const struct ds_die *d, uint64_t next, uint64_t *after, ks_err *err)
{
    uint64_t sib;
    *after = next;
    if (!d->has_children)
        return 0;
    if (ds_ref(d, DW_AT_sibling, &sib) == 0 && sib > d->off && sib <= u->end) {
        *after = sib;
        return 0;
    }
    struct ds_die c;
    unsigned depth = 1;
    uint64_t at = next;
    while (depth) {
        if (at >= u->end) { /* a unit may end without its closing null entries */
            *after = u->end;
            return 0;
        }
        int rc = ds_read_die(u, at, &c, &at, err);
        if (rc)
            return rc;
        if (!c.tag)
            depth--;
        else if (c.has_children && ++depth > DS_MAX_DEPTH)
            return ds_corrupt(err, "DIEs nest too deep");
    }
    *after = at;
    return 0;
}

uint64_t ds_string_key_limit(const struct ds_reader *r)
{
    return r && r->str.size <= (64u << 20) ? r->str.size : 0;
}

uint64_t ds_string_key(const struct ds_reader *r, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    if (r->str.p && p >= r->str.p && p < r->str.p + r->str.size)
        return (uint64_t)(p - r->str.p) + 1;
    if (r->line_str.p && p >= r->line_str.p && p < r->line_str.p + r->line_str.size)
        return (uint64_t)(p - r->line_str.p) + 1 + (1ull << 40);
    return 0;
}

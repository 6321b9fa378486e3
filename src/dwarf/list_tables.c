/*
 * DWARF 5's range- and location-list tables (.debug_rnglists, .debug_loclists) checked before
 * libdwarf sees them. libdwarf 20210528 (Debian 12's) frees its context chain when a table header
 * is bad and then carries on using it (a double free, found by fuzz_relobj); so every header must be
 * one it will accept: a length inside the section, version 5, an address size of 2, 4 or 8, and
 * room for the fixed fields.
 */
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "dwarf_priv.h"

/* unit_length (4, or 12 for 64-bit DWARF), version 2, address_size 1, segment size 1, count 4. */
#define LIST_HEADER_FIXED 8

static int check_tables(const uint8_t *p, size_t size, const char *section, ks_err *err)
{
    size_t off = 0;
    while (off < size) {
        size_t left = size - off, length_size = 4;
        if (left < 4)
            return ks_fail(err, "DWARF: %s ends inside a table header at %#zx", section, off);
        uint64_t len = le32(p + off);
        if (len == 0xffffffffu) {
            if (left < 12)
                return ks_fail(err, "DWARF: %s ends inside a table header at %#zx", section, off);
            len = le64(p + off + 4);
            length_size = 12;
        }
        if (len > size || len > left - length_size || len < LIST_HEADER_FIXED)
            return ks_fail(err, "DWARF: %s table at %#zx has a length of %#llx that does not fit", section, off,
                           (unsigned long long)len);
        const uint8_t *h = p + off + length_size;
        if (le16(h) != 5)
            return ks_fail(err, "DWARF: %s table at %#zx has version %u, not 5", section, off, le16(h));
        if (h[2] != 2 && h[2] != 4 && h[2] != 8)
            return ks_fail(err, "DWARF: %s table at %#zx has an address size of %u", section, off, h[2]);
        off += length_size + len;
    }
    return 0;
}

/* The section's bytes as the file holds them, inflated when SHF_COMPRESSED. */
static int check_section(Elf_Scn *scn, const char *name, ks_err *err)
{
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
        return 0;
    if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
        return ks_fail(err, "DWARF: %s cannot be inflated: %s", name, elf_errmsg(-1));
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf)
        return d && d->d_size ? ks_fail(err, "DWARF: %s cannot be read", name) : 0;
    return check_tables(d->d_buf, d->d_size, name, err);
}

int kd_check_list_tables(int fd, const char *file, ks_err *err)
{
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstr;
    if (!elf || elf_getshdrstrndx(elf, &shstr)) {
        elf_end(elf);
        return 0; /* not ours to judge: libdwarf says what is wrong with the file */
    }
    int rc = 0;
    ks_err why;
    for (Elf_Scn *scn = NULL; !rc && (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstr, sh.sh_name) : NULL;
        if (name && (!strcmp(name, ".debug_rnglists") || !strcmp(name, ".debug_loclists")))
            rc = check_section(scn, name, &why);
    }
    elf_end(elf);
    return rc ? ks_fail(err, "%s: %s", file, why.msg) : 0;
}

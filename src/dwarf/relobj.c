/* A relocatable ELF object placed at its load addresses (see relobj.h). */
#define _GNU_SOURCE
#include "relobj.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "types.h"

/* No module object comes near this; a larger file is not a .ko. */
#define RELOBJ_MAX_SIZE (512u << 20)

static int read_whole(struct relobj *o, const char *path, ks_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ks_fail(err, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = fstat(fd, &st);
    if (rc == 0 && !S_ISREG(st.st_mode))
        rc = ks_fail(err, "%s: not a regular file", path);
    else if (rc == 0 && (st.st_size < (off_t)sizeof(Elf32_Ehdr) || st.st_size > RELOBJ_MAX_SIZE))
        rc = ks_fail(err, "%s: %lld bytes is not the size of a module object", path, (long long)st.st_size);
    else if (rc)
        rc = ks_fail(err, "%s: %s", path, strerror(errno));
    if (rc == 0) {
        o->size = (size_t)st.st_size;
        o->image = xmalloc(o->size);
        rc = pread_full(fd, o->image, o->size, 0, err, path);
    }
    close(fd);
    return rc;
}

static int check_header(const struct relobj *o, ks_err *err)
{
    const Elf32_Ehdr *h = (const Elf32_Ehdr *)o->image;
    if (memcmp(h->e_ident, ELFMAG, SELFMAG))
        return ks_fail(err, "%s: not an ELF file", o->path);
    if (h->e_ident[EI_CLASS] != ELFCLASS32 || h->e_ident[EI_DATA] != ELFDATA2LSB || h->e_machine != EM_386)
        return ks_fail(err, "%s: not an i386 object (ELF class %u, machine %u)", o->path, h->e_ident[EI_CLASS], h->e_machine);
    if (h->e_type != ET_REL)
        return ks_fail(err, "%s: not a relocatable object (ELF type %u): a module is a .ko", o->path, h->e_type);
    if (h->e_shentsize != sizeof(Elf32_Shdr) || h->e_shoff > o->size ||
        (uint64_t)h->e_shnum * sizeof(Elf32_Shdr) > o->size - h->e_shoff)
        return ks_fail(err, "%s: section headers lie past the end of the file (truncated?)", o->path);
    return 0;
}

static int read_sections(struct relobj *o, Elf *elf, ks_err *err)
{
    size_t n, shstr;
    if (elf_getshdrnum(elf, &n) || elf_getshdrstrndx(elf, &shstr))
        return ks_fail(err, "%s: %s", o->path, elf_errmsg(-1));
    o->sec = xcalloc(n ? n : 1, sizeof *o->sec);
    o->nsec = n;
    for (size_t i = 0; i < n; i++) {
        GElf_Shdr sh;
        if (!gelf_getshdr(elf_getscn(elf, i), &sh))
            return ks_fail(err, "%s: section %zu: %s", o->path, i, elf_errmsg(-1));
        bool has_bytes = sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL;
        if (has_bytes && (sh.sh_offset > o->size || sh.sh_size > o->size - sh.sh_offset))
            return ks_fail(err, "%s: section %zu lies past the end of the file (truncated?)", o->path, i);
        const char *name = elf_strptr(elf, shstr, sh.sh_name);
        struct relobj_section *s = &o->sec[i];
        s->name = xstrdup(name ? name : "");
        s->type = sh.sh_type;
        s->flags = (uint32_t)sh.sh_flags;
        s->offset = (uint32_t)sh.sh_offset;
        s->size = (uint32_t)sh.sh_size;
        s->link = sh.sh_link;
        s->info = sh.sh_info;
        s->entsize = (uint32_t)sh.sh_entsize;
    }
    return 0;
}

static char sym_letter(const struct relobj_section *s, int bind)
{
    char c = s->flags & SHF_EXECINSTR ? 't' : s->type == SHT_NOBITS ? 'b' : s->flags & SHF_WRITE ? 'd' : 'r';
    return bind == STB_GLOBAL ? (char)(c - 'a' + 'A') : c;
}

static int read_symbols(struct relobj *o, Elf *elf, ks_err *err)
{
    for (size_t i = 0; i < o->nsec; i++) {
        if (o->sec[i].type != SHT_SYMTAB)
            continue;
        Elf_Data *d = elf_getdata(elf_getscn(elf, i), NULL);
        size_t n = d && o->sec[i].entsize ? o->sec[i].size / o->sec[i].entsize : 0;
        o->syms = xcalloc(n ? n : 1, sizeof *o->syms);
        for (size_t j = 0; j < n; j++) {
            GElf_Sym sym;
            if (!gelf_getsym(d, (int)j, &sym))
                return ks_fail(err, "%s: symbol %zu: %s", o->path, j, elf_errmsg(-1));
            int type = GELF_ST_TYPE(sym.st_info);
            const char *name = elf_strptr(elf, o->sec[i].link, sym.st_name);
            if ((type != STT_FUNC && type != STT_OBJECT) || !name || !*name || sym.st_shndx >= o->nsec)
                continue;
            if (!(o->sec[sym.st_shndx].flags & SHF_ALLOC))
                continue;
            o->syms[o->nsyms++] = (struct relobj_sym){.name = xstrdup(name),
                                                      .value = sym.st_value,
                                                      .size = sym.st_size,
                                                      .shndx = sym.st_shndx,
                                                      .type = sym_letter(&o->sec[sym.st_shndx], GELF_ST_BIND(sym.st_info))};
        }
        return 0;
    }
    return ks_fail(err, "%s: no symbol table (stripped?)", o->path);
}

/* The build-id note's descriptor, and the module name .modinfo records. */
static void read_identity(struct relobj *o)
{
    struct relobj_section *s = relobj_section(o, ".note.gnu.build-id");
    if (s && s->size >= 16) {
        const uint8_t *p = o->image + s->offset;
        uint32_t namesz = le32(p), descsz = le32(p + 4), type = le32(p + 8);
        uint32_t desc = 12 + ((namesz + 3) & ~3u);
        if (type == NT_GNU_BUILD_ID && descsz <= sizeof o->build_id && desc <= s->size && descsz <= s->size - desc) {
            memcpy(o->build_id, p + desc, descsz);
            o->build_id_len = descsz;
        }
    }
    s = relobj_section(o, ".modinfo");
    for (uint32_t at = 0; s && at < s->size;) {
        const char *e = (const char *)o->image + s->offset + at;
        size_t len = strnlen(e, s->size - at);
        if (len > 5 && len < 5 + sizeof o->modname && !strncmp(e, "name=", 5))
            memcpy(o->modname, e + 5, len - 5);
        at += (uint32_t)len + 1;
    }
}

int relobj_open(struct relobj *o, const char *path, ks_err *err)
{
    memset(o, 0, sizeof *o);
    o->path = xstrdup(path);
    if (read_whole(o, path, err) || check_header(o, err))
        return -1;
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)o->image, o->size);
    if (!elf)
        return ks_fail(err, "%s: %s", path, elf_errmsg(-1));
    int rc = read_sections(o, elf, err);
    if (!rc)
        rc = read_symbols(o, elf, err);
    elf_end(elf);
    if (!rc)
        read_identity(o);
    return rc;
}

void relobj_close(struct relobj *o)
{
    for (size_t i = 0; i < o->nsec; i++)
        free(o->sec[i].name);
    for (size_t i = 0; i < o->nsyms; i++)
        free(o->syms[i].name);
    free(o->sec);
    free(o->syms);
    free(o->image);
    free(o->path);
    memset(o, 0, sizeof *o);
}

struct relobj_section *relobj_section(struct relobj *o, const char *name)
{
    for (size_t i = 0; i < o->nsec; i++)
        if (!strcmp(o->sec[i].name, name))
            return &o->sec[i];
    return NULL;
}

bool relobj_sym_addr(const struct relobj *o, const struct relobj_sym *s, uint64_t *addr)
{
    const struct relobj_section *sec = &o->sec[s->shndx];
    if (!sec->placed)
        return false;
    *addr = sec->addr + s->value;
    return true;
}

/* ---- the debug sections, relocated ---- */

/* What a symbol stands for after loading: a placed section's address plus the symbol's value. A
 * debug section sits at 0, so a reference into .debug_str stays an offset into it. */
static int reloc_symbol_value(const struct relobj *o, const struct relobj_section *symtab, uint32_t index, uint32_t *value,
                              ks_err *err)
{
    if (!symtab->entsize || index >= symtab->size / symtab->entsize)
        return ks_fail(err, "%s: relocation names symbol %u, past the symbol table", o->path, index);
    const Elf32_Sym *sym = (const Elf32_Sym *)(o->image + symtab->offset + (size_t)index * symtab->entsize);
    uint32_t base = 0;
    if (sym->st_shndx != SHN_ABS && sym->st_shndx != SHN_UNDEF && sym->st_shndx < o->nsec)
        base = (uint32_t)o->sec[sym->st_shndx].addr;
    *value = base + sym->st_value;
    return 0;
}

static int apply_rel_section(struct relobj *o, uint8_t *copy, const struct relobj_section *rel, ks_err *err)
{
    if (rel->info >= o->nsec || rel->link >= o->nsec || rel->entsize != sizeof(Elf32_Rel))
        return ks_fail(err, "%s: %s: malformed relocation section", o->path, rel->name);
    const struct relobj_section *target = &o->sec[rel->info];
    if (target->flags & SHF_COMPRESSED)
        return ks_fail(err, "%s: %s is compressed: relocate a module's compressed DWARF is not supported", o->path, target->name);
    for (uint32_t at = 0; at + sizeof(Elf32_Rel) <= rel->size; at += sizeof(Elf32_Rel)) {
        const Elf32_Rel *r = (const Elf32_Rel *)(o->image + rel->offset + at);
        unsigned type = ELF32_R_TYPE(r->r_info);
        if (type == R_386_NONE)
            continue;
        if (type != R_386_32)
            return ks_fail(err, "%s: %s: relocation type %u in DWARF is not supported", o->path, rel->name, type);
        if (r->r_offset > target->size || target->size - r->r_offset < 4)
            return ks_fail(err, "%s: %s: relocation at %#x is outside %s", o->path, rel->name, r->r_offset, target->name);
        uint32_t value = 0;
        if (reloc_symbol_value(o, &o->sec[rel->link], ELF32_R_SYM(r->r_info), &value, err))
            return -1;
        uint8_t *p = copy + target->offset + r->r_offset;
        uint32_t addend = le32(p);
        uint32_t v = value + addend;
        memcpy(p, &v, 4);
    }
    return 0;
}

/* Relocations that patch a section the loader does not load: the DWARF. */
static bool relocates_debug(const struct relobj *o, const struct relobj_section *s)
{
    return s->type == SHT_REL && s->info < o->nsec && !(o->sec[s->info].flags & SHF_ALLOC) &&
           !strncmp(o->sec[s->info].name, ".debug_", 7);
}

int relobj_dwarf(struct relobj *o, struct kdwarf **out, ks_err *err)
{
    *out = NULL;
    if (!relobj_section(o, ".debug_info"))
        return ks_fail(err, "%s: no DWARF (.debug_info): built without CONFIG_DEBUG_INFO?", o->path);
    uint8_t *copy = xmalloc(o->size);
    memcpy(copy, o->image, o->size);
    int rc = 0;
    for (size_t i = 0; i < o->nsec && !rc; i++)
        if (relocates_debug(o, &o->sec[i]))
            rc = apply_rel_section(o, copy, &o->sec[i], err);
    int fd = rc ? -1 : memfd_create("ksleuth-module", MFD_CLOEXEC);
    if (!rc && fd < 0)
        rc = ks_fail(err, "memfd_create: %s", strerror(errno));
    if (!rc && write(fd, copy, o->size) != (ssize_t)o->size)
        rc = ks_fail(err, "writing the relocated copy of %s: %s", o->path, strerror(errno));
    free(copy);
    if (rc) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* The copy's values are final now; libdwarf must not relocate again. */
    return kdwarf_open_fd(out, fd, o->path, err);
}

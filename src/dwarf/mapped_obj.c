/*
 * libdwarf over a mapped file. dwarf_init_b() reads every debug section it touches into the heap
 * (Debian's 686-pae vmlinux: 800 MB of libdwarf heap while the type cache is built). Given its
 * sections through dwarf_object_init_b() instead, libdwarf reads them where they lie in a mapping
 * of the file: the kernel pages them in and out, and nothing is copied. Relocations are never
 * applied (a linked vmlinux's values are final; a module is relocated by relobj.c beforehand).
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_priv.h"

struct kd_mapped {
    uint8_t *base;
    size_t size;
    Elf *elf;
    size_t nsections;
    bool elf64;
    Dwarf_Obj_Access_Interface iface;
};

static int section_info(void *obj, Dwarf_Half index, Dwarf_Obj_Access_Section *out, int *error)
{
    struct kd_mapped *m = obj;
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(m->elf, index);
    size_t shstrndx = 0;
    memset(out, 0, sizeof *out);
    if (!scn || !gelf_getshdr(scn, &sh) || elf_getshdrstrndx(m->elf, &shstrndx) != 0) {
        *error = DW_DLE_MDE;
        return DW_DLV_ERROR;
    }
    const char *name = elf_strptr(m->elf, shstrndx, sh.sh_name);
    out->addr = sh.sh_addr;
    out->type = sh.sh_type;
    out->size = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size;
    out->name = name ? name : "";
    out->link = sh.sh_link;
    out->info = sh.sh_info;
    out->entrysize = sh.sh_entsize;
    return DW_DLV_OK;
}

static Dwarf_Endianness byte_order(void *obj)
{
    (void)obj;
    return DW_OBJECT_LSB; /* i386 and the x86-64 hosts that read its dumps */
}

static Dwarf_Small length_size(void *obj)
{
    (void)obj;
    return 4;
}

static Dwarf_Small pointer_size(void *obj)
{
    return ((struct kd_mapped *)obj)->elf64 ? 8 : 4;
}

static Dwarf_Unsigned section_count(void *obj)
{
    return ((struct kd_mapped *)obj)->nsections;
}

static int load_section(void *obj, Dwarf_Half index, Dwarf_Small **data, int *error)
{
    struct kd_mapped *m = obj;
    GElf_Shdr sh;
    Elf_Scn *scn = elf_getscn(m->elf, index);
    if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || (sh.sh_flags & SHF_COMPRESSED) || sh.sh_offset > m->size ||
        sh.sh_size > m->size - sh.sh_offset) {
        *error = DW_DLE_MDE; /* compressed sections: dwarf_init_b() knows how, see kd_dwarf_start() */
        return DW_DLV_ERROR;
    }
    *data = m->base + sh.sh_offset;
    return DW_DLV_OK;
}

static int no_relocation(void *obj, Dwarf_Half index, Dwarf_Debug dbg, int *error)
{
    (void)obj, (void)index, (void)dbg, (void)error;
    return DW_DLV_NO_ENTRY;
}

static const Dwarf_Obj_Access_Methods methods = {section_info,  byte_order,   length_size,  pointer_size,
                                                 section_count, load_section, no_relocation};

void kd_mapped_free(struct kd_mapped *m)
{
    if (!m)
        return;
    if (m->elf)
        elf_end(m->elf);
    munmap(m->base, m->size);
    free(m);
}

/* Does any section need work before libdwarf can read it where it lies? */
static bool has_compressed_section(Elf *elf)
{
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while ((scn = elf_nextscn(elf, scn)) != NULL)
        if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED))
            return true;
    return false;
}

/* The file mapped and described for libdwarf, or NULL (then dwarf_init_b() reads it the usual way). */
static struct kd_mapped *map_object(int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0 || elf_version(EV_CURRENT) == EV_NONE)
        return NULL;
    /* Writable but private: libelf may convert headers in place; nothing reaches the file. */
    void *base = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED)
        return NULL;
    struct kd_mapped *m = xcalloc(1, sizeof *m);
    m->base = base;
    m->size = (size_t)sb.st_size;
    m->elf = elf_memory((char *)base, m->size);
    if (!m->elf || elf_kind(m->elf) != ELF_K_ELF || elf_getshdrnum(m->elf, &m->nsections) != 0 ||
        has_compressed_section(m->elf)) {
        kd_mapped_free(m);
        return NULL;
    }
    m->elf64 = gelf_getclass(m->elf) == ELFCLASS64;
    m->iface.object = m;
    m->iface.methods = &methods;
    return m;
}

int kd_dwarf_start(struct kdwarf *kd, Dwarf_Handler on_error, Dwarf_Error *e)
{
    kd->mapped = kd->unmapped ? NULL : map_object(kd->fd);
    if (!kd->mapped)
        return dwarf_init_b(kd->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, on_error, kd, &kd->dbg, e);
    int r = dwarf_object_init_b(&kd->mapped->iface, on_error, kd, DW_GROUPNUMBER_ANY, &kd->dbg, e);
    if (r != DW_DLV_OK) {
        kd_mapped_free(kd->mapped);
        kd->mapped = NULL;
    }
    return r;
}

/* Give back the pages of the debug sections read so far: they stay in the page cache and come back
 * on the next touch, but no longer count against this process. Only sections nobody writes to
 * (relocations are never applied), so nothing is lost; the ELF headers are left alone. */
void kd_dwarf_forget_pages(struct kdwarf *kd)
{
    struct kd_mapped *m = kd->mapped;
    if (!m)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), shstrndx = 0;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    if (elf_getshdrstrndx(m->elf, &shstrndx) != 0)
        return;
    while ((scn = elf_nextscn(m->elf, scn)) != NULL) {
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(m->elf, shstrndx, sh.sh_name) : NULL;
        if (!name || strncmp(name, ".debug_", 7) != 0 || sh.sh_offset > m->size || sh.sh_size > m->size - sh.sh_offset)
            continue;
        size_t from = (sh.sh_offset + page - 1) / page * page, to = (sh.sh_offset + sh.sh_size) / page * page;
        if (to > from)
            madvise(m->base + from, to - from, MADV_DONTNEED);
    }
}

void kd_dwarf_stop(struct kdwarf *kd)
{
    if (kd->dbg && kd->mapped)
        dwarf_object_finish(kd->dbg, NULL);
    else if (kd->dbg)
        dwarf_finish(kd->dbg, NULL);
    kd->dbg = NULL;
    kd_mapped_free(kd->mapped);
    kd->mapped = NULL;
}

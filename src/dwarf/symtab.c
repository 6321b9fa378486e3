#include "symtab.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static int cmp_sym(const void *a, const void *b)
{
    const struct ksym *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name);
}

static char nm_type(const GElf_Sym *s, Elf *elf)
{
    int bind = GELF_ST_BIND(s->st_info), type = GELF_ST_TYPE(s->st_info);
    char c = '?';
    if (s->st_shndx == SHN_ABS) c = 'a';
    else if (type == STT_FUNC) c = 't';
    else {
        Elf_Scn *scn = elf_getscn(elf, s->st_shndx);
        GElf_Shdr sh;
        if (scn && gelf_getshdr(scn, &sh))
            c = sh.sh_type == SHT_NOBITS ? 'b' : (sh.sh_flags & SHF_EXECINSTR) ? 't' : (sh.sh_flags & SHF_WRITE) ? 'd' : 'r';
    }
    return bind == STB_GLOBAL || bind == STB_WEAK ? (char)(c - 'a' + 'A') : c;
}

static void load_symbols(struct symtab *st, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
    st->syms = xcalloc(n, sizeof *st->syms);
    for (size_t i = 0; data && i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s)) continue;
        int type = GELF_ST_TYPE(s.st_info);
        if (type == STT_SECTION || type == STT_FILE || s.st_name == 0) continue;
        const char *name = elf_strptr(elf, sh->sh_link, s.st_name);
        if (!name || !*name) continue;
        st->syms[st->nsyms++] = (struct ksym){ xstrdup(name), s.st_value, s.st_size, nm_type(&s, elf) };
    }
    qsort(st->syms, st->nsyms, sizeof *st->syms, cmp_sym);
    /* A name given to a global and to locals (static functions in other files) means the global:
     * globals go in first, then each local whose name no global has. hm_put keeps the first entry,
     * so among equals the lowest address wins. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < st->nsyms; i++) {
            bool local = st->syms[i].type >= 'a';
            if (local == (pass == 1))
                hm_put(&st->by_name, st->syms[i].name, i);
        }
    }
}

static void load_build_id(struct symtab *st, Elf_Scn *scn)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp((char *)d->d_buf + name_off, "GNU", 4)) {
            st->build_id_len = KS_MIN(nh.n_descsz, sizeof st->build_id);
            memcpy(st->build_id, (char *)d->d_buf + desc_off, st->build_id_len);
        }
    }
}

int symtab_open(struct symtab *st, const char *path, ks_err *err)
{
    memset(st, 0, sizeof *st);
    hm_init(&st->by_name);
    elf_version(EV_CURRENT);
    st->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (st->fd < 0)
        return ks_fail_kind(err, KS_E_IO, "%s: cannot open", path);
    Elf *elf = elf_begin(st->fd, ELF_C_READ, NULL);
    st->elf = elf;
    GElf_Ehdr eh;
    if (!elf || !gelf_getehdr(elf, &eh) || eh.e_type != ET_EXEC) return ks_fail(err, "%s: not an ELF executable (vmlinux)", path);
    if (eh.e_machine != EM_386)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "%s: vmlinux for machine %u, not i386", path, eh.e_machine);
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0) return ks_fail(err, "%s: no section names", path);
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (sh.sh_type == SHT_SYMTAB) load_symbols(st, elf, scn, &sh);
        else if (sh.sh_type == SHT_NOTE) load_build_id(st, scn);
        if (name && !strcmp(name, ".debug_info")) st->has_debug_info = true;
    }
    size_t nph = 0;
    elf_getphdrnum(elf, &nph);
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr > ph.p_paddr) {
            st->page_offset = ph.p_vaddr - ph.p_paddr;
            break;
        }
    }
    if (!st->nsyms) return ks_fail(err, "%s: vmlinux has no symbol table", path);
    if (!st->page_offset) return ks_fail(err, "%s: cannot tell PAGE_OFFSET from the program headers", path);
    return 0;
}

void symtab_close(struct symtab *st)
{
    for (size_t i = 0; i < st->nsyms; i++) free(st->syms[i].name);
    free(st->syms);
    hm_free(&st->by_name);
    if (st->elf) elf_end(st->elf);
    if (st->fd > 0) close(st->fd);
    memset(st, 0, sizeof *st);
}

const struct ksym *symtab_lookup(const struct symtab *st, const char *name)
{
    uint64_t i;
    return hm_get(&st->by_name, name, &i) ? &st->syms[i] : NULL;
}

const struct ksym *symtab_by_addr(const struct symtab *st, uint64_t addr)
{
    size_t lo = ks_count_le(st->syms, st->nsyms, sizeof *st->syms, offsetof(struct ksym, addr), addr);
    /* lo-1 is the last symbol at or below addr. A sized symbol that contains addr wins over a
     * marker without a size (__do_softirq over __softirqentry_text_start at the same place); a
     * marker is taken within 64 KB when no sized symbol holds addr. */
    const struct ksym *marker = NULL;
    for (size_t i = lo; i-- > 0 && lo - i < 8;) {
        const struct ksym *s = &st->syms[i];
        if (s->type == 'a' || s->type == 'A') continue;
        if (s->size) return addr < s->addr + s->size ? s : marker;
        if (marker && s->addr < marker->addr) return marker;
        if (!marker && addr - s->addr < 0x10000) marker = s;
    }
    return marker;
}

int symtab_read_image(const struct symtab *st, uint64_t vaddr, void *buf, size_t len, ks_err *err)
{
    Elf *elf = st->elf;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS) continue;
        if (vaddr < sh.sh_addr || vaddr + len > sh.sh_addr + sh.sh_size) continue;
        Elf_Data *d = elf_rawdata(scn, NULL);
        if (!d || vaddr - sh.sh_addr + len > d->d_size) break;
        memcpy(buf, (char *)d->d_buf + (vaddr - sh.sh_addr), len);
        return 0;
    }
    return ks_fail(err, "address %#llx is not in the vmlinux image", (unsigned long long)vaddr);
}

void symtab_build_id_hex(const struct symtab *st, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < st->build_id_len && n + 3 <= outsz; i++) n += (size_t)snprintf(out + n, outsz - n, "%02x", st->build_id[i]);
}

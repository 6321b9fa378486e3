/*
 * symtab: what the vmlinux ELF file itself says, without DWARF.
 *  - the symbol table (name <-> link-time address), for `sym`, `rd -s` and variable addresses;
 *  - bytes of the image at a link-time address (linux_banner's text, to recognise the dump);
 *  - PAGE_OFFSET as p_vaddr - p_paddr of the kernel's first PT_LOAD;
 *  - the GNU build-id, which keys the DWARF index cache.
 * Addresses here are link-time; the KASLR offset is added by the kernel layer.
 */
#ifndef KS_SYMTAB_H
#define KS_SYMTAB_H
#include <stdbool.h>
#include <stdint.h>

#include "../util/hashmap.h"
#include "../util/util.h"

struct ksym {
    char *name;
    uint64_t addr, size;
    char type;       /* nm-style: T t D d B b R r A ... */
};

struct symtab {
    int fd;
    void *elf;                   /* Elf * */
    struct ksym *syms;           /* sorted by address */
    size_t nsyms;
    struct hashmap by_name;      /* name -> index into syms */
    uint64_t page_offset;        /* from the program headers */
    uint8_t build_id[64];
    size_t build_id_len;
    bool has_debug_info;
};

int symtab_open(struct symtab *st, const char *path, ks_err *err);
void symtab_close(struct symtab *st);
const struct ksym *symtab_lookup(const struct symtab *st, const char *name);
/* The symbol at or below addr (NULL if none within its size or 64 KB). */
const struct ksym *symtab_by_addr(const struct symtab *st, uint64_t addr);
/* Copy bytes of the vmlinux image at a link-time virtual address. */
int symtab_read_image(const struct symtab *st, uint64_t vaddr, void *buf, size_t len, ks_err *err);
void symtab_build_id_hex(const struct symtab *st, char *out, size_t outsz);

#endif

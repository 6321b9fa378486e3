/*
 * kernel: the dumped kernel as a whole — where its image sits (KASLR), how it pages (PAE or not),
 * and reads of kernel virtual memory through its own page tables.
 *
 * Promise: kernel_open() either returns a kernel whose vmlinux provably belongs to the dump (the
 * vmlinux's linux_banner text is found at the place the kernel's own page tables map it), or fails
 * with one line saying why. Layout facts come from the vmlinux (program headers, DWARF, symbols)
 * or the dump's VMCOREINFO, never from constants.
 */
#ifndef KS_KERNEL_H
#define KS_KERNEL_H
#include <stdbool.h>
#include <stdint.h>

#include "../arch/arch.h"
#include "../arch/i386/pagewalk.h"
#include "../dump/dump.h"
#include "../dwarf/symtab.h"
#include "../dwarf/types.h"
#include "../mem/physmem.h"
#include "../util/hashmap.h"
#include "features.h"

struct mem_section_info;
struct kmodules;
struct disasm;
struct u64set;
/* Frames [start, start + count). */
struct pfn_range {
    uint64_t start, count;
};

struct kernel {
    struct symtab syms;
    struct kdwarf *dwarf;
    struct dump *dump;
    struct physmem mem;
    const struct arch *arch;     /* word size, paging formats, placement, stack shape (arch/arch.h) */
    const struct pt_format *paging;
    bool pae;
    uint64_t page_offset;        /* PAGE_OFFSET (virtual start of the direct map) */
    int64_t kaslr_offset;        /* added to every link-time address */
    const char *kaslr_source;    /* "VMCOREINFO", "linux_banner search", "none needed" */
    uint64_t pgd_paddr;          /* swapper_pg_dir, physical */
    char release[65];            /* from the vmlinux's banner */
    char banner[512];
    struct kernel_features features; /* how this kernel is read, decided once at open (features.h) */
    struct hashmap members;      /* "type\x01path" -> the lookup, found or absent: each done once */
    struct {                     /* the memory model, resolved on first use (mm/page.c, mm/sparse.c) */
        bool ready, sparse;
        int status; /* 0, or -1 with error */
        ks_err error;
        uint64_t page_size;                  /* sizeof(struct page) */
        uint64_t base, first_pfn, count;     /* FLATMEM: mem_map and the node's span */
        unsigned section_shift;              /* SPARSEMEM: PFN_SECTION_SHIFT */
        uint64_t nr_sections;                /* NR_MEM_SECTIONS */
        struct mem_section_info *sections;   /* the sections with a mem_map, by number */
        size_t nsections, last_hit;
        int32_t *section_index;              /* section number -> index in sections, -1 for a hole */
        struct pfn_range *ranges;            /* frames that have a struct page, merged */
        size_t nranges;
    } memmap;
    struct {                     /* struct page as walks over a million frames read it, found on first use
                                  * (mm/page.c) */
        bool refs_ready, names_ready;
        uint64_t size;                       /* sizeof(struct page) */
        const struct member_ref *ref[8];     /* the members every walk decodes (page.c's page_fields) */
        const struct member_ref *compound_head;
        const char *flag_name[64];           /* enum pageflags' PG_ names by bit, without "PG_" */
    } page_layout;
    struct kmodules *modules;    /* loaded modules, read on first use (kernel/module.c) */
    struct disasm *disasm;       /* the instruction decoder, opened on first use (dis) */
    struct u64set *task_set;     /* every task's address, gathered once (mm/task.c: task_is_known) */
};

/* A member path resolved once: where it is, what it is. */
struct member_ref {
    uint64_t offset;
    struct ktype *type;
    const struct kt_member *member;   /* for bit-fields */
};

/* The resolved member (cached), or NULL with err set (KS_E_NO_TYPE, KS_E_NO_MEMBER; cached too). */
const struct member_ref *kmember_ref(struct kernel *k, const char *type, const char *path, ks_err *err);
/* Decode an integer member from a buffer holding the whole object. */
uint64_t kdecode_member(const struct member_ref *r, const uint8_t *obj);

struct kernel_open_opts {
    const char *vmlinux, *dumpfile;
    struct dump_open_opts dump;
    struct kdwarf_opts dwarf;
};

/* Error classes for the batch exit status. */
enum { KERNEL_OPEN_OK = 0, KERNEL_OPEN_BAD_FILE = 1, KERNEL_OPEN_MISMATCH = 2 };

int kernel_open(struct kernel *k, const struct kernel_open_opts *o, ks_err *err);
void kernel_close(struct kernel *k);

/* Runtime address of a vmlinux symbol (0 and err if unknown). */
int ksym_addr(struct kernel *k, const char *name, uint64_t *addr, ks_err *err);
/* The symbol holding a runtime address, and the offset into it. */
const struct ksym *ksym_at(struct kernel *k, uint64_t addr, uint64_t *delta);

/* What an address is, for printing: a symbol of the vmlinux or of a loaded module. */
struct ksym_where {
    const char *name;
    uint64_t offset, size;
    const char *module;          /* NULL for the vmlinux */
    bool text;                   /* a function (nm's t/T/w/W) */
    char type;                   /* nm's letter */
};
/* false if no symbol holds addr. */
bool ksym_where(struct kernel *k, uint64_t addr, struct ksym_where *w);
/* "schedule+0x42" / "level3+0x1c [ksleuth_crash]" / "0xc1234567" (out of at least 128 bytes). */
void ksym_format(struct kernel *k, uint64_t addr, char *out, size_t n);

/* CPUs the kernel was built for (NR_CPUS: the size of __per_cpu_offset[]). */
unsigned kpossible_cpus(struct kernel *k);
/* This CPU's copy of a per-CPU variable at link address `addr` (i386: addr + __per_cpu_offset[cpu]). */
int kper_cpu_ptr(struct kernel *k, uint64_t addr, unsigned cpu, uint64_t *out, ks_err *err);

/* Kernel virtual -> physical through swapper_pg_dir. An address no entry maps fails with
 * KS_E_NOT_MAPPED and the virtual address; a page-table or data page the dump lacks, with the
 * dump's KS_E_NOT_IN_DUMP and the physical address. */
int kvtop(struct kernel *k, uint64_t vaddr, uint64_t *paddr, ks_err *err);
int kread(struct kernel *k, uint64_t vaddr, void *buf, size_t len, ks_err *err);
/* A pointer or unsigned long: the arch's word (4 bytes on i386). */
int kread_ulong(struct kernel *k, uint64_t vaddr, uint64_t *v, ks_err *err);
/* The page-table walk of vaddr from the table at physical address top (a process's PGD), or
 * through the kernel's own swapper_pg_dir: every entry read, for vtop and vm -p. */
int kpt_walk(struct kernel *k, uint64_t top, uint64_t vaddr, struct pt_walk *w, ks_err *err);
int kvtop_walk(struct kernel *k, uint64_t vaddr, struct pt_walk *w, ks_err *err);
/* Read a NUL-terminated string of at most max bytes. */
int kread_string(struct kernel *k, uint64_t vaddr, char *out, size_t max, ks_err *err);

/* Typed access: "struct mm_struct" + "pgd" -> offset; reading a member as an integer of its size. */
int kmember_off(struct kernel *k, const char *type, const char *path, uint64_t *off, ks_err *err);
int kread_member(struct kernel *k, uint64_t obj, const char *type, const char *path, uint64_t *v, ks_err *err);
/* The same through a member already resolved (kmember_ref), for walks that read it per object. */
int kread_ref(struct kernel *k, uint64_t obj, const struct member_ref *r, uint64_t *v, ks_err *err);
uint64_t ktype_size(struct kernel *k, const char *type);
/* A global variable (its DWARF type) and optionally a member path inside it: address and type. */
int kvar_addr(struct kernel *k, const char *var, const char *path, uint64_t *addr, struct ktype **type, ks_err *err);
int kvar_read_int(struct kernel *k, const char *var, const char *path, uint64_t *v, ks_err *err);

/* Passed for err where a failure is itself the answer and no caller needs to know why: an IRQ
 * stack a CPU never set up, the bytes before a return address, a string table read as far as it
 * goes. Spelled out so that every such place says so; never where a value would be shown. */
#define KS_MISSING_OK ((ks_err *)NULL)

/* Probes: what this kernel's DWARF and symbol table have. "No" is an answer, never an error, and
 * they read no dump memory, so a read error can never hide behind them. Where a kernel difference
 * is decided, ask these; never read with a NULL err and take failure for absence. */
bool ktype_has(struct kernel *k, const char *type);
bool kmember_has(struct kernel *k, const char *type, const char *path);
/* The member where this kernel has it, NULL where it does not. */
const struct member_ref *kmember_probe(struct kernel *k, const char *type, const char *path);
bool ksym_has(struct kernel *k, const char *name);
bool kvar_has(struct kernel *k, const char *var, const char *path);
/* Fields some kernels lack: 1 with *v read; 0 when this kernel has no such member (or variable),
 * *v untouched; -1 with err set when it has one that cannot be read. */
int kread_member_opt(struct kernel *k, uint64_t obj, const char *type, const char *path, uint64_t *v, ks_err *err);
int kvar_read_int_opt(struct kernel *k, const char *var, const char *path, uint64_t *v, ks_err *err);

/* Decode an integer of `size` bytes (little-endian), sign-extended if asked. */
uint64_t kdecode_int(const uint8_t *p, size_t size, bool is_signed);

#endif

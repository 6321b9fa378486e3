/*
 * dump: one open dump file, whatever its format.
 *
 * Promise: after dump_open() succeeds, dump_read_page() returns the contents of any physical
 * page frame the dump holds, as the kernel last saw it: DUMP_PAGE_OK with the bytes, or
 * DUMP_PAGE_ZERO (buffer zeroed) where the dump says the page was all zeros, or
 * DUMP_PAGE_ABSENT with a KS_E_NOT_IN_DUMP error (and the page's physical address) where the dump
 * does not hold that page. It never invents bytes. A file shorter than its headers say fails with
 * KS_E_TRUNCATED, a value that cannot be with KS_E_CORRUPT. The file is opened read-only and never
 * written.
 *
 * Each format lives in its own file (elf_core.c, kdump.c, raw.c) behind struct dump_format.
 * VMCOREINFO (if the dump carries one) and per-CPU state from ELF notes are exposed here
 * because every format may carry them.
 */
#ifndef KS_DUMP_H
#define KS_DUMP_H
#include <stdbool.h>
#include <stdint.h>

#include "../arch/i386/regs.h"
#include "../util/util.h"

#define KS_PAGE_SIZE 4096u
#define KS_PAGE_SHIFT 12

enum dump_page_status { DUMP_PAGE_OK = 0, DUMP_PAGE_ZERO = 1, DUMP_PAGE_ABSENT = 2, DUMP_PAGE_ERROR = -1 };

#define DUMP_MAX_CPUS 64
struct dump_cpu {
    bool has_cr3;
    uint64_t cr3;          /* from QEMU's per-CPU note */
    struct cpu_regs regs;  /* from QEMU's note where there is one, else NT_PRSTATUS */
};

struct dump;
struct dump_format {
    const char *name;
    /* Does the file start like this format? head holds up to 4096 bytes. */
    bool (*probe)(const uint8_t *head, size_t n);
    int (*open)(struct dump *d, ks_err *err);
    int (*read_page)(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err);
    void (*close)(struct dump *d);
};

struct dump {
    int fd;
    char *path;
    uint64_t file_size;
    const struct dump_format *fmt;
    void *priv;                 /* the format's own state */
    char desc[128];             /* e.g. "ELF64 core (QEMU dump-guest-memory)" */
    char *vmcoreinfo;           /* NUL-terminated text, or NULL */
    uint64_t max_pfn;           /* one past the highest frame the dump describes */
    int ncpus;                  /* CPUs with a note (0 if the format has none) */
    struct dump_cpu cpu[DUMP_MAX_CPUS];
    uint64_t raw_phys_base;     /* --phys-base for raw memory images */
};

struct dump_open_opts {
    bool raw;                   /* treat the file as raw physical memory */
    uint64_t phys_base;
};

/* What kind of file is this? "dump", "elf-exec" (a vmlinux), or NULL if unknown. */
const char *dump_sniff(const char *path, ks_err *err);

struct dump *dump_open(const char *path, const struct dump_open_opts *opts, ks_err *err);
void dump_close(struct dump *d);
int dump_read_page(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err);

/* Helpers for formats. */
void dump_set_vmcoreinfo(struct dump *d, const char *text, size_t len);
/* Walk an ELF note area (32-bit and 64-bit cores use the same note layout). */
void dump_parse_notes(struct dump *d, const uint8_t *notes, size_t len);

extern const struct dump_format dump_format_elf;
extern const struct dump_format dump_format_kdump;
extern const struct dump_format dump_format_raw;

#endif

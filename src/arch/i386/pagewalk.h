/*
 * i386 page-table walk, described as data.
 *
 * A paging mode is a list of levels (name, first virtual-address bit, index width, whether a
 * large page may end the walk there, whether the level is folded away) plus an entry size and
 * the mask of physical-address bits in an entry. pt_walk() steps through the levels with one
 * small function per question (present? large? where next?), recording every entry it reads so
 * vtop can print the walk exactly as the MMU did it.
 *
 *   non-PAE: PGD 10 bits (4 MB PSE pages, PSE-36 high bits) -> folded PMD -> PTE 10 bits -> 12-bit offset
 *   PAE:     PGD (PDPT) 2 bits -> PMD 9 bits (2 MB pages) -> PTE 9 bits -> 12-bit offset; NX is bit 63
 */
#ifndef KS_I386_PAGEWALK_H
#define KS_I386_PAGEWALK_H
#include <stdbool.h>
#include <stdint.h>

#include "../../mem/physmem.h"

/* Entry bits shared by both modes. */
#define PTE_PRESENT  (1ull << 0)
#define PTE_RW       (1ull << 1)
#define PTE_USER     (1ull << 2)
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY    (1ull << 6)
#define PTE_PSE      (1ull << 7)   /* in a PGD/PMD entry: large page; in a PTE: PAT */
#define PTE_GLOBAL   (1ull << 8)
#define PTE_PROTNONE PTE_GLOBAL    /* on a non-present PTE the kernel reuses bit 8 for PROT_NONE */
#define PTE_NX       (1ull << 63)

struct pt_level {
    const char *name;     /* "PGD", "PMD", "PTE" as crash prints them */
    unsigned shift;       /* lowest virtual-address bit this level indexes */
    unsigned bits;        /* index width; 0 for a folded level */
    bool large_ok;        /* may a PSE entry end the walk here? */
};

struct pt_format {
    const char *name;
    unsigned entry_size;          /* 4 or 8 bytes */
    unsigned nlevels;
    struct pt_level levels[3];
    uint64_t frame_mask;          /* physical-address bits of a table or 4 KB page entry */
    unsigned swap_type_bits;
};

extern const struct pt_format pt_i386_2level;
extern const struct pt_format pt_i386_pae;

enum pt_result { PT_MAPPED, PT_NOT_PRESENT, PT_SWAP, PT_READ_ERROR };

struct pt_step {
    const char *level;
    uint64_t entry_paddr;     /* where the entry was read */
    uint64_t entry;
    bool folded;              /* non-PAE PMD: the PGD entry seen again */
};

struct pt_walk {
    uint64_t vaddr, top;      /* top: physical address of the PGD (CR3's table) */
    unsigned nsteps;
    struct pt_step steps[4];
    enum pt_result result;
    uint64_t paddr;           /* PT_MAPPED: the translation */
    uint64_t page_size;
    uint64_t leaf;            /* the entry that mapped it (or the last one read) */
    const char *stop_level;   /* the level at which a walk stopped */
    uint64_t swap_type, swap_offset;
};

/* Walk vaddr from the table at physical address `top`. Returns 0 unless a page-table read fails;
 * the outcome (mapped, not present, swap) is in w->result. */
int pt_walk(const struct pt_format *f, struct physmem *pm, uint64_t top, uint64_t vaddr, struct pt_walk *w, ks_err *err);

/* Decode a swap PTE (a non-present, non-zero PTE). */
void pt_swap_decode(const struct pt_format *f, uint64_t pte, uint64_t *type, uint64_t *offset);

/* "PRESENT|RW|ACCESSED..." for an entry at a given level (bit 7 is PSE above PTE level, PAT at it). */
void pt_flag_names(const struct pt_format *f, uint64_t entry, bool leaf_pte, char *out, size_t outsz);

#endif

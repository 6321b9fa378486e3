/*
 * arch: what ksleuth needs to know of a CPU architecture, in one place.
 *
 * Everything above this layer reads pointers and `unsigned long`s through the word size here,
 * bounds kernel virtual addresses by vaddr_max, walks page tables in a format chosen here, finds
 * CPU registers in NT_PRSTATUS by the layout here, and unwinds stacks by the frame shape here.
 * i386 is the one implementation (src/arch/i386/arch.c). An x86_64 port is a new folder
 * src/arch/x86_64/ with its own `struct arch`, its 4-level paging table in pagewalk form and its
 * register set, plus a memory-model file in src/mm for its vmemmap (docs/design.md: "Where a new
 * generation or architecture plugs in").
 */
#ifndef KS_ARCH_H
#define KS_ARCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_format;

/* Where NT_PRSTATUS keeps the registers: struct elf_prstatus's pr_reg, nregs words of word_size
 * bytes in the order of the arch's register enum (i386: enum i386_reg). */
struct arch_prstatus {
    size_t pr_reg_offset;
    unsigned nregs;
};

/* The frame-pointer frame the kernel's unwinder follows (unwind.c): the caller's frame pointer
 * at fp, the return address one word above it; stacks grow down. */
struct arch_stack {
    unsigned ret_offset;   /* of the return address from fp */
    unsigned frame_size;   /* the two words a frame header takes */
    unsigned thread_align; /* a stack is THREAD_SIZE-aligned; this is the smallest THREAD_SIZE */
};

struct arch {
    const char *name;             /* "i386" */
    unsigned word_size;           /* bytes in a pointer and an unsigned long */
    uint64_t vaddr_max;           /* the last virtual address */
    uint64_t page_offset_min; /* the lowest PAGE_OFFSET a kernel may have (the vmlinux's headers give its own) */
    uint64_t kaslr_align;         /* a KASLR offset is a multiple of this (checked, then proved) */
    /* The page-table format of a kernel whose pte_t has this size (0 if none). */
    const struct pt_format *(*paging_for)(unsigned pte_size);
    struct arch_prstatus prstatus;
    struct arch_stack stack;
};

extern const struct arch arch_i386;

/* All ones in a word: the bound of a pointer. */
static inline uint64_t arch_word_mask(const struct arch *a)
{
    return a->word_size >= 8 ? ~0ull : (1ull << (8 * a->word_size)) - 1;
}

/* A little-endian word (pointer, unsigned long) from a buffer. */
static inline uint64_t arch_word(const struct arch *a, const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < a->word_size && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif

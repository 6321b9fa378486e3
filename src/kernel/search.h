/*
 * search: memory scanned for values or strings, as crash's `search` does, in one address space at a
 * time — kernel virtual (through swapper_pg_dir), one task's user space (through its mm's page
 * tables, VMA by VMA) or physical (frame by frame).
 *
 * Promise: only memory the dump holds is read, a page at a time; a range the page tables do not
 * map is skipped at the size of the entry that says so (a whole 4 MB, 1 GB or 2 MB region at once),
 * frames the dump lacks are skipped, and the number of matches is bounded. Values are compared at
 * their own alignment, under a mask of bits to ignore; a string may cross from one page into the
 * next when the two are contiguous in the space searched.
 */
#ifndef KS_SEARCH_H
#define KS_SEARCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

#define SEARCH_MAX_TARGETS 16
#define SEARCH_MAX_MATCHES 100000

enum search_space { SEARCH_KERNEL, SEARCH_USER, SEARCH_PHYSICAL };

struct search_req {
    enum search_space space;
    uint64_t mm;         /* SEARCH_USER: whose pages */
    uint64_t start, end; /* [start, end) in that space */
    unsigned width;      /* bytes of a value: 2, 4 or 8 */
    uint64_t mask;       /* bits of a value that do not take part */
    uint64_t values[SEARCH_MAX_TARGETS];
    size_t nvalues;
    const char *strings[SEARCH_MAX_TARGETS]; /* searched instead of values when nstrings > 0 */
    size_t nstrings;
};

struct search_match {
    uint64_t addr;  /* in the space searched */
    uint64_t paddr; /* where that is in physical memory */
    uint64_t value; /* the value found (values) */
    int target;     /* which value or string matched */
};

/* fn gets each match in address order; it returns non-zero to stop. progress (may be NULL) is
 * told how far the scan is, in thousandths of the range. */
struct search_sink {
    int (*match)(const struct search_match *m, void *arg);
    void (*progress)(unsigned permille, void *arg);
    void *arg;
};

/* 0, or -1 with err (a page-table read failed, or more than SEARCH_MAX_MATCHES matches). */
int memory_search(struct kernel *k, const struct search_req *r, const struct search_sink *sink, ks_err *err);

#endif

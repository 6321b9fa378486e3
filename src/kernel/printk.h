/*
 * printk: the kernel log from the lockless ring buffer of 5.10+ kernels (`prb`): a descriptor
 * ring (state + text position per record), an info array (sequence, timestamp, level) and a text
 * data ring. Records are visited oldest first; only committed or finalized ones are shown. The
 * walk is bounded by the descriptor count, so a corrupt ring cannot loop.
 */
#ifndef KS_PRINTK_H
#define KS_PRINTK_H
#include <stdint.h>

#include "kernel.h"

struct printk_record {
    uint64_t seq, ts_nsec;
    unsigned level, facility;
    const char *text;      /* valid during the callback */
    size_t len;
};

int printk_for_each(struct kernel *k, int (*fn)(const struct printk_record *r, void *arg), void *arg, ks_err *err);

#endif

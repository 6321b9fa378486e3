/*
 * meminfo: the memory totals /proc/meminfo reports, computed from the dump the way the kernel does
 * (si_meminfo(), nr_blockdev_pages(), vm_memory_committed(), vm_commit_limit()), in pages.
 */
#ifndef KS_MEMINFO_H
#define KS_MEMINFO_H
#include <stdint.h>

#include "../kernel/kernel.h"

struct meminfo {
    uint64_t total, free, shared, buffers, cached, slab, total_high, free_high, swap_total, swap_free, commit_limit, committed;
};

int si_meminfo(struct kernel *k, struct meminfo *m, ks_err *err);

#endif

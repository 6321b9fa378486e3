#include "meminfo.h"

#include <string.h>

#include "task.h"
#include "zone.h"

static int sum_high_free(struct kernel *k, const struct zone_info *z, void *arg)
{
    (void)k;
    if (z->highmem) *(uint64_t *)arg += z->free_pages;
    return 0;
}

/* nr_blockdev_pages(): page cache of every block device inode. */
static uint64_t blockdev_pages(struct kernel *k)
{
    uint64_t sb, head_off, link_off, total = 0, node;
    if (kvar_read_int(k, "blockdev_superblock", NULL, &sb, NULL) || !sb ||
        kmember_off(k, "struct super_block", "s_inodes", &head_off, NULL) || kmember_off(k, "struct inode", "i_sb_list", &link_off, NULL) ||
        kread_ulong(k, sb + head_off, &node, NULL))
        return 0;
    for (unsigned n = 0; node != sb + head_off && n < 1000000; n++) {
        uint64_t mapping, pages;
        if (kread_member(k, node - link_off, "struct inode", "i_mapping", &mapping, NULL) ||
            kread_member(k, mapping, "struct address_space", "nrpages", &pages, NULL) || kread_ulong(k, node, &node, NULL))
            break;
        total += pages;
    }
    return total;
}

int si_meminfo(struct kernel *k, struct meminfo *m, ks_err *err)
{
    uint64_t file, swapcache = 0, recl, unrecl, ratio = 50, kbytes = 0, committed;
    memset(m, 0, sizeof *m);
    if (kvar_read_int(k, "_totalram_pages", "counter", &m->total, err) || global_zone_stat(k, "NR_FREE_PAGES", &m->free, err) ||
        global_node_stat(k, "NR_SHMEM", &m->shared, err) || global_node_stat(k, "NR_FILE_PAGES", &file, err) ||
        global_node_stat(k, "NR_SLAB_RECLAIMABLE_B", &recl, err) || global_node_stat(k, "NR_SLAB_UNRECLAIMABLE_B", &unrecl, err))
        return -1;
    global_node_stat(k, "NR_SWAPCACHE", &swapcache, NULL);
    m->buffers = blockdev_pages(k);
    m->cached = file > swapcache + m->buffers ? file - swapcache - m->buffers : 0;
    m->slab = recl + unrecl;
    kvar_read_int(k, "_totalhigh_pages", "counter", &m->total_high, NULL);
    if (for_each_zone(k, sum_high_free, &m->free_high, err)) return -1;
    kvar_read_int(k, "total_swap_pages", NULL, &m->swap_total, NULL);
    kvar_read_int(k, "nr_swap_pages", "counter", &m->swap_free, NULL);
    kvar_read_int(k, "sysctl_overcommit_ratio", NULL, &ratio, NULL);
    kvar_read_int(k, "sysctl_overcommit_kbytes", NULL, &kbytes, NULL);
    m->commit_limit = (kbytes ? kbytes >> (KS_PAGE_SHIFT - 10) : m->total * ratio / 100) + m->swap_total;
    if (kvar_read_int(k, "vm_committed_as", "count", &committed, NULL) == 0) {
        /* vm_memory_committed(): percpu_counter_sum_positive() — the count plus every CPU's delta,
         * a CPU a panic stopped included (its delta was never folded into the count). */
        int64_t sum = (int64_t)committed;
        uint64_t counters, delta;
        if (kvar_read_int(k, "vm_committed_as", "counters", &counters, NULL) == 0)
            for (unsigned cpu = 0, n = dump_cpus(k); cpu < n; cpu++) {
                uint64_t a;
                if (kper_cpu_ptr(k, counters, cpu, &a, NULL) == 0 && kread_ulong(k, a, &delta, NULL) == 0) sum += (int32_t)delta;
            }
        m->committed = sum > 0 ? (uint64_t)sum : 0;
    }
    return 0;
}


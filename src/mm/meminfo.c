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
static int blockdev_pages(struct kernel *k, uint64_t *total, ks_err *err)
{
    uint64_t sb = 0, head_off, link_off, node;
    *total = 0;
    int r = kvar_read_int_opt(k, "blockdev_superblock", NULL, &sb, err);
    if (r <= 0 || !sb)
        return r; /* no block devices: no buffers */
    if (kmember_off(k, "struct super_block", "s_inodes", &head_off, err) ||
        kmember_off(k, "struct inode", "i_sb_list", &link_off, err) || kread_ulong(k, sb + head_off, &node, err))
        return -1;
    for (unsigned n = 0; node != sb + head_off; n++) {
        uint64_t mapping, pages;
        if (n == 1000000)
            return ks_fail_kind(err, KS_E_CORRUPT, "the block device inode list does not end (a loop?)");
        if (kread_member(k, node - link_off, "struct inode", "i_mapping", &mapping, err) ||
            kread_member(k, mapping, "struct address_space", "nrpages", &pages, err) || kread_ulong(k, node, &node, err))
            return ks_wrap(err, "block device inode list");
        *total += pages;
    }
    return 0;
}

/* vm_memory_committed(): percpu_counter_sum_positive() — the count plus every CPU's delta. */
static int committed_pages(struct kernel *k, uint64_t *out, ks_err *err)
{
    uint64_t committed, counters = 0, delta;
    unsigned ncpus;
    int r = kvar_read_int_opt(k, "vm_committed_as", "count", &committed, err);
    if (r <= 0)
        return r;
    /* vm_memory_committed(): the count plus every CPU's delta, a CPU a panic stopped included (its
     * delta was never folded into the count). */
    if (kvar_read_int_opt(k, "vm_committed_as", "counters", &counters, err) < 0 || dump_cpus_read(k, &ncpus, err))
        return -1;
    int64_t sum = (int64_t)committed;
    for (unsigned cpu = 0; counters && cpu < ncpus; cpu++) {
        uint64_t a;
        if (kper_cpu_ptr(k, counters, cpu, &a, err) || kread_ulong(k, a, &delta, err))
            return -1;
        sum += (int32_t)delta;
    }
    *out = sum > 0 ? (uint64_t)sum : 0;
    return 0;
}

/* Variables some configurations lack (no HIGHMEM, no swap): absent reads as 0, unreadable fails. */
static int optional_vars(struct kernel *k, struct meminfo *m, uint64_t *ratio, uint64_t *kbytes, ks_err *err)
{
    if (kvar_read_int_opt(k, "_totalhigh_pages", "counter", &m->total_high, err) < 0 ||
        kvar_read_int_opt(k, "total_swap_pages", NULL, &m->swap_total, err) < 0 ||
        kvar_read_int_opt(k, "nr_swap_pages", "counter", &m->swap_free, err) < 0 ||
        kvar_read_int_opt(k, "sysctl_overcommit_ratio", NULL, ratio, err) < 0 ||
        kvar_read_int_opt(k, "sysctl_overcommit_kbytes", NULL, kbytes, err) < 0)
        return -1;
    return 0;
}

int si_meminfo(struct kernel *k, struct meminfo *m, ks_err *err)
{
    uint64_t file, swapcache = 0, recl, unrecl, ratio = 50, kbytes = 0;
    memset(m, 0, sizeof *m);
    if (kvar_read_int(k, "_totalram_pages", "counter", &m->total, err) || global_zone_stat(k, "NR_FREE_PAGES", &m->free, err) ||
        global_node_stat(k, "NR_SHMEM", &m->shared, err) || global_node_stat(k, "NR_FILE_PAGES", &file, err) ||
        global_node_stat(k, "NR_SLAB_RECLAIMABLE_B", &recl, err) || global_node_stat(k, "NR_SLAB_UNRECLAIMABLE_B", &unrecl, err))
        return -1;
    int64_t swapcache_item;
    /* NR_SWAPCACHE is a node counter since 5.8; before, the swap cache had no counter of its own. */
    if (kdwarf_enumerator(k->dwarf, "NR_SWAPCACHE", &swapcache_item) && global_node_stat(k, "NR_SWAPCACHE", &swapcache, err))
        return -1;
    if (blockdev_pages(k, &m->buffers, err))
        return -1;
    m->cached = file > swapcache + m->buffers ? file - swapcache - m->buffers : 0;
    m->slab = recl + unrecl;
    if (optional_vars(k, m, &ratio, &kbytes, err) || for_each_zone(k, sum_high_free, &m->free_high, err))
        return -1;
    m->commit_limit = (kbytes ? kbytes >> (KS_PAGE_SHIFT - 10) : m->total * ratio / 100) + m->swap_total;
    return committed_pages(k, &m->committed, err) < 0 ? -1 : 0;
}


/*
 * The census's blk-mq walk: the pages blk_mq_alloc_rqs() takes straight from the page allocator
 * to hold a tag set's struct requests. They are non-compound blocks (order up to 4: only the first
 * page holds a reference, the rest show count 0 and no flags), each head on its blk_mq_tags's
 * page_list through page->lru with its order in page->private. Nothing in the pages says so; the
 * lists do. Reached as the kernel reaches them: every disk of block_class, its request_queue, each
 * hardware context's tags and sched_tags (the I/O scheduler's own pool), and 6.1's shared tags.
 */
#include "../kernel/klist.h"
#include "../kernel/ktree.h"
#include "../util/u64set.h"
#include "census.h"
#include "page.h"

#define MAX_DEVICES    100000u
#define MAX_POOL_PAGES 1000000u
#define MAX_HW_QUEUES  4096u
#define MAX_POOL_ORDER 10u

struct blk_walk {
    struct census *c;
    struct u64set tags; /* a tag set's tags are reached from every queue sharing it */
    uint64_t disk_type;
    ks_err *err;
};

/* One block of a pool: its head page and the 2^private frames after it. */
static int tag_pool_block(struct kernel *k, uint64_t page, void *arg)
{
    struct blk_walk *w = arg;
    uint64_t pfn, order;
    if (page_to_pfn(k, page, &pfn, w->err) || kread_member(k, page, "struct page", "private", &order, w->err))
        return -1;
    if (order > MAX_POOL_ORDER)
        return ks_fail_at(w->err, KS_E_CORRUPT, KS_AS_KVIRT, page, "blk-mq request page %#llx: order %llu",
                          (unsigned long long)page, (unsigned long long)order);
    for (uint64_t i = 0; i < 1ull << order; i++)
        census_tag_frame(w->c, pfn + i, TAG_BLK_MQ);
    return 0;
}

static int tag_tags(struct kernel *k, struct blk_walk *w, uint64_t tags)
{
    uint64_t list_off, lru_off;
    if (!tags || !u64set_add(&w->tags, tags))
        return 0;
    if (kmember_off(k, "struct blk_mq_tags", "page_list", &list_off, w->err) ||
        kmember_off(k, "struct page", "lru", &lru_off, w->err))
        return -1;
    return klist_for_each(k, tags + list_off, lru_off, MAX_POOL_PAGES, "blk_mq_tags.page_list", tag_pool_block, w, w->err) < 0
               ? -1
               : 0;
}

static int tag_hctx(struct kernel *k, struct blk_walk *w, uint64_t hctx)
{
    uint64_t tags, sched;
    if (!hctx)
        return 0;
    if (kread_member(k, hctx, "struct blk_mq_hw_ctx", "tags", &tags, w->err) ||
        kread_member(k, hctx, "struct blk_mq_hw_ctx", "sched_tags", &sched, w->err))
        return -1;
    return tag_tags(k, w, tags) || tag_tags(k, w, sched) ? -1 : 0;
}

static int hctx_entry(struct kernel *k, const struct xa_entry *e, void *arg)
{
    return e->is_value ? 0 : tag_hctx(k, arg, e->entry);
}

/* The hardware contexts: an xarray q->hctx_table (6.0+), or the array q->queue_hw_ctx before. */
static int tag_queue_hctxs(struct kernel *k, struct blk_walk *w, uint64_t q)
{
    uint64_t n, array, off;
    if (kmember_has(k, "struct request_queue", "hctx_table")) {
        if (kmember_off(k, "struct request_queue", "hctx_table", &off, w->err))
            return -1;
        return xa_for_each(k, q + off, hctx_entry, w, w->err) < 0 ? -1 : 0;
    }
    if (kread_member(k, q, "struct request_queue", "nr_hw_queues", &n, w->err) ||
        kread_member(k, q, "struct request_queue", "queue_hw_ctx", &array, w->err))
        return -1;
    if (n > MAX_HW_QUEUES)
        return ks_fail_at(w->err, KS_E_CORRUPT, KS_AS_KVIRT, q, "request_queue %#llx: %llu hardware queues",
                          (unsigned long long)q, (unsigned long long)n);
    for (uint64_t i = 0; array && i < n; i++) {
        uint64_t hctx;
        if (kread_ulong(k, array + i * 4, &hctx, w->err) || tag_hctx(k, w, hctx)) /* a pointer: 4 bytes */
            return -1;
    }
    return 0;
}

/* 6.1's tags shared by every hardware queue: the queue's scheduler's and the tag set's. */
static int tag_shared(struct kernel *k, struct blk_walk *w, uint64_t q)
{
    uint64_t sched = 0, set = 0, shared = 0;
    if (kread_member_opt(k, q, "struct request_queue", "sched_shared_tags", &sched, w->err) < 0 ||
        kread_member(k, q, "struct request_queue", "tag_set", &set, w->err))
        return -1;
    if (set && kread_member_opt(k, set, "struct blk_mq_tag_set", "shared_tags", &shared, w->err) < 0)
        return -1;
    return tag_tags(k, w, sched) || tag_tags(k, w, shared) ? -1 : 0;
}

/* A whole disk's struct device -> its gendisk: inside the disk's part0 (hd_struct.__dev) up to
 * 5.10, in its part0 block_device (bd_device) from 5.11. */
static int device_disk(struct kernel *k, uint64_t dev, uint64_t *disk, ks_err *err)
{
    uint64_t off;
    if (kmember_has(k, "struct block_device", "bd_device")) {
        if (kmember_off(k, "struct block_device", "bd_device", &off, err))
            return -1;
        return kread_member(k, dev - off, "struct block_device", "bd_disk", disk, err);
    }
    if (kmember_off(k, "struct gendisk", "part0.__dev", &off, err))
        return -1;
    *disk = dev - off;
    return 0;
}

static int tag_device(struct kernel *k, uint64_t priv, void *arg)
{
    struct blk_walk *w = arg;
    uint64_t dev, type, disk, q;
    if (kread_member(k, priv, "struct device_private", "device", &dev, w->err) ||
        kread_member(k, dev, "struct device", "type", &type, w->err))
        return -1;
    if (type != w->disk_type)
        return 0; /* a partition: its disk's queue is reached from the disk */
    if (device_disk(k, dev, &disk, w->err) || kread_member(k, disk, "struct gendisk", "queue", &q, w->err))
        return -1;
    if (!q)
        return 0;
    return tag_queue_hctxs(k, w, q) || tag_shared(k, w, q) ? -1 : 0;
}

int census_tag_blk_mq(struct kernel *k, struct census *c, ks_err *err)
{
    uint64_t priv, list_off, link_off;
    if (!ktype_has(k, "struct blk_mq_tags") || !kvar_has(k, "block_class", "p"))
        return 0; /* no blk-mq, or no block layer: no pools */
    struct blk_walk w = {.c = c, .err = err};
    if (ksym_addr(k, "disk_type", &w.disk_type, err) || kvar_read_int(k, "block_class", "p", &priv, err) ||
        kmember_off(k, "struct subsys_private", "klist_devices.k_list", &list_off, err) ||
        kmember_off(k, "struct device_private", "knode_class.n_node", &link_off, err))
        return -1;
    if (!priv)
        return 0; /* block_class never registered */
    u64set_init(&w.tags);
    int rc = klist_for_each(k, priv + list_off, link_off, MAX_DEVICES, "block_class devices", tag_device, &w, err) < 0 ? -1 : 0;
    u64set_free(&w.tags);
    return rc;
}

/*
 * The kernel-object walkers (task list, threads, maple tree, VMAs, d_path; issue 11: a task's open
 * files, the mount list, a slab's freelist, the CFS tree) over fuzzed memory, with
 * real layouts: the DWARF and symbols of the np-96m sample's vmlinux (KSLEUTH_FUZZ_VMLINUX).
 * Memory is a 2-level page directory mapping PAGE_OFFSET.. with 4 MB pages onto physical 0..,
 * followed by the input; the kernel is "relocated" so init_task sits at the input's first byte,
 * and the input's words serve as the mm and maple tree addresses to walk.
 */
#include "fuzz_kernel.h"
#include "kernel/sched.h"
#include "kernel/vfs.h"
#include "mm/maple.h"
#include "mm/slab.h"
#include "mm/task.h"
#include "mm/vma.h"

static struct kernel kern;
static int ready;

static int count_task(struct kernel *k, const struct task_info *ti, void *arg) { (void)k; (void)ti; return ++*(int *)arg > 64; }
static int count_entry(struct kernel *k, uint64_t e, void *arg) { (void)k; (void)e; return ++*(int *)arg > 4096; }
static int count_vma(struct kernel *k, const struct vma_info *v, void *arg) { (void)k; (void)v; return ++*(int *)arg > 4096; }
static int count_file(struct kernel *k, const struct open_file *f, void *arg) { (void)k; (void)f; return ++*(int *)arg > 4096; }
static int count_mount(struct kernel *k, const struct mount_info *m, void *arg) { (void)k; (void)m; return ++*(int *)arg > 4096; }
static int count_rq_task(struct kernel *k, const struct rq_task *t, void *arg) { (void)k; (void)t; return ++*(int *)arg > 4096; }
static int read_word(void *ctx, uint64_t addr, uint64_t *word, ks_err *err) { return kread_ulong(ctx, addr, word, err); }

/* issue 11's walkers, starting from init_task (the input) and from addresses the input gives. */
static void walk_issue11(const uint8_t *data, size_t size, uint64_t at)
{
    ks_err err;
    int n = 0;
    for_each_open_file(&kern, at, count_file, &n, &err);
    n = 0;
    for_each_mount(&kern, at, count_mount, &n, &err);
    struct rq_info rq = {.rt_array = at, .cfs_root = kern.page_offset + KS_PAGE_SIZE + le32(data + 4) % size};
    n = 0;
    for_each_rq_task(&kern, &rq, count_rq_task, &n, &err);
    bool is_free[64] = {false};
    struct slab_geometry g = {.base = kern.page_offset + KS_PAGE_SIZE, .size = 16 + data[0] % 64, .objects = 64};
    g.fp = (struct slab_freeptr){.hardened = data[1] & 1, .swab = data[1] & 2, .random = le32(data + 8), .offset = data[2] % 16};
    slab_mark_free(&g, kern.page_offset + KS_PAGE_SIZE + le32(data + 12) % size, is_free, read_word, &kern, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) ready = fuzz_kernel_setup(&kern, "init_task") == 0 ? 1 : -1;
    if (ready < 0 || size < 16 || size > (1u << 20)) return 0;
    int fd = fuzz_kernel_map(&kern, data, size, "init_task");
    if (fd < 0) return 0;
    ks_err err;
    int n = 0;
    for_each_task(&kern, count_task, &n, &err);
    uint64_t mm = kern.page_offset + KS_PAGE_SIZE + le32(data + 4) % size;
    uint64_t tree = kern.page_offset + KS_PAGE_SIZE + le32(data + 8) % size;
    n = 0;
    mt_for_each(&kern, tree, count_entry, &n, &err);
    uint64_t entry;
    mt_load(&kern, tree, le32(data + 12), &entry, &err);
    n = 0;
    for_each_vma(&kern, mm, count_vma, &n, &err);
    walk_issue11(data, size, kern.page_offset + KS_PAGE_SIZE);
    fuzz_kernel_unmap(&kern, fd);
    return 0;
}

/*
 * The kernel-object walkers (task list, threads, maple tree, VMAs, d_path) over fuzzed memory, with
 * real layouts: the DWARF and symbols of the np-96m sample's vmlinux (KSLEUTH_FUZZ_VMLINUX).
 * Memory is a 2-level page directory mapping PAGE_OFFSET.. with 4 MB pages onto physical 0..,
 * followed by the input; the kernel is "relocated" so init_task sits at the input's first byte,
 * and the input's words serve as the mm and maple tree addresses to walk.
 */
#include "fuzz_kernel.h"
#include "mm/maple.h"
#include "mm/task.h"
#include "mm/vma.h"

static struct kernel kern;
static int ready;

static int count_task(struct kernel *k, const struct task_info *ti, void *arg) { (void)k; (void)ti; return ++*(int *)arg > 64; }
static int count_entry(struct kernel *k, uint64_t e, void *arg) { (void)k; (void)e; return ++*(int *)arg > 4096; }
static int count_vma(struct kernel *k, const struct vma_info *v, void *arg) { (void)k; (void)v; return ++*(int *)arg > 4096; }

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
    fuzz_kernel_unmap(&kern, fd);
    return 0;
}

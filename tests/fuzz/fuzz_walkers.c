/*
 * The kernel-object walkers (task list, threads, maple tree, VMAs, d_path) over fuzzed memory, with
 * real layouts: the DWARF and symbols of the np-96m sample's vmlinux (KSLEUTH_FUZZ_VMLINUX).
 * Memory is a 2-level page directory mapping PAGE_OFFSET.. with 4 MB pages onto physical 0..,
 * followed by the input; the kernel is "relocated" so init_task sits at the input's first byte,
 * and the input's words serve as the mm and maple tree addresses to walk.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kernel/kernel.h"
#include "mm/maple.h"
#include "mm/task.h"
#include "mm/vma.h"

static struct kernel kern;
static int ready;

static int setup(void)
{
    const char *vmlinux = getenv("KSLEUTH_FUZZ_VMLINUX");
    ks_err err;
    if (!vmlinux || symtab_open(&kern.syms, vmlinux, &err)) return -1;
    struct kdwarf_opts o = { .no_cache = false };
    if (kdwarf_open(&kern.dwarf, vmlinux, &kern.syms, &o, &err)) return -1;
    kern.page_offset = kern.syms.page_offset;
    kern.paging = &pt_i386_2level;
    hm_init(&kern.members);
    return 0;
}

static int count_task(struct kernel *k, const struct task_info *ti, void *arg) { (void)k; (void)ti; return ++*(int *)arg > 64; }
static int count_entry(struct kernel *k, uint64_t e, void *arg) { (void)k; (void)e; return ++*(int *)arg > 4096; }
static int count_vma(struct kernel *k, const struct vma_info *v, void *arg) { (void)k; (void)v; return ++*(int *)arg > 4096; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) ready = setup() == 0 ? 1 : -1;
    if (ready < 0 || size < 16 || size > (1u << 20)) return 0;
    size_t total = KS_PAGE_SIZE + size;
    uint8_t *image = calloc(1, total);
    for (uint32_t i = 0; i < 256; i++) {   /* PGD entries 768..1023: 4 MB pages at i * 4 MB */
        uint32_t e = (i << 22) | 0x83;
        memcpy(image + (768 + i) * 4, &e, 4);
    }
    memcpy(image + KS_PAGE_SIZE, data, size);
    char path[64];
    int fd = fuzz_file(image, total, path, sizeof path);
    free(image);
    if (fd < 0) return 0;
    struct dump_open_opts o = { .raw = true };
    ks_err err;
    kern.dump = dump_open(path, &o, &err);
    if (kern.dump) {
        physmem_init(&kern.mem, kern.dump);
        kern.pgd_paddr = 0;
        const struct ksym *init = symtab_lookup(&kern.syms, "init_task");
        kern.kaslr_offset = (int64_t)(kern.page_offset + KS_PAGE_SIZE) - (int64_t)init->addr;
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
        physmem_fini(&kern.mem);
        dump_close(kern.dump);
        kern.dump = NULL;
    }
    close(fd);
    return 0;
}

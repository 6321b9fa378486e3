/* The i386 page walker over fuzzed page tables: the input is physical memory from address 0, its
 * first page the top-level table; walk addresses the input itself picks, in both paging modes. */
#include "arch/i386/pagewalk.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < KS_PAGE_SIZE) return 0;
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    struct dump_open_opts o = { .raw = true };
    ks_err err;
    struct dump *d = dump_open(path, &o, &err);
    if (d) {
        struct physmem pm;
        physmem_init(&pm, d);
        for (size_t i = 0; i < 64; i += 4) {
            uint32_t va = le32(data + KS_PAGE_SIZE - 64 + i);
            struct pt_walk w;
            pt_walk(&pt_i386_2level, &pm, 0, va, &w, &err);
            pt_walk(&pt_i386_pae, &pm, 0, va, &w, &err);
        }
        physmem_fini(&pm);
        dump_close(d);
    }
    close(fd);
    return 0;
}

/* The dump readers (ELF cores, kdump-compressed plain and flattened, VMCOREINFO and notes inside
 * them) on arbitrary bytes: open, then read the first frames and a few chosen by the input. */
#include "fuzz_common.h"
#include "dump/dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    ks_err err;
    struct dump *d = dump_open(path, NULL, &err);
    if (d) {
        static uint8_t page[KS_PAGE_SIZE];
        for (uint64_t pfn = 0; pfn < 8; pfn++) dump_read_page(d, pfn, page, &err);
        for (size_t i = 0; i + 4 <= size && i < 64 && d->max_pfn; i += 4) dump_read_page(d, le32(data + i) % d->max_pfn, page, &err);
        dump_close(d);
    }
    close(fd);
    return 0;
}

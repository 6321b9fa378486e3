/* The VMCOREINFO parser on arbitrary text. */
#include <stdlib.h>
#include <string.h>

#include "dump/vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    static const char *const keys[] = { "OSRELEASE", "PAGESIZE", "KERNELOFFSET", "SYMBOL(swapper_pg_dir)", "NUMBER(phys_base)",
                                        "OFFSET(page.flags)", "", "=" };
    char v[128];
    uint64_t n;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        vmcoreinfo_value(text, keys[i], v, sizeof v);
        vmcoreinfo_number(text, keys[i], &n);
    }
    free(text);
    return 0;
}

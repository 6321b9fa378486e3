/* The DWARF type loader on a mutated ELF object (seed: dwarf_sample.c built with -g): index it,
 * then build and walk the types and variables ksleuth would ask a kernel for. No cache is used. */
#include <string.h>

#include "dwarf/symtab.h"
#include "dwarf/types.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    struct symtab st;
    memset(&st, 0, sizeof st);
    st.has_debug_info = true;          /* no build-id: nothing is cached */
    struct kdwarf_opts o = { .no_cache = true };
    struct kdwarf *kd = NULL;
    ks_err err;
    if (kdwarf_open(&kd, path, &st, &o, &err) == 0) {
        static const char *const types[] = { "struct node", "pte_t", "enum colour", "pteval_t", "struct node *", "int" };
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            struct ktype *t = kdwarf_type(kd, types[i]);
            char name[256];
            if (!t) continue;
            kt_name(kd, t, name, sizeof name);
            kt_size(t);
            struct ktype *s = kt_strip(t);
            for (unsigned m = 0; s && m < s->nmembers && m < 64; m++) kt_name(kd, s->members[m].type, name, sizeof name);
            uint64_t off;
            kt_member_path(kd, t, "entries[1]", &off, NULL, NULL, &err);
            kt_member_path(kd, t, "b", &off, NULL, NULL, &err);
            if (t->kind == KT_POINTER) kt_target(kd, t);
        }
        kdwarf_var_type(kd, "sample_node");
        kdwarf_var_type(kd, "sample_array");
        int64_t v;
        kdwarf_enumerator(kd, "GREEN", &v);
    }
    kdwarf_close(kd);
    close(fd);
    return 0;
}

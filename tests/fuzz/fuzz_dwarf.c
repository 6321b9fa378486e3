/* The DWARF type loader on a mutated ELF object (seed: dwarf_sample.c built with -g), both ways a
 * vmlinux is read: libdwarf's index and type builder (--no-cache), and the streaming cold build
 * (die_stream.c, typecache_build.h) whose cache image is then attached. Each then builds and walks
 * the types and variables ksleuth would ask a kernel for. No file is written. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/symtab.h"
#include "dwarf/typecache.h"
#include "dwarf/types.h"
#include "fuzz_common.h"

static void walk(struct kdwarf *kd)
{
    static const char *const types[] = { "struct node", "pte_t", "enum colour", "pteval_t", "struct node *", "int" };
    ks_err err;
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

/* The cold path: stream the DWARF into a cache image, then answer from it. */
static void stream(int fd, const char *path)
{
    struct tc_image image;
    ks_err err;
    if (tc_stream_build(fd, path, "f0221", false, &image, &err) != 0)
        return;
    struct kdwarf *kd = NULL;
    if (kdwarf_open_cache_buffer(&kd, image.p, image.len, "f0221", &err) == 0)
        walk(kd);
    kdwarf_close(kd);
    free(image.p);
}

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
    if (kdwarf_open(&kd, path, &st, &o, &err) == 0)
        walk(kd);
    kdwarf_close(kd);
    stream(fd, path);
    close(fd);
    return 0;
}

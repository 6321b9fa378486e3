/* The type cache loader (src/dwarf/typecache.c) on a mutated cache file (seed: the cache written
 * for dwarf_sample.c's object by test_typecache). The checksum is fixed up first so mutations reach
 * the structural checks behind it; then every name is looked up and every type it reaches walked. */
#include <stdlib.h>
#include <string.h>

#include "dwarf/typecache.h"
#include "dwarf/types.h"

struct walk {
    struct kdwarf *kd;
    unsigned budget;
};

static void walk_type(struct walk *w, struct ktype *t, int depth)
{
    char name[256];
    if (!t || depth > 8 || !w->budget)
        return;
    w->budget--;
    kt_name(w->kd, t, name, sizeof name);
    kt_size(t);
    struct ktype *s = kt_strip(t);
    if (s && s->kind == KT_POINTER)
        walk_type(w, kt_target(w->kd, s), depth + 1);
    if (s && s->kind == KT_ARRAY)
        walk_type(w, s->target, depth + 1);
    for (unsigned m = 0; s && m < s->nmembers && m < 32; m++)
        walk_type(w, s->members[m].type, depth + 1);
}

static void visit_name(const char *name, void *arg)
{
    struct walk *w = arg;
    walk_type(w, kdwarf_type(w->kd, name), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The loader reads records in place: give it the 8-byte alignment a mapped file has. */
    uint64_t *copy = malloc(size / 8 * 8 + 8);
    uint8_t *buf = (uint8_t *)copy;
    memcpy(buf, data, size);
    char build_id[sizeof(((struct tc_header *)0)->build_id)] = "";
    if (size >= sizeof(struct tc_header)) {
        struct tc_header *h = (struct tc_header *)buf;
        memcpy(build_id, h->build_id, sizeof build_id - 1);
        if (h->header_size <= size)
            h->checksum = tc_checksum(buf + h->header_size, size - h->header_size);
    }
    struct kdwarf *kd = NULL;
    ks_err err;
    if (kdwarf_open_cache_buffer(&kd, buf, size, build_id, &err) == 0) {
        struct walk w = {kd, 4096};
        kdwarf_each_type_name(kd, "", visit_name, &w);
        int64_t v;
        kdwarf_enumerator(kd, "GREEN", &v);
        walk_type(&w, kdwarf_var_type(kd, "sample_node"), 0);
        walk_type(&w, kdwarf_var_type(kd, "sample_array"), 0);
        walk_type(&w, kdwarf_type(kd, "struct node *"), 0);
        kdwarf_close(kd);
    }
    free(copy);
    return 0;
}

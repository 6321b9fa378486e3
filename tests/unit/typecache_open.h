/* Opening a vmlinux's types for the type-cache tests (test_typecache.c, test_typecache_equal.c):
 * through libdwarf (no_cache) or the type cache; a failure ends the test. */
#ifndef KS_TEST_TYPECACHE_OPEN_H
#define KS_TEST_TYPECACHE_OPEN_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/symtab.h"
#include "dwarf/types.h"

static inline struct kdwarf *open_kd(const char *elf, const struct symtab *st, bool no_cache)
{
    struct kdwarf_opts o = {.no_cache = no_cache};
    struct kdwarf *kd = NULL;
    ks_err err;
    if (kdwarf_open(&kd, elf, st, &o, &err)) {
        fprintf(stderr, "FAIL: cannot open %s: %s\n", elf, err.msg);
        exit(1);
    }
    return kd;
}

/* A symbol table that says only "DWARF here, build-id ID (4 bytes)", with the cache in dir and
 * no cache file there yet; path gets the file's name. */
static inline void fake_symtab(struct symtab *st, const char *id, const char *dir, char *path, size_t pathsz)
{
    memset(st, 0, sizeof *st);
    st->has_debug_info = true;
    memcpy(st->build_id, id, 4);
    st->build_id_len = 4;
    setenv("KSLEUTH_CACHE_DIR", dir, 1);
    snprintf(path, pathsz, "%s/%02x%02x%02x%02x.types", dir, (uint8_t)id[0], (uint8_t)id[1], (uint8_t)id[2], (uint8_t)id[3]);
    unlink(path);
}

#endif

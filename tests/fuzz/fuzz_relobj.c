/* A module object (.ko) on a mutated ELF file (seeds: the np-oops sample's ksleuth_crash.ko and a
 * tiny relocatable object with DWARF): parse it, place every loaded section as the module loader
 * would, relocate its DWARF and ask it for a type, a variable and a line. */
#include <elf.h>
#include <string.h>

#include "dwarf/lines.h"
#include "dwarf/relobj.h"
#include "dwarf/types.h"
#include "fuzz_common.h"

static void place_all(struct relobj *o)
{
    uint64_t at = 0xd0000000u;
    for (size_t i = 0; i < o->nsec; i++) {
        if (!(o->sec[i].flags & SHF_ALLOC))
            continue;
        o->sec[i].addr = at;
        o->sec[i].placed = true;
        at += ((uint64_t)o->sec[i].size + 0xfff) & ~0xfffull;
    }
}

static void ask(struct kdwarf *kd, const struct relobj *o)
{
    static const char *const types[] = {"struct victim", "struct ksleuth_victim", "struct timer_list"};
    char name[256], file[256];
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct ktype *t = kdwarf_type(kd, types[i]);
        if (t)
            kt_name(kd, t, name, sizeof name);
    }
    kdwarf_var_type(kd, "victim_ptr");
    kdwarf_var_type(kd, "ksleuth_timer");
    unsigned line;
    for (size_t i = 0; i < o->nsyms && i < 16; i++) {
        uint64_t addr;
        if (relobj_sym_addr(o, &o->syms[i], &addr))
            kdwarf_line_at(kd, addr, file, sizeof file, &line, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    struct relobj o;
    struct kdwarf *kd = NULL;
    ks_err err;
    if (relobj_open(&o, path, &err) == 0) {
        place_all(&o);
        if (relobj_dwarf(&o, &kd, &err) == 0)
            ask(kd, &o);
    }
    kdwarf_close(kd);
    relobj_close(&o);
    close(fd);
    return 0;
}

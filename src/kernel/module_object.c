/* A module's .ko laid over the module the dump holds (see module_object.h). */
#define _GNU_SOURCE
#include "module_object.h"

#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../dwarf/lines.h"
#include "../dwarf/relobj.h"
#include "module.h"

/* The kernel keeps one attribute per loaded section; more than this is not a module. */
#define MAX_SECT_ATTRS 4096
/* mod -S looks this many directory levels down, and at this many entries at most. */
#define FIND_DEPTH   6
#define FIND_ENTRIES 200000

/* Where struct module_sect_attr keeps the section's name: inside its sysfs bin_attribute since
 * 5.8, a member of its own before. */
static const char *sect_attr_name_path(struct kernel *k)
{
    uint64_t off;
    if (kmember_off(k, "struct module_sect_attr", "battr.attr.name", &off, NULL) == 0)
        return "battr.attr.name";
    return "name";
}

struct sect_attrs {
    uint64_t array, count, stride;
    const char *name_path;
};

static int sect_attrs_of(struct kernel *k, const struct kmodule *m, struct sect_attrs *a, ks_err *err)
{
    uint64_t attrs, off;
    if (kmember_off(k, "struct module", "sect_attrs", &off, NULL))
        return ks_fail(err, "this kernel records no section addresses (struct module has no sect_attrs: "
                            "built without CONFIG_KALLSYMS or CONFIG_SYSFS)");
    if (kread_member(k, m->module, "struct module", "sect_attrs", &attrs, err))
        return -1;
    if (!attrs)
        return ks_fail(err, "module %s has no section attributes (sect_attrs is NULL)", m->name);
    if (kread_member(k, attrs, "struct module_sect_attrs", "nsections", &a->count, err) ||
        kmember_off(k, "struct module_sect_attrs", "attrs", &off, err))
        return -1;
    if (a->count > MAX_SECT_ATTRS)
        return ks_fail(err, "module %s: %llu section attributes is not believable", m->name, (unsigned long long)a->count);
    a->array = attrs + off;
    a->stride = ktype_size(k, "struct module_sect_attr");
    a->name_path = sect_attr_name_path(k);
    if (!a->stride)
        return ks_fail(err, "the vmlinux DWARF has no struct module_sect_attr");
    return 0;
}

/* Each section the loader placed gets its address, as /sys/module/NAME/sections shows them. */
static int place_sections(struct kernel *k, const struct kmodule *m, struct relobj *o, ks_err *err)
{
    struct sect_attrs a;
    if (sect_attrs_of(k, m, &a, err))
        return -1;
    for (uint64_t i = 0; i < a.count; i++) {
        uint64_t entry = a.array + i * a.stride, name_ptr, addr;
        char name[128];
        if (kread_member(k, entry, "struct module_sect_attr", a.name_path, &name_ptr, err) ||
            kread_string(k, name_ptr, name, sizeof name, err) ||
            kread_member(k, entry, "struct module_sect_attr", "address", &addr, err))
            return -1;
        struct relobj_section *s = relobj_section(o, name);
        if (s) {
            s->addr = addr;
            s->placed = true;
        }
    }
    return 0;
}

static void hex_of(const uint8_t *b, size_t n, char *out, size_t outsz)
{
    out[0] = 0;
    for (size_t i = 0; i < n && 2 * i + 3 <= outsz; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The build-id note the loader copied into the module's memory must be the file's. */
static int check_build_id(struct kernel *k, const struct kmodule *m, struct relobj *o, ks_err *err)
{
    struct relobj_section *s = relobj_section(o, ".note.gnu.build-id");
    if (!o->build_id_len || !s || !s->placed)
        return 0;
    uint8_t mem[256];
    if (s->size > sizeof mem)
        return ks_fail(err, "%s: build-id note of %u bytes is not believable", o->path, s->size);
    if (kread(k, s->addr, mem, s->size, err))
        return -1;
    if (!memcmp(mem, o->image + s->offset, s->size))
        return 0;
    char want[130], have[130];
    hex_of(o->build_id, o->build_id_len, want, sizeof want);
    hex_of(mem + s->size - o->build_id_len, o->build_id_len, have, sizeof have);
    return ks_fail(err, "%s is another build of %s: build-id %s, the dump's module has %s", o->path, m->name, want, have);
}

/* Every function both the file and the module's kallsyms name must sit at the same address. */
static int check_kallsyms(const struct kmodule *m, const struct relobj *o, ks_err *err)
{
    unsigned same = 0;
    for (size_t i = 0; i < o->nsyms; i++) {
        const struct relobj_sym *s = &o->syms[i];
        uint64_t addr;
        if (!strchr("tT", s->type) || !relobj_sym_addr(o, s, &addr))
            continue;
        for (size_t j = 0; j < m->nsyms; j++) {
            if (strcmp(m->syms[j].name, s->name))
                continue;
            if (m->syms[j].addr != addr)
                return ks_fail(err, "%s does not match module %s: %s is at %#llx in the dump, %#llx by the file", o->path,
                               m->name, s->name, (unsigned long long)m->syms[j].addr, (unsigned long long)addr);
            same++;
        }
    }
    if (!same && !o->build_id_len)
        return ks_fail(err, "%s: neither a build-id nor a function symbol ties it to module %s", o->path, m->name);
    return 0;
}

/* Init sections are freed once the module is up: their symbols name nothing any more. */
static bool section_is_live(const struct relobj_section *s)
{
    return s->placed && strncmp(s->name, ".init", 5);
}

static struct kmod_sym *object_symbols(const struct relobj *o, size_t *n)
{
    struct kmod_sym *syms = xcalloc(o->nsyms ? o->nsyms : 1, sizeof *syms);
    *n = 0;
    for (size_t i = 0; i < o->nsyms; i++) {
        const struct relobj_sym *s = &o->syms[i];
        uint64_t addr;
        if (!section_is_live(&o->sec[s->shndx]) || !relobj_sym_addr(o, s, &addr))
            continue;
        syms[(*n)++] = (struct kmod_sym){.addr = addr, .size = s->size, .name = s->name, .type = s->type};
    }
    return syms;
}

/* Module names treat '-' and '_' alike (the kernel turns one into the other). */
static void underscored(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
    for (char *p = dst; *p; p++)
        *p = *p == '-' ? '_' : *p;
}

static int check_name(const struct kmodule *m, const struct relobj *o, ks_err *err)
{
    if (!o->modname[0])
        return ks_fail(err, "%s has no module name in .modinfo: not a kernel module", o->path);
    char a[64], b[64];
    underscored(a, sizeof a, o->modname);
    underscored(b, sizeof b, m->name);
    if (strcmp(a, b))
        return ks_fail(err, "%s is module %s, not %s", o->path, o->modname, m->name);
    return 0;
}

static int prove_and_place(struct kernel *k, const struct kmodule *m, struct relobj *o, ks_err *err)
{
    if (check_name(m, o, err) || place_sections(k, m, o, err) || check_build_id(k, m, o, err))
        return -1;
    return check_kallsyms(m, o, err);
}

int module_load_object(struct kernel *k, const char *name, const char *file, ks_err *err)
{
    struct kmodule *m = module_by_name(k, name, err);
    if (!m)
        return -1;
    struct relobj *o = xcalloc(1, sizeof *o);
    struct kdwarf *kd = NULL;
    int rc = relobj_open(o, file, err);
    if (!rc)
        rc = prove_and_place(k, m, o, err);
    if (!rc)
        rc = relobj_dwarf(o, &kd, err);
    if (rc) {
        relobj_close(o);
        free(o);
        return -1;
    }
    size_t n;
    struct kmod_sym *syms = object_symbols(o, &n);
    module_attach_object(k, m, o, kd, syms, n);
    return 0;
}

int module_unload_object(struct kernel *k, const char *name, ks_err *err)
{
    if (name) {
        struct kmodule *m = module_by_name(k, name, err);
        if (!m)
            return -1;
        module_drop_object(k, m);
        return 0;
    }
    const struct kmodules *ms = kernel_modules(k, err);
    if (!ms)
        return -1;
    for (size_t i = 0; i < ms->n; i++)
        module_drop_object(k, &k->modules->mods[i]);
    return 0;
}

/* ---- finding a .ko by module name ---- */

static bool is_object_for(const char *file, const char *name)
{
    char a[300], b[300];
    underscored(a, sizeof a, file);
    underscored(b, sizeof b, name);
    size_t n = strlen(b);
    return strlen(a) == n + 3 && !strncmp(a, b, n) && !strcmp(a + n, ".ko");
}

static int find_in(const char *dir, const char *name, int depth, unsigned *budget, char *out, size_t outsz)
{
    DIR *d = depth <= FIND_DEPTH ? opendir(dir) : NULL;
    if (!d)
        return -1;
    int rc = -1;
    struct dirent *e;
    while (rc && (e = readdir(d)) && (*budget)-- > 0) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st))
            continue;
        if (S_ISREG(st.st_mode) && is_object_for(e->d_name, name)) {
            snprintf(out, outsz, "%s", path);
            rc = 0;
        } else if (S_ISDIR(st.st_mode)) {
            rc = find_in(path, name, depth + 1, budget, out, outsz);
        }
    }
    closedir(d);
    return rc;
}

int module_find_object(const char *dir, const char *name, char *out, size_t outsz)
{
    unsigned budget = FIND_ENTRIES;
    return find_in(dir, name, 0, &budget, out, outsz);
}

int kcode_line(struct kernel *k, uint64_t addr, char *file, size_t filesz, unsigned *line, ks_err *err)
{
    const struct kmod_sym *sym;
    const struct kmodule *m = module_at(k, addr, &sym);
    if (m && m->dwarf)
        return kdwarf_line_at(m->dwarf, addr, file, filesz, line, err);
    if (m)
        return ks_fail(err, "%#llx is in module %s: load its .ko with mod -s for lines", (unsigned long long)addr, m->name);
    return kdwarf_line_at(k->dwarf, addr - (uint64_t)k->kaslr_offset, file, filesz, line, err);
}

static const struct kmod_sym *object_sym(const struct kmodule *m, const char *name)
{
    for (size_t i = 0; i < m->nobject_syms; i++)
        if (!strcmp(m->object_syms[i].name, name))
            return &m->object_syms[i];
    return NULL;
}

int kuser_var_addr(struct kernel *k, const char *var, const char *path, uint64_t *addr, struct ktype **type, ks_err *err)
{
    const struct kmodules *ms = k->modules;
    if (kdwarf_var_type(k->dwarf, var) || !ms)
        return kvar_addr(k, var, path, addr, type, err);
    for (size_t i = 0; i < ms->n; i++) {
        const struct kmodule *m = &ms->mods[i];
        struct ktype *t = m->dwarf ? kdwarf_var_type(m->dwarf, var) : NULL;
        const struct kmod_sym *s = t ? object_sym(m, var) : NULL;
        if (!s)
            continue;
        uint64_t off = 0;
        if (path && kt_member_path(m->dwarf, t, path, &off, &t, NULL, err))
            return -1;
        *addr = s->addr + off;
        if (type)
            *type = t;
        return 0;
    }
    return kvar_addr(k, var, path, addr, type, err);
}

/* Loaded modules from the dump: the module list and each module's in-memory kallsyms. */
#include "module.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dwarf/relobj.h"
#include "klist.h"

/* Where struct module says a module's core lies: decided once (kernel/features.c: decide_modules). */
static const struct module_layout_names *module_layout_names(struct kernel *k)
{
    return features_module_layout(&k->features);
}

static int sym_by_addr(const void *a, const void *b)
{
    const struct kmod_sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Read one Elf32_Sym field by its DWARF member name. */
static uint64_t sym_field(struct kernel *k, const uint8_t *sym, const char *member)
{
    const struct member_ref *r = kmember_probe(k, "Elf32_Sym", member); /* checked by read_module_syms */
    return r ? kdecode_member(r, sym) : 0;
}

struct kallsyms_ref {
    uint64_t symtab, num, strtab, typetab;
};

static int read_kallsyms_ref(struct kernel *k, uint64_t mod, struct kallsyms_ref *r, ks_err *err)
{
    uint64_t ks;
    memset(r, 0, sizeof *r);
    if (kread_member(k, mod, "struct module", "kallsyms", &ks, err))
        return -1;
    if (kread_member(k, ks, "struct mod_kallsyms", "symtab", &r->symtab, err) ||
        kread_member(k, ks, "struct mod_kallsyms", "num_symtab", &r->num, err) ||
        kread_member(k, ks, "struct mod_kallsyms", "strtab", &r->strtab, err))
        return -1;
    /* typetab (5.x+) or none: then symbol types come from the text range. */
    if (kread_member_opt(k, ks, "struct mod_kallsyms", "typetab", &r->typetab, err) < 0)
        return -1;
    if (r->num > MAX_MODULE_SYMS)
        return ks_fail(err, "%llu symbols is not believable", (unsigned long long)r->num);
    return 0;
}

/* The symbol names: read the string table as far as the last name reaches (bounded). */
static int read_strings(struct kernel *k, struct kmodule *m, uint64_t strtab, uint64_t max_name, ks_err *err)
{
    uint64_t len = max_name + 256;
    if (len > (8u << 20))
        return ks_fail(err, "string table of %llu bytes is not believable", (unsigned long long)len);
    m->strings = xcalloc(1, len + 1);
    /* The table may end before a page that is not mapped: read as much as there is. */
    while (len && kread(k, strtab, m->strings, len, KS_MISSING_OK))
        len = len > 4096 ? len - 4096 : 0;
    if (len <= max_name)
        return ks_fail(err, "cannot read the string table at %#llx", (unsigned long long)strtab);
    m->strings[len] = 0;
    return 0;
}

static int read_module_syms(struct kernel *k, struct kmodule *m, ks_err *err)
{
    struct kallsyms_ref r;
    uint64_t esize = ktype_size(k, "Elf32_Sym");
    if (!esize)
        return ks_fail(err, "the vmlinux DWARF has no Elf32_Sym");
    if (read_kallsyms_ref(k, m->module, &r, err))
        return -1;
    uint8_t *raw = xmalloc(r.num * esize + 1);
    int rc = kread(k, r.symtab, raw, r.num * esize, err);
    uint64_t max_name = 0;
    for (uint64_t i = 0; !rc && i < r.num; i++)
        max_name = KS_MAX(max_name, sym_field(k, raw + i * esize, "st_name"));
    if (!rc)
        rc = read_strings(k, m, r.strtab, max_name, err);
    m->syms = rc ? NULL : xcalloc(r.num ? r.num : 1, sizeof *m->syms);
    for (uint64_t i = 0; !rc && i < r.num; i++) {
        const uint8_t *e = raw + i * esize;
        uint64_t name = sym_field(k, e, "st_name"), value = sym_field(k, e, "st_value");
        char type = 0;
        if (r.typetab)
            kread(k, r.typetab + i, &type, 1, KS_MISSING_OK); /* unreadable: no type letter */
        if (!name || !m->strings[name] || value < m->base || value >= m->base + m->size)
            continue;
        m->syms[m->nsyms++] =
            (struct kmod_sym){.addr = value, .size = sym_field(k, e, "st_size"), .name = m->strings + name, .type = type};
    }
    free(raw);
    if (!rc)
        qsort(m->syms, m->nsyms, sizeof *m->syms, sym_by_addr);
    return rc;
}

struct load_ctx {
    struct kmodules *ms;
    const struct module_layout_names *names;
    ks_err *err;
};

static int load_one(struct kernel *k, uint64_t mod, void *arg)
{
    struct load_ctx *c = arg;
    struct kmodules *ms = c->ms;
    ms->mods = xrealloc(ms->mods, (ms->n + 1) * sizeof *ms->mods);
    struct kmodule *m = memset(&ms->mods[ms->n++], 0, sizeof *m);
    uint64_t name_addr, state = 0;
    m->module = mod;
    if (kmember_off(k, "struct module", "name", &name_addr, c->err) ||
        kread_string(k, mod + name_addr, m->name, sizeof m->name, c->err))
        return -1;
    if (kread_member(k, mod, "struct module", c->names->base, &m->base, c->err) ||
        kread_member(k, mod, "struct module", c->names->size, &m->size, c->err))
        return -1;
    if (c->names->text_size && kread_member(k, mod, "struct module", c->names->text_size, &m->text_size, c->err))
        return -1;
    if (kread_member(k, mod, "struct module", "state", &state, c->err))
        return -1;
    m->state = (int)state;
    ks_err serr;
    if (read_module_syms(k, m, &serr))
        snprintf(m->sym_error, sizeof m->sym_error, "%s", serr.msg);
    return 0;
}

static int load_modules(struct kernel *k, struct kmodules *ms, ks_err *err)
{
    uint64_t head, link;
    struct load_ctx c = {.ms = ms, .names = module_layout_names(k), .err = err};
    if (!ksym_has(k, "modules") || !c.names)
        return ks_fail(err, "this kernel has no loadable modules (no `modules` list in the vmlinux)");
    if (ksym_addr(k, "modules", &head, err))
        return -1;
    if (kmember_off(k, "struct module", "list", &link, err))
        return -1;
    return klist_for_each(k, head, link, MAX_MODULES, "module list", load_one, &c, err);
}

const struct kmodules *kernel_modules(struct kernel *k, ks_err *err)
{
    if (!k->modules) {
        k->modules = xcalloc(1, sizeof *k->modules);
        ks_err e;
        k->modules->status = load_modules(k, k->modules, &e);
        if (k->modules->status)
            snprintf(k->modules->msg, sizeof k->modules->msg, "%s", e.msg);
        k->modules->ready = true;
    }
    if (k->modules->status) {
        ks_fail(err, "%s", k->modules->msg);
        return NULL;
    }
    return k->modules;
}

void kernel_modules_free(struct kernel *k)
{
    if (!k->modules)
        return;
    for (size_t i = 0; i < k->modules->n; i++) {
        module_drop_object(k, &k->modules->mods[i]);
        free(k->modules->mods[i].syms);
        free(k->modules->mods[i].strings);
    }
    free(k->modules->mods);
    free(k->modules->dwarfs);
    free(k->modules);
    k->modules = NULL;
}

static const struct kmod_sym *sym_in(const struct kmodule *m, uint64_t addr)
{
    const struct kmod_sym *syms = m->object_syms ? m->object_syms : m->syms;
    size_t n = m->object_syms ? m->nobject_syms : m->nsyms;
    size_t lo = ks_count_le(syms, n, sizeof *syms, offsetof(struct kmod_sym, addr), addr);
    return lo ? &syms[lo - 1] : NULL;
}

static bool same_module_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
            return false;
    return *a == *b;
}

struct kmodule *module_by_name(struct kernel *k, const char *name, ks_err *err)
{
    if (!kernel_modules(k, err))
        return NULL;
    for (size_t i = 0; i < k->modules->n; i++)
        if (same_module_name(k->modules->mods[i].name, name))
            return &k->modules->mods[i];
    ks_fail(err, "no module named %s is loaded", name);
    return NULL;
}

/* The vmlinux's DWARF searches the loaded objects' DWARF for the names users type. */
static void refresh_dwarf_list(struct kernel *k)
{
    struct kmodules *ms = k->modules;
    ms->ndwarfs = 0;
    for (size_t i = 0; i < ms->n; i++)
        if (ms->mods[i].dwarf) {
            ms->dwarfs = xrealloc(ms->dwarfs, (ms->ndwarfs + 1) * sizeof *ms->dwarfs);
            ms->dwarfs[ms->ndwarfs++] = ms->mods[i].dwarf;
        }
    kdwarf_set_extra(k->dwarf, ms->dwarfs, ms->ndwarfs);
}

void module_attach_object(struct kernel *k, struct kmodule *m, struct relobj *o, struct kdwarf *kd,
                          struct kmod_sym *syms, size_t nsyms)
{
    module_drop_object(k, m);
    m->object = o;
    m->dwarf = kd;
    m->object_syms = syms;
    m->nobject_syms = nsyms;
    qsort(m->object_syms, m->nobject_syms, sizeof *m->object_syms, sym_by_addr);
    refresh_dwarf_list(k);
}

void module_drop_object(struct kernel *k, struct kmodule *m)
{
    if (!m->object)
        return;
    kdwarf_close(m->dwarf);
    relobj_close(m->object);
    free(m->object);
    free(m->object_syms);
    m->object = NULL;
    m->dwarf = NULL;
    m->object_syms = NULL;
    m->nobject_syms = 0;
    refresh_dwarf_list(k);
}

const struct kmodule *module_at(struct kernel *k, uint64_t addr, const struct kmod_sym **sym)
{
    const struct kmodules *ms = kernel_modules(k, NULL);
    *sym = NULL;
    for (size_t i = 0; ms && i < ms->n; i++) {
        const struct kmodule *m = &ms->mods[i];
        if (addr < m->base || addr >= m->base + m->size)
            continue;
        *sym = sym_in(m, addr);
        return m;
    }
    return NULL;
}

static const struct kmod_sym *find_sym(const struct kmod_sym *syms, size_t n, const char *name)
{
    for (size_t j = 0; j < n; j++)
        if (!strcmp(syms[j].name, name))
            return &syms[j];
    return NULL;
}

int module_sym_addr(struct kernel *k, const char *name, uint64_t *addr)
{
    const struct kmodules *ms = kernel_modules(k, NULL);
    for (size_t i = 0; ms && i < ms->n; i++) {
        const struct kmodule *m = &ms->mods[i];
        const struct kmod_sym *s = find_sym(m->object_syms, m->nobject_syms, name);
        if (!s)
            s = find_sym(m->syms, m->nsyms, name);
        if (s) {
            *addr = s->addr;
            return 0;
        }
    }
    return -1;
}

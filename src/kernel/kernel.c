/* Opening the kernel (files, paging mode, placement) and reading its virtual memory. */
#define _GNU_SOURCE
#include "kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dump/vmcoreinfo.h"
#include "../arch/i386/disasm.h"
#include "../util/u64set.h"
#include "module.h"
#include "placement.h"

/* PAE or not is a build-time choice the DWARF records: pte_t is 8 bytes under PAE. */
static int choose_paging(struct kernel *k, ks_err *err)
{
    struct ktype *pte = kdwarf_type(k->dwarf, "pte_t");
    uint64_t size = pte ? kt_size(pte) : 0;
    if (size != 4 && size != 8) {
        const char *vmci = k->dump->vmcoreinfo;
        char v[8];
        if (vmci && vmcoreinfo_value(vmci, "CONFIG_X86_PAE", v, sizeof v)) size = 8;
        else if (!pte)
            return ks_fail_kind(err, KS_E_NO_TYPE, "cannot tell PAE from non-PAE: no pte_t in the DWARF");
        else size = 4;
    }
    k->pae = size == 8;
    k->paging = k->arch->paging_for((unsigned)size);
    if (!k->paging)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "no %s paging format has %llu-byte entries", k->arch->name,
                            (unsigned long long)size);
    return 0;
}

/* Every generation difference, decided once from the vmlinux alone (features.h). */
static void resolve_features(struct kernel *k)
{
    struct features_vmlinux v = {&k->syms, k->dwarf};
    struct feature_probe p;
    features_vmlinux_probe(&v, &p);
    features_resolve(&k->features, &p);
}

int kernel_open(struct kernel *k, const struct kernel_open_opts *o, ks_err *err)
{
    memset(k, 0, sizeof *k);
    k->arch = &arch_i386;
    hm_init(&k->members);
    if (symtab_open(&k->syms, o->vmlinux, err) != 0) return KERNEL_OPEN_BAD_FILE;
    k->page_offset = k->syms.page_offset;
    if (k->page_offset < k->arch->page_offset_min || k->page_offset > k->arch->vaddr_max) {
        ks_fail_kind(err, KS_E_UNSUPPORTED, "%s: PAGE_OFFSET %#llx is no %s kernel's", o->vmlinux,
                     (unsigned long long)k->page_offset, k->arch->name);
        return KERNEL_OPEN_BAD_FILE;
    }
    k->dump = dump_open(o->dumpfile, &o->dump, err);
    if (!k->dump) return KERNEL_OPEN_BAD_FILE;
    physmem_init(&k->mem, k->dump);
    if (kdwarf_open(&k->dwarf, o->vmlinux, &k->syms, &o->dwarf, err) != 0) return KERNEL_OPEN_BAD_FILE;
    if (choose_paging(k, err) != 0) return KERNEL_OPEN_BAD_FILE;
    resolve_features(k);
    if (kernel_place(k, err) != 0) return KERNEL_OPEN_MISMATCH;
    char why[160];
    if (features_check_vmcoreinfo(&k->features, k->dump->vmcoreinfo, why, sizeof why)) {
        ks_fail_kind(err, KS_E_BAD_ARG, "vmlinux and dump do not match: %s", why);
        return KERNEL_OPEN_MISMATCH;
    }
    return KERNEL_OPEN_OK;
}

void kernel_close(struct kernel *k)
{
    for (size_t i = 0; i < k->members.cap; i++)
        if (k->members.e[i].key) free((void *)(uintptr_t)k->members.e[i].value);
    hm_free(&k->members);
    free(k->memmap.sections);
    free(k->memmap.section_index);
    free(k->memmap.ranges);
    kernel_modules_free(k);
    disasm_close(k->disasm);
    if (k->task_set)
        u64set_free(k->task_set);
    free(k->task_set);
    kdwarf_close(k->dwarf);
    if (k->dump) physmem_fini(&k->mem);
    dump_close(k->dump);
    symtab_close(&k->syms);
    memset(k, 0, sizeof *k);
}

int ksym_addr(struct kernel *k, const char *name, uint64_t *addr, ks_err *err)
{
    const struct ksym *s = symtab_lookup(&k->syms, name);
    if (!s)
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "unknown symbol: %s", name);
    *addr = s->addr + (s->type == 'a' || s->type == 'A' ? 0 : (uint64_t)k->kaslr_offset);
    return 0;
}

const struct ksym *ksym_at(struct kernel *k, uint64_t addr, uint64_t *delta)
{
    uint64_t link = addr - (uint64_t)k->kaslr_offset;
    const struct ksym *s = symtab_by_addr(&k->syms, link);
    if (s && delta) *delta = link - s->addr;
    return s;
}

/* A module's symbol: its own kallsyms table, kept in the dump. */
static bool module_sym_where(struct kernel *k, uint64_t addr, struct ksym_where *w)
{
    const struct kmod_sym *sym;
    const struct kmodule *m = module_at(k, addr, &sym);
    if (!m || !sym) return false;
    w->name = sym->name;
    w->offset = addr - sym->addr;
    w->size = sym->size;
    w->module = m->name;
    w->text = sym->type ? strchr("tTwW", sym->type) != NULL : addr < m->base + m->text_size;
    w->type = sym->type ? sym->type : w->text ? 't' : 'd';
    return true;
}

bool ksym_where(struct kernel *k, uint64_t addr, struct ksym_where *w)
{
    uint64_t delta;
    const struct ksym *s = ksym_at(k, addr, &delta);
    memset(w, 0, sizeof *w);
    if (!s) return module_sym_where(k, addr, w);
    w->name = s->name;
    w->offset = delta;
    w->size = s->size;
    w->text = s->type && strchr("tTwW", s->type) != NULL;
    w->type = s->type;
    return true;
}

void ksym_format(struct kernel *k, uint64_t addr, char *out, size_t n)
{
    struct ksym_where w;
    if (!ksym_where(k, addr, &w)) {
        snprintf(out, n, "%#llx", (unsigned long long)addr);
        return;
    }
    int len = snprintf(out, n, "%s", w.name);
    if (w.offset && len >= 0 && (size_t)len < n) len += snprintf(out + len, n - (size_t)len, "+%#llx", (unsigned long long)w.offset);
    if (w.module && len >= 0 && (size_t)len < n) snprintf(out + len, n - (size_t)len, " [%s]", w.module);
}

unsigned kpossible_cpus(struct kernel *k)
{
    struct ktype *t = kt_strip(kdwarf_var_type(k->dwarf, "__per_cpu_offset"));
    return t && t->kind == KT_ARRAY && t->count ? (unsigned)t->count : 1;
}

int kper_cpu_ptr(struct kernel *k, uint64_t addr, unsigned cpu, uint64_t *out, ks_err *err)
{
    uint64_t offs = 0, off = 0;
    /* A kernel built without SMP has no per-CPU offsets: its one copy is at the link address. */
    if (ksym_has(k, "__per_cpu_offset") &&
        (ksym_addr(k, "__per_cpu_offset", &offs, err) || kread_ulong(k, offs + (uint64_t)k->arch->word_size * cpu, &off, err)))
        return -1;
    *out = (addr + off) & arch_word_mask(k->arch);
    return 0;
}

int kvtop(struct kernel *k, uint64_t vaddr, uint64_t *paddr, ks_err *err)
{
    struct pt_walk w;
    if (pt_walk(k->paging, &k->mem, k->pgd_paddr, vaddr, &w, err) != 0) return -1;
    if (w.result != PT_MAPPED)
        return ks_fail_at(err, KS_E_NOT_MAPPED, KS_AS_KVIRT, vaddr, "kernel virtual address %#llx is not mapped (%s entry %#llx)",
                          (unsigned long long)vaddr, w.stop_level, (unsigned long long)w.leaf);
    *paddr = w.paddr;
    return 0;
}

int kread(struct kernel *k, uint64_t vaddr, void *buf, size_t len, ks_err *err)
{
    uint8_t *out = buf;
    while (len) {
        uint64_t pa;
        if (vaddr > k->arch->vaddr_max)
            return ks_fail_at(err, KS_E_BAD_ARG, KS_AS_KVIRT, vaddr, "address %#llx is beyond 4 GB of virtual space",
                              (unsigned long long)vaddr);
        if (kvtop(k, vaddr, &pa, err) != 0) return -1;
        size_t n = KS_MIN(len, KS_PAGE_SIZE - (size_t)(vaddr & (KS_PAGE_SIZE - 1)));
        if (physmem_read(&k->mem, pa, out, n, err) != 0) return -1;
        out += n; vaddr += n; len -= n;
    }
    return 0;
}

int kread_ulong(struct kernel *k, uint64_t vaddr, uint64_t *v, ks_err *err)
{
    uint8_t b[8];
    if (kread(k, vaddr, b, k->arch->word_size, err)) return -1;
    *v = arch_word(k->arch, b);
    return 0;
}

int kpt_walk(struct kernel *k, uint64_t top, uint64_t vaddr, struct pt_walk *w, ks_err *err)
{
    return pt_walk(k->paging, &k->mem, top, vaddr, w, err);
}

int kvtop_walk(struct kernel *k, uint64_t vaddr, struct pt_walk *w, ks_err *err)
{
    return kpt_walk(k, k->pgd_paddr, vaddr, w, err);
}

int kread_string(struct kernel *k, uint64_t vaddr, char *out, size_t max, ks_err *err)
{
    size_t i = 0;
    while (i + 1 < max) {
        size_t chunk = KS_MIN(max - 1 - i, KS_PAGE_SIZE - (size_t)((vaddr + i) & (KS_PAGE_SIZE - 1)));
        if (kread(k, vaddr + i, out + i, chunk, err)) return -1;
        void *nul = memchr(out + i, 0, chunk);
        if (nul) return 0;
        i += chunk;
    }
    out[i] = 0;
    return 0;
}

uint64_t kdecode_int(const uint8_t *p, size_t size, bool is_signed)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size && i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    if (is_signed && size < 8 && size && (v >> (size * 8 - 1) & 1)) v |= ~0ull << (size * 8);
    return v;
}

/* A member path looked up once: where it is, or why it is not there. */
struct member_lookup {
    struct member_ref ref;
    int status; /* 0, or -1 with why */
    ks_err why;
};

static struct member_lookup *member_resolve(struct kernel *k, const char *type, const char *path)
{
    struct member_lookup *l = xcalloc(1, sizeof *l);
    struct ktype *t = kdwarf_type(k->dwarf, type);
    if (!t)
        l->status = ks_fail_kind(&l->why, KS_E_NO_TYPE, "no type %s in the vmlinux DWARF", type);
    else
        l->status = kt_member_path(k->dwarf, t, path, &l->ref.offset, &l->ref.type, &l->ref.member, &l->why);
    return l;
}

/* "type\x01path" in key, cut to size - 1 characters as snprintf would: joined by hand, since walks
 * over every struct page ask once per member per page. */
static void member_key(char *key, size_t size, const char *type, const char *path)
{
    size_t n = 0;
    for (const char *part[] = {type, "\x01", path}, **p = part; p < part + 3; p++) {
        size_t len = strlen(*p), fits = KS_MIN(len, size - 1 - n);
        memcpy(key + n, *p, fits);
        n += fits;
    }
    key[n] = 0;
}

const struct member_ref *kmember_ref(struct kernel *k, const char *type, const char *path, ks_err *err)
{
    char key[256];
    member_key(key, sizeof key, type, path);
    uint64_t v;
    struct member_lookup *l;
    if (hm_get(&k->members, key, &v)) {
        l = (struct member_lookup *)(uintptr_t)v;
    } else {
        /* Absence is remembered too: probes for what a kernel version lacks are asked per task. */
        l = member_resolve(k, type, path);
        hm_put(&k->members, key, (uint64_t)(uintptr_t)l);
    }
    if (l->status) {
        ks_pass(err, &l->why);
        return NULL;
    }
    return &l->ref;
}

uint64_t kdecode_member(const struct member_ref *r, const uint8_t *obj)
{
    if (r->member && r->member->bit_size) return kt_bit_value(r->member, obj + r->offset);
    struct ktype *s = kt_strip(r->type);
    size_t size = (size_t)KS_MIN(kt_size(r->type), (uint64_t)8);
    return kdecode_int(obj + r->offset, size, s && s->kind == KT_BASE && s->is_signed);
}

int kmember_off(struct kernel *k, const char *type, const char *path, uint64_t *off, ks_err *err)
{
    const struct member_ref *r = kmember_ref(k, type, path, err);
    if (!r) return -1;
    *off = r->offset;
    return 0;
}

/* Read the integer at addr whose type is mt; m (if a bit-field) says which bits. */
static int read_int_at(struct kernel *k, uint64_t addr, struct ktype *mt, const struct kt_member *m, uint64_t *v, ks_err *err)
{
    uint8_t b[8] = { 0 };
    if (m && m->bit_size) {
        /* addr is the bit-field's storage unit (kt_member_path added m->offset). */
        if (kt_bit_bytes(m) > 8 || kread(k, addr, b, kt_bit_bytes(m), err)) return -1;
        *v = kt_bit_value(m, b);
        return 0;
    }
    struct ktype *s = kt_strip(mt);
    size_t size = (size_t)KS_MIN(kt_size(mt), (uint64_t)8);
    if (size == 0)
        return ks_fail_at(err, KS_E_BAD_ARG, KS_AS_KVIRT, addr, "no integer value at %#llx", (unsigned long long)addr);
    if (kread(k, addr, b, size, err)) return -1;
    *v = kdecode_int(b, size, s && s->kind == KT_BASE && s->is_signed);
    return 0;
}

int kread_member(struct kernel *k, uint64_t obj, const char *type, const char *path, uint64_t *v, ks_err *err)
{
    const struct member_ref *r = kmember_ref(k, type, path, err);
    return r ? kread_ref(k, obj, r, v, err) : -1;
}

int kread_ref(struct kernel *k, uint64_t obj, const struct member_ref *r, uint64_t *v, ks_err *err)
{
    return read_int_at(k, obj + r->offset, r->type, r->member, v, err);
}

int kvar_addr(struct kernel *k, const char *var, const char *path, uint64_t *addr, struct ktype **type, ks_err *err)
{
    struct ktype *t = kdwarf_var_type(k->dwarf, var);
    if (!t)
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no variable %s in the vmlinux DWARF", var);
    if (ksym_addr(k, var, addr, err)) return -1;
    if (!path) { if (type) *type = t; return 0; }
    uint64_t off;
    if (kt_member_path(k->dwarf, t, path, &off, type, NULL, err)) return -1;
    *addr += off;
    return 0;
}

int kvar_read_int(struct kernel *k, const char *var, const char *path, uint64_t *v, ks_err *err)
{
    struct ktype *t = kdwarf_var_type(k->dwarf, var), *mt = t;
    const struct kt_member *m = NULL;
    uint64_t addr = 0, off = 0;
    if (!t)
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no variable %s in the vmlinux DWARF", var);
    if (ksym_addr(k, var, &addr, err)) return -1;
    if (path && kt_member_path(k->dwarf, t, path, &off, &mt, &m, err)) return -1;
    return read_int_at(k, addr + off, mt, m, v, err);
}

uint64_t ktype_size(struct kernel *k, const char *type)
{
    struct ktype *t = kdwarf_type(k->dwarf, type);
    return t ? kt_size(t) : 0;
}

bool ktype_has(struct kernel *k, const char *type)
{
    return kdwarf_type(k->dwarf, type) != NULL;
}

const struct member_ref *kmember_probe(struct kernel *k, const char *type, const char *path)
{
    /* Only DWARF is consulted: the one failure there is, is absence. */
    return kmember_ref(k, type, path, NULL);
}

bool kmember_has(struct kernel *k, const char *type, const char *path)
{
    return kmember_probe(k, type, path) != NULL;
}

bool ksym_has(struct kernel *k, const char *name)
{
    return symtab_lookup(&k->syms, name) != NULL;
}

bool kvar_has(struct kernel *k, const char *var, const char *path)
{
    struct ktype *t = kdwarf_var_type(k->dwarf, var);
    uint64_t off;
    if (!t || !ksym_has(k, var))
        return false;
    return !path || kt_member_path(k->dwarf, t, path, &off, NULL, NULL, NULL) == 0;
}

int kread_member_opt(struct kernel *k, uint64_t obj, const char *type, const char *path, uint64_t *v, ks_err *err)
{
    if (!kmember_has(k, type, path))
        return 0;
    return kread_member(k, obj, type, path, v, err) ? -1 : 1;
}

int kvar_read_int_opt(struct kernel *k, const char *var, const char *path, uint64_t *v, ks_err *err)
{
    if (!kvar_has(k, var, path))
        return 0;
    return kvar_read_int(k, var, path, v, err) ? -1 : 1;
}

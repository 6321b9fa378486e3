#include "vma.h"

#include <stdio.h>
#include <string.h>

#include "../kernel/vfs.h"
#include "maple.h"

#define MAX_VMAS 10000000u

/* ---- naming a region like /proc/PID/maps ---- */

static bool is_symbol(struct kernel *k, uint64_t addr, const char *name)
{
    uint64_t a;
    return addr && ksym_has(k, name) && ksym_addr(k, name, &a, KS_MISSING_OK) == 0 && a == addr;
}

static int name_vma(struct kernel *k, uint64_t mm, struct vma_info *v, ks_err *err)
{
    v->name[0] = 0;
    if (v->file) return file_path(k, v->file, v->name, sizeof v->name, err);
    uint64_t ops, priv, brk, start_brk, start_stack;
    if (kread_member(k, v->vma, "struct vm_area_struct", "vm_ops", &ops, err)) return -1;
    if (is_symbol(k, ops, "special_mapping_vmops") || is_symbol(k, ops, "legacy_special_mapping_vmops")) {
        uint64_t name;
        if (kread_member(k, v->vma, "struct vm_area_struct", "vm_private_data", &priv, err) ||
            kread_member(k, priv, "struct vm_special_mapping", "name", &name, err))
            return -1;
        return kread_string(k, name, v->name, sizeof v->name, err);
    }
    if (kread_member(k, mm, "struct mm_struct", "brk", &brk, err) || kread_member(k, mm, "struct mm_struct", "start_brk", &start_brk, err) ||
        kread_member(k, mm, "struct mm_struct", "start_stack", &start_stack, err))
        return -1;
    if (v->start <= brk && v->end >= start_brk) snprintf(v->name, sizeof v->name, "[heap]");
    else if (v->start <= start_stack && v->end >= start_stack) snprintf(v->name, sizeof v->name, "[stack]");
    return 0;
}

static int read_vma(struct kernel *k, uint64_t mm, uint64_t vma, struct vma_info *v, ks_err *err)
{
    const char *V = "struct vm_area_struct";
    memset(v, 0, sizeof *v);
    v->vma = vma;
    if (kread_member(k, vma, V, "vm_start", &v->start, err) || kread_member(k, vma, V, "vm_end", &v->end, err) ||
        kread_member(k, vma, V, "vm_flags", &v->flags, err) || kread_member(k, vma, V, "vm_pgoff", &v->pgoff, err) ||
        kread_member(k, vma, V, "vm_file", &v->file, err))
        return -1;
    snprintf(v->perms, sizeof v->perms, "%c%c%c%c", v->flags & VM_READ ? 'r' : '-', v->flags & VM_WRITE ? 'w' : '-',
             v->flags & VM_EXEC ? 'x' : '-', v->flags & VM_MAYSHARE ? 's' : 'p');
    return name_vma(k, mm, v, err);
}

/* ---- iteration: the one place that knows maple tree from vm_next list ---- */

/* Decided once when the dump was opened (kernel/features.c: decide_vmas). */
static int vma_source(struct kernel *k, enum vma_container *src, ks_err *err)
{
    *src = k->features.vmas;
    if (*src != VMAS_UNKNOWN)
        return 0;
    return ks_fail_kind(err, KS_E_UNSUPPORTED, "struct mm_struct has neither mm_mt nor mmap: unknown kernel");
}

struct vma_walk {
    uint64_t mm, last_end;
    unsigned count;
    int (*fn)(struct kernel *, const struct vma_info *, void *);
    void *arg;
    ks_err *err;
};

static int visit_vma(struct kernel *k, uint64_t vma, void *arg)
{
    struct vma_walk *w = arg;
    struct vma_info v;
    if (++w->count > MAX_VMAS)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "more than %u VMAs: corrupt", MAX_VMAS);
    if (read_vma(k, w->mm, vma, &v, w->err)) return -1;
    if (v.start >= v.end || v.start < w->last_end)
        return ks_fail_kind(w->err, KS_E_CORRUPT, "VMA %#llx (%#llx-%#llx) is out of order or empty: corrupt",
                            (unsigned long long)vma, (unsigned long long)v.start, (unsigned long long)v.end);
    w->last_end = v.end;
    return w->fn(k, &v, w->arg);
}

int for_each_vma(struct kernel *k, uint64_t mm, int (*fn)(struct kernel *, const struct vma_info *, void *), void *arg, ks_err *err)
{
    enum vma_container src;
    struct vma_walk w = { mm, 0, 0, fn, arg, err };
    if (vma_source(k, &src, err)) return -1;
    if (src == VMAS_MAPLE_TREE) {
        uint64_t off;
        if (kmember_off(k, "struct mm_struct", "mm_mt", &off, err)) return -1;
        return mt_for_each(k, mm + off, visit_vma, &w, err);
    }
    uint64_t vma;
    if (kread_member(k, mm, "struct mm_struct", "mmap", &vma, err)) return -1;
    while (vma) {   /* visit_vma bounds the count and demands ascending order, so a cycle ends */
        int r = visit_vma(k, vma, &w);
        if (r) return r < 0 ? -1 : 0;
        if (kread_member(k, vma, "struct vm_area_struct", "vm_next", &vma, err)) return -1;
    }
    return 0;
}

struct vma_find {
    uint64_t addr;
    struct vma_info *out;
    bool found;
};

static int match_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct vma_find *f = arg;
    (void)k;
    if (f->addr < v->start) return 1;     /* passed it: regions are in order */
    if (f->addr >= v->end) return 0;
    *f->out = *v;
    f->found = true;
    return 1;
}

int find_vma(struct kernel *k, uint64_t mm, uint64_t addr, struct vma_info *out, ks_err *err)
{
    enum vma_container src;
    if (vma_source(k, &src, err)) return -1;
    if (src == VMAS_MAPLE_TREE) {   /* one descent instead of a walk */
        uint64_t off, vma;
        if (kmember_off(k, "struct mm_struct", "mm_mt", &off, err) || mt_load(k, mm + off, addr, &vma, err)) return -1;
        if (!vma) return 0;
        if (read_vma(k, mm, vma, out, err)) return -1;
        return addr >= out->start && addr < out->end ? 1 : 0;
    }
    struct vma_find f = { addr, out, false };
    if (for_each_vma(k, mm, match_vma, &f, err)) return -1;
    return f.found ? 1 : 0;
}

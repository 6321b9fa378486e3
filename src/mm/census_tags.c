/* The census's walks: frames struct page alone does not explain, found from their owners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/klist.h"
#include "../kernel/stacks.h"
#include "../kernel/vfs.h"
#include "../util/hashmap.h"
#include "../util/u64set.h"
#include "census.h"
#include "page.h"
#include "task.h"

#define MAX_LIST 10000000u

/* The page-cache pass asks for an owner per file frame: the index keeps that O(1) per frame. */
struct census_owner *census_owner(struct census_owners *o, uint64_t id)
{
    char key[24];
    uint64_t at;
    snprintf(key, sizeof key, "%llx", (unsigned long long)id);
    if (hm_get(&o->index, key, &at))
        return &o->v[at];
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->v = xrealloc(o->v, o->cap * sizeof *o->v);
    }
    hm_put(&o->index, key, o->n);
    struct census_owner *w = &o->v[o->n++];
    memset(w, 0, sizeof *w);
    w->id = id;
    return w;
}

void census_owner_name(struct census_owner *o, const char *name)
{
    free(o->name);
    o->name = xstrdup(name);
}

void census_owner_unreadable(struct census_owner *o, const ks_err *e)
{
    free(o->error);
    o->error = xmalloc(sizeof *o->error);
    *o->error = *e;
}

void census_owners_free(struct census_owners *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].name);
        free(o->v[i].error);
    }
    free(o->v);
    hm_free(&o->index);
    memset(o, 0, sizeof *o);
}

int census_tag_frame(struct census *c, uint64_t pfn, enum census_tag tag)
{
    if (pfn >= c->frames || c->tag[pfn] != TAG_NONE)
        return 0;
    c->tag[pfn] = (uint8_t)tag;
    return 1;
}

static int tag_page_struct(struct kernel *k, struct census *c, uint64_t page, enum census_tag tag, int *added, ks_err *err)
{
    uint64_t pfn;
    if (page_to_pfn(k, page, &pfn, err))
        return -1;
    *added = census_tag_frame(c, pfn, tag);
    return 0;
}

/* ---- per-CPU free lists ---- */

struct pcp_walk {
    struct census *c;
    unsigned order; /* of the blocks on the list being walked */
    ks_err *err;
};

static int pcp_page(struct kernel *k, uint64_t page, void *arg)
{
    struct pcp_walk *w = arg;
    uint64_t pfn;
    if (page_to_pfn(k, page, &pfn, w->err))
        return -1;
    for (uint64_t i = 0; i < 1ull << w->order; i++)
        census_tag_frame(w->c, pfn + i, TAG_PCP);
    return 0;
}

/*
 * The order of the blocks on per_cpu_pages.lists[i]. Up to 5.13 there are MIGRATE_PCPTYPES lists,
 * all of order 0; from 5.14 the lists are indexed order * MIGRATE_PCPTYPES + migratetype for orders
 * 0..PAGE_ALLOC_COSTLY_ORDER, then (with THP) one list of pageblock-order blocks: the number of
 * lists says which (12 = 3 types x 4 orders, 13 with the THP list).
 */
static int pcp_list_order(struct kernel *k, unsigned nlists, unsigned i, unsigned *order, ks_err *err)
{
    int64_t types;
    if (!kdwarf_enumerator(k->dwarf, "MIGRATE_PCPTYPES", &types) || types <= 0)
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no enumerator MIGRATE_PCPTYPES in the DWARF");
    unsigned small_lists = nlists - nlists % (unsigned)types; /* the rest: the THP list */
    if (i < small_lists) {
        *order = i / (unsigned)types;
        return 0;
    }
    *order = k->paging->levels[1].shift - KS_PAGE_SHIFT; /* HPAGE_PMD_ORDER */
    return 0;
}

/* A CPU's struct per_cpu_pages of a zone: zone->per_cpu_pageset (5.14+), or the pcp inside
 * zone->pageset's struct per_cpu_pageset before. */
static int zone_pcp(struct kernel *k, uint64_t zone, unsigned cpu, uint64_t *pcp, ks_err *err)
{
    uint64_t percpu, off;
    if (kmember_has(k, "struct zone", "per_cpu_pageset")) {
        if (kread_member(k, zone, "struct zone", "per_cpu_pageset", &percpu, err))
            return -1;
        return kper_cpu_ptr(k, percpu, cpu, pcp, err);
    }
    if (kread_member(k, zone, "struct zone", "pageset", &percpu, err) || kper_cpu_ptr(k, percpu, cpu, pcp, err) ||
        kmember_off(k, "struct per_cpu_pageset", "pcp", &off, err))
        return -1;
    *pcp += off;
    return 0;
}

static int tag_pcp_zone(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct pcp_walk *w = arg;
    const char *link = kmember_has(k, "struct page", "pcp_list") ? "pcp_list" : "lru"; /* pcp_list: 5.19+ */
    uint64_t link_off, lists_off, head_size = ktype_size(k, "struct list_head");
    struct ktype *lists = NULL;
    if (kmember_off(k, "struct page", link, &link_off, w->err) ||
        kmember_off(k, "struct per_cpu_pages", "lists", &lists_off, w->err))
        return -1;
    const struct member_ref *r = kmember_ref(k, "struct per_cpu_pages", "lists", w->err);
    if (!r)
        return -1;
    lists = kt_strip(r->type);
    unsigned nlists = lists ? (unsigned)lists->count : 0;
    for (unsigned cpu = 0; z->present && cpu < kpossible_cpus(k); cpu++) {
        uint64_t pcp;
        if (zone_pcp(k, z->zone, cpu, &pcp, w->err))
            return -1;
        for (unsigned i = 0; i < nlists; i++)
            if (pcp_list_order(k, nlists, i, &w->order, w->err) ||
                klist_for_each(k, pcp + lists_off + i * head_size, link_off, MAX_LIST, "per-CPU free list", pcp_page, w, w->err) <
                    0)
                return -1;
    }
    return 0;
}

int census_tag_pcp(struct kernel *k, struct census *c, ks_err *err)
{
    struct pcp_walk w = {.c = c, .err = err};
    return for_each_zone(k, tag_pcp_zone, &w, err);
}

/* ---- page tables ---- */

/* Whether the frame's struct page has PG_reserved: the pass classes such a frame by it, first. */
static int frame_reserved(struct kernel *k, uint64_t pfn, bool *reserved, ks_err *err)
{
    uint64_t page;
    struct page_info pi;
    int64_t bit;
    if (!kdwarf_enumerator(k->dwarf, "PG_reserved", &bit))
        return ks_fail_kind(err, KS_E_NO_SYMBOL, "no enumerator PG_reserved in the DWARF");
    if (pfn_to_page(k, pfn, &page, err) || page_info_read(k, page, &pi, err))
        return -1;
    *reserved = pi.flags >> bit & 1;
    return 0;
}

struct pt_tag_walk {
    struct census *c;
    struct u64set mms;
    uint64_t init_mm; /* the kernel's own mm: walked as kernel_tables() */
    ks_err *err;
};

/* Each PMD and PTE table a walk of each PMD-sized step of [from, to) reaches. */
static uint64_t range_tables(struct kernel *k, struct census *c, uint64_t pgd_paddr, uint64_t from, uint64_t to)
{
    const struct pt_format *f = k->paging;
    uint64_t step = 1ull << f->levels[1].shift, added = 0;
    for (uint64_t va = from; va < to; va += step) {
        struct pt_walk w;
        if (pt_walk(f, &k->mem, pgd_paddr, va, &w, NULL))
            continue; /* a table the dump does not hold: nothing to tag */
        for (unsigned i = 1; i < w.nsteps; i++)
            if (!w.steps[i].folded)
                added += (uint64_t)census_tag_frame(c, w.steps[i].entry_paddr >> KS_PAGE_SHIFT, TAG_PAGETABLE);
    }
    return added;
}

/* Every table under the user part of an mm: the PGD page and what range_tables() finds (the
 * kernel part is init_mm's, shared by all). */
static uint64_t mm_tables(struct kernel *k, struct census *c, uint64_t pgd_paddr)
{
    uint64_t added = (uint64_t)census_tag_frame(c, pgd_paddr >> KS_PAGE_SHIFT, TAG_PAGETABLE);
    return added + range_tables(k, c, pgd_paddr, 0, k->page_offset);
}

/*
 * init_mm's kernel half: the PTE (and PAE PMD) tables under swapper_pg_dir from PAGE_OFFSET up —
 * those pte_alloc_kernel() took from the page allocator for vmalloc, ioremap and the fixmap carry
 * no mark and are no NR_PAGETABLE pages. Frames the pass classes by PG_reserved (boot-time tables:
 * the image's brk, memblock) are left to it, so that the owner counts only what is classed here.
 */
static int kernel_tables(struct kernel *k, struct census *c, ks_err *err)
{
    uint64_t pgd, pgd_pa, init_mm;
    if (ksym_addr(k, "swapper_pg_dir", &pgd, err) || kvtop(k, pgd, &pgd_pa, err) || ksym_addr(k, "init_mm", &init_mm, err))
        return -1;
    struct census *scratch = xcalloc(1, sizeof *scratch);
    scratch->frames = c->frames;
    scratch->tag = xcalloc(c->frames ? c->frames : 1, 1);
    range_tables(k, scratch, pgd_pa, k->page_offset, 1ull << 32);
    struct census_owner *o = census_owner(&c->pagetables, init_mm);
    census_owner_name(o, "init_mm (kernel)");
    int rc = 0;
    for (uint64_t pfn = 0; !rc && pfn < c->frames; pfn++) {
        bool reserved = false;
        if (scratch->tag[pfn] != TAG_PAGETABLE || (rc = frame_reserved(k, pfn, &reserved, err)) || reserved)
            continue;
        o->pages += (uint64_t)census_tag_frame(c, pfn, TAG_PAGETABLE);
    }
    free(scratch->tag);
    free(scratch);
    return rc;
}

/* An mm's tables, listed under the task (name: its comm, and the suffix) that led to it. */
static int tag_mm_tables(struct kernel *k, struct pt_tag_walk *w, uint64_t mm, const struct task_info *ti, const char *suffix)
{
    uint64_t pgd;
    if (!mm || mm == w->init_mm || u64set_has(&w->mms, mm))
        return 0;
    u64set_add(&w->mms, mm);
    if (mm_pgd_paddr(k, mm, &pgd, w->err))
        return -1;
    struct census_owner *o = census_owner(&w->c->pagetables, mm);
    o->pid = ti->pid;
    char name[sizeof ti->comm + 32];
    snprintf(name, sizeof name, "%s%s", ti->comm, suffix);
    census_owner_name(o, name);
    o->pages += mm_tables(k, w->c, pgd);
    return 0;
}

static int tag_task_tables(struct kernel *k, const struct task_info *ti, void *arg)
{
    return tag_mm_tables(k, arg, ti->mm, ti, "");
}

/* A kernel thread or idle task runs on the mm it found loaded (lazy TLB): task->active_mm holds
 * it, with its page directory, after the process that owned it has exited. Walked after every
 * task's own mm, so that an mm still in use is listed under its user. */
static int tag_lazy_tables(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct pt_tag_walk *w = arg;
    uint64_t active;
    if (ti->mm)
        return 0;
    if (kread_member(k, ti->task, "struct task_struct", "active_mm", &active, w->err))
        return -1;
    return tag_mm_tables(k, w, active, ti, " (lazy active_mm)");
}

/* An address space no task uses: x86's poking_mm (text_poke() maps the kernel text it patches
 * there), where this kernel has one. */
static int taskless_mm_tables(struct kernel *k, struct pt_tag_walk *w)
{
    uint64_t mm = 0, pgd;
    int got = kvar_read_int_opt(k, "poking_mm", NULL, &mm, w->err);
    if (got <= 0 || !mm || u64set_has(&w->mms, mm))
        return got < 0 ? -1 : 0;
    u64set_add(&w->mms, mm);
    if (mm_pgd_paddr(k, mm, &pgd, w->err))
        return -1;
    struct census_owner *o = census_owner(&w->c->pagetables, mm);
    census_owner_name(o, "poking_mm");
    o->pages += mm_tables(k, w->c, pgd);
    return 0;
}

int census_tag_pagetables(struct kernel *k, struct census *c, ks_err *err)
{
    struct pt_tag_walk w = {.c = c, .err = err};
    u64set_init(&w.mms);
    int rc = ksym_addr(k, "init_mm", &w.init_mm, err) || for_each_task(k, tag_task_tables, &w, err) ||
                     for_each_task(k, tag_lazy_tables, &w, err) || taskless_mm_tables(k, &w)
                 ? -1
                 : 0;
    u64set_free(&w.mms);
    return rc ? rc : kernel_tables(k, c, err);
}

/* ---- kernel stacks ---- */

static bool in_kernel_image(const struct census *c, uint64_t pfn)
{
    return pfn >= c->image_start && pfn < c->image_end;
}

struct stack_walk {
    struct census *c;
    uint64_t stack_pages;
    ks_err *err;
};

/* Tag the frames of a stack's pages; returns how many were newly tagged. */
static uint64_t tag_stack_pages(struct kernel *k, struct stack_walk *w, uint64_t stack, uint64_t pages)
{
    uint64_t pa, added = 0;
    for (uint64_t i = 0; stack && i < pages; i++) {
        if (kvtop(k, stack + i * KS_PAGE_SIZE, &pa, NULL))
            continue; /* a stack the page tables do not map has no frame to tag */
        if (in_kernel_image(w->c, pa >> KS_PAGE_SHIFT))
            continue; /* swapper/0's init_thread_union: not in NR_KERNEL_STACK_KB, classed as image */
        added += (uint64_t)census_tag_frame(w->c, pa >> KS_PAGE_SHIFT, TAG_STACK);
    }
    return added;
}

static int tag_task_stack(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct stack_walk *w = arg;
    uint64_t stack;
    if (kread_member(k, ti->task, "struct task_struct", "stack", &stack, w->err))
        return -1;
    uint64_t added = tag_stack_pages(k, w, stack, w->stack_pages);
    if (added) {
        struct census_owner *o = census_owner(&w->c->stacks, ti->task);
        o->pid = ti->pid;
        census_owner_name(o, ti->comm);
        o->pages += added;
    }
    return 0;
}

/* Each CPU's hard and soft IRQ stacks (struct irq_stack, THREAD_SIZE, taken from the page
 * allocator when the CPU comes up): no task's, and not in NR_KERNEL_STACK_KB. Listed by the
 * stack's address, named by its kind and CPU. */
static int tag_irq_stacks(struct kernel *k, struct stack_walk *w)
{
    uint64_t init_task;
    if (ksym_addr(k, "init_task", &init_task, w->err))
        return -1;
    for (unsigned cpu = 0; cpu < kpossible_cpus(k); cpu++) {
        struct task_stacks ts;
        if (task_stacks(k, init_task, cpu, &ts, w->err))
            return -1;
        for (unsigned i = 1; i < ts.n; i++) {
            uint64_t added = tag_stack_pages(k, w, ts.s[i].begin, (ts.s[i].end - ts.s[i].begin) / KS_PAGE_SIZE);
            if (!added)
                continue;
            struct census_owner *o = census_owner(&w->c->stacks, ts.s[i].begin);
            char name[64];
            snprintf(name, sizeof name, "%s stack CPU%u", stack_type_name(ts.s[i].type), cpu);
            census_owner_name(o, name);
            o->pages += added;
        }
    }
    return 0;
}

int census_tag_stacks(struct kernel *k, struct census *c, ks_err *err)
{
    /* THREAD_SIZE: union thread_union is the stack */
    uint64_t size = ktype_size(k, "union thread_union");
    if (!size)
        return ks_fail_kind(err, KS_E_NO_TYPE, "no union thread_union in the DWARF: THREAD_SIZE unknown");
    struct stack_walk w = {c, (size + KS_PAGE_SIZE - 1) / KS_PAGE_SIZE, err};
    return for_each_task(k, tag_task_stack, &w, err) || tag_irq_stacks(k, &w) ? -1 : 0;
}

/* ---- vmalloc ---- */

struct vmalloc_walk {
    struct census *c;
    ks_err *err;
};

static int tag_vm_area(struct kernel *k, uint64_t va, void *arg)
{
    struct vmalloc_walk *w = arg;
    uint64_t vm, pages, nr;
    if (kread_member(k, va, "struct vmap_area", "vm", &vm, w->err))
        return -1;
    if (!vm)
        return 0; /* vm_map_ram() areas have no vm_struct */
    if (kread_member(k, vm, "struct vm_struct", "pages", &pages, w->err) ||
        kread_member(k, vm, "struct vm_struct", "nr_pages", &nr, w->err))
        return -1;
    if (nr > w->c->frames)
        return ks_fail_at(w->err, KS_E_CORRUPT, KS_AS_KVIRT, vm, "vm_struct %#llx has %llu pages: more than RAM",
                          (unsigned long long)vm, (unsigned long long)nr);
    for (uint64_t i = 0; pages && i < nr; i++) {
        uint64_t page;
        int added;
        if (kread_ulong(k, pages + i * 4, &page, w->err)) /* struct page *: 4 bytes on i386 */
            return -1;
        if (page && tag_page_struct(k, w->c, page, TAG_VMALLOC, &added, w->err))
            return -1;
    }
    return 0;
}

int census_tag_vmalloc(struct kernel *k, struct census *c, ks_err *err)
{
    uint64_t head, link_off;
    struct vmalloc_walk w = {c, err};
    if (ksym_addr(k, "vmap_area_list", &head, err) || kmember_off(k, "struct vmap_area", "list", &link_off, err))
        return -1;
    return klist_for_each(k, head, link_off, MAX_LIST, "vmap_area_list", tag_vm_area, &w, err) < 0 ? -1 : 0;
}

/* ---- the per-CPU lists' own counts ---- */

struct pcp_count {
    uint64_t pages;
    ks_err *err;
};

static int count_zone_pcp(struct kernel *k, const struct zone_info *z, void *arg)
{
    struct pcp_count *w = arg;
    for (unsigned cpu = 0; z->present && cpu < kpossible_cpus(k); cpu++) {
        uint64_t pcp, count;
        if (zone_pcp(k, z->zone, cpu, &pcp, w->err) || kread_member(k, pcp, "struct per_cpu_pages", "count", &count, w->err))
            return -1;
        w->pages += (int32_t)count > 0 ? count : 0;
    }
    return 0;
}

int census_pcp_count(struct kernel *k, uint64_t *pages, ks_err *err)
{
    struct pcp_count w = {0, err};
    if (for_each_zone(k, count_zone_pcp, &w, err))
        return -1;
    *pages = w.pages;
    return 0;
}

/* ---- page cache owners: the file behind an address_space ---- */

/* "FSTYPE:/path/in/that/filesystem" for the inode owning a page-cache mapping: its first dentry
 * alias's path inside its file system (no mount is known from a page), as vfs's dentry_path_raw()
 * gives it, " (deleted)" included; "FSTYPE:inode N" when the inode has no dentry. */
int census_file_name(struct kernel *k, uint64_t mapping, char *out, size_t outsz, ks_err *err)
{
    uint64_t inode, ino, sb, type, type_name, first, alias_off;
    char fs[32] = "", path[VFS_PATH_MAX] = "";
    if (kread_member(k, mapping, "struct address_space", "host", &inode, err) ||
        kread_member(k, inode, "struct inode", "i_ino", &ino, err) || kread_member(k, inode, "struct inode", "i_sb", &sb, err) ||
        kread_member(k, sb, "struct super_block", "s_type", &type, err) ||
        kread_member(k, type, "struct file_system_type", "name", &type_name, err) ||
        kread_string(k, type_name, fs, sizeof fs, err) || kread_member(k, inode, "struct inode", "i_dentry.first", &first, err) ||
        kmember_off(k, "struct dentry", "d_u.d_alias", &alias_off, err))
        return -1;
    if (!first) {
        snprintf(out, outsz, "%s:inode %llu", fs, (unsigned long long)ino);
        return 0;
    }
    if (dentry_path_raw(k, first - alias_off, path, sizeof path, err))
        return -1;
    snprintf(out, outsz, "%s:%s", fs, path);
    return 0;
}

/* Memory search over one address space (see search.h). */
#include "search.h"

#include <stdlib.h>
#include <string.h>

#include "../mm/task.h"
#include "../util/interrupt.h"
#include "../mm/vma.h"

#define MAX_STRING 256

struct scan {
    struct kernel *k;
    const struct search_req *r;
    const struct search_sink *sink;
    size_t matches;
    bool stopped;
    /* Strings may run from one page into the next: the tail of the page before, when contiguous. */
    uint8_t window[MAX_STRING + KS_PAGE_SIZE];
    size_t carry;
    uint64_t carry_paddr;            /* physical address of the carried bytes */
    uint64_t next_addr;              /* the address right after the page carried from */
    size_t longest;                  /* the longest string searched */
    size_t lens[SEARCH_MAX_TARGETS]; /* each string's length, measured once */
    uint8_t page[KS_PAGE_SIZE];
};

static int report(struct scan *sc, uint64_t addr, uint64_t paddr, uint64_t value, int target, ks_err *err)
{
    /* Pages are read whole; the range may start or end inside one. */
    if (addr < sc->r->start || addr >= sc->r->end)
        return 0;
    if (sc->matches++ == SEARCH_MAX_MATCHES)
        return ks_fail(err, "more than %d matches: narrow the range (-s/-e) or the value (-m)", SEARCH_MAX_MATCHES);
    struct search_match m = {.addr = addr, .paddr = paddr, .value = value, .target = target};
    if (sc->sink->match(&m, sc->sink->arg))
        sc->stopped = true;
    return 0;
}

/* A little-endian value of 2, 4 or 8 bytes (check_request allows no other width). */
static inline uint64_t read_value(const uint8_t *p, unsigned width)
{
    return width == 8 ? le64(p) : width == 4 ? le32(p) : le16(p);
}

/* Does any value of the page equal want outside the mask? One tight pass per width, no exit and no
 * report inside (the compiler can vectorise it): almost no page holds a match, and the few that do
 * are then scanned value by value. */
static bool page_has_value(const uint8_t *page, unsigned width, uint64_t want, uint64_t keep)
{
    unsigned hits = 0;
    if (width == 8)
        for (unsigned off = 0; off < KS_PAGE_SIZE; off += 8)
            hits |= ((le64(page + off) ^ want) & keep) == 0;
    else if (width == 4)
        for (unsigned off = 0; off < KS_PAGE_SIZE; off += 4)
            hits |= ((le32(page + off) ^ want) & keep) == 0;
    else
        for (unsigned off = 0; off < KS_PAGE_SIZE; off += 2)
            hits |= ((le16(page + off) ^ want) & keep) == 0;
    return hits != 0;
}

static int scan_values(struct scan *sc, uint64_t addr, uint64_t paddr, ks_err *err)
{
    const struct search_req *r = sc->r;
    const uint64_t keep = ~r->mask;
    bool any = false;
    for (size_t t = 0; t < r->nvalues && !any; t++)
        any = page_has_value(sc->page, r->width, r->values[t], keep);
    for (unsigned off = 0; any && off + r->width <= KS_PAGE_SIZE && !sc->stopped; off += r->width) {
        uint64_t v = read_value(sc->page + off, r->width);
        for (size_t t = 0; t < r->nvalues; t++)
            if (((v ^ r->values[t]) & keep) == 0 && report(sc, addr + off, paddr + off, v, (int)t, err))
                return -1;
    }
    return 0;
}

/* A match is reported in the page where it ends, so one crossing a page boundary is seen once. */
static int scan_strings(struct scan *sc, uint64_t addr, uint64_t paddr, ks_err *err)
{
    if (addr != sc->next_addr)
        sc->carry = 0;
    memcpy(sc->window + sc->carry, sc->page, KS_PAGE_SIZE);
    size_t n = sc->carry + KS_PAGE_SIZE;
    for (size_t i = 0; i < n && !sc->stopped; i++) {
        for (size_t t = 0; t < sc->r->nstrings; t++) {
            size_t len = sc->lens[t];
            const char *want = sc->r->strings[t];
            if (sc->window[i] != (uint8_t)want[0] || i + len > n || i + len <= sc->carry || memcmp(sc->window + i, want, len))
                continue;
            uint64_t at = i < sc->carry ? sc->carry_paddr + i : paddr + (i - sc->carry);
            if (report(sc, addr - sc->carry + i, at, 0, (int)t, err))
                return -1;
        }
    }
    size_t keep = sc->longest > 1 ? sc->longest - 1 : 0;
    memmove(sc->window, sc->window + n - keep, keep);
    sc->carry = keep;
    sc->carry_paddr = paddr + KS_PAGE_SIZE - keep;
    sc->next_addr = addr + KS_PAGE_SIZE;
    return 0;
}

/* The frame's bytes, if the dump has them: 1 scanned, 0 absent, -1 error. */
static int scan_frame(struct scan *sc, uint64_t addr, uint64_t pfn, ks_err *err)
{
    ks_err why;
    int st = dump_read_page(sc->k->dump, pfn, sc->page, &why);
    if (st == DUMP_PAGE_ABSENT)
        return 0;
    if (st == DUMP_PAGE_ERROR)
        return ks_fail(err, "frame %#llx: %s", (unsigned long long)pfn, why.msg);
    uint64_t paddr = pfn << KS_PAGE_SHIFT;
    int rc = sc->r->nstrings ? scan_strings(sc, addr, paddr, err) : scan_values(sc, addr, paddr, err);
    return rc ? -1 : 1;
}

static void progress(struct scan *sc, uint64_t done, uint64_t total)
{
    if (sc->sink->progress && total)
        sc->sink->progress((unsigned)(done / (total / 1000 + 1)), sc->sink->arg);
}

/* Where the walk can go on after a translation that stopped at an absent entry: the end of the
 * region that entry would have mapped. */
static uint64_t skip_unmapped(const struct pt_format *f, const struct pt_walk *w, uint64_t addr)
{
    unsigned shift = KS_PAGE_SHIFT;
    for (unsigned i = 0; i < f->nlevels; i++)
        if (w->stop_level && !strcmp(f->levels[i].name, w->stop_level) && f->levels[i].bits)
            shift = f->levels[i].shift;
    return (addr | ((1ull << shift) - 1)) + 1;
}

/* Virtual [lo, hi) through the page tables at `top`. */
static int scan_virtual(struct scan *sc, uint64_t top, uint64_t lo, uint64_t hi, uint64_t total, uint64_t *done, ks_err *err)
{
    uint64_t addr = lo & ~(uint64_t)(KS_PAGE_SIZE - 1);
    while (addr < hi && !sc->stopped) {
        if (ks_interrupted())
            return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
        struct pt_walk w;
        ks_err why;
        uint64_t next = addr + KS_PAGE_SIZE;
        if (kpt_walk(sc->k, top, addr, &w, &why) == 0) {
            if (w.result == PT_MAPPED && scan_frame(sc, addr, w.paddr >> KS_PAGE_SHIFT, err) < 0)
                return -1;
            if (w.result == PT_NOT_PRESENT)
                next = skip_unmapped(sc->k->paging, &w, addr);
        }
        *done += KS_MIN(next, hi) - addr;
        progress(sc, *done, total);
        addr = next;
    }
    return 0;
}

struct user_ctx {
    struct scan *sc;
    uint64_t top, total, done;
    ks_err *err;
};

static int scan_vma(struct kernel *k, const struct vma_info *v, void *arg)
{
    struct user_ctx *u = arg;
    (void)k;
    uint64_t lo = KS_MAX(v->start, u->sc->r->start), hi = KS_MIN(v->end, u->sc->r->end);
    if (lo >= hi)
        return 0;
    if (scan_virtual(u->sc, u->top, lo, hi, u->total, &u->done, u->err))
        return -1;
    return u->sc->stopped;
}

static int scan_physical(struct scan *sc, ks_err *err)
{
    uint64_t first = sc->r->start >> KS_PAGE_SHIFT;
    uint64_t last = KS_MIN((sc->r->end + KS_PAGE_SIZE - 1) >> KS_PAGE_SHIFT, sc->k->dump->max_pfn);
    for (uint64_t pfn = first; pfn < last && !sc->stopped; pfn++) {
        if (ks_interrupted())
            return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
        if (scan_frame(sc, pfn << KS_PAGE_SHIFT, pfn, err) < 0)
            return -1;
        progress(sc, pfn - first, last - first);
    }
    return 0;
}

static int check_request(const struct search_req *r, size_t *longest, ks_err *err)
{
    if (r->start >= r->end)
        return ks_fail(err, "empty range: start %#llx is not below end %#llx", (unsigned long long)r->start,
                       (unsigned long long)r->end);
    if (!r->nvalues && !r->nstrings)
        return ks_fail(err, "nothing to search for");
    if (r->width != 2 && r->width != 4 && r->width != 8)
        return ks_fail(err, "a value is 2, 4 or 8 bytes, not %u", r->width);
    *longest = 0;
    for (size_t t = 0; t < r->nstrings; t++) {
        size_t len = strlen(r->strings[t]);
        if (!len || len > MAX_STRING)
            return ks_fail(err, "a string to search for has 1 to %d characters", MAX_STRING);
        *longest = KS_MAX(*longest, len);
    }
    return 0;
}

int memory_search(struct kernel *k, const struct search_req *r, const struct search_sink *sink, ks_err *err)
{
    struct scan *sc = xcalloc(1, sizeof *sc);
    sc->k = k;
    sc->r = r;
    sc->sink = sink;
    sc->next_addr = UINT64_MAX;
    int rc = check_request(r, &sc->longest, err);
    for (size_t t = 0; t < r->nstrings; t++)
        sc->lens[t] = strlen(r->strings[t]);
    uint64_t done = 0;
    if (!rc && r->space == SEARCH_PHYSICAL)
        rc = scan_physical(sc, err);
    else if (!rc && r->space == SEARCH_KERNEL)
        rc = scan_virtual(sc, k->pgd_paddr, r->start, r->end, r->end - r->start, &done, err);
    else if (!rc) {
        struct user_ctx u = {.sc = sc, .total = r->end - r->start, .err = err};
        rc = mm_pgd_paddr(k, r->mm, &u.top, err);
        if (!rc)
            rc = for_each_vma(k, r->mm, scan_vma, &u, err) < 0 ? -1 : 0;
    }
    free(sc);
    return rc;
}

/*
 * kmem -t: pages counted by their /proc/kpageflags word (mm/pagetypes.c), as the kernel's
 * tools/mm/page-types lists them: each distinct word, its KPF names, how many frames carry it and
 * the sum of their /proc/kpagecount values. Every frame from 0 to max_pfn is read once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/pagetypes.h"
#include "kmem.h"

#define TYPES_SLOTS 4096 /* distinct words seen on a real machine: a few hundred at most */

struct kpf_count {
    uint64_t kpf, pages, mapcount;
    bool used;
};

struct kpf_histogram {
    struct kpf_count slot[TYPES_SLOTS];
    size_t n;
};

static int histogram_add(struct kpf_histogram *h, uint64_t kpf, uint64_t mapcount, ks_err *err)
{
    size_t i = (size_t)((kpf * 0x9E3779B97F4A7C15ull) >> 52) & (TYPES_SLOTS - 1);
    while (h->slot[i].used && h->slot[i].kpf != kpf)
        i = (i + 1) & (TYPES_SLOTS - 1);
    if (!h->slot[i].used) {
        if (h->n + 1 >= TYPES_SLOTS)
            return ks_fail_kind(err, KS_E_CORRUPT, "more than %d distinct page flag words", TYPES_SLOTS - 1);
        h->slot[i] = (struct kpf_count){.kpf = kpf, .used = true};
        h->n++;
    }
    h->slot[i].pages++;
    h->slot[i].mapcount += mapcount;
    return 0;
}

static int by_word(const void *a, const void *b)
{
    const struct kpf_count *x = a, *y = b;
    return x->kpf < y->kpf ? -1 : x->kpf > y->kpf;
}

/* "BUDDY|MMAP" for the output model's flags cell. */
static void kpf_names_text(uint64_t kpf, char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(kpf >> bit & 1))
            continue;
        const char *name = kpf_name(bit);
        char unnamed[16];
        if (!name) {
            snprintf(unnamed, sizeof unnamed, "BIT%u", bit);
            name = unnamed;
        }
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", used ? "|" : "", name);
    }
}

static const struct column types_cols[] = {
    COL_S("               KPF", "kpf", 0, 18),
    COL_U("      PAGES", "pages", 1, 10),
    COL_U("   MAPCOUNT", "mapcount", 1, 10),
    COL_FLAGS("  NAMES", "names", 2, 0),
};

static void show_histogram(struct session *s, struct kpf_histogram *h, uint64_t frames)
{
    struct kpf_count *rows = xcalloc(h->n ? h->n : 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < TYPES_SLOTS; i++)
        if (h->slot[i].used)
            rows[n++] = h->slot[i];
    qsort(rows, n, sizeof *rows, by_word);
    struct table t;
    table_begin(s, &t, "flags", types_cols);
    for (size_t i = 0; i < n; i++) {
        char word[24], names[512];
        snprintf(word, sizeof word, "0x%016" PRIx64, rows[i].kpf);
        kpf_names_text(rows[i].kpf, names, sizeof names);
        row_begin(&t);
        put_s(&t, "kpf", word);
        put_u(&t, "pages", rows[i].pages);
        put_u(&t, "mapcount", rows[i].mapcount);
        put_s(&t, "names", names[0] ? names : "(none)");
        row_end(&t);
    }
    table_text(&t, "%18s %10" PRIu64 "  frames 0 to max_pfn\n", "TOTAL", frames);
    table_end(&t, 0);
    free(rows);
}

int kmem_types(struct session *s, const char *cmd)
{
    struct pagetypes *pt = xcalloc(1, sizeof *pt);
    struct kpf_histogram *h = xcalloc(1, sizeof *h);
    ks_err err;
    int rc = pagetypes_init(&s->k, pt, &err);
    for (uint64_t pfn = 0; !rc && pfn < pt->max_dump_pfn; pfn++) {
        struct frame_info fi;
        rc = pagetypes_frame(pt, pfn, &fi, &err);
        if (!rc)
            rc = histogram_add(h, fi.kpf, fi.kpagecount, &err);
    }
    if (!rc)
        show_histogram(s, h, pt->max_dump_pfn);
    free(pt);
    free(h);
    return rc ? cmd_fail_err(s, cmd, &err) : 0;
}

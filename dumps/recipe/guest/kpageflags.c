/*
 * kpageflags: a histogram of the kernel's page flags, read as root from /proc/kpageflags and
 * /proc/kpagecount (one 64-bit word per pfn each). The raw files are 2 MB for a 256 MB guest, too
 * large to commit; this prints one line per distinct flags word, sorted by the word:
 *
 *   # kpf pages mapcount_sum
 *   0x%016llx PAGES MAPCOUNT_SUM
 *
 * PAGES is how many pfns have exactly that word, MAPCOUNT_SUM the sum of their kpagecount.
 */
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK 4096 /* pfns per read */

struct bucket {
    uint64_t flags;
    uint64_t pages;
    uint64_t mapcount_sum;
};

struct histogram {
    struct bucket *buckets;
    size_t used;
    size_t size;
};

static struct bucket *bucket_of(struct histogram *h, uint64_t flags)
{
    for (size_t i = 0; i < h->used; i++)
        if (h->buckets[i].flags == flags)
            return &h->buckets[i];
    if (h->used == h->size) {
        h->size = h->size ? h->size * 2 : 256;
        h->buckets = realloc(h->buckets, h->size * sizeof *h->buckets);
        if (!h->buckets) {
            perror("realloc");
            exit(1);
        }
    }
    struct bucket *b = &h->buckets[h->used++];
    b->flags = flags;
    b->pages = 0;
    b->mapcount_sum = 0;
    return b;
}

static int by_flags(const void *a, const void *b)
{
    uint64_t x = ((const struct bucket *)a)->flags;
    uint64_t y = ((const struct bucket *)b)->flags;
    return x < y ? -1 : x > y;
}

/* Reads whole 8-byte entries only; returns how many. */
static size_t read_words(int fd, uint64_t *words, uint64_t first_pfn)
{
    ssize_t n = pread(fd, words, CHUNK * sizeof *words, (off_t)(first_pfn * sizeof *words));
    return n > 0 ? (size_t)n / sizeof *words : 0;
}

int main(void)
{
    int flags_fd = open("/proc/kpageflags", O_RDONLY);
    int count_fd = open("/proc/kpagecount", O_RDONLY);
    if (flags_fd < 0 || count_fd < 0) {
        perror("/proc/kpageflags or /proc/kpagecount");
        return 1;
    }
    static uint64_t flags[CHUNK], counts[CHUNK];
    struct histogram h = {0};
    for (uint64_t pfn = 0;; pfn += CHUNK) {
        size_t nf = read_words(flags_fd, flags, pfn);
        size_t nc = read_words(count_fd, counts, pfn);
        size_t n = nf < nc ? nf : nc;
        for (size_t i = 0; i < n; i++) {
            struct bucket *b = bucket_of(&h, flags[i]);
            b->pages++;
            b->mapcount_sum += counts[i];
        }
        if (n < CHUNK)
            break;
    }
    qsort(h.buckets, h.used, sizeof *h.buckets, by_flags);
    printf("# kpf pages mapcount_sum\n");
    for (size_t i = 0; i < h.used; i++)
        printf("0x%016llx %llu %llu\n", (unsigned long long)h.buckets[i].flags, (unsigned long long)h.buckets[i].pages,
               (unsigned long long)h.buckets[i].mapcount_sum);
    return 0;
}

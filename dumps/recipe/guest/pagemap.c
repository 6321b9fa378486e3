/*
 * pagemap PID: print "vaddr pfn" for every present page of PID's mappings below 0xC0000000,
 * read from /proc/PID/maps and /proc/PID/pagemap (needs root for real PFNs).
 * Swapped pages print "vaddr swap:TYPE:OFFSET". Pages not present are left out.
 */
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: pagemap PID\n"); return 2; }
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%s/pagemap", argv[1]);
    int pm = open(path, O_RDONLY);
    if (!maps || pm < 0) { perror(path); return 1; }
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) != 2 || start >= 0xC0000000ul) continue;
        for (unsigned long va = start; va < end; va += 4096) {
            uint64_t e;
            if (pread(pm, &e, 8, (off_t)(va / 4096) * 8) != 8) break;
            if (e & (1ull << 63))
                printf("%08lx %" PRIx64 "\n", va, e & ((1ull << 55) - 1));
            else if (e & (1ull << 62))
                printf("%08lx swap:%" PRIu64 ":%" PRIx64 "\n", va, e & 31, (e >> 5) & ((1ull << 50) - 1));
        }
    }
    return 0;
}

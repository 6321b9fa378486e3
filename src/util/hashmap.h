/* hashmap: string -> uint64_t, open addressing. Keys are copied. First insert wins unless
 * hm_put_replace is used (the DWARF index keeps the first complete definition it meets). */
#ifndef KS_HASHMAP_H
#define KS_HASHMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hm_entry {
    char *key;
    uint64_t value;
};

struct hashmap {
    struct hm_entry *e;
    size_t cap, len;
};

void hm_init(struct hashmap *h);
void hm_free(struct hashmap *h);
bool hm_get(const struct hashmap *h, const char *key, uint64_t *value);
/* Inserts if absent; returns false if the key was already there (value unchanged). */
bool hm_put(struct hashmap *h, const char *key, uint64_t value);
/* Integer keys to values, with no key strings to allocate: for maps with millions of entries
 * (DIE offset -> type while the type cache is built). Any key but UINT64_MAX. */
struct u64map {
    struct u64_entry {
        uint64_t key_plus_1; /* 0 = free slot */
        uint64_t value;
    } *e;
    size_t cap, len;
};
void u64_init(struct u64map *m);
void u64_free(struct u64map *m);
bool u64_get(const struct u64map *m, uint64_t key, uint64_t *value);
void u64_put(struct u64map *m, uint64_t key, uint64_t value); /* inserts or replaces */

/* The map's own copy of s (made on first sight): one copy per distinct string, freed by hm_free. */
const char *hm_intern(struct hashmap *h, const char *s);
/* Calls fn for every key starting with prefix (for tab completion). */
void hm_each_prefix(const struct hashmap *h, const char *prefix, void (*fn)(const char *key, void *arg), void *arg);

#endif

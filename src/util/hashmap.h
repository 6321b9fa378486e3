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
/* The map's own copy of s (made on first sight): one copy per distinct string, freed by hm_free. */
const char *hm_intern(struct hashmap *h, const char *s);
/* Calls fn for every key starting with prefix (for tab completion). */
void hm_each_prefix(const struct hashmap *h, const char *prefix, void (*fn)(const char *key, void *arg), void *arg);

#endif

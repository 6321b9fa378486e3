#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;          /* FNV-1a */
    while (*s) { h ^= (uint8_t)*s++; h *= 1099511628211ull; }
    return h;
}

void hm_init(struct hashmap *h) { h->e = NULL; h->cap = h->len = 0; }

void hm_free(struct hashmap *h)
{
    for (size_t i = 0; i < h->cap; i++) free(h->e[i].key);
    free(h->e);
    hm_init(h);
}

static struct hm_entry *slot(const struct hashmap *h, const char *key)
{
    size_t i = hash_str(key) & (h->cap - 1);
    while (h->e[i].key && strcmp(h->e[i].key, key)) i = (i + 1) & (h->cap - 1);
    return &h->e[i];
}

static void grow(struct hashmap *h)
{
    struct hashmap n = { xcalloc(h->cap ? h->cap * 2 : 64, sizeof *n.e), h->cap ? h->cap * 2 : 64, h->len };
    for (size_t i = 0; i < h->cap; i++)
        if (h->e[i].key) *slot(&n, h->e[i].key) = h->e[i];
    free(h->e);
    *h = n;
}

bool hm_get(const struct hashmap *h, const char *key, uint64_t *value)
{
    if (!h->cap) return false;
    struct hm_entry *e = slot(h, key);
    if (!e->key) return false;
    if (value) *value = e->value;
    return true;
}

bool hm_put(struct hashmap *h, const char *key, uint64_t value)
{
    if ((h->len + 1) * 4 > h->cap * 3) grow(h);
    struct hm_entry *e = slot(h, key);
    if (e->key) return false;
    e->key = xstrdup(key);
    e->value = value;
    h->len++;
    return true;
}

void u64_init(struct u64map *m) { m->e = NULL; m->cap = m->len = 0; }

void u64_free(struct u64map *m)
{
    free(m->e);
    u64_init(m);
}

static struct u64_entry *u64_slot(const struct u64map *m, uint64_t key)
{
    /* Every bit of the key reaches the low bits (DIE offsets and packed keys differ in any of them). */
    uint64_t x = (key + 1) * 0x9e3779b97f4a7c15ull;
    size_t i = (size_t)(x ^ x >> 29 ^ x >> 47) & (m->cap - 1);
    while (m->e[i].key_plus_1 && m->e[i].key_plus_1 != key + 1) i = (i + 1) & (m->cap - 1);
    return &m->e[i];
}

static void u64_grow(struct u64map *m)
{
    struct u64map n = { xcalloc(m->cap ? m->cap * 2 : 64, sizeof *n.e), m->cap ? m->cap * 2 : 64, m->len };
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key_plus_1) *u64_slot(&n, m->e[i].key_plus_1 - 1) = m->e[i];
    free(m->e);
    *m = n;
}

bool u64_get(const struct u64map *m, uint64_t key, uint64_t *value)
{
    if (!m->cap) return false;
    const struct u64_entry *e = u64_slot(m, key);
    if (!e->key_plus_1) return false;
    if (value) *value = e->value;
    return true;
}

void u64_put(struct u64map *m, uint64_t key, uint64_t value)
{
    if ((m->len + 1) * 4 > m->cap * 3) u64_grow(m);
    struct u64_entry *e = u64_slot(m, key);
    if (!e->key_plus_1) m->len++;
    e->key_plus_1 = key + 1;
    e->value = value;
}

const char *hm_intern(struct hashmap *h, const char *s)
{
    if ((h->len + 1) * 4 > h->cap * 3) grow(h);
    struct hm_entry *e = slot(h, s);
    if (!e->key) {
        e->key = xstrdup(s);
        h->len++;
    }
    return e->key;
}

void hm_each_prefix(const struct hashmap *h, const char *prefix, void (*fn)(const char *, void *), void *arg)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < h->cap; i++)
        if (h->e[i].key && !strncmp(h->e[i].key, prefix, n)) fn(h->e[i].key, arg);
}

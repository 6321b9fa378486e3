#include "u64set.h"

#include <stdlib.h>

#include "util.h"

void u64set_init(struct u64set *s) { s->slot = NULL; s->cap = s->len = 0; }
void u64set_free(struct u64set *s) { free(s->slot); u64set_init(s); }

static size_t where(const struct u64set *s, uint64_t v)
{
    size_t i = (size_t)((v * 0x9E3779B97F4A7C15ull) >> 20) & (s->cap - 1);
    while (s->slot[i] && s->slot[i] != v) i = (i + 1) & (s->cap - 1);
    return i;
}

bool u64set_add(struct u64set *s, uint64_t v)
{
    if ((s->len + 1) * 2 > s->cap) {
        struct u64set n = { xcalloc(s->cap ? s->cap * 2 : 256, sizeof(uint64_t)), s->cap ? s->cap * 2 : 256, s->len };
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) n.slot[where(&n, s->slot[i])] = s->slot[i];
        free(s->slot);
        *s = n;
    }
    size_t i = where(s, v);
    if (s->slot[i]) return false;
    s->slot[i] = v;
    s->len++;
    return true;
}

bool u64set_has(const struct u64set *s, uint64_t v)
{
    return s->cap && s->slot[where(s, v)] == v;
}

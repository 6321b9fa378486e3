#include "vmcoreinfo.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

bool vmcoreinfo_value(const char *text, const char *key, char *out, size_t outsz)
{
    if (!text || !outsz) return false;
    size_t klen = strlen(key);
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > klen && line[klen] == '=' && !strncmp(line, key, klen)) {
            size_t vlen = KS_MIN(len - klen - 1, outsz - 1);
            memcpy(out, line + klen + 1, vlen);
            out[vlen] = 0;
            return true;
        }
        if (!eol) break;
        line = eol + 1;
    }
    return false;
}

static bool is_hex_key(const char *key)
{
    return !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET") || !strcmp(key, "phys_base") ||
           !strncmp(key, "ADDRESS(", 8);
}

bool vmcoreinfo_number(const char *text, const char *key, uint64_t *out)
{
    char v[64];
    if (!vmcoreinfo_value(text, key, v, sizeof v)) return false;
    char *end;
    *out = strtoull(v, &end, is_hex_key(key) ? 16 : 10);
    return end != v && *end == 0;
}

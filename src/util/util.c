#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ks_fail(ks_err *err, const char *fmt, ...)
{
    if (err) {
        /* Through a copy: callers may wrap the previous message ("...: %s", err->msg). */
        char msg[KS_ERR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        memcpy(err->msg, msg, sizeof msg);
    }
    return -1;
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) { fputs("ksleuth: out of memory\n", stderr); abort(); }
    return p;
}

void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) { fputs("ksleuth: out of memory\n", stderr); abort(); }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) { fputs("ksleuth: out of memory\n", stderr); abort(); }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void sb_init(strbuf *sb) { sb->buf = NULL; sb->len = sb->cap = 0; }
void sb_free(strbuf *sb) { free(sb->buf); sb_init(sb); }
void sb_reset(strbuf *sb) { sb->len = 0; if (sb->buf) sb->buf[0] = 0; }

static void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_putn(strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}

void sb_putc(strbuf *sb, char c) { sb_putn(sb, &c, 1); }
void sb_puts(strbuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

void sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) return;
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *sb_steal(strbuf *sb)
{
    char *s = sb->buf ? sb->buf : xstrdup("");
    sb_init(sb);
    return s;
}

bool parse_u64(const char *s, int default_base, uint64_t *out)
{
    if (!s || !*s) return false;
    int base = default_base;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s += 2; }
    if (!*s) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end) return false;
    *out = v;
    return true;
}

int pread_full(int fd, void *buf, size_t n, uint64_t off, ks_err *err, const char *what)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return ks_fail(err, "%s: read at offset %#llx: %s", what, (unsigned long long)(off + done), strerror(errno));
        if (r == 0) return ks_fail(err, "%s: file ends at offset %#llx (truncated?)", what, (unsigned long long)(off + done));
        done += (size_t)r;
    }
    return 0;
}

size_t ks_count_le(const void *base, size_t n, size_t elem_size, size_t key_offset, uint64_t value)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t key;
        memcpy(&key, (const char *)base + mid * elem_size + key_offset, sizeof key);
        if (key <= value) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

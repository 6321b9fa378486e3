#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one place an error is written. Through a copy: callers may format the previous message. */
static int err_set(ks_err *err, enum ks_err_kind kind, enum ks_addr_space space, uint64_t addr, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    char msg[KS_ERR_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    memcpy(err->msg, msg, sizeof msg);
    err->kind = kind;
    err->space = space;
    err->addr = space == KS_AS_NONE ? 0 : addr;
    return -1;
}

int ks_fail(ks_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_set(err, KS_E_GENERIC, KS_AS_NONE, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int ks_fail_kind(ks_err *err, enum ks_err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_set(err, kind, KS_AS_NONE, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int ks_fail_at(ks_err *err, enum ks_err_kind kind, enum ks_addr_space space, uint64_t addr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_set(err, kind, space, addr, fmt, ap);
    va_end(ap);
    return -1;
}

int ks_wrap(ks_err *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    strbuf sb;
    va_list ap;
    sb_init(&sb);
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    sb_printf(&sb, ": %s", err->msg);
    snprintf(err->msg, sizeof err->msg, "%.*s", KS_ERR_MAX - 1, sb.buf); /* cut as ks_fail cuts */
    sb_free(&sb);
    return -1;
}

int ks_pass(ks_err *err, const ks_err *from)
{
    if (err && from && err != from)
        *err = *from;
    return -1;
}

bool ks_err_is(const ks_err *err, enum ks_err_kind kind)
{
    return err && err->kind == kind;
}

bool ks_err_absent(const ks_err *err)
{
    return ks_err_is(err, KS_E_NO_TYPE) || ks_err_is(err, KS_E_NO_MEMBER) || ks_err_is(err, KS_E_NO_SYMBOL);
}

const char *ks_err_kind_name(enum ks_err_kind kind)
{
    static const char *const names[KS_E_KIND_COUNT] = {
        [KS_E_GENERIC] = "error",           [KS_E_NOT_IN_DUMP] = "not_in_dump",
        [KS_E_NOT_MAPPED] = "not_mapped",   [KS_E_TRUNCATED] = "truncated",
        [KS_E_CORRUPT] = "corrupt",         [KS_E_NO_TYPE] = "no_type",
        [KS_E_NO_MEMBER] = "no_member",     [KS_E_NO_SYMBOL] = "no_symbol",
        [KS_E_BAD_ARG] = "bad_argument",    [KS_E_IO] = "io",
        [KS_E_UNSUPPORTED] = "unsupported", [KS_E_INTERRUPTED] = "interrupted",
    };
    return (unsigned)kind < KS_E_KIND_COUNT ? names[kind] : "error";
}

const char *ks_addr_space_name(enum ks_addr_space space)
{
    static const char *const names[] = {
        [KS_AS_NONE] = "none",          [KS_AS_PHYS] = "physical",    [KS_AS_KVIRT] = "kernel_virtual",
        [KS_AS_UVIRT] = "user_virtual", [KS_AS_FILE] = "file_offset",
    };
    return (unsigned)space < ARRAY_SIZE(names) ? names[space] : "none";
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

void sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) return;
    sb_reserve(sb, (size_t)n);
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

/* Digits are made from the right, then moved to the front of buf. */
static size_t digits_out(char *buf, const char *from, const char *end)
{
    size_t n = (size_t)(end - from);
    memmove(buf, from, n);
    buf[n] = 0;
    return n;
}

size_t fmt_u64(char *buf, uint64_t v)
{
    char tmp[KS_NUM_MAX];
    char *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return digits_out(buf, p, tmp + sizeof tmp);
}

size_t fmt_i64(char *buf, int64_t v)
{
    if (v >= 0)
        return fmt_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + fmt_u64(buf + 1, -(uint64_t)v); /* INT64_MIN's magnitude is a uint64_t */
}

size_t fmt_x64(char *buf, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[KS_NUM_MAX];
    char *p = tmp + sizeof tmp;
    do {
        *--p = hex[v & 15];
        v >>= 4;
    } while (v);
    return digits_out(buf, p, tmp + sizeof tmp);
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
        uint64_t at = off + done;
        if (r < 0)
            return ks_fail_at(err, KS_E_IO, KS_AS_FILE, at, "%s: read at offset %#llx: %s", what, (unsigned long long)at,
                              strerror(errno));
        if (r == 0)
            return ks_fail_at(err, KS_E_TRUNCATED, KS_AS_FILE, at, "%s: file ends at offset %#llx (truncated?)", what,
                              (unsigned long long)at);
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

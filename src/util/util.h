/*
 * util: the small things every layer uses.
 *  - ks_err: one error message carried up to the command that reports it (one line, no newline).
 *  - strbuf: a growable string.
 *  - parse helpers for numbers as crash users type them (hex by default where crash does).
 *  - le/be readers for raw little/big-endian fields in dump headers.
 * No state lives here; nothing here knows about kernels.
 */
#ifndef KS_UTIL_H
#define KS_UTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_ERR_MAX 512
typedef struct ks_err {
    char msg[KS_ERR_MAX];
} ks_err;

/* Sets err (if non-NULL) and returns -1, so callers can write `return ks_fail(err, ...)`. */
int ks_fail(ks_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct strbuf {
    char *buf;
    size_t len, cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_putc(strbuf *sb, char c);
void sb_puts(strbuf *sb, const char *s);
void sb_putn(strbuf *sb, const char *s, size_t n);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
char *sb_steal(strbuf *sb);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Number parsing: "0x..", plain hex (crash's habit for addresses) or decimal. */
bool parse_u64(const char *s, int default_base, uint64_t *out);

static inline uint16_t le16(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] | b[1] << 8); }
static inline uint32_t le32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t le64(const void *p) { return le32(p) | (uint64_t)le32((const uint8_t *)p + 4) << 32; }
static inline uint64_t be64(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | b[i];
    return v;
}

/* Read exactly n bytes at off; -1 with err set on short read. */
int pread_full(int fd, void *buf, size_t n, uint64_t off, ks_err *err, const char *what);

/* In an array sorted by a uint64_t key (at key_offset in each element of elem_size bytes): how many
 * elements have a key <= value. The element at the result minus one is the last at or below value. */
size_t ks_count_le(const void *base, size_t n, size_t elem_size, size_t key_offset, uint64_t value);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KS_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif

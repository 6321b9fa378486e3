/*
 * util: the small things every layer uses.
 *  - ks_err: one error carried up to the command that reports it: a message (one line, no newline),
 *    its kind and the address involved.
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
#include <string.h>

#define KS_ERR_MAX 512

/* What went wrong, for code that must tell "absent" from "broken" (and for JSON consumers); the
 * message stays the one line users read. Modelled on drgn's struct drgn_error (kind + address). */
enum ks_err_kind {
    KS_E_GENERIC = 0, /* ks_fail(): nothing finer said */
    KS_E_NOT_IN_DUMP, /* a physical frame the dump does not hold (never RAM, excluded, past its end) */
    KS_E_NOT_MAPPED,  /* a page walk found no translation */
    KS_E_TRUNCATED,   /* a file shorter than it says */
    KS_E_CORRUPT,     /* a value that cannot be */
    KS_E_NO_TYPE,     /* the DWARF has no such type */
    KS_E_NO_MEMBER,   /* the type has no such member */
    KS_E_NO_SYMBOL,   /* no such symbol, variable or enumerator */
    KS_E_BAD_ARG,     /* the caller (or user) asked for something that cannot be */
    KS_E_IO,          /* the operating system failed a read or open */
    KS_E_UNSUPPORTED, /* well-formed, but not something ksleuth reads (machine, codec, kernel era) */
    KS_E_INTERRUPTED, /* the user stopped the command (Ctrl-C) */
    KS_E_KIND_COUNT
};

/* Which address space err->addr is in. */
enum ks_addr_space {
    KS_AS_NONE = 0,
    KS_AS_PHYS,  /* physical */
    KS_AS_KVIRT, /* kernel virtual */
    KS_AS_UVIRT, /* a process's user virtual */
    KS_AS_FILE,  /* an offset in the dump file */
};

/* A union only so that `ks_err e = { "" };` (which callers write) initialises msg without a
 * missing-initializer warning; msg and the anonymous struct's first bytes are the same storage.
 * kind, space and addr are set by every failure and read only after one. */
typedef union ks_err {
    char msg[KS_ERR_MAX];
    struct {
        char msg_storage[KS_ERR_MAX]; /* == msg */
        enum ks_err_kind kind;
        enum ks_addr_space space;
        uint64_t addr; /* meaningful unless space is KS_AS_NONE */
    };
} ks_err;

/* Each sets err (if non-NULL: NULL means the caller only wants the -1) and returns -1, so callers
 * write `return ks_fail(err, ...)`. ks_fail is a generic error with no address. */
int ks_fail(ks_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ks_fail_kind(ks_err *err, enum ks_err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ks_fail_at(ks_err *err, enum ks_err_kind kind, enum ks_addr_space space, uint64_t addr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Adds context in front of err's message ("CONTEXT: old message"), keeping its kind and address. */
int ks_wrap(ks_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies a caught error into err (if non-NULL); returns -1. */
int ks_pass(ks_err *err, const ks_err *from);

/* Is err (non-NULL, set by a failure) of this kind? */
bool ks_err_is(const ks_err *err, enum ks_err_kind kind);
/* Did a lookup fail only because the type, member or symbol does not exist in this kernel? */
bool ks_err_absent(const ks_err *err);
/* Stable names for JSON and tests: "not_mapped", "kernel_virtual", ... */
const char *ks_err_kind_name(enum ks_err_kind kind);
const char *ks_addr_space_name(enum ks_addr_space space);

typedef struct strbuf {
    char *buf;
    size_t len, cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
void sb_reset(strbuf *sb);
/* Room for extra more bytes and the NUL. */
void sb_reserve(strbuf *sb, size_t extra);
/* Inline: a table of a million rows makes ten million of these calls. */
static inline void sb_putn(strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap) sb_reserve(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}
static inline void sb_putc(strbuf *sb, char c) { sb_putn(sb, &c, 1); }
static inline void sb_puts(strbuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
char *sb_steal(strbuf *sb);
/* n copies of c (padding a table's cell). */
static inline void sb_fill(strbuf *sb, char c, size_t n)
{
    if (sb->len + n + 1 > sb->cap) sb_reserve(sb, n);
    memset(sb->buf + sb->len, c, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}

/* Integers as printf's %PRIu64, %PRId64 and %PRIx64 write them, without parsing a format: a table of
 * a million rows spends most of its time there. buf holds KS_NUM_MAX bytes; returns the length (the
 * text is NUL-terminated). */
#define KS_NUM_MAX 21
size_t fmt_u64(char *buf, uint64_t v);
size_t fmt_i64(char *buf, int64_t v);
size_t fmt_x64(char *buf, uint64_t v);

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

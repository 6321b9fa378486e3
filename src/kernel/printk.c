#include "printk.h"

#include <stdlib.h>
#include <string.h>

/* State lives in the top two bits of a descriptor's state_var (unsigned long: 32 bits here). */
#define SV_BITS 32
#define SV_FLAGS_SHIFT (SV_BITS - 2)
#define SV_ID_MASK ((1ull << SV_FLAGS_SHIFT) - 1)
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };

struct ring {
    uint64_t descs, infos, data;
    unsigned count_bits, size_bits;
    uint64_t head_id, tail_id;
    uint64_t desc_size, info_size;
    uint64_t off_state, off_begin, off_next;
    uint64_t info_seq, info_ts, info_len, info_facility;
    const struct kt_member *info_level;
    uint64_t info_level_off;
    uint8_t *data_copy;     /* the whole text ring, read once */
    unsigned word_size;     /* the arch's unsigned long */
};

static int read_ring(struct kernel *k, struct ring *r, ks_err *err)
{
    uint64_t prb;
    const char *R = "struct printk_ringbuffer";
    if (k->features.printk == PRINTK_LOG_BUF)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "this kernel's log is the older log_buf records (before 5.10): not read yet");
    if (k->features.printk != PRINTK_LOCKLESS)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "no printk ring buffer (prb): kernel older than 5.10?");
    if (kvar_read_int(k, "prb", NULL, &prb, err))
        return -1; /* there is one, and it cannot be read: say why */
    uint64_t v;
#define GET(path, dst) do { if (kread_member(k, prb, R, path, &v, err)) return -1; dst = v; } while (0)
    GET("desc_ring.count_bits", r->count_bits);
    GET("desc_ring.descs", r->descs);
    GET("desc_ring.infos", r->infos);
    GET("desc_ring.head_id.counter", r->head_id);
    GET("desc_ring.tail_id.counter", r->tail_id);
    GET("text_data_ring.size_bits", r->size_bits);
    GET("text_data_ring.data", r->data);
#undef GET
    if (r->count_bits > 24 || r->size_bits > 28)
        return ks_fail_kind(err, KS_E_CORRUPT, "printk ring sizes are not believable");
    r->word_size = k->arch->word_size;
    r->desc_size = ktype_size(k, "struct prb_desc");
    r->info_size = ktype_size(k, "struct printk_info");
    if (kmember_off(k, "struct prb_desc", "state_var", &r->off_state, err) ||
        kmember_off(k, "struct prb_desc", "text_blk_lpos.begin", &r->off_begin, err) ||
        kmember_off(k, "struct prb_desc", "text_blk_lpos.next", &r->off_next, err) ||
        kmember_off(k, "struct printk_info", "seq", &r->info_seq, err) ||
        kmember_off(k, "struct printk_info", "ts_nsec", &r->info_ts, err) ||
        kmember_off(k, "struct printk_info", "text_len", &r->info_len, err) ||
        kmember_off(k, "struct printk_info", "facility", &r->info_facility, err))
        return -1;
    struct ktype *t = kdwarf_type(k->dwarf, "struct printk_info");
    if (kt_member_path(k->dwarf, t, "level", &r->info_level_off, NULL, &r->info_level, err)) return -1;
    size_t size = (size_t)1 << r->size_bits;
    r->data_copy = xmalloc(size);
    if (kread(k, r->data, r->data_copy, size, err)) return -1;
    return 0;
}

/* The text block a descriptor points at, handling a block that wrapped to the ring's start. */
static const char *block_text(const struct ring *r, uint64_t begin, uint64_t next, size_t *len)
{
    uint64_t size = 1ull << r->size_bits;
    if ((begin & 1) || (next & 1) || begin == next) return NULL;   /* data-less record */
    uint64_t start, end;
    if (begin >> r->size_bits == next >> r->size_bits) { start = begin & (size - 1); end = next & (size - 1); }
    else { start = 0; end = next & (size - 1); }
    uint64_t id_size = r->word_size;      /* the block starts with the record's id (an unsigned long) */
    if (end <= start + id_size || end > size) return NULL;
    *len = (size_t)(end - start - id_size);
    return (const char *)r->data_copy + start + id_size;
}

static int visit(struct kernel *k, const struct ring *r, uint64_t id, int (*fn)(const struct printk_record *, void *),
                 void *arg, ks_err *err)
{
    uint64_t idx = id & ((1ull << r->count_bits) - 1);
    uint8_t d[64], info[128];
    if (r->desc_size > sizeof d || r->info_size > sizeof info)
        return ks_fail_kind(err, KS_E_UNSUPPORTED, "printk record layout too large");
    if (kread(k, r->descs + idx * r->desc_size, d, (size_t)r->desc_size, err) ||
        kread(k, r->infos + idx * r->info_size, info, (size_t)r->info_size, err))
        return -1;
    uint64_t sv = arch_word(k->arch, d + r->off_state);   /* atomic_long_t */
    unsigned state = (unsigned)(sv >> SV_FLAGS_SHIFT) & 3;
    if ((sv & SV_ID_MASK) != id || (state != DESC_COMMITTED && state != DESC_FINALIZED)) return 0;
    size_t blk_len = 0;
    const char *text = block_text(r, arch_word(k->arch, d + r->off_begin), arch_word(k->arch, d + r->off_next), &blk_len);
    struct printk_record rec = {
        .seq = le64(info + r->info_seq), .ts_nsec = le64(info + r->info_ts),
        .facility = info[r->info_facility], .text = text ? text : "",
        .len = text ? KS_MIN((size_t)le16(info + r->info_len), blk_len) : 0,
    };
    const struct kt_member *lm = r->info_level;
    rec.level = lm->bit_size ? (unsigned)kt_bit_value(lm, info + lm->offset) : info[r->info_level_off];
    return fn(&rec, arg);
}

int printk_for_each(struct kernel *k, int (*fn)(const struct printk_record *r, void *arg), void *arg, ks_err *err)
{
    struct ring r = { 0 };
    int rc = read_ring(k, &r, err);
    /* Only a ring whose sizes were found believable has a count (a corrupt one fails above). */
    uint64_t count = rc == 0 ? 1ull << r.count_bits : 0;
    for (uint64_t n = 0, id = r.tail_id & SV_ID_MASK; rc == 0 && n < count; n++, id = (id + 1) & SV_ID_MASK) {
        rc = visit(k, &r, id, fn, arg, err);
        if (id == (r.head_id & SV_ID_MASK)) break;
    }
    free(r.data_copy);
    return rc > 0 ? 0 : rc;
}

/*
 * rd — read memory, as crash does.
 *   rd [-p|-k|-u] [-8|-16|-32|-64] [-a] [-s] [-d] ADDRESS [COUNT]
 * -k kernel virtual (default), -p physical, -u user virtual of the `set` task. COUNT units of the
 * chosen size (default one). 16 bytes per line with an ASCII column; -a prints text, -s shows
 * words that are kernel symbols as names, -d prints decimal.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../util/interrupt.h"
#include "context.h"
#include "commands.h"

#define RD_MAX_BYTES (16u << 20)

enum rd_space { RD_KVIRT, RD_PHYS, RD_UVIRT };

struct rd_args {
    enum rd_space space;
    unsigned size; /* bytes per unit */
    bool ascii, symbols, decimal;
    uint64_t addr, count;
};

static int parse_args(struct session *s, int argc, char **argv, struct rd_args *a, ks_err *err)
{
    *a = (struct rd_args){.space = RD_KVIRT, .size = 4, .count = 1};
    const char *addr = NULL, *count = NULL;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-p"))
            a->space = RD_PHYS;
        else if (!strcmp(o, "-k"))
            a->space = RD_KVIRT;
        else if (!strcmp(o, "-u"))
            a->space = RD_UVIRT;
        else if (!strcmp(o, "-8"))
            a->size = 1;
        else if (!strcmp(o, "-16"))
            a->size = 2;
        else if (!strcmp(o, "-32"))
            a->size = 4;
        else if (!strcmp(o, "-64"))
            a->size = 8;
        else if (!strcmp(o, "-a"))
            a->ascii = true;
        else if (!strcmp(o, "-s"))
            a->symbols = true;
        else if (!strcmp(o, "-d"))
            a->decimal = true;
        else if (o[0] == '-' && o[1] && !isdigit((unsigned char)o[1]))
            return ks_fail(err, "unknown option %s", o);
        else if (!addr)
            addr = o;
        else if (!count)
            count = o;
        else
            return ks_fail(err, "too many arguments");
    }
    if (!addr)
        return ks_fail(err, "usage: rd [-p|-k|-u] [-8|-16|-32|-64] [-a] [-s] [-d] ADDRESS [COUNT]");
    if (cmd_parse_addr(s, addr, &a->addr, err))
        return -1;
    if (count && !parse_u64(count, 10, &a->count))
        return ks_fail(err, "bad count %s", count);
    if (a->ascii && !count)
        a->count = 256 / a->size;
    if (a->count > RD_MAX_BYTES / a->size) /* divided: COUNT * size could wrap around */
        return ks_fail(err, "at most %u bytes at a time", RD_MAX_BYTES);
    return 0;
}

static int read_space(struct session *s, const struct rd_args *a, uint64_t addr, void *buf, size_t len, ks_err *err)
{
    switch (a->space) {
    case RD_PHYS:
        return physmem_read(&s->k.mem, addr, buf, len, err);
    case RD_UVIRT:
        return uread_context(s, addr, buf, len, err);
    default:
        return kread(&s->k, addr, buf, len, err);
    }
}

/* Read page by page, as far as memory is readable: returns how many bytes were read; err says why
 * it stopped short (a page not in the dump, or Ctrl-C). */
static size_t read_partial(struct session *s, const struct rd_args *a, uint8_t *buf, size_t len, ks_err *err)
{
    size_t got = 0;
    while (got < len) {
        if (ks_interrupted()) {
            ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
            break;
        }
        uint64_t at = a->addr + got;
        size_t n = KS_MIN(len - got, KS_PAGE_SIZE - (at & (KS_PAGE_SIZE - 1)));
        if (read_space(s, a, at, buf + got, n, err))
            break;
        got += n;
    }
    return got;
}

/* The output model: programs get {"address","space","unit","values":[...]}; people get crash's
 * lines, each told through the record as text. */
static const struct column rd_cols[] = {
    COL_JSON(CT_HEX, "address"),
    COL_JSON(CT_STR, "space"),
    COL_JSON(CT_UNSIGNED, "unit"),
    COL_LIST("values"),
};
static const struct column value_cols[] = {
    COL_JSON(CT_HEX, "values"),
};

static void print_ascii(struct table *t, const struct rd_args *a, const uint8_t *b, size_t len)
{
    strbuf line;
    sb_init(&line);
    for (size_t i = 0; i < len && !ks_interrupted(); i += 60) {
        bool nul = false;
        sb_reset(&line);
        sb_printf(&line, "%8" PRIx64 ":  ", a->addr + i);
        for (size_t j = i; j < len && j < i + 60 && !nul; j++) {
            nul = !b[j];
            if (!nul)
                sb_putc(&line, isprint(b[j]) ? (char)b[j] : '.');
        }
        table_text(t, "%s\n", line.buf);
        if (nul)
            break;
    }
    sb_free(&line);
}

static void print_unit(struct session *s, const struct rd_args *a, uint64_t v, strbuf *line)
{
    uint64_t delta;
    const struct ksym *sym;
    if (a->symbols && a->size == 4 && v >= s->k.page_offset && (sym = ksym_at(&s->k, v, &delta))) {
        char name[80];
        snprintf(name, sizeof name, delta ? "%s+%" PRIu64 : "%s", sym->name, delta);
        sb_printf(line, "%-*s ", 16, name);
    } else if (a->decimal) {
        sb_printf(line, "%*" PRIu64 " ", a->size * 2 + 2, v);
    } else {
        sb_printf(line, "%0*" PRIx64 " ", a->size * 2, v);
    }
}

static void print_words(struct session *s, struct table *t, const struct rd_args *a, const uint8_t *b, size_t len)
{
    unsigned per_line = a->symbols ? 4 : 16 / a->size;
    strbuf line;
    sb_init(&line);
    for (size_t i = 0; i < len && !ks_interrupted(); i += (size_t)per_line * a->size) {
        sb_reset(&line);
        sb_printf(&line, "%8" PRIx64 ":  ", a->addr + i);
        size_t end = KS_MIN(len, i + (size_t)per_line * a->size);
        for (size_t j = i; j < end; j += a->size)
            print_unit(s, a, kdecode_int(b + j, a->size, false), &line);
        if (!a->symbols && !a->decimal) {
            sb_printf(&line, "%*s  ", (int)((i + (size_t)per_line * a->size - end) / a->size * (a->size * 2 + 1)), "");
            for (size_t j = i; j < end; j++)
                sb_putc(&line, isprint(b[j]) ? (char)b[j] : '.');
        }
        table_text(t, "%s\n", line.buf);
    }
    sb_free(&line);
}

static void put_values(struct table *r, const struct rd_args *a, const uint8_t *b, size_t len)
{
    static const char *const space[] = {"kvirt", "phys", "uvirt"};
    struct table v;
    put_u(r, "address", a->addr);
    put_s(r, "space", space[a->space]);
    put_u(r, "unit", a->size);
    values_begin_in(r, &v, "values", value_cols);
    for (size_t i = 0; i < len; i += a->size)
        put_value_u(&v, kdecode_int(b + i, a->size, false));
    table_end(&v, 0);
}

/* What stopped the read, saying where it started when part of it was read. */
static int read_failure(struct session *s, const char *cmd, const struct rd_args *a, size_t got, size_t len, const ks_err *err)
{
    if (!got || ks_interrupted())
        return cmd_fail_err(s, cmd, err);
    return cmd_fail(s, cmd, "%zu of %zu bytes read from %#" PRIx64 ": %s", got, len, a->addr, err->msg);
}

static int run_rd(struct session *s, int argc, char **argv)
{
    struct rd_args a;
    ks_err err;
    if (parse_args(s, argc, argv, &a, &err))
        return cmd_fail_err(s, argv[0], &err);
    size_t len = (size_t)(a.count * a.size);
    uint8_t *buf = xmalloc(len);
    size_t got = read_partial(s, &a, buf, len, &err);
    size_t shown = got - got % a.size; /* what was readable is shown before the error, as crash does */
    struct table r;
    record_begin(s, &r, rd_cols);
    put_values(&r, &a, buf, shown);
    if (a.ascii)
        print_ascii(&r, &a, buf, shown);
    else
        print_words(s, &r, &a, buf, shown);
    /* A document is printed only for a whole read: a JSON reader never gets part of one. */
    int rc = got < len || ks_interrupted() ? 1 : 0;
    record_end(&r, rc);
    if (got < len)
        rc = read_failure(s, argv[0], &a, got, len, &err);
    else if (rc)
        rc = cmd_fail(s, argv[0], "interrupted");
    free(buf);
    return rc;
}

const struct command cmd_rd = {
    "rd",
    "rd [-p|-k|-u] [-8|-16|-32|-64] [-a] [-s] [-d] ADDRESS [COUNT]",
    "read memory",
    "-k kernel virtual address (default), -p physical, -u user virtual address of the task chosen\n"
    "with `set`. -8/-16/-32/-64: unit size (default 32 bits); COUNT units (default 1). Lines show\n"
    "ADDRESS:  units...  ASCII. -a: text until a NUL (default 256 bytes); -s: kernel symbols for\n"
    "words that are kernel addresses; -d: decimal. A page the dump does not hold is an error: what was\n"
    "read before it is shown, then the error.\n"
    "JSON: {\"address\",\"space\",\"unit\",\"values\":[\"0x..\"]}",
    run_rd,
};

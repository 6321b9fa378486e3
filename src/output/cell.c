/* One value in one column, rendered for people (a padded text cell) or for programs (a JSON member). */
#include "cell.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Spaces that bring len characters to the width's size (either sign); none if they are more. */
static size_t room_for(size_t len, int width)
{
    size_t want = (size_t)(width < 0 ? -(int64_t)width : width);
    return want > len ? want - len : 0;
}

/* Right-aligned for a positive width, left-aligned for a negative one; never cut. */
static void pad_n(strbuf *sb, const char *text, size_t len, int width)
{
    size_t room = room_for(len, width);
    if (width > 0)
        sb_fill(sb, ' ', room);
    sb_putn(sb, text, len);
    if (width < 0)
        sb_fill(sb, ' ', room);
}

static void pad(strbuf *sb, const char *text, int width)
{
    pad_n(sb, text, strlen(text), width);
}

static void milli_text(char *buf, size_t n, int64_t v)
{
    uint64_t mag = v < 0 ? (uint64_t)-v : (uint64_t)v;
    snprintf(buf, n, "%s%" PRIu64 ".%03" PRIu64, v < 0 ? "-" : "", mag / 1000, mag % 1000);
}

/* The column's prefix and the number, as "%s%" PRId64 / "%s%0*" PRIx64 / "%s%" PRIu64 would write
 * them, padded to the width: written digit by digit, since a table of a million rows spends most of
 * its time here. COL_ZERO fills a hex number with zeros to the width (crash's %08lx); a negative
 * width there pads the digits with spaces, as printf's %0-8lx does. */
static void number_cell(strbuf *sb, const struct column *c, const struct cell_value *v)
{
    char digits[KS_NUM_MAX];
    bool hex = c->type == CT_HEX && v->kind != VAL_SIGNED;
    size_t n = v->kind == VAL_SIGNED ? fmt_i64(digits, v->i) : hex ? fmt_x64(digits, v->u) : fmt_u64(digits, v->u);
    size_t fill = hex && (c->flags & COL_ZERO) ? room_for(n, c->width) : 0;
    size_t prefix = c->prefix ? strlen(c->prefix) : 0;
    size_t room = room_for(prefix + fill + n, c->width);
    if (c->width > 0)
        sb_fill(sb, ' ', room);
    sb_putn(sb, c->prefix ? c->prefix : "", prefix);
    if (c->width > 0)
        sb_fill(sb, '0', fill);
    sb_putn(sb, digits, n);
    if (c->width < 0)
        sb_fill(sb, ' ', fill + room);
}

static void string_text(strbuf *sb, const struct column *c, const char *s)
{
    s = s ? s : "";
    if (!(c->flags & COL_QUOTED)) {
        pad(sb, s, c->width);
        return;
    }
    size_t len = strlen(s);
    size_t room = room_for(len + 2, c->width);
    if (c->width > 0)
        sb_fill(sb, ' ', room);
    sb_putc(sb, '"');
    sb_putn(sb, s, len);
    sb_putc(sb, '"');
    if (c->width < 0)
        sb_fill(sb, ' ', room);
}

static void value_text(strbuf *sb, const struct column *c, const struct cell_value *v);

void cell_text(strbuf *sb, const struct column *c, const struct cell_value *v)
{
    value_text(sb, c, v);
    if (c->suffix)
        sb_puts(sb, c->suffix);
}

static void value_text(strbuf *sb, const struct column *c, const struct cell_value *v)
{
    char buf[64];
    if (v->kind == VAL_NULL) {
        pad(sb, v->shown ? v->shown : "", c->width);
        return;
    }
    if (c->type == CT_RENDERED && v->kind == VAL_STRING) { /* else a plain number put in its place */
        string_text(sb, c, v->s);
        return;
    }
    switch (c->type) {
    case CT_STR:
    case CT_FLAGS:
        string_text(sb, c, v->shown ? v->shown : v->s);
        return;
    case CT_MARK:
        if (v->u)
            sb_puts(sb, c->mark);
        else
            sb_fill(sb, ' ', strlen(c->mark));
        return;
    case CT_BOOL:
        pad(sb, v->shown ? v->shown : v->u ? "yes" : "no", c->width);
        return;
    case CT_FLOAT:
        snprintf(buf, sizeof buf, "%.*f", c->precision, v->f);
        break;
    case CT_MILLI:
        milli_text(buf, sizeof buf, v->kind == VAL_SIGNED ? v->i : (int64_t)v->u);
        break;
    default:
        number_cell(sb, c, v);
        if (c->type == CT_KB)
            sb_putc(sb, 'k');
        return;
    }
    pad(sb, buf, c->width);
}

/* "A|B|(none)" -> ["A","B"]: the names a flags cell lists, without the placeholder for none. */
static void flags_json(struct json *j, const char *key, const char *names)
{
    json_arr_begin(j, key);
    const char *p = names ? names : "";
    while (*p) {
        size_t len = strcspn(p, "|");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        if (len && strcmp(name, "(none)"))
            json_str(j, NULL, name);
        p += len + (p[len] == '|');
    }
    json_arr_end(j);
}

static void number_json(struct json *j, const struct column *c, const struct cell_value *v)
{
    if (c->type == CT_HEX)
        json_hex(j, c->key, v->kind == VAL_SIGNED ? (uint64_t)v->i : v->u);
    else if (v->kind == VAL_SIGNED)
        json_int(j, c->key, v->i);
    else
        json_uint(j, c->key, v->u);
}

void cell_json(struct json *j, const struct column *c, const struct cell_value *v)
{
    if (v->kind == VAL_NULL) {
        json_null(j, c->key);
        return;
    }
    switch (c->type) {
    case CT_STR:
        json_str(j, c->key, v->s);
        return;
    case CT_FLAGS:
        flags_json(j, c->key, v->s);
        return;
    case CT_BOOL:
    case CT_MARK:
        json_bool(j, c->key, v->u != 0);
        return;
    case CT_FLOAT:
        json_fixed(j, c->key, v->f, c->precision);
        return;
    case CT_MILLI:
        json_milli(j, c->key, v->kind == VAL_SIGNED ? v->i : (int64_t)v->u);
        return;
    default:
        number_json(j, c, v);
        return;
    }
}

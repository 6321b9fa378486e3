/* One value in one column, rendered for people (a padded text cell) or for programs (a JSON member). */
#include "cell.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Right-aligned for a positive width, left-aligned for a negative one; never cut. */
static void pad(strbuf *sb, const char *text, int width)
{
    int len = (int)strlen(text);
    int room = (width < 0 ? -width : width) - len;
    if (width > 0)
        for (int i = 0; i < room; i++)
            sb_putc(sb, ' ');
    sb_puts(sb, text);
    if (width < 0)
        for (int i = 0; i < room; i++)
            sb_putc(sb, ' ');
}

static void milli_text(char *buf, size_t n, int64_t v)
{
    uint64_t mag = v < 0 ? (uint64_t)-v : (uint64_t)v;
    snprintf(buf, n, "%s%" PRIu64 ".%03" PRIu64, v < 0 ? "-" : "", mag / 1000, mag % 1000);
}

static void number_text(char *buf, size_t n, const struct column *c, const struct cell_value *v)
{
    int zeros = c->flags & COL_ZERO ? c->width : 0;
    if (v->kind == VAL_SIGNED)
        snprintf(buf, n, "%" PRId64, v->i);
    else if (c->type == CT_HEX)
        snprintf(buf, n, "%0*" PRIx64, zeros, v->u);
    else
        snprintf(buf, n, "%" PRIu64, v->u);
}

static void string_text(strbuf *sb, const struct column *c, const char *s)
{
    if (!(c->flags & COL_QUOTED)) {
        pad(sb, s ? s : "", c->width);
        return;
    }
    strbuf quoted;
    sb_init(&quoted);
    sb_printf(&quoted, "\"%s\"", s ? s : "");
    pad(sb, quoted.buf, c->width);
    sb_free(&quoted);
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
    buf[0] = 0;
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
            pad(sb, "", (int)strlen(c->mark));
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
        snprintf(buf, sizeof buf, "%s", c->prefix ? c->prefix : "");
        number_text(buf + strlen(buf), sizeof buf - strlen(buf), c, v);
        break;
    }
    pad(sb, buf, c->width);
    if (c->type == CT_KB)
        sb_putc(sb, 'k');
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

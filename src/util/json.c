#include "json.h"

#include <inttypes.h>
#include <stdio.h>

void json_init(struct json *j)
{
    sb_init(&j->sb);
    j->depth = 0;
    j->need_comma[0] = false;
}

void json_free(struct json *j) { sb_free(&j->sb); }

static void put_string(strbuf *sb, const char *s)
{
    sb_putc(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { sb_putc(sb, '\\'); sb_putc(sb, (char)c); }
        else if (c == '\n') sb_puts(sb, "\\n");
        else if (c == '\t') sb_puts(sb, "\\t");
        else if (c < 0x20 || c >= 0x7f) sb_printf(sb, "\\u%04x", c);
        else sb_putc(sb, (char)c);
    }
    sb_putc(sb, '"');
}

static void prefix(struct json *j, const char *key)
{
    if (j->need_comma[j->depth]) sb_putc(&j->sb, ',');
    j->need_comma[j->depth] = true;
    if (key) { put_string(&j->sb, key); sb_putc(&j->sb, ':'); }
}

static void open_(struct json *j, const char *key, char c)
{
    prefix(j, key);
    sb_putc(&j->sb, c);
    if (j->depth < 31) j->depth++;
    j->need_comma[j->depth] = false;
}

void json_obj_begin(struct json *j, const char *key) { open_(j, key, '{'); }
void json_arr_begin(struct json *j, const char *key) { open_(j, key, '['); }
void json_obj_end(struct json *j) { if (j->depth) j->depth--; sb_putc(&j->sb, '}'); }
void json_arr_end(struct json *j) { if (j->depth) j->depth--; sb_putc(&j->sb, ']'); }

void json_str(struct json *j, const char *key, const char *v)
{
    prefix(j, key);
    if (v) put_string(&j->sb, v); else sb_puts(&j->sb, "null");
}

/* Numbers without printf: a million-row document holds millions of them. */
void json_int(struct json *j, const char *key, int64_t v)
{
    char buf[KS_NUM_MAX];
    prefix(j, key);
    sb_putn(&j->sb, buf, fmt_i64(buf, v));
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
    char buf[KS_NUM_MAX];
    prefix(j, key);
    sb_putn(&j->sb, buf, fmt_u64(buf, v));
}
void json_milli(struct json *j, const char *key, int64_t v)
{
    prefix(j, key);
    sb_printf(&j->sb, "%s%" PRId64 ".%03" PRId64, v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000, (v < 0 ? -v : v) % 1000);
}

void json_fixed(struct json *j, const char *key, double v, int precision)
{
    prefix(j, key);
    sb_printf(&j->sb, "%.*f", precision, v);
}

void json_bool(struct json *j, const char *key, bool v) { prefix(j, key); sb_puts(&j->sb, v ? "true" : "false"); }
void json_null(struct json *j, const char *key) { prefix(j, key); sb_puts(&j->sb, "null"); }

void json_hex(struct json *j, const char *key, uint64_t v)
{
    char buf[KS_NUM_MAX];
    prefix(j, key);
    sb_puts(&j->sb, "\"0x");
    sb_putn(&j->sb, buf, fmt_x64(buf, v));
    sb_putc(&j->sb, '"');
}

void json_err_fields(struct json *j, const ks_err *e)
{
    json_str(j, "kind", ks_err_kind_name(e->kind));
    if (e->space == KS_AS_NONE)
        json_null(j, "address");
    else
        json_hex(j, "address", e->addr);
    json_str(j, "address_space", ks_addr_space_name(e->space));
}

#include "printval.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARRAY_SHOWN 64
#define MAX_OBJECT_BYTES (1u << 20)
/* Nesting beyond this is a corrupt type graph (a struct containing itself): print {...}. */
#define MAX_NESTING 48

static void pad(FILE *out, int indent) { fprintf(out, "%*s", indent, ""); }

void decl_text(struct kernel *k, struct ktype *t, const char *name, char *out, size_t outsz)
{
    char suffix[64] = "";
    size_t sl = 0;
    /* A const array is an array of const elements; say it that way round. */
    for (int i = 0; i < 16 && t && (t->kind == KT_CONST || t->kind == KT_VOLATILE || t->kind == KT_QUAL) && t->target &&
                    t->target->kind == KT_ARRAY; i++)
        t = t->target;
    /* Arrays put their dimensions after the name: char comm[16]. */
    while (t && t->kind == KT_ARRAY && sl < sizeof suffix - 24) {
        sl += (size_t)snprintf(suffix + sl, sizeof suffix - sl, "[%" PRIu64 "]", t->count);
        t = t->target;
    }
    char tn[256];
    struct ktype *target = t && t->kind == KT_POINTER ? kt_target(k->dwarf, t) : NULL;
    if (target && target->kind == KT_FUNC) {
        /* A function pointer's name sits inside the declarator: loff_t (*llseek)(struct file *, loff_t, int). */
        char params[400];
        kt_name(k->dwarf, target->target, tn, sizeof tn);
        kt_func_params(k->dwarf, target, params, sizeof params);
        snprintf(out, outsz, "%s (*%s%s)%s", tn, name ? name : "", suffix, params);
        return;
    }
    kt_name(k->dwarf, t, tn, sizeof tn);
    size_t tl = strlen(tn);
    bool star = tl && tn[tl - 1] == '*';
    snprintf(out, outsz, "%s%s%s%s", tn, star || !name ? "" : " ", name ? name : "", suffix);
}

/* gdb's print/FMT of an integer of `size` bytes; false if fmt is not a number format. */
static bool print_formatted(FILE *out, uint64_t v, uint64_t size, char fmt)
{
    uint64_t bits = size < 8 ? v & ((UINT64_C(1) << (size * 8)) - 1) : v;
    /* /d shows the bits as signed whatever the type, as gdb does: p/d (unsigned char)200 is -56. */
    int64_t sv = size < 8 && (bits >> (size * 8 - 1) & 1) ? (int64_t)(bits | ~((UINT64_C(1) << (size * 8)) - 1)) : (int64_t)bits;
    switch (fmt) {
    case 'x': fprintf(out, "0x%" PRIx64, bits); return true;
    case 'o': fprintf(out, bits ? "0%" PRIo64 : "%" PRIo64, bits); return true;
    case 'd': fprintf(out, "%" PRId64, sv); return true;
    case 'u': fprintf(out, "%" PRIu64, bits); return true;
    case 't':
        for (int b = 63, any = 0; b >= 0; b--)
            if ((any |= (int)(bits >> b & 1)) || b == 0) fputc('0' + (int)(bits >> b & 1), out);
        return true;
    default: return false;
    }
}

static void print_int(FILE *out, struct ktype *s, uint64_t v, const struct printval_opts *o)
{
    if (o->fmt && o->fmt != 'c' && o->fmt != 's' && print_formatted(out, v, s->size, o->fmt)) return;
    if (s->is_bool) { fputs(v ? "true" : "false", out); return; }
    if (o->hex) { fprintf(out, "0x%" PRIx64, s->size < 8 ? v & ((UINT64_C(1) << (s->size * 8)) - 1) : v); return; }
    if (s->is_char || o->fmt == 'c') {
        int c = (int)(int8_t)v;
        fprintf(out, "%d ", s->is_signed ? c : (int)(uint8_t)v);
        if (c >= 32 && c < 127) fprintf(out, "'%s%c'", c == '\'' || c == '\\' ? "\\" : "", c);
        else fprintf(out, "'\\%03o'", (unsigned)(uint8_t)v);     /* as gdb shows it: '\000' */
        return;
    }
    if (s->is_signed) fprintf(out, "%" PRId64, (int64_t)v);
    else fprintf(out, "%" PRIu64, v);
}

static void print_enum(FILE *out, struct ktype *s, int64_t v)
{
    for (unsigned i = 0; i < s->nenums; i++)
        if (s->enums[i].value == v && s->enums[i].name) { fputs(s->enums[i].name, out); return; }
    fprintf(out, "%" PRId64, v);
}

static void print_char_array(FILE *out, const uint8_t *b, uint64_t n)
{
    /* gdb's escapes: the C ones by letter, other unprintable bytes in octal. */
    static const char esc_from[] = "\a\b\t\n\v\f\r", esc_to[] = "abtnvfr";
    fputc('"', out);
    for (uint64_t i = 0; i < n && b[i]; i++) {
        const char *e = b[i] < 32 ? strchr(esc_from, b[i]) : NULL;
        if (b[i] == '"' || b[i] == '\\') fprintf(out, "\\%c", b[i]);
        else if (b[i] >= 32 && b[i] < 127) fputc(b[i], out);
        else if (e) fprintf(out, "\\%c", esc_to[e - esc_from]);
        else fprintf(out, "\\%03o", b[i]);
    }
    fputc('"', out);
}

static void print_pointer(struct kernel *k, FILE *out, struct ktype *s, uint64_t v, const struct printval_opts *o)
{
    if (o->fmt && o->fmt != 's' && print_formatted(out, v, s->size, o->fmt == 'c' ? 'u' : o->fmt)) return;
    fprintf(out, "0x%" PRIx64, v);
    struct ktype *target = kt_strip(kt_target(k->dwarf, s));
    uint64_t delta;
    const struct ksym *sym;
    if (v && target && target->kind == KT_FUNC && (sym = ksym_at(k, v, &delta)))
        fprintf(out, delta ? " <%s+%" PRIu64 ">" : " <%s>", sym->name, delta);
    else if (v && target && target->kind == KT_BASE && target->is_char) {
        char str[128];
        if (kread_string(k, v, str, sizeof str, NULL) == 0) { fputc(' ', out); print_char_array(out, (uint8_t *)str, sizeof str); }
    }
}

static void print_members(struct kernel *k, FILE *out, struct ktype *s, const uint8_t *bytes, uint64_t addr, int indent,
                          const struct printval_opts *o)
{
    fputs("{\n", out);
    for (unsigned i = 0; i < s->nmembers; i++) {
        const struct kt_member *m = &s->members[i];
        pad(out, indent + 2);
        if (m->name) fprintf(out, "%s = ", m->name);
        if (m->bit_size) {
            uint8_t unit[8] = { 0 };
            uint64_t avail = s->size > m->offset ? s->size - m->offset : 0;
            memcpy(unit, bytes + m->offset, (size_t)KS_MIN(KS_MIN((uint64_t)kt_bit_bytes(m), (uint64_t)sizeof unit), avail));
            uint64_t v = kt_bit_value(m, unit);
            struct ktype *ms = kt_strip(m->type);
            if (ms && ms->kind == KT_ENUM) print_enum(out, ms, (int64_t)v);
            else if (ms && ms->kind == KT_BASE) print_int(out, ms, v, o);
            else fprintf(out, "%" PRIu64, v);
        } else {
            print_value(k, out, m->type, bytes + m->offset, addr + m->offset, indent + 2, o);
        }
        fputs(",\n", out);
    }
    pad(out, indent);
    fputc('}', out);
}

static void print_array(struct kernel *k, FILE *out, struct ktype *a, const uint8_t *bytes, uint64_t addr, int indent,
                        const struct printval_opts *o)
{
    struct ktype *elem = a->target, *es = kt_strip(elem);
    uint64_t esize = kt_size(elem);
    bool as_string = !o->fmt || o->fmt == 's';
    if (as_string && es && es->kind == KT_BASE && es->is_char && esize == 1) { print_char_array(out, bytes, a->count); return; }
    fputc('{', out);
    for (uint64_t i = 0; i < a->count && esize; i++) {
        if (i == MAX_ARRAY_SHOWN) { fputs(", ...", out); break; }
        if (i) fputs(", ", out);
        print_value(k, out, elem, bytes + i * esize, addr + i * esize, indent, o);
    }
    fputc('}', out);
}

/* gdb's {int (struct file *, int)} 0xc1234560 <name>: a function is its type and address. */
static void print_function(struct kernel *k, FILE *out, struct ktype *f, uint64_t addr)
{
    char tn[512], where[160];
    if (f->name && f->name[0] == '<') snprintf(tn, sizeof tn, "%s", f->name);
    else kt_name(k->dwarf, f, tn, sizeof tn);
    ksym_format(k, addr, where, sizeof where);
    fprintf(out, "{%s} 0x%" PRIx64 " <%s>", tn, addr, where);
}

void print_value(struct kernel *k, FILE *out, struct ktype *t, const uint8_t *bytes, uint64_t addr, int indent,
                 const struct printval_opts *o)
{
    struct ktype *s = kt_strip(t);
    if (!s) { fputs("<unknown type>", out); return; }
    if (indent > 2 * MAX_NESTING) { fputs("{...}", out); return; }
    switch (s->kind) {
    case KT_BASE: print_int(out, s, kdecode_int(bytes, (size_t)s->size, s->is_signed), o); break;
    case KT_ENUM:
        if (!o->fmt || !print_formatted(out, kdecode_int(bytes, (size_t)s->size, true), s->size, o->fmt))
            print_enum(out, s, (int64_t)kdecode_int(bytes, (size_t)s->size, true));
        break;
    case KT_POINTER: print_pointer(k, out, s, kdecode_int(bytes, (size_t)s->size, false), o); break;
    case KT_STRUCT: case KT_UNION: print_members(k, out, s, bytes, addr, indent, o); break;
    case KT_ARRAY: print_array(k, out, s, bytes, addr, indent, o); break;
    case KT_FUNC: print_function(k, out, s, addr); break;
    default: fputs("<void>", out); break;
    }
}

/* char name[] (an array of unknown bound, like linux_banner): gdb prints the string there. */
#define MAX_UNBOUNDED_STRING 4096

static bool unbounded_chars(struct ktype *t)
{
    struct ktype *s = kt_strip(t), *es = s && s->kind == KT_ARRAY ? kt_strip(s->target) : NULL;
    return s && s->kind == KT_ARRAY && s->count == 0 && es && es->kind == KT_BASE && es->is_char && es->size == 1;
}

static int print_unsized(struct kernel *k, FILE *out, struct ktype *t, uint64_t addr, ks_err *err)
{
    struct ktype *s = kt_strip(t);
    if (s && s->kind == KT_FUNC) {
        print_function(k, out, s, addr);
        return 0;
    }
    if (!unbounded_chars(t)) return ks_fail(err, s && s->kind == KT_VOID ? "a symbol without DWARF has unknown type; cast it: *(TYPE *)&SYMBOL" : "type has no size");
    char *str = xmalloc(MAX_UNBOUNDED_STRING);
    int rc = kread_string(k, addr, str, MAX_UNBOUNDED_STRING, err);
    if (rc == 0) print_char_array(out, (const uint8_t *)str, MAX_UNBOUNDED_STRING);
    free(str);
    return rc;
}

int print_object(struct kernel *k, FILE *out, struct ktype *t, uint64_t addr, int indent, const struct printval_opts *o,
                 ks_err *err)
{
    uint64_t size = kt_size(t);
    if (size == 0) return print_unsized(k, out, t, addr, err);
    if (size > MAX_OBJECT_BYTES) return ks_fail(err, "object of %" PRIu64 " bytes is too large to print", size);
    uint8_t *bytes = xmalloc((size_t)size);
    int rc = kread(k, addr, bytes, (size_t)size, err);
    if (rc == 0) print_value(k, out, t, bytes, addr, indent, o);
    free(bytes);
    return rc;
}

void print_layout(struct kernel *k, FILE *out, struct ktype *t, bool show_offsets, int indent, uint64_t base,
                  const char *declared)
{
    struct ktype *s = kt_strip(t);
    char tn[256];
    if (s && !s->name) snprintf(tn, sizeof tn, "%s", s->kind == KT_UNION ? "union" : "struct");
    else kt_name(k->dwarf, s, tn, sizeof tn);
    fprintf(out, "%s {\n", tn);
    for (unsigned i = 0; s && i < s->nmembers; i++) {
        const struct kt_member *m = &s->members[i];
        struct ktype *ms = kt_strip(m->type);
        if (show_offsets) fprintf(out, "%*s[%" PRIu64 "] ", indent + 2, "", base + m->offset);
        else pad(out, indent + 4);
        if (!m->name && ms && (ms->kind == KT_STRUCT || ms->kind == KT_UNION)) {
            /* Anonymous members are shown inline, as the source has them. */
            print_layout(k, out, ms, show_offsets, indent + 4, base + m->offset, NULL);
            fputs(";\n", out);
            continue;
        }
        char decl[320];
        decl_text(k, m->type, m->name, decl, sizeof decl);
        if (m->bit_size) fprintf(out, "%s : %u;\n", decl, m->bit_size);
        else fprintf(out, "%s;\n", decl);
    }
    pad(out, indent);
    fputc('}', out);
    if (indent == 0) fprintf(out, "%s%s%s\nSIZE: %" PRIu64 "\n", declared ? " " : "", declared ? declared : "", declared ? ";" : "", kt_size(s));
}

/* ---- JSON ---- */

static void json_at(struct kernel *k, struct json *j, const char *key, struct ktype *t, const uint8_t *bytes, int depth);

static void json_members(struct kernel *k, struct json *j, struct ktype *s, const uint8_t *bytes, int depth)
{
    for (unsigned i = 0; i < s->nmembers; i++) {
        const struct kt_member *m = &s->members[i];
        struct ktype *ms = kt_strip(m->type);
        if (m->bit_size) {
            uint8_t unit[8] = { 0 };
            uint64_t avail = s->size > m->offset ? s->size - m->offset : 0;
            memcpy(unit, bytes + m->offset, (size_t)KS_MIN(KS_MIN((uint64_t)kt_bit_bytes(m), (uint64_t)sizeof unit), avail));
            json_uint(j, m->name ? m->name : "", kt_bit_value(m, unit));
        } else if (!m->name && ms && (ms->kind == KT_STRUCT || ms->kind == KT_UNION) && depth < MAX_NESTING) {
            json_members(k, j, ms, bytes + m->offset, depth + 1);
        } else {
            json_at(k, j, m->name ? m->name : "", m->type, bytes + m->offset, depth + 1);
        }
    }
}

void json_value(struct kernel *k, struct json *j, const char *key, struct ktype *t, const uint8_t *bytes)
{
    json_at(k, j, key, t, bytes, 0);
}

static void json_at(struct kernel *k, struct json *j, const char *key, struct ktype *t, const uint8_t *bytes, int depth)
{
    struct ktype *s = kt_strip(t);
    if (!s || depth > MAX_NESTING) { json_null(j, key); return; }
    switch (s->kind) {
    case KT_BASE: {
        uint64_t v = kdecode_int(bytes, (size_t)s->size, s->is_signed);
        if (s->is_bool) json_bool(j, key, v != 0);
        else if (s->is_signed) json_int(j, key, (int64_t)v);
        else json_uint(j, key, v);
        break;
    }
    case KT_ENUM: {
        int64_t v = (int64_t)kdecode_int(bytes, (size_t)s->size, true);
        const char *name = NULL;
        for (unsigned i = 0; i < s->nenums && !name; i++)
            if (s->enums[i].value == v) name = s->enums[i].name;
        if (name) json_str(j, key, name); else json_int(j, key, v);
        break;
    }
    case KT_POINTER: json_hex(j, key, kdecode_int(bytes, (size_t)s->size, false)); break;
    case KT_STRUCT: case KT_UNION:
        json_obj_begin(j, key);
        json_members(k, j, s, bytes, depth);
        json_obj_end(j);
        break;
    case KT_ARRAY: {
        struct ktype *es = kt_strip(s->target);
        uint64_t esize = kt_size(s->target);
        if (es && es->kind == KT_BASE && es->is_char && esize == 1) {
            char *str = xmalloc((size_t)s->count + 1);
            memcpy(str, bytes, (size_t)s->count);
            str[s->count] = 0;
            json_str(j, key, str);
            free(str);
            break;
        }
        json_arr_begin(j, key);
        for (uint64_t i = 0; i < s->count && esize && i < MAX_ARRAY_SHOWN; i++) json_at(k, j, NULL, s->target, bytes + i * esize, depth + 1);
        json_arr_end(j);
        break;
    }
    default: json_null(j, key); break;
    }
}

static int json_unsized(struct kernel *k, struct json *j, const char *key, struct ktype *t, uint64_t addr, ks_err *err)
{
    struct ktype *s = kt_strip(t);
    if (s && s->kind == KT_FUNC) {
        json_hex(j, key, addr);
        return 0;
    }
    if (!unbounded_chars(t)) return ks_fail(err, s && s->kind == KT_VOID ? "a symbol without DWARF has unknown type; cast it: *(TYPE *)&SYMBOL" : "type has no size");
    char *str = xmalloc(MAX_UNBOUNDED_STRING);
    int rc = kread_string(k, addr, str, MAX_UNBOUNDED_STRING, err);
    if (rc == 0) json_str(j, key, str);
    free(str);
    return rc;
}

int json_object(struct kernel *k, struct json *j, const char *key, struct ktype *t, uint64_t addr, ks_err *err)
{
    uint64_t size = kt_size(t);
    if (size == 0) return json_unsized(k, j, key, t, addr, err);
    if (size > MAX_OBJECT_BYTES) return ks_fail(err, "object of %" PRIu64 " bytes is too large to print", size);
    uint8_t *bytes = xmalloc((size_t)size);
    int rc = kread(k, addr, bytes, (size_t)size, err);
    if (rc == 0) json_value(k, j, key, t, bytes);
    free(bytes);
    return rc;
}

static void json_layout_members(struct kernel *k, struct json *j, struct ktype *s, uint64_t base)
{
    for (unsigned i = 0; s && i < s->nmembers; i++) {
        const struct kt_member *m = &s->members[i];
        struct ktype *ms = kt_strip(m->type);
        if (!m->name && ms && (ms->kind == KT_STRUCT || ms->kind == KT_UNION)) {
            json_layout_members(k, j, ms, base + m->offset);
            continue;
        }
        char tn[256];
        kt_name(k->dwarf, m->type, tn, sizeof tn);
        json_obj_begin(j, NULL);
        json_str(j, "name", m->name);
        json_uint(j, "offset", base + m->offset);
        json_str(j, "type", tn);
        if (m->bit_size) { json_uint(j, "bits", m->bit_size); json_uint(j, "bit_offset", kt_bit_shift(m)); }
        json_obj_end(j);
    }
}

void json_layout(struct kernel *k, struct json *j, struct ktype *t)
{
    struct ktype *s = kt_strip(t);
    char tn[256];
    kt_name(k->dwarf, s, tn, sizeof tn);
    json_str(j, "type", tn);
    json_uint(j, "size", kt_size(s));
    json_arr_begin(j, "members");
    json_layout_members(k, j, s, 0);
    json_arr_end(j);
}

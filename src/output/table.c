/* Tables and records: JSON is written as values are put (in put order); text is collected cell by
 * cell and printed a line at a time, in column order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"

static void init_table(struct table *t, struct session *s, enum table_shape shape, const struct column *cols, size_t ncols)
{
    if (ncols > TABLE_MAX_COLS) {
        fprintf(stderr, "output: a table of %zu columns (at most %d)\n", ncols, TABLE_MAX_COLS);
        abort();
    }
    memset(t, 0, sizeof *t);
    t->s = s;
    t->shape = shape;
    t->cols = cols;
    t->ncols = ncols;
    t->style = STYLE_COLUMNS;
    t->header = HEADER_ONCE;
    for (size_t i = 0; i < ncols; i++)
        sb_init(&t->cell[i]);
    sb_init(&t->line);
}

void table_open(struct session *s, struct table *t, const char *key, enum table_shape shape, const struct column *cols,
                size_t ncols)
{
    init_table(t, s, shape, cols, ncols);
    if (shape == SHAPE_OBJECT)
        t->style = STYLE_LABELS; /* the document is its one row, told in label lines */
    if (!s->json)
        return;
    t->j = &t->doc;
    json_init(t->j);
    json_obj_begin(t->j, NULL);
    if (shape == SHAPE_LIST)
        json_arr_begin(t->j, key);
}

static void flush_line(struct table *t);

void table_open_rows(struct session *s, struct table *t, struct json *j, const struct column *cols, size_t ncols)
{
    init_table(t, s, SHAPE_ROWS, cols, ncols);
    t->header = HEADER_NONE;
    t->j = j;
}

static int find_column(const struct table *t, const char *key);

/* People see a pairs table under a titled list column as more cells of the parent's line
 * (migratetypes as columns); the column's title heads them. */
static bool open_inline(struct table *parent, struct table *t, const char *key)
{
    int i = key && !parent->j ? find_column(parent, key) : -1;
    if (i < 0 || !parent->cols[i].title)
        return false;
    t->inline_of = parent;
    t->inline_col = (size_t)i;
    sb_reset(&parent->cell[i]);
    parent->has[i] = true;
    return true;
}

void table_open_in(struct table *parent, struct table *t, const char *key, enum table_shape shape, const struct column *cols,
                   size_t ncols)
{
    init_table(t, parent->s, shape, cols, ncols);
    t->parent = parent;
    t->j = parent->j;
    if (shape == SHAPE_PAIRS)
        t->header = HEADER_NONE; /* a pair's name is its label */
    if (shape == SHAPE_PAIRS && open_inline(parent, t, key))
        return;
    flush_line(parent); /* the parent's own line comes before the nested table's */
    if (!t->j)
        return;
    if (shape == SHAPE_LIST || shape == SHAPE_VALUES)
        json_arr_begin(t->j, key);
    else if (shape == SHAPE_OBJECT || shape == SHAPE_PAIRS)
        json_obj_begin(t->j, key);
}

void table_set_header(struct table *t, enum header_rule rule)
{
    t->header = rule;
}
void table_set_style(struct table *t, enum text_style style)
{
    t->style = style;
}
bool table_is_json(const struct table *t)
{
    return t->j != NULL;
}

void table_print_header(struct table *t)
{
    if (t->j)
        return;
    bool titled = false; /* a table only programs see has no header line */
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].title) {
            fputs(t->cols[i].title, t->s->out);
            titled = true;
        }
    if (titled)
        fputc('\n', t->s->out);
    t->header_shown = true;
}

static bool header_due(const struct table *t)
{
    if (t->style != STYLE_COLUMNS || t->header == HEADER_NONE)
        return false;
    return t->header == HEADER_EACH_ROW || !t->header_shown;
}

static void flush_line(struct table *t)
{
    size_t filled = 0;
    for (size_t i = 0; i < t->ncols; i++)
        filled += t->has[i];
    if (t->j || !filled)
        return;
    if (header_due(t))
        table_print_header(t);
    strbuf *line = &t->line;
    sb_reset(line);
    for (size_t i = 0; i < t->ncols; i++) {
        if (!t->has[i])
            continue;
        if ((t->cols[i].flags & COL_BREAK) && line->len)
            sb_putc(line, '\n');
        sb_fill(line, ' ', t->cols[i].gap > 0 ? (size_t)t->cols[i].gap : 0);
        if (t->style == STYLE_LABELS)
            sb_puts(line, t->cols[i].title);
        sb_putn(line, t->cell[i].buf ? t->cell[i].buf : "", t->cell[i].len);
        t->has[i] = false;
    }
    sb_putc(line, '\n');
    fputs(line->buf, t->s->out); /* not fwrite: a cell holding a NUL ended the line there, and still does */
}

void table_flush(struct table *t)
{
    flush_line(t);
}

void table_drop_line(struct table *t)
{
    memset(t->has, 0, sizeof t->has);
}

void table_text(struct table *t, const char *fmt, ...)
{
    if (t->j)
        return;
    flush_line(t);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t->s->out, fmt, ap);
    va_end(ap);
}

/* Rows of a list are objects of their own; a one-object or merged table's rows are its members. */
static bool row_is_object(const struct table *t)
{
    return t->j && (t->shape == SHAPE_LIST || t->shape == SHAPE_ROWS);
}

void row_begin(struct table *t)
{
    if (row_is_object(t))
        json_obj_begin(t->j, NULL);
}

void row_end(struct table *t)
{
    flush_line(t);
    if (row_is_object(t))
        json_obj_end(t->j);
}

static void close_json(struct table *t, int rc)
{
    if (t->shape == SHAPE_LIST || t->shape == SHAPE_VALUES)
        json_arr_end(t->j);
    else if ((t->shape == SHAPE_OBJECT || t->shape == SHAPE_PAIRS) && t->parent)
        json_obj_end(t->j);
    if (t->parent || t->shape == SHAPE_ROWS)
        return;
    json_obj_end(t->j);
    if (!rc) {
        fputs(t->j->sb.buf ? t->j->sb.buf : "{}", t->s->out);
        fputc('\n', t->s->out);
    }
    json_free(t->j);
}

int table_end(struct table *t, int rc)
{
    flush_line(t);
    if (t->j)
        close_json(t, rc);
    else if (t->header == HEADER_ONCE && header_due(t))
        table_print_header(t);
    for (size_t i = 0; i < t->ncols; i++)
        sb_free(&t->cell[i]);
    sb_free(&t->line);
    return rc;
}

/* ---- values ---- */

static bool column_is(const struct column *c, const char *key)
{
    return c->key && (c->key == key || !strcmp(c->key, key));
}

/* Commands put a row's values in column order: the search starts after the last column found. */
static int find_column(const struct table *t, const char *key)
{
    for (size_t n = 0, i = t->next_col; n < t->ncols; n++, i = i + 1 < t->ncols ? i + 1 : 0)
        if (column_is(&t->cols[i], key))
            return (int)i;
    return -1;
}

static const struct column *column_of(struct table *t, const char *key, size_t *index)
{
    int i = find_column(t, key);
    if (i >= 0) {
        *index = (size_t)i;
        t->next_col = (size_t)i + 1 < t->ncols ? (size_t)i + 1 : 0;
        return &t->cols[i];
    }
    /* A command naming a column it did not describe is a bug in that command, not in the dump. */
    fprintf(stderr, "output: no column \"%s\" in this table\n", key);
    abort();
}

static void put(struct table *t, const char *key, const struct cell_value *v)
{
    size_t i;
    const struct column *c = column_of(t, key, &i);
    if (t->j) {
        if (!(c->flags & COL_TEXT_ONLY))
            cell_json(t->j, c, v);
        return;
    }
    if (!c->title || v->not_shown)
        return;
    sb_reset(&t->cell[i]);
    cell_text(&t->cell[i], c, v);
    t->has[i] = true;
}

void put_u(struct table *t, const char *key, uint64_t v)
{
    put(t, key, &(struct cell_value){.kind = VAL_UNSIGNED, .u = v});
}
void put_i(struct table *t, const char *key, int64_t v)
{
    put(t, key, &(struct cell_value){.kind = VAL_SIGNED, .i = v});
}
void put_f(struct table *t, const char *key, double v)
{
    put(t, key, &(struct cell_value){.kind = VAL_FLOAT, .f = v});
}
void put_b(struct table *t, const char *key, bool v)
{
    put(t, key, &(struct cell_value){.kind = VAL_UNSIGNED, .u = v});
}
void put_null(struct table *t, const char *key)
{
    put(t, key, &(struct cell_value){.kind = VAL_NULL});
}

void put_s(struct table *t, const char *key, const char *v)
{
    put(t, key, &(struct cell_value){.kind = VAL_STRING, .s = v});
}

void put_s_as(struct table *t, const char *key, const char *value, const char *shown)
{
    put(t, key, &(struct cell_value){.kind = VAL_STRING, .s = value, .shown = shown, .not_shown = !shown});
}

void put_b_as(struct table *t, const char *key, bool value, const char *shown)
{
    put(t, key, &(struct cell_value){.kind = VAL_UNSIGNED, .u = value, .shown = shown});
}

void put_u_as(struct table *t, const char *key, uint64_t value, uint64_t shown)
{
    put_u(t, key, t->j ? value : shown);
}

void put_null_as(struct table *t, const char *key, const char *shown)
{
    put(t, key, &(struct cell_value){.kind = VAL_NULL, .shown = shown});
}

void put_unreadable(struct table *t, const char *key, const ks_err *e)
{
    char shown[80];
    if (e->space == KS_AS_NONE)
        snprintf(shown, sizeof shown, "(unreadable: %s)", ks_err_kind_name(e->kind));
    else
        snprintf(shown, sizeof shown, "(unreadable: %s at %llx)", ks_err_kind_name(e->kind), (unsigned long long)e->addr);
    put_null_as(t, key, shown);
}

void put_error(struct table *t, const char *key, const ks_err *e)
{
    size_t i;
    column_of(t, key, &i); /* a key the table did not describe is the command's bug */
    if (!t->j)
        return;
    json_obj_begin(t->j, key);
    json_str(t->j, "message", e->msg);
    json_err_fields(t->j, e);
    json_obj_end(t->j);
}

void put_pair_u(struct table *t, const char *name, uint64_t v)
{
    if (t->ncols != 2) {
        fprintf(stderr, "output: a pairs table has a name column and a value column\n");
        abort();
    }
    if (t->j) {
        struct column named = t->cols[1];
        named.key = name;
        cell_json(t->j, &named, &(struct cell_value){.kind = VAL_UNSIGNED, .u = v});
        return;
    }
    if (t->inline_of) {
        strbuf *cell = &t->inline_of->cell[t->inline_col];
        for (int g = 0; g < t->cols[1].gap; g++)
            sb_putc(cell, ' ');
        cell_text(cell, &t->cols[1], &(struct cell_value){.kind = VAL_UNSIGNED, .u = v});
        return;
    }
    row_begin(t);
    put_s(t, t->cols[0].key, name);
    put_u(t, t->cols[1].key, v);
    row_end(t);
}

static void put_value(struct table *t, const struct cell_value *v)
{
    if (!t->j)
        return;
    struct column unnamed = t->cols[0]; /* array elements have no key */
    unnamed.key = NULL;
    cell_json(t->j, &unnamed, v);
}

void put_value_u(struct table *t, uint64_t v)
{
    put_value(t, &(struct cell_value){.kind = VAL_UNSIGNED, .u = v});
}
void put_value_null(struct table *t)
{
    put_value(t, &(struct cell_value){.kind = VAL_NULL});
}

int put_rendered(struct table *t, const char *key, const struct cell_render *r, ks_err *err)
{
    size_t i;
    const struct column *c = column_of(t, key, &i);
    if (t->j)
        return c->flags & COL_TEXT_ONLY ? 0 : r->json(r->arg, t->j, key, err);
    if (!c->title)
        return 0;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return ks_fail(err, "out of memory");
    int rc = r->text(r->arg, mem, err);
    fclose(mem);
    while (len && text[len - 1] == '\n') /* the line ends where the table says */
        text[--len] = 0;
    if (rc == 0)
        put(t, key, &(struct cell_value){.kind = VAL_STRING, .s = text});
    else
        table_drop_line(t); /* no half line for a value that could not be read */
    free(text);
    return rc;
}

int put_pair_rendered(struct table *t, const char *name, const struct cell_render *r, ks_err *err)
{
    if (t->j)
        return r->json(r->arg, t->j, name, err);
    row_begin(t);
    put_s(t, t->cols[0].key, name);
    int rc = put_rendered(t, t->cols[1].key, r, err);
    row_end(t);
    return rc;
}

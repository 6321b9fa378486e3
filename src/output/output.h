/*
 * output: one way for a command to say what it prints. A command describes its rows once, as
 * typed, named columns, and puts each value by name; the session decides how that is rendered:
 *   - for people (s->json off): crash's layout — a header line made of the column titles, then one
 *     line per row, each cell in its column's width and alignment (or, in the label style,
 *     "TITLE value" pairs on one line, as crash's "PID: 40  TASK: ..." lines are);
 *   - for programs (s->json on): one JSON document per command on one line, members in the order
 *     the command put them.
 * A column is seen by both renderings unless it says otherwise: no title (JSON only) or
 * COL_TEXT_ONLY (text only). Titles are crash's header fragments, leading spaces included, since
 * crash places its headers by hand. Tables nest: a list of rows under a key, one object under a
 * key, more members of the enclosing row, name/value pairs named at run time, plain values.
 * Text that is no table (sentences, maps) goes through table_text, in order with the rows.
 * All state is in the table object; nothing is global.
 *
 *   static const struct column ps_cols[] = { COL_MARK(">", "running"), COL_U("   PID", "pid", 1, 6), ... };
 *   struct table t;
 *   table_begin(s, &t, "tasks", ps_cols);           // text: nothing yet; JSON: {"tasks":[
 *   row_begin(&t); put_u(&t, "pid", pid); ... row_end(&t);
 *   return table_end(&t, rc);                        // JSON document printed only when rc == 0
 */
#ifndef KS_OUTPUT_H
#define KS_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../session.h"
#include "../util/json.h"

enum col_type {
    CT_UNSIGNED, /* text: decimal; JSON: number. Counts, PIDs, page frame numbers. */
    CT_SIGNED,   /* text: decimal with sign; JSON: number */
    CT_HEX,      /* text: hex without 0x (crash's addresses); JSON: "0x..." string */
    CT_KB,       /* a size in KB: text: decimal and "k"; JSON: number */
    CT_STR,      /* text: as is (COL_QUOTED: in double quotes); JSON: string, or null */
    CT_FLAGS,    /* names joined by '|': text: as is; JSON: array of the names ("(none)" left out) */
    CT_BOOL,     /* text: yes/no; JSON: true/false */
    CT_MARK,     /* a bool shown in text as the column's mark, or as many spaces; JSON: true/false */
    CT_FLOAT,    /* text and JSON: fixed point with the column's precision */
    CT_MILLI,    /* thousandths, printed as the kernel prints them: -1000 -> -1.000 */
    CT_LIST,     /* a nested table (list or object) under this key: see table_begin_in */
    CT_RENDERED, /* a value whose two renderings another layer owns (a kernel object as gdb prints it
                  * and as JSON): see put_rendered */
};

#define COL_TEXT_ONLY 1u /* named for put_*, but not a JSON member */
#define COL_QUOTED    2u /* text in double quotes */
#define COL_ZERO      4u /* text: a number padded with zeros to the width (crash's %08lx) */
#define COL_BREAK     8u /* text: the cell starts a new line (a register block is one row of four lines) */

struct column {
    enum col_type type;
    const char *title;  /* text: the header fragment as crash places it, leading spaces included (labels
                         * style: the label, e.g. "PID: "); NULL: JSON only */
    const char *key;    /* the name put_* uses, and the JSON member name */
    int gap;            /* spaces before the cell */
    int width;          /* the cell's width; negative: left-aligned; 0: as wide as the value */
    int precision;      /* CT_FLOAT: digits after the point */
    unsigned flags;     /* COL_TEXT_ONLY, COL_QUOTED, COL_ZERO, COL_BREAK */
    const char *mark;   /* CT_MARK: what a true value shows */
    const char *prefix; /* text: written before the value, inside the cell's width (bt's " #3") */
    const char *suffix; /* text: written after the cell ("," after a member's value, "]" after a slot) */
};

#define COLUMN(type_, title_, key_, gap_, width_, prec_, flags_)                                                                 \
    {                                                                                                                            \
        .type = (type_), .title = (title_), .key = (key_), .gap = (gap_), .width = (width_), .precision = (prec_),               \
        .flags = (flags_)                                                                                                        \
    }
#define COL_U(title, key, gap, width)            COLUMN(CT_UNSIGNED, title, key, gap, width, 0, 0)
#define COL_PFN(title, key, gap, width)          COLUMN(CT_UNSIGNED, title, key, gap, width, 0, 0)
#define COL_I(title, key, gap, width)            COLUMN(CT_SIGNED, title, key, gap, width, 0, 0)
#define COL_X(title, key, gap, width)            COLUMN(CT_HEX, title, key, gap, width, 0, 0)
#define COL_ADDR(title, key, gap, width)         COLUMN(CT_HEX, title, key, gap, width, 0, 0)
#define COL_KB(title, key, gap, width)           COLUMN(CT_KB, title, key, gap, width, 0, 0)
#define COL_S(title, key, gap, width)            COLUMN(CT_STR, title, key, gap, width, 0, 0)
#define COL_QS(title, key, gap)                  COLUMN(CT_STR, title, key, gap, 0, 0, COL_QUOTED)
#define COL_FLAGS(title, key, gap, width)        COLUMN(CT_FLAGS, title, key, gap, width, 0, 0)
#define COL_BOOL(title, key, gap, width)         COLUMN(CT_BOOL, title, key, gap, width, 0, 0)
#define COL_F(title, key, gap, width, precision) COLUMN(CT_FLOAT, title, key, gap, width, precision, 0)
#define COL_MILLI(title, key, gap, width)        COLUMN(CT_MILLI, title, key, gap, width, 0, 0)
#define COL_MARK(mark_, key_)                                                                                                    \
    {                                                                                                                            \
        .type = CT_MARK, .title = "", .key = (key_), .mark = (mark_)                                                             \
    }
#define COL_LIST(key) COLUMN(CT_LIST, NULL, key, 0, 0, 0, 0)
/* The same with more: flags and a text suffix. */
#define COL_MORE(type_, title_, key_, gap_, width_, flags_, suffix_)                                                             \
    {                                                                                                                            \
        .type = (type_), .title = (title_), .key = (key_), .gap = (gap_), .width = (width_), .flags = (flags_),                  \
        .suffix = (suffix_)                                                                                                      \
    }
/* crash's %08lx: an address zero-padded to 8 digits. */
#define COL_X8(title, key, gap) COL_MORE(CT_HEX, title, key, gap, 8, COL_ZERO, NULL)
/* Why a row's object could not be read, for programs (put_error). */
#define COL_ERROR(key) COLUMN(CT_LIST, NULL, key, 0, 0, 0, 0)
/* A value printed by its own renderer (put_rendered). */
#define COL_VALUE(title, key, gap) COLUMN(CT_RENDERED, title, key, gap, 0, 0, 0)
/* A member only programs see. */
#define COL_JSON(type, key) COLUMN(type, NULL, key, 0, 0, 0, 0)
/* A cell only people see (a derived figure such as %MEM, or a text-only label). */
#define COL_TEXT(type, title, key, gap, width) COLUMN(type, title, key, gap, width, 0, COL_TEXT_ONLY)

/* When the header line of a columns-style table is printed. */
enum header_rule {
    HEADER_ONCE,      /* before the first row, or at the end if there was none (crash prints it anyway) */
    HEADER_WITH_ROWS, /* before the first row; never without a row */
    HEADER_EACH_ROW,  /* before every row */
    HEADER_NONE,
};

enum table_shape {
    SHAPE_LIST,   /* "key":[{row},...] */
    SHAPE_OBJECT, /* "key":{the one row}; at the top, the document itself */
    SHAPE_MERGE,  /* the rows' members go into the enclosing row */
    SHAPE_ROWS,   /* objects in a JSON array the caller owns (table_open_rows) */
    SHAPE_PAIRS,  /* "key":{name:value,...}, names known only at run time (put_pair_*) */
    SHAPE_VALUES, /* "key":[value,...]: plain values of the one column (put_value_*); programs only */
};

enum text_style {
    STYLE_COLUMNS, /* a header line of titles, then one line per row */
    STYLE_LABELS,  /* each cell as title + value, one line per row, no header */
};

#define TABLE_MAX_COLS 32

struct table {
    struct session *s;
    struct table *parent;
    struct table *inline_of; /* a pairs table shown as cells of this table's line */
    size_t inline_col;
    const struct column *cols;
    size_t ncols;
    enum table_shape shape;
    enum text_style style;
    enum header_rule header;
    struct json *j;  /* the document being written; NULL in text mode */
    struct json doc; /* owned by the top-level table */
    bool header_shown;
    bool has[TABLE_MAX_COLS];    /* which cells of the current text line are filled */
    strbuf cell[TABLE_MAX_COLS]; /* the text of each filled cell */
    strbuf line;                 /* text: the line being joined, kept from row to row */
    size_t next_col;             /* where put_* looks for a key first: rows are put in column order */
};

/* A top-level list {"key":[...]} shown as columns; a top-level object {...} shown as labels. */
void table_open(struct session *s, struct table *t, const char *key, enum table_shape shape, const struct column *cols,
                size_t ncols);
/* A table inside the current row of parent: a list (SHAPE_LIST), one object (SHAPE_OBJECT), or
 * more members of that row (SHAPE_MERGE, key NULL). Text the parent had pending is printed first. */
void table_open_in(struct table *parent, struct table *t, const char *key, enum table_shape shape, const struct column *cols,
                   size_t ncols);
/* Rows as objects inside a JSON array someone else opened (j; NULL: text), for helpers older than
 * this model. */
void table_open_rows(struct session *s, struct table *t, struct json *j, const struct column *cols, size_t ncols);
#define table_begin(s, t, key, cols) table_open(s, t, key, SHAPE_LIST, cols, ARRAY_SIZE(cols))
#define record_begin(s, t, cols)     table_open(s, t, NULL, SHAPE_OBJECT, cols, ARRAY_SIZE(cols))
#define table_begin_in(parent, t, key, cols)                                                                                     \
    table_open_in(parent, t, key, (key) ? SHAPE_LIST : SHAPE_MERGE, cols, ARRAY_SIZE(cols))
/* Names and values known only at run time (enumerators, migratetypes): cols are the name's column
 * and the value's; text shows one row per pair, JSON one member per pair. */
#define pairs_begin_in(parent, t, key, cols)  table_open_in(parent, t, key, SHAPE_PAIRS, cols, ARRAY_SIZE(cols))
#define values_begin_in(parent, t, key, cols) table_open_in(parent, t, key, SHAPE_VALUES, cols, ARRAY_SIZE(cols))
#define object_begin_in(parent, t, key, cols) table_open_in(parent, t, key, SHAPE_OBJECT, cols, ARRAY_SIZE(cols))
/* Finish the table: text still pending is printed; a top-level JSON document is printed when rc
 * is 0 (a failing command prints its error document instead). Returns rc. */
int table_end(struct table *t, int rc);
#define record_end table_end

void table_set_header(struct table *t, enum header_rule rule);
void table_set_style(struct table *t, enum text_style style);
/* The header line now (for layouts that repeat it); text mode only. */
void table_print_header(struct table *t);
/* A line only people see, printf-style, newline included by the caller. */
void table_text(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool table_is_json(const struct table *t);
/* Print the pending text line now, before text the model does not describe (a printed struct). */
void table_flush(struct table *t);

/* Text: forget the cells of the pending line (a value that could not be read shows no label). */
void table_drop_line(struct table *t);

void row_begin(struct table *t);
void row_end(struct table *t);

/* Values, by column key. The column's type decides how each rendering shows it. */
void put_u(struct table *t, const char *key, uint64_t v);
void put_i(struct table *t, const char *key, int64_t v);
void put_f(struct table *t, const char *key, double v);
void put_b(struct table *t, const char *key, bool v);
void put_s(struct table *t, const char *key, const char *v); /* NULL: JSON null, empty text */
void put_null(struct table *t, const char *key);             /* JSON null; text: an empty cell */
/* A string people see differently from programs: kernel threads' [comm], names as the page
 * level calls them; shown NULL: people see no cell at all. */
void put_s_as(struct table *t, const char *key, const char *value, const char *shown);
/* A number people see in another form: vtop shows the page directory by its kernel virtual
 * address, programs get its physical address. */
void put_u_as(struct table *t, const char *key, uint64_t value, uint64_t shown);
/* JSON null; people see shown ("-", "(not mapped)") in the cell. */
void put_null_as(struct table *t, const char *key, const char *shown);
/* A value that could not be read, in a row that goes on (a walk that steps past what it cannot
 * read): JSON null; people see "(unreadable: KIND at ADDRESS)" (no address when the error has none). */
void put_unreadable(struct table *t, const char *key, const ks_err *e);
/* Why the row's object could not be read, under a COL_ERROR column: programs get
 * {"message","kind","address","address_space"} as a failed command's document says them; people
 * read the command's error line instead. */
void put_error(struct table *t, const char *key, const ks_err *e);
/* A bool people see as a word of the command's own ("on", "USER-MODE"). */
void put_b_as(struct table *t, const char *key, bool value, const char *shown);
/* A value whose renderings belong to another layer: text() writes what people see (it may span
 * lines), json() writes one JSON member under key. One description, two renderers. When the renderer
 * fails nothing of the pending text line is shown (a value that cannot be read is never shown,
 * nor its label): returns -1 with err. */
struct cell_render {
    int (*text)(void *arg, FILE *out, ks_err *err);
    int (*json)(void *arg, struct json *j, const char *key, ks_err *err);
    void *arg;
};
int put_rendered(struct table *t, const char *key, const struct cell_render *r, ks_err *err);
/* One pair of a pairs table (a row of its own). */
void put_pair_u(struct table *t, const char *name, uint64_t v);
/* One pair whose value has its own renderers (struct NAME.a,b ADDRESS: each member by name). */
int put_pair_rendered(struct table *t, const char *name, const struct cell_render *r, ks_err *err);
/* One element of a values table. */
void put_value_u(struct table *t, uint64_t v);
void put_value_null(struct table *t);

#endif

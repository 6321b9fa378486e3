/*
 * The output model on a small table rendered both ways, checked to the byte: header fragments,
 * gaps, right and left alignment, a mark column, text-only and JSON-only columns, JSON escaping,
 * null, fixed-point numbers, a nested list with its own header, a label-style record, a
 * failing command (no JSON document), and rows of a walk that steps past what it cannot read. Numbers are written without printf: each is checked against
 * what snprintf writes for the same value, width, padding and prefix.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "output/output.h"

#define CHECK_STR(got, want)                                                                                                     \
    do {                                                                                                                         \
        if (!strcmp((got), (want)))                                                                                              \
            check_passed++;                                                                                                      \
        else {                                                                                                                   \
            check_failed++;                                                                                                      \
            fprintf(stderr, "%s:%d: got\n[%s]\nexpected\n[%s]\n", __FILE__, __LINE__, (got), (want));                            \
        }                                                                                                                        \
    } while (0)

/* A session whose output is kept in memory, rendering for people or for programs. */
struct capture {
    char *buf;
    size_t len;
    struct session *s;
};

static struct session *capture_begin(struct capture *c, bool json)
{
    c->buf = NULL;
    c->len = 0;
    c->s = calloc(1, sizeof *c->s);
    c->s->out = open_memstream(&c->buf, &c->len);
    c->s->json = json;
    return c->s;
}

/* The bytes printed; the caller frees them. */
static char *capture_end(struct capture *c)
{
    fclose(c->s->out);
    free(c->s);
    return c->buf;
}

static const struct column task_cols[] = {
    COL_MARK(">", "running"),
    COL_U("  PID", "pid", 1, 5),
    COL_ADDR("    TASK", "task", 2, 8),
    COL_S(" COMM", "comm", 1, -8),
    COLUMN(CT_FLOAT, "  %MEM", "mem", 1, 5, 1, COL_TEXT_ONLY),
    COL_KB("   VSZ", "vsz_kb", 1, 5),
    COL_MILLI("  FRAG", "frag", 1, 6),
    COL_LIST("maps"),
    COL_JSON(CT_BOOL, "kernel_thread"),
};

static const struct column map_cols[] = {
    COL_X("  START", "start", 2, 6),
    COL_FLAGS(" FLAGS", "flags", 1, 0),
};

struct task {
    unsigned pid;
    uint64_t task;
    const char *comm;
    bool running;
    int64_t frag;
};

static void one_task(struct table *t, const struct task *x, bool with_maps)
{
    row_begin(t);
    put_u(t, "pid", x->pid);
    put_u(t, "task", x->task);
    put_s(t, "comm", x->comm);
    put_f(t, "mem", 12.345);
    put_u(t, "vsz_kb", 1024);
    put_i(t, "frag", x->frag);
    put_b(t, "running", x->running);
    if (with_maps) {
        struct table m;
        table_begin_in(t, &m, "maps", map_cols);
        row_begin(&m);
        put_u(&m, "start", 0x8048000);
        put_s(&m, "flags", "READ|EXEC|(none)");
        row_end(&m);
        table_end(&m, 0);
    }
    put_b(t, "kernel_thread", !x->running);
    row_end(t);
}

/* Render the two tasks with s->json as given; returns the bytes printed (caller frees). */
static char *render(bool json, int rc)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    struct table t;
    table_begin(s, &t, "tasks", task_cols);
    one_task(&t, &(struct task){1, 0xc1303ec0, "init", true, 125}, false);
    one_task(&t, &(struct task){12345, 0xc0140840, "a\"b\\c\n", false, -1000}, true);
    table_end(&t, rc);
    return capture_end(&cap);
}

static void test_table(void)
{
    char *text = render(false, 0);
    CHECK_STR(text, "  PID    TASK COMM  %MEM   VSZ  FRAG\n"
                    ">     1  c1303ec0 init      12.3  1024k  0.125\n"
                    "  12345  c0140840 a\"b\\c\n    12.3  1024k -1.000\n"
                    "  START FLAGS\n"
                    "  8048000 READ|EXEC|(none)\n");
    free(text);
    char *json = render(true, 0);
    CHECK_STR(json, "{\"tasks\":[{\"pid\":1,\"task\":\"0xc1303ec0\",\"comm\":\"init\",\"vsz_kb\":1024,\"frag\":0.125,"
                    "\"running\":true,\"kernel_thread\":false},"
                    "{\"pid\":12345,\"task\":\"0xc0140840\",\"comm\":\"a\\\"b\\\\c\\n\",\"vsz_kb\":1024,\"frag\":-1.000,"
                    "\"running\":false,\"maps\":[{\"start\":\"0x8048000\",\"flags\":[\"READ\",\"EXEC\"]}],"
                    "\"kernel_thread\":true}]}\n");
    free(json);
    /* A failed command prints its error document elsewhere: nothing from the table. */
    char *failed = render(true, 1);
    CHECK_STR(failed, "");
    free(failed);
}

static const struct column head_cols[] = {
    COL_U("PID: ", "pid", 0, -6),
    COL_QS("COMMAND: ", "comm", 1),
    COL_LIST("size"),
    COL_JSON(CT_STR, "note"),
};

static const struct column size_cols[] = {
    COL_KB("    RSS", "rss_kb", 0, 7),
};

static char *render_record(bool json)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    struct table r, size;
    record_begin(s, &r, head_cols);
    put_u(&r, "pid", 40);
    put_s(&r, "comm", "workload");
    table_begin_in(&r, &size, NULL, size_cols); /* more members of the record, a table of their own in text */
    row_begin(&size);
    put_u(&size, "rss_kb", 640);
    row_end(&size);
    table_end(&size, 0);
    put_null(&r, "note");
    table_text(&r, "(text only)\n");
    record_end(&r, 0);
    return capture_end(&cap);
}

static void test_record(void)
{
    char *text = render_record(false);
    CHECK_STR(text, "PID: 40     COMMAND: \"workload\"\n    RSS\n    640k\n(text only)\n");
    free(text);
    char *json = render_record(true);
    CHECK_STR(json, "{\"pid\":40,\"comm\":\"workload\",\"rss_kb\":640,\"note\":null}\n");
    free(json);
}

/* Run-time names: pairs shown as more cells of the row under a run-time title (migratetypes),
 * pairs shown as label rows, plain value lists, a one-object table, a null shown as "-", a cell
 * only programs see, and a header repeated for every row. */
static const struct column area_cols[] = {
    COL_U("AREA", "order", 0, 3), COL_LIST("by_type"), COL_X("  NEXT", "next", 2, -6), COL_S("", "note", 1, 0), COL_LIST("sizes"),
};

static const struct column type_cols[] = {
    COL_S("", "type", 0, 0),
    COL_U("", "blocks", 1, 5),
};

static const struct column stat_cols[] = {
    COL_S("", "name", 0, 8),
    COL_U(": ", "value", 0, 0),
};

static const struct column size_value_cols[] = {
    COL_JSON(CT_UNSIGNED, "size"),
};

static const struct column summary_cols[] = {
    COL_LIST("areas"),
    COL_LIST("stats"),
    COL_LIST("last"),
};

static char *render_forms(bool json)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    struct column cols[ARRAY_SIZE(area_cols)];
    memcpy(cols, area_cols, sizeof area_cols);
    cols[1].title = "   Mov   Rec"; /* known only at run time */
    struct table r, areas, types, stats, sizes, last;
    record_begin(s, &r, summary_cols);
    table_open_in(&r, &areas, "areas", SHAPE_LIST, cols, ARRAY_SIZE(cols));
    table_set_header(&areas, HEADER_EACH_ROW);
    for (unsigned order = 0; order < 2; order++) {
        row_begin(&areas);
        put_u(&areas, "order", order);
        pairs_begin_in(&areas, &types, "by_type", type_cols);
        put_pair_u(&types, "Mov", 10 + order);
        put_pair_u(&types, "Rec", 20 + order);
        table_end(&types, 0);
        if (order)
            put_null_as(&areas, "next", "-");
        else
            put_u(&areas, "next", 0xab);
        put_s_as(&areas, "note", order ? "last" : NULL, order ? "(last)" : NULL);
        values_begin_in(&areas, &sizes, "sizes", size_value_cols);
        put_value_u(&sizes, 4096u << order);
        put_value_null(&sizes);
        table_end(&sizes, 0);
        row_end(&areas);
    }
    table_end(&areas, 0);
    pairs_begin_in(&r, &stats, "stats", stat_cols);
    table_set_style(&stats, STYLE_LABELS);
    put_pair_u(&stats, "nr_free", 7);
    table_end(&stats, 0);
    object_begin_in(&r, &last, "last", area_cols);
    put_u(&last, "order", 9);
    table_end(&last, 0);
    record_end(&r, 0);
    return capture_end(&cap);
}

static void test_forms(void)
{
    char *text = render_forms(false);
    CHECK_STR(text, "AREA   Mov   Rec  NEXT\n"
                    "  0    10    20  ab    \n"
                    "AREA   Mov   Rec  NEXT\n"
                    "  1    11    21  -      (last)\n"
                    " nr_free: 7\n"
                    "AREA  NEXT\n" /* the static columns: no run-time title */
                    "  9\n");
    free(text);
    char *json = render_forms(true);
    CHECK_STR(json, "{\"areas\":[{\"order\":0,\"by_type\":{\"Mov\":10,\"Rec\":20},\"next\":\"0xab\",\"note\":null,"
                    "\"sizes\":[4096,null]},"
                    "{\"order\":1,\"by_type\":{\"Mov\":11,\"Rec\":21},\"next\":null,\"note\":\"last\",\"sizes\":[8192,null]}],"
                    "\"stats\":{\"nr_free\":7},\"last\":{\"order\":9}}\n");
    free(json);
}

/* ---- cells rendered by another layer, zero-padded hex, prefixes, suffixes, breaks ---- */

static const struct column regs_cols[] = {
    {.type = CT_UNSIGNED, .title = "", .key = "level", .width = 3, .prefix = "#"},
    COL_MORE(CT_HEX, " [", "sp", 0, 8, COL_ZERO, "]"),
    COLUMN(CT_BOOL, " ", "user", 0, 0, 0, 0),
    COL_MORE(CT_HEX, "EAX: ", "eax", 4, 8, COL_ZERO | COL_BREAK, NULL),
    COL_VALUE(" = ", "value", 0),
    COL_LIST("members"),
};

static const struct column member_cols[] = {
    COL_S("", "name", 2, 0),
    COL_MORE(CT_RENDERED, " = ", "value", 0, 0, 0, ","),
};

/* A renderer standing for printval: "{\n  x = 1\n}" for people, {"x":1} for programs; it fails
 * when its argument says so, as a read of unmapped memory does. */
static int fake_text(void *arg, FILE *out, ks_err *err)
{
    if (arg)
        return ks_fail(err, "not mapped");
    fputs("{\n  x = 1\n}\n", out); /* a trailing newline is the line's own */
    return 0;
}

static int fake_json(void *arg, struct json *j, const char *key, ks_err *err)
{
    if (arg)
        return ks_fail(err, "not mapped");
    json_obj_begin(j, key);
    json_uint(j, "x", 1);
    json_obj_end(j);
    return 0;
}

static char *render_rendered(bool json, bool fail)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    struct cell_render ok = {fake_text, fake_json, NULL}, bad = {fake_text, fake_json, &cap};
    ks_err err;
    struct table t, m;
    table_begin(s, &t, "frames", regs_cols);
    table_set_style(&t, STYLE_LABELS);
    for (unsigned i = 9; i <= 10; i++) {
        row_begin(&t);
        put_u(&t, "level", i);
        put_u(&t, "sp", 0xc0ffee);
        put_b_as(&t, "user", i == 9, i == 9 ? "USER-MODE" : "KERNEL-MODE");
        put_u(&t, "eax", 0x1d);
        put_rendered(&t, "value", &ok, &err);
        row_end(&t);
    }
    row_begin(&t);
    put_u(&t, "level", 11);
    int rc = fail ? put_rendered(&t, "value", &bad, &err) : 0; /* the whole line goes */
    pairs_begin_in(&t, &m, "members", member_cols);
    table_set_style(&m, STYLE_LABELS);
    put_pair_rendered(&m, "a", &ok, &err);
    put_pair_u(&m, "b", 7);
    table_end(&m, 0);
    row_end(&t);
    table_end(&t, rc);
    return capture_end(&cap);
}

static void test_rendered(void)
{
    char *text = render_rendered(false, false);
    CHECK_STR(text, " #9 [00c0ffee] USER-MODE\n    EAX: 0000001d = {\n  x = 1\n}\n"
                    "#10 [00c0ffee] KERNEL-MODE\n    EAX: 0000001d = {\n  x = 1\n}\n"
                    "#11\n"
                    "  a = {\n  x = 1\n},\n  b = 7,\n");
    free(text);
    text = render_rendered(false, true);
    CHECK_STR(text, " #9 [00c0ffee] USER-MODE\n    EAX: 0000001d = {\n  x = 1\n}\n"
                    "#10 [00c0ffee] KERNEL-MODE\n    EAX: 0000001d = {\n  x = 1\n}\n"
                    "  a = {\n  x = 1\n},\n  b = 7,\n");
    free(text);
    char *json = render_rendered(true, false);
    CHECK_STR(json, "{\"frames\":[{\"level\":9,\"sp\":\"0xc0ffee\",\"user\":true,\"eax\":\"0x1d\",\"value\":{\"x\":1}},"
                    "{\"level\":10,\"sp\":\"0xc0ffee\",\"user\":false,\"eax\":\"0x1d\",\"value\":{\"x\":1}},"
                    "{\"level\":11,\"members\":{\"a\":{\"x\":1},\"b\":7}}]}\n");
    free(json);
    json = render_rendered(true, true);
    CHECK_STR(json, ""); /* no document for a failing command */
    free(json);
}

/* ---- numbers, checked against snprintf ---- */

/* Edge values and a spread between them (a fixed sequence: a failure can be rerun). */
static size_t sample_values(uint64_t *v, size_t max)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     9,
                                     10,
                                     15,
                                     16,
                                     99,
                                     100,
                                     255,
                                     256,
                                     4095,
                                     0xdeadbeef,
                                     UINT32_MAX,
                                     1ull << 32,
                                     INT64_MAX,
                                     1ull << 63,
                                     UINT64_MAX - 1,
                                     UINT64_MAX};
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(edges) && n < max; i++)
        v[n++] = edges[i];
    for (uint64_t x = 1; n < max; n++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v[n] = x >> (x % 61); /* every magnitude */
    }
    return n;
}

static void test_fmt(void)
{
    uint64_t v[200];
    size_t n = sample_values(v, ARRAY_SIZE(v));
    for (size_t i = 0; i < n; i++) {
        char got[KS_NUM_MAX], want[64];
        size_t len = fmt_u64(got, v[i]);
        snprintf(want, sizeof want, "%" PRIu64, v[i]);
        CHECK_STR(got, want);
        CHECK(len == strlen(want));
        len = fmt_x64(got, v[i]);
        snprintf(want, sizeof want, "%" PRIx64, v[i]);
        CHECK_STR(got, want);
        CHECK(len == strlen(want));
        len = fmt_i64(got, (int64_t)v[i]); /* the upper half: negative numbers, INT64_MIN and -1 included */
        snprintf(want, sizeof want, "%" PRId64, (int64_t)v[i]);
        CHECK_STR(got, want);
        CHECK(len == strlen(want));
    }
}

/* One cell in a table of one column, for people or programs; the bytes printed (caller frees). */
static char *one_cell(struct column c, bool json, bool is_signed, uint64_t u)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    c.key = "v";
    struct table t;
    table_open(s, &t, "t", SHAPE_LIST, &c, 1);
    table_set_header(&t, HEADER_NONE);
    row_begin(&t);
    if (is_signed)
        put_i(&t, "v", (int64_t)u);
    else
        put_u(&t, "v", u);
    row_end(&t);
    table_end(&t, 0);
    return capture_end(&cap);
}

/* What a number cell was before it was written by hand: the prefix and the number by snprintf
 * (hex zero-filled to the width with COL_ZERO), padded to the width by "%*s". */
static void cell_by_snprintf(char *out, size_t n, const struct column *c, bool is_signed, uint64_t u)
{
    char num[128];
    const char *prefix = c->prefix ? c->prefix : "";
    if (is_signed)
        snprintf(num, sizeof num, "%s%" PRId64, prefix, (int64_t)u);
    else if (c->type == CT_HEX)
        snprintf(num, sizeof num, "%s%0*" PRIx64, prefix, c->flags & COL_ZERO ? c->width : 0, u);
    else
        snprintf(num, sizeof num, "%s%" PRIu64, prefix, u);
    snprintf(out, n, "%*s%s\n", c->width, num, c->type == CT_KB ? "k" : "");
}

static void check_number_cells(const struct column *c, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int is_signed = 0; is_signed < 2; is_signed++) {
            char want[256];
            cell_by_snprintf(want, sizeof want, c, is_signed, v[i]);
            char *got = one_cell(*c, false, is_signed, v[i]);
            CHECK_STR(got, want);
            free(got);
        }
}

static void test_number_cells(void)
{
    uint64_t v[60];
    size_t n = sample_values(v, ARRAY_SIZE(v));
    static const int widths[] = {0, 1, 3, 8, 16, 25, -1, -3, -8, -25};
    for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
        struct column cols[] = {
            COL_U("", NULL, 0, widths[w]),
            COL_X("", NULL, 0, widths[w]),
            COL_KB("", NULL, 0, widths[w]),
            COL_MORE(CT_HEX, "", NULL, 0, widths[w], COL_ZERO, NULL),
            {.type = CT_UNSIGNED, .title = "", .width = widths[w], .prefix = "#"},
            {.type = CT_HEX, .title = "", .width = widths[w], .flags = COL_ZERO, .prefix = "0x"},
        };
        for (size_t c = 0; c < ARRAY_SIZE(cols); c++)
            check_number_cells(&cols[c], v, n);
    }
}

/* Quoted strings, padded either way, and JSON numbers against snprintf. */
static void test_quoted_and_json(void)
{
    static const int widths[] = {0, 2, 5, 12, -2, -5, -12};
    static const char *const strings[] = {"", "a", "workload"};
    for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
            struct capture cap;
            struct session *s = capture_begin(&cap, false);
            struct column c = COLUMN(CT_STR, "", "v", 0, widths[w], 0, COL_QUOTED);
            struct table t;
            table_open(s, &t, "t", SHAPE_LIST, &c, 1);
            table_set_header(&t, HEADER_NONE);
            row_begin(&t);
            put_s(&t, "v", strings[i]);
            row_end(&t);
            table_end(&t, 0);
            char *got = capture_end(&cap), quoted[32], want[64];
            snprintf(quoted, sizeof quoted, "\"%s\"", strings[i]);
            snprintf(want, sizeof want, "%*s\n", widths[w], quoted);
            CHECK_STR(got, want);
            free(got);
        }
    uint64_t v[60];
    size_t n = sample_values(v, ARRAY_SIZE(v));
    for (size_t i = 0; i < n; i++) {
        char want[128];
        char *got = one_cell((struct column)COL_U("", NULL, 0, 0), true, false, v[i]);
        snprintf(want, sizeof want, "{\"t\":[{\"v\":%" PRIu64 "}]}\n", v[i]);
        CHECK_STR(got, want);
        free(got);
        got = one_cell((struct column)COL_I("", NULL, 0, 0), true, true, v[i]);
        snprintf(want, sizeof want, "{\"t\":[{\"v\":%" PRId64 "}]}\n", (int64_t)v[i]);
        CHECK_STR(got, want);
        free(got);
        got = one_cell((struct column)COL_X("", NULL, 0, 0), true, false, v[i]);
        snprintf(want, sizeof want, "{\"t\":[{\"v\":\"0x%" PRIx64 "\"}]}\n", v[i]);
        CHECK_STR(got, want);
        free(got);
    }
}

/* A listing that goes on past entries it cannot read: the marker for people, null and the error
 * object for programs (put_unreadable, put_error). */
static const struct column fd_cols[] = {
    COL_U(" FD", "fd", 0, 3),
    COL_S("  PATH", "path", 2, 0),
    COL_ERROR("error"),
};

static char *render_unreadable(bool json)
{
    struct capture cap;
    struct session *s = capture_begin(&cap, json);
    struct table t;
    ks_err wild, loop;
    ks_fail_at(&wild, KS_E_NOT_MAPPED, KS_AS_KVIRT, 0xdeadb000, "fd 2: not mapped");
    ks_fail_kind(&loop, KS_E_CORRUPT, "fd 3: a loop");
    table_begin(s, &t, "files", fd_cols);
    row_begin(&t);
    put_u(&t, "fd", 1);
    put_s(&t, "path", "/a");
    row_end(&t);
    for (unsigned fd = 2; fd <= 3; fd++) {
        row_begin(&t);
        put_u(&t, "fd", fd);
        put_unreadable(&t, "path", fd == 2 ? &wild : &loop);
        put_error(&t, "error", fd == 2 ? &wild : &loop);
        row_end(&t);
    }
    table_end(&t, 0);
    return capture_end(&cap);
}

static void test_unreadable(void)
{
    char *text = render_unreadable(false);
    CHECK_STR(text, " FD  PATH\n"
                    "  1  /a\n"
                    "  2  (unreadable: not_mapped at deadb000)\n"
                    "  3  (unreadable: corrupt)\n");
    free(text);
    char *json = render_unreadable(true);
    CHECK_STR(json, "{\"files\":[{\"fd\":1,\"path\":\"/a\"},"
                    "{\"fd\":2,\"path\":null,\"error\":{\"message\":\"fd 2: not mapped\",\"kind\":\"not_mapped\","
                    "\"address\":\"0xdeadb000\",\"address_space\":\"kernel_virtual\"}},"
                    "{\"fd\":3,\"path\":null,\"error\":{\"message\":\"fd 3: a loop\",\"kind\":\"corrupt\","
                    "\"address\":null,\"address_space\":\"none\"}}]}\n");
    free(json);
}

int main(void)
{
    test_fmt();
    test_number_cells();
    test_quoted_and_json();
    test_table();
    test_record();
    test_forms();
    test_rendered();
    test_unreadable();
    return check_summary();
}

/* log — the kernel's message log from the dump, oldest first, as dmesg shows it:
 * "[seconds.micros] text". -m adds the level as <N>; -P shows only the crash report (from the
 * oops or panic line on). */
#include <inttypes.h>
#include <string.h>

#include "../kernel/panic.h"
#include "../kernel/printk.h"
#include "../output/output.h"
#include "commands.h"

struct log_ctx {
    bool show_level;
    uint64_t from_seq; /* records before this one are not shown */
    struct table t;
};

/* Programs get each record whole; people get dmesg's lines (print_lines), which is not a table. */
static const struct column record_cols[] = {
    COL_JSON(CT_SIGNED, "seq"),
    COL_JSON(CT_SIGNED, "ts_nsec"),
    COL_JSON(CT_SIGNED, "level"),
    COL_JSON(CT_STR, "text"),
};

/* A record may hold several lines; like dmesg, each gets the record's prefix. */
static void print_lines(struct log_ctx *c, const struct printk_record *r)
{
    FILE *o = c->t.s->out;
    const char *line = r->text, *end = r->text + r->len;
    do {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        fprintf(o, "[%5" PRIu64 ".%06" PRIu64 "] ", r->ts_nsec / 1000000000, r->ts_nsec % 1000000000 / 1000);
        if (c->show_level)
            fprintf(o, "<%u>", r->level);
        fwrite(line, 1, (size_t)(stop - line), o);
        fputc('\n', o);
        line = nl ? nl + 1 : end;
    } while (line < end);
}

static int print_record(const struct printk_record *r, void *arg)
{
    struct log_ctx *c = arg;
    if (r->seq < c->from_seq)
        return 0;
    if (!table_is_json(&c->t)) {
        print_lines(c, r);
        return 0;
    }
    char text[1024];
    snprintf(text, sizeof text, "%.*s", (int)r->len, r->text);
    row_begin(&c->t);
    put_i(&c->t, "seq", (int64_t)r->seq);
    put_i(&c->t, "ts_nsec", (int64_t)r->ts_nsec);
    put_i(&c->t, "level", r->level);
    put_s(&c->t, "text", text);
    row_end(&c->t);
    return 0;
}

static int run_log(struct session *s, int argc, char **argv)
{
    struct log_ctx c = {0};
    bool report = false;
    ks_err err;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m"))
            c.show_level = true;
        else if (!strcmp(argv[i], "-P"))
            report = true;
        else
            return cmd_fail(s, argv[0], "unknown option %s", argv[i]);
    }
    if (report) {
        struct panic_info pi;
        if (panic_find(&s->k, &pi, &err))
            return cmd_fail_err(s, argv[0], &err);
        if (!pi.have_report)
            return cmd_fail(s, argv[0], "the log holds no oops or panic report");
        c.from_seq = pi.report_seq;
    }
    table_begin(s, &c.t, "records", record_cols);
    table_set_header(&c.t, HEADER_NONE);
    return table_end(&c.t, printk_for_each(&s->k, print_record, &c, &err)) ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_log = {
    "log",
    "log [-m] [-P]",
    "the kernel message log",
    "Reads the lockless printk ring buffer (5.10+: prb) from the dump and prints each committed\n"
    "record, oldest first, as \"[seconds.microseconds] text\" (each line of a multi-line record gets\n"
    "the prefix, as dmesg does). -m shows each record's level as <N>. -P shows only the crash report:\n"
    "from the first oops line (BUG:, Oops:, kernel BUG at, general protection fault) or, without\n"
    "one, the panic line (Kernel panic - not syncing:, sysrq: Trigger a crash) to the end.\n"
    "JSON: {\"records\":[{\"seq\",\"ts_nsec\",\"level\",\"text\"}]}",
    run_log,
};

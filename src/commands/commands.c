#define _GNU_SOURCE /* open_memstream */
/* The command list and helpers every command shares. */
#include "commands.h"

#include <inttypes.h>

#include "../kernel/module.h"
#include "../mm/page.h"
#include "../mm/task.h"
#include "../mm/vma.h"
#include "../mm/zone.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct command *const all[] = {
    &cmd_help, &cmd_sys,  &cmd_ps,   &cmd_vm,  &cmd_kmem,   &cmd_frag,  &cmd_task,   &cmd_bt,   &cmd_foreach, &cmd_search, &cmd_list, &cmd_tree,
    &cmd_files, &cmd_mount, &cmd_runq, &cmd_ascii, &cmd_ptob, &cmd_btop, /* issue 11 */
    &cmd_mod,  &cmd_dis,  &cmd_set,  &cmd_sym, &cmd_struct, &cmd_union, &cmd_whatis, &cmd_p,
    &cmd_rd,   &cmd_vtop, &cmd_ptov, &cmd_log, &cmd_eval,   &cmd_q,     &cmd_exit,
    &cmd_diff, /* issue 14 */
    NULL,
};

const struct command *const *command_all(void)
{
    return all;
}

const struct command *command_find(const char *name)
{
    for (size_t i = 0; all[i]; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    /* gdb's print/FMT: "p/x" is p, which reads the format from its own name. */
    if (!strncmp(name, "p/", 2))
        return &cmd_p;
    return NULL;
}

int cmd_fail(struct session *s, const char *cmd, const char *fmt, ...)
{
    char msg[KS_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    session_error(s, cmd, msg);
    return 1;
}

int cmd_fail_err(struct session *s, const char *cmd, const ks_err *e)
{
    session_error_err(s, cmd, e);
    return 1;
}

int cmd_fail_line(struct session *s, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    FILE *e = s->err ? s->err : stderr;
    fprintf(e, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(e, fmt, ap);
    va_end(ap);
    fputc('\n', e);
    return 1;
}

void cmd_json_emit(struct session *s, struct json *j)
{
    fputs(j->sb.buf ? j->sb.buf : "{}", s->out);
    fputc('\n', s->out);
}

struct json *cmd_json_list_begin(struct session *s, struct json *j, const char *key)
{
    if (!s->json)
        return NULL;
    json_init(j);
    json_obj_begin(j, NULL);
    json_arr_begin(j, key);
    return j;
}

int cmd_json_list_end(struct session *s, struct json *j, int rc)
{
    if (!j)
        return rc;
    json_arr_end(j);
    json_obj_end(j);
    if (!rc)
        cmd_json_emit(s, j);
    json_free(j);
    return rc;
}

/* A task address must be a task: one on the task list (or a CPU's idle task), not any address. */
static int check_task(struct session *s, uint64_t task, ks_err *err)
{
    bool known;
    if (task_is_known(&s->k, task, &known, err))
        return -1;
    return known ? 0 : ks_fail_kind(err, KS_E_BAD_ARG, "%#" PRIx64 " is not a task_struct on the task list", task);
}

int cmd_parse_task(struct session *s, const char *arg, uint64_t *task, ks_err *err)
{
    uint64_t v;
    if (parse_u64(arg, 10, &v) && v < s->k.page_offset)
        return find_task_by_pid(&s->k, v, task, err);
    if (parse_u64(arg, 16, task) && *task >= s->k.page_offset)
        return check_task(s, *task, err);
    return ks_fail(err, "not a PID or task address: %s", arg);
}

int cmd_parse_addr(struct session *s, const char *arg, uint64_t *out, ks_err *err)
{
    size_t n = strlen(arg);
    if (n > 1 && (arg[n - 1] == 'd' || arg[n - 1] == 'D') && isdigit((unsigned char)arg[0])) { /* crash's 123d */
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 1), arg);
        if (parse_u64(tmp, 10, out))
            return 0;
    }
    if (parse_u64(arg, 16, out))
        return 0;
    /* symbol, optionally symbol+offset */
    char name[256];
    snprintf(name, sizeof name, "%s", arg);
    char *plus = strchr(name, '+');
    uint64_t add = 0;
    if (plus) {
        *plus = 0;
        if (!parse_u64(plus + 1, 16, &add))
            return ks_fail(err, "bad offset in %s", arg);
    }
    if (ksym_addr(&s->k, name, out, NULL) == 0 || module_sym_addr(&s->k, name, out) == 0) {
        *out += add;
        return 0;
    }
    return ks_fail(err, "not an address, number or symbol: %s", arg);
}

static const struct column page_cols[] = {
    COL_ADDR("  PAGE", "page", 0, 8),
    COL_ADDR("    PHYSICAL", "paddr", 2, 8),
    COL_ADDR("   MAPPING", "mapping", 2, 8),
    COL_U("    INDEX", "index", 2, 7),
    COL_I(" CNT", "count", 1, 3),
    COL_X(" FLAGS", "flags", 1, 0),
    COL_S("", "flag_names", 1, 0),
};

void cmd_page_table_in(struct table *parent, struct table *t, const char *key, enum table_shape shape)
{
    table_open_in(parent, t, key, shape, page_cols, ARRAY_SIZE(page_cols));
}

void cmd_page_table(struct session *s, struct table *t, const char *key)
{
    table_begin(s, t, key, page_cols);
}

void cmd_page_row(struct table *t, const struct page_info *pi)
{
    char names[512];
    page_flag_names(&t->s->k, pi->flags, names, sizeof names);
    row_begin(t);
    put_u(t, "page", pi->page);
    put_u(t, "paddr", pi->pfn << KS_PAGE_SHIFT);
    put_u(t, "mapping", pi->mapping);
    put_u(t, "index", pi->index);
    put_i(t, "count", pi->count);
    put_u(t, "flags", pi->flags);
    put_s(t, "flag_names", names);
    row_end(t);
}

void cmd_page_line(struct session *s, const struct page_info *pi, struct json *j)
{
    struct table t;
    table_open_rows(s, &t, j, page_cols, ARRAY_SIZE(page_cols));
    cmd_page_row(&t, pi);
    table_end(&t, 0);
}

static const struct column vma_cols[] = {
    COL_ADDR("  VMA", "vma", 0, 8),     COL_ADDR("       START", "start", 2, 8),
    COL_ADDR("      END", "end", 2, 8), COL_X("    FLAGS", "flags", 1, 6),
    COL_JSON(CT_STR, "perms"),          COL_JSON(CT_HEX, "offset"),
    COL_S(" FILE", "file", 1, 0),
};

void cmd_vma_table_in(struct table *parent, struct table *t, const char *key, enum table_shape shape)
{
    table_open_in(parent, t, key, shape, vma_cols, ARRAY_SIZE(vma_cols));
}

void cmd_vma_row(struct table *t, const struct vma_info *v, bool with_offset)
{
    row_begin(t); /* one object under a key, or a row of a list: the same calls */
    put_u(t, "vma", v->vma);
    put_u(t, "start", v->start);
    put_u(t, "end", v->end);
    put_u(t, "flags", v->flags);
    put_s(t, "perms", v->perms);
    if (with_offset)
        put_u(t, "offset", v->file ? v->pgoff << KS_PAGE_SHIFT : 0);
    put_s_as(t, "file", v->name[0] ? v->name : NULL, v->name);
    row_end(t);
}

static const struct column task_line_cols[] = {
    COL_U("PID: ", "pid", 0, -6),
    COL_ADDR("TASK: ", "task", 1, 0),
    COL_TEXT(CT_UNSIGNED, "CPU: ", "cpu", 2, -3),
    COL_QS("COMMAND: ", "comm", 1),
};

void cmd_task_record(struct session *s, struct table *r, const struct task_info *ti)
{
    table_open(s, r, NULL, SHAPE_OBJECT, task_line_cols, ARRAY_SIZE(task_line_cols));
    put_u(r, "pid", ti->pid);
    put_u(r, "task", ti->task);
    put_u(r, "cpu", ti->cpu);
    put_s(r, "comm", ti->comm);
}

void cmd_migratetype_columns(const struct zone_geometry *g, const struct column *cols, size_t n, struct column *dst,
                             char title[CMD_MIGRATE_TITLE_MAX])
{
    size_t used = 0;
    title[0] = 0;
    for (unsigned m = 0; m < g->migrate_types && used < CMD_MIGRATE_TITLE_MAX; m++)
        used += (size_t)snprintf(title + used, CMD_MIGRATE_TITLE_MAX - used, " %11s", g->migrate_name[m]);
    memcpy(dst, cols, n * sizeof *cols);
    for (size_t i = 0; i < n; i++)
        if (dst[i].key && !strcmp(dst[i].key, "by_migratetype"))
            dst[i].title = title;
}

static const struct column migrate_cols[] = {
    COL_S("", "migratetype", 0, 0),
    COL_U("", "blocks", 1, 11),
};

void cmd_migratetype_counts(struct table *row, const char *key, const struct zone_geometry *g, const uint64_t *counts)
{
    struct table p;
    pairs_begin_in(row, &p, key, migrate_cols);
    for (unsigned m = 0; m < g->migrate_types; m++)
        put_pair_u(&p, g->migrate_name[m], counts[m]);
    table_end(&p, 0);
}

int cmd_capture(struct session *s, int (*run)(struct session *s, void *arg), void *arg, strbuf *out)
{
    FILE *real = s->out;
    char *buf = NULL;
    size_t len = 0;
    s->out = open_memstream(&buf, &len);
    if (!s->out) {
        s->out = real;
        return -1;
    }
    int failed = run(s, arg) != 0;
    fclose(s->out);
    s->out = real;
    while (len && buf[len - 1] == '\n')
        buf[--len] = 0;
    sb_putn(out, buf, len);
    free(buf);
    return failed;
}

/* The command list and helpers every command shares. */
#include "commands.h"

#include <inttypes.h>

#include "../kernel/module.h"
#include "../mm/page.h"
#include "../mm/task.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct command *const all[] = {
    &cmd_help, &cmd_sys, &cmd_ps, &cmd_vm, &cmd_kmem, &cmd_frag, &cmd_task, &cmd_bt, &cmd_foreach, &cmd_mod, &cmd_dis, &cmd_set, &cmd_sym, &cmd_struct, &cmd_union, &cmd_whatis, &cmd_p, &cmd_rd, &cmd_vtop,
    &cmd_ptov, &cmd_log, &cmd_eval, &cmd_q, &cmd_exit, NULL,
};

const struct command *const *command_all(void) { return all; }

const struct command *command_find(const char *name)
{
    for (size_t i = 0; all[i]; i++)
        if (!strcmp(all[i]->name, name)) return all[i];
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
    if (!s->json) return NULL;
    json_init(j);
    json_obj_begin(j, NULL);
    json_arr_begin(j, key);
    return j;
}

int cmd_json_list_end(struct session *s, struct json *j, int rc)
{
    if (!j) return rc;
    json_arr_end(j);
    json_obj_end(j);
    if (!rc) cmd_json_emit(s, j);
    json_free(j);
    return rc;
}

int cmd_parse_task(struct session *s, const char *arg, uint64_t *task, ks_err *err)
{
    uint64_t v;
    if (parse_u64(arg, 10, &v) && v < s->k.page_offset) return find_task_by_pid(&s->k, v, task, err);
    if (parse_u64(arg, 16, task) && *task >= s->k.page_offset) return 0;
    return ks_fail(err, "not a PID or task address: %s", arg);
}

int cmd_parse_addr(struct session *s, const char *arg, uint64_t *out, ks_err *err)
{
    size_t n = strlen(arg);
    if (n > 1 && (arg[n - 1] == 'd' || arg[n - 1] == 'D') && isdigit((unsigned char)arg[0])) {   /* crash's 123d */
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 1), arg);
        if (parse_u64(tmp, 10, out)) return 0;
    }
    if (parse_u64(arg, 16, out)) return 0;
    /* symbol, optionally symbol+offset */
    char name[256];
    snprintf(name, sizeof name, "%s", arg);
    char *plus = strchr(name, '+');
    uint64_t add = 0;
    if (plus) {
        *plus = 0;
        if (!parse_u64(plus + 1, 16, &add)) return ks_fail(err, "bad offset in %s", arg);
    }
    if (ksym_addr(&s->k, name, out, NULL) == 0 || module_sym_addr(&s->k, name, out) == 0) { *out += add; return 0; }
    return ks_fail(err, "not an address, number or symbol: %s", arg);
}

void cmd_page_line(struct session *s, const struct page_info *pi, struct json *j)
{
    char names[512];
    page_flag_names(&s->k, pi->flags, names, sizeof names);
    if (j) {
        json_obj_begin(j, NULL);
        json_hex(j, "page", pi->page);
        json_hex(j, "paddr", pi->pfn << KS_PAGE_SHIFT);
        json_hex(j, "mapping", pi->mapping);
        json_uint(j, "index", pi->index);
        json_int(j, "count", pi->count);
        json_hex(j, "flags", pi->flags);
        json_str(j, "flag_names", names);
        json_obj_end(j);
        return;
    }
    fprintf(s->out, "%8" PRIx64 "  %8" PRIx64 "  %8" PRIx64 "  %7" PRIu64 " %3" PRId64 " %" PRIx64 " %s\n", pi->page,
            pi->pfn << KS_PAGE_SHIFT, pi->mapping, pi->index, pi->count, pi->flags, names);
}

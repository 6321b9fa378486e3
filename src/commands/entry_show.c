/* What list and tree print of each entry with -s, and the START they take (see commands.h). */
#include <stdio.h>
#include <string.h>

#include "../kernel/module_object.h"
#include "../kernel/printval.h"
#include "commands.h"

int entry_show_parse(struct session *s, char *spec, struct entry_show *e, ks_err *err)
{
    char *dot = strchr(spec, '.');
    if (dot) {
        *dot = 0;
        snprintf(e->members, sizeof e->members, "%s", dot + 1);
    }
    e->type = kdwarf_type_any(s->k.dwarf, spec);
    if (!e->type)
        return ks_fail(err, "no type %s", spec);
    return 0;
}

/* "  a = VALUE," per member, as `task PID a,b` prints them. */
static int text_members(struct session *s, const struct entry_show *e, uint64_t addr, ks_err *err)
{
    char members[sizeof e->members];
    snprintf(members, sizeof members, "%s", e->members);
    struct printval_opts po = {.hex = s->radix == 16};
    char *save = NULL;
    for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        uint64_t off;
        struct ktype *mt;
        if (kt_member_path(s->k.dwarf, e->type, m, &off, &mt, NULL, err))
            return -1;
        fprintf(s->out, "  %s = ", m);
        int rc = print_object(&s->k, s->out, mt, addr + off, 2, &po, err);
        fputs(rc ? "\n" : ",\n", s->out);
        if (rc)
            return -1;
    }
    return 0;
}

int entry_show_text(struct session *s, const struct entry_show *e, uint64_t addr, ks_err *err)
{
    if (e->members[0])
        return text_members(s, e, addr, err);
    char name[256];
    struct printval_opts po = {.hex = s->radix == 16};
    kt_name(s->k.dwarf, e->type, name, sizeof name);
    fprintf(s->out, "%s ", name);
    int rc = print_object(&s->k, s->out, e->type, addr, 0, &po, err);
    fputc('\n', s->out);
    return rc;
}

int entry_show_json(struct kernel *k, struct json *j, const char *key, const struct entry_show *e, uint64_t addr, ks_err *err)
{
    if (!e->members[0])
        return json_object(k, j, key, e->type, addr, err);
    char members[sizeof e->members];
    snprintf(members, sizeof members, "%s", e->members);
    json_obj_begin(j, key);
    char *save = NULL;
    int rc = 0;
    for (char *m = strtok_r(members, ",", &save); m && !rc; m = strtok_r(NULL, ",", &save)) {
        uint64_t off;
        struct ktype *mt;
        rc = kt_member_path(k->dwarf, e->type, m, &off, &mt, NULL, err);
        if (!rc)
            rc = json_object(k, j, m, mt, addr + off, err);
    }
    json_obj_end(j);
    return rc;
}

int entry_parse_start(struct session *s, const char *word, uint64_t *addr, ks_err *err)
{
    const char *dot = strchr(word, '.');
    if (!dot)
        return cmd_parse_addr(s, word, addr, err);
    char var[256];
    snprintf(var, sizeof var, "%.*s", (int)(dot - word), word);
    return kuser_var_addr(&s->k, var, dot + 1, addr, NULL, err);
}
